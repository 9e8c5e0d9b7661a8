"""Model Monitor over REST on a real server: a monitor of a table under the root folder,
run now as a real processing job, its executions, violations, report and alert; bad
input refused with a 400 before anything is created; unknown ids 404; the webhook
secret never sent back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.monitor import suggest_baseline

if TYPE_CHECKING:
    from conftest import Call

SECRET = "hunter2-webhook-secret"
TERMINAL = ("Completed", "CompletedWithViolations", "NoData", "Failed")


def _table(seed: int, shift: float = 0.0) -> pd.DataFrame:
    income = np.random.default_rng(seed).normal(50 + shift, 10, 600)
    age = np.random.default_rng(0).integers(18, 80, 600)  # the same in both tables
    return pd.DataFrame({"income": income, "age": age})


@pytest.fixture
def table_inputs(jp_root_dir: Path) -> tuple[str, str]:
    """A baseline folder of the reference table and a table whose income shifted, both
    under the server's root (returned relative to it)."""
    suggest_baseline(_table(1)).save(jp_root_dir / "monitoring" / "baseline")
    _table(2, shift=15).to_csv(jp_root_dir / "monitoring" / "scored.csv", index=False)
    return "monitoring/baseline", "monitoring/scored.csv"


async def _wait_ended(call: Call, monitor: str, timeout: float = 180) -> dict[str, Any]:
    for _ in range(int(timeout / 0.25)):
        # listing the executions ends those whose job ended (what the scheduler's tick does)
        status, page = await call("GET", "monitors", monitor, "executions")
        assert status == 200, page
        if page["items"] and page["items"][0]["status"] in TERMINAL:
            return page["items"][0]  # type: ignore[no-any-return]
        await asyncio.sleep(0.25)
    raise AssertionError(f"the execution of {monitor} did not end")


async def test_monitor_run_now_violations_report_and_alert(
    call: Call, table_inputs: tuple[str, str], resource_events: list[dict[str, Any]]
) -> None:
    baseline, table = table_inputs
    status, monitor = await call(
        "POST",
        "monitors",
        body={
            "name": "scored",
            "data": table,
            "baseline": baseline,
            "schedule": "rate(1 day)",
            "options": {"drift_share": 0.5},
            "webhook_url": "http://127.0.0.1:9/hook",  # nothing listens: reported, not raised
            "webhook_secret": SECRET,
        },
    )
    assert status == 201, monitor
    assert monitor["name"] == "scored" and monitor["kind"] == "data-quality"
    assert monitor["status"] == "Scheduled" and monitor["schedule"] == "rate(1 day)"
    assert monitor["webhook_secret_set"] is True and "webhook_secret" not in monitor
    assert Path(monitor["data_path"]).is_absolute() and monitor["endpoint"] is None
    assert {"resource": "monitors", "action": "created", "id": monitor["id"]} in resource_events

    status, listed = await call("GET", "monitors")
    assert status == 200 and [m["name"] for m in listed["items"]] == ["scored"]
    status, by_id = await call("GET", "monitors", monitor["id"])
    assert status == 200 and by_id["name"] == "scored"

    status, execution = await call("POST", "monitors", "scored", "run")
    assert status == 201, execution
    assert execution["manual"] is True and execution["job_id"]
    assert execution["status"] in ("Pending", "InProgress")

    ended = await _wait_ended(call, "scored")
    assert ended["id"] == execution["id"]
    assert ended["status"] == "CompletedWithViolations", ended
    status, described = await call("GET", "monitor-executions", execution["id"])
    assert status == 200 and described["status"] == "CompletedWithViolations"

    status, violations = await call("GET", "monitor-executions", execution["id"], "violations")
    assert status == 200, violations
    drifted = {
        v["feature_name"]
        for v in violations["items"]
        if v["constraint_check_type"] == "baseline_drift_check"
    }
    assert drifted == {"income"}  # age did not move
    assert len(violations["items"]) == ended["violations"]

    status, report = await call("GET", "monitor-executions", execution["id"], "report")
    assert status == 200, report
    assert report["status"] == "CompletedWithViolations"
    features = {f["name"]: f for f in report["report"]["features"]}
    assert features["income"]["drifted"] is True and features["age"]["drifted"] is False
    assert features["income"]["histogram"]  # what the UI draws: baseline vs current

    status, alerts = await call("GET", "monitor-alerts")
    assert status == 200, alerts
    [alert] = alerts["items"]
    assert alert["execution_id"] == execution["id"] and alert["violations"] == ended["violations"]
    assert alert["webhook_status"].startswith("failed")
    status, later = await call("GET", "monitor-alerts", params={"after_id": alert["id"]})
    assert status == 200 and later["items"] == []
    status, mine = await call("GET", "monitor-alerts", params={"monitor": "scored"})
    assert status == 200 and len(mine["items"]) == 1

    # pause and resume the schedule
    status, stopped = await call("POST", "monitors", "scored", "stop")
    assert status == 200 and stopped["status"] == "Stopped"
    status, started = await call("POST", "monitors", "scored", "start")
    assert status == 200 and started["status"] == "Scheduled"

    # executions page through
    status, second = await call("POST", "monitors", "scored", "run")
    assert status == 201, second
    await _wait_ended(call, "scored")
    status, page = await call("GET", "monitors", "scored", "executions", params={"max_items": 1})
    assert status == 200 and len(page["items"]) == 1 and page["next_token"]
    status, rest = await call(
        "GET",
        "monitors",
        "scored",
        "executions",
        params={"max_items": 1, "next_token": page["next_token"]},
    )
    assert status == 200 and rest["next_token"] is None
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {execution["id"], second["id"]}

    status, _ = await call("DELETE", "monitors", "scored")
    assert status == 204
    status, gone = await call("GET", "monitors", "scored")
    assert status == 404, gone
    status, gone = await call("GET", "monitor-executions", execution["id"])
    assert status == 404, gone


async def test_the_webhook_secret_is_never_sent_back(
    call: Call, table_inputs: tuple[str, str]
) -> None:
    baseline, table = table_inputs
    body = {"data": table, "baseline": baseline, "webhook_secret": SECRET}
    status, created = await call("POST", "monitors", body=body | {"name": "signed"})
    assert status == 201, created
    replies = [json.dumps(created)]
    for path in (("monitors",), ("monitors", "signed")):
        status, reply = await call("GET", *path)
        assert status == 200
        replies.append(json.dumps(reply))
    for verb in ("stop", "start"):
        status, reply = await call("POST", "monitors", "signed", verb)
        assert status == 200
        replies.append(json.dumps(reply))
    assert all(SECRET not in reply for reply in replies)
    # a second monitor of the same name: the conflict's message does not echo it either
    status, conflict = await call("POST", "monitors", body=body | {"name": "signed"})
    assert status == 409 and SECRET not in json.dumps(conflict)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schedule": "cron(every tuesday)"}, "cron"),
        ({"schedule": "rate(0 minutes)"}, "rate"),
        ({"kind": "drift-only"}, "kind"),
        ({"webhook_url": "ftp://example.org/hook"}, "http"),
        ({"webhook_url": "file:///etc/passwd"}, "http"),
        ({"data": "../outside.csv"}, "outside"),
        ({"data": "/../../etc/passwd"}, "outside"),
        ({"baseline": "../elsewhere"}, "outside"),
        ({"data": "file:///etc/passwd"}, "not a URL"),
        ({"data": "monitoring/missing.csv"}, "does not exist"),
        ({"baseline": "monitoring"}, "statistics.json"),
        ({"options": {"drift_share": 2}}, "drift_share"),
        ({"options": {"no_such_option": 1}}, "no_such_option"),
        ({"kind": "model-quality", "options": {"offset_seconds": -1}}, "offset_seconds"),
        ({"name": "bad name!"}, "name"),
        ({"endpoint": "ep"}, "one"),  # an endpoint and a table
    ],
)
async def test_bad_input_is_refused_and_nothing_is_created(
    call: Call, table_inputs: tuple[str, str], changes: dict[str, Any], message: str
) -> None:
    baseline, table = table_inputs
    body = {"name": "m", "data": table, "baseline": baseline} | changes
    status, error = await call("POST", "monitors", body=body)
    assert status == 400, error
    assert message.lower() in error["error"]["message"].lower(), error
    status, listed = await call("GET", "monitors")
    assert status == 200 and listed["items"] == []


async def test_unknown_things_are_404(call: Call, table_inputs: tuple[str, str]) -> None:
    for method, path in [
        ("GET", ("monitors", "nope")),
        ("DELETE", ("monitors", "nope")),
        ("POST", ("monitors", "nope", "run")),
        ("POST", ("monitors", "nope", "stop")),
        ("POST", ("monitors", "nope", "start")),
        ("GET", ("monitors", "nope", "executions")),
        ("GET", ("monitor-executions", "nope")),
        ("GET", ("monitor-executions", "nope", "violations")),
        ("GET", ("monitor-executions", "nope", "report")),
    ]:
        status, error = await call(method, *path)
        assert status == 404, (method, path, error)
        assert error["error"]["code"] == "NOT_FOUND"
    status, error = await call("GET", "monitor-alerts", params={"monitor": "nope"})
    assert status == 404, error
    # a monitor of an endpoint that does not exist
    status, error = await call("POST", "monitors", body={"endpoint": "no-such-endpoint"})
    assert status == 404, error
    status, listed = await call("GET", "monitors")
    assert status == 200 and listed["items"] == []


async def test_ground_truth_from_a_file_and_a_model_quality_execution(
    call: Call, jp_root_dir: Path, mlstudio_home: Path, table_inputs: tuple[str, str]
) -> None:
    """A real endpoint with capture: labels uploaded as a file under the root are merged
    by inference id and a model-quality execution run now reports accuracy."""
    import time
    from datetime import datetime, timedelta, timezone

    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls
    from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window

    X, y = load_iris(return_X_y=True, as_frame=True)
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris-gt", input_example=X)
    start = datetime.now(timezone.utc)
    endpoint = mls.deploy("iris-gt", version=1, capture=True, timeout=120)
    try:
        endpoint.predict(X)
        capture = mlstudio_home / "artifacts" / "endpoints" / "iris-gt" / "data-capture"
        deadline = time.monotonic() + 30
        window = read_window(str(capture), start, datetime.now(timezone.utc) + timedelta(1))
        while not (isinstance(window, CapturedWindow) and window.rows == len(X)):
            assert time.monotonic() < deadline, window
            await asyncio.sleep(0.2)
            window = read_window(str(capture), start, datetime.now(timezone.utc) + timedelta(1))

        # an endpoint that captures nothing cannot be monitored
        plain = mls.deploy("iris-plain", model="iris-gt", version=1, timeout=120)
        try:
            for kind in ("data-quality", "model-quality"):
                status, error = await call(
                    "POST", "monitors", body={"endpoint": "iris-plain", "kind": kind}
                )
                assert status == 400 and "captures nothing" in error["error"]["message"], error
        finally:
            plain.delete()

        status, monitor = await call(
            "POST", "monitors", body={"endpoint": "iris-gt", "kind": "model-quality"}
        )
        assert status == 201, monitor
        assert monitor["name"] == "iris-gt-model-quality" and monitor["endpoint"] == "iris-gt"

        labels = pd.DataFrame(
            {
                "inference_id": window.meta["inference_id"].to_numpy(),
                "inference_row": window.meta["inference_row"].to_numpy(),  # one request
                "label": y.to_numpy(),
            }
        )
        labels.to_csv(jp_root_dir / "labels.csv", index=False)
        status, added = await call(
            "POST", "monitors", monitor["name"], "ground-truth", body={"path": "labels.csv"}
        )
        assert status == 201, added
        assert added["endpoint"] == "iris-gt" and added["rows"] == len(X)

        # ids the endpoint never answered, a file outside the root, a table monitor
        labels.assign(inference_id="never-answered").to_csv(jp_root_dir / "bad.csv")
        # and labels of the wrong type: words for a model whose classes are 0, 1, 2
        labels.assign(label="flower").to_csv(jp_root_dir / "wrong-type.csv", index=False)
        for body, ref in [
            ({"path": "bad.csv"}, monitor["name"]),
            ({"path": "wrong-type.csv"}, monitor["name"]),
            ({"path": "../labels.csv"}, monitor["name"]),
            ({"path": "nothing.csv"}, monitor["name"]),
            ({"path": "labels.csv"}, "table"),
        ]:
            if ref == "table":
                baseline, table = table_inputs
                status, _ = await call(
                    "POST", "monitors", body={"name": "table", "data": table, "baseline": baseline}
                )
                assert status == 201
            status, error = await call("POST", "monitors", ref, "ground-truth", body=body)
            assert status == 400, (body, ref, error)

        status, execution = await call("POST", "monitors", monitor["name"], "run")
        assert status == 201, execution
        ended = await _wait_ended(call, monitor["name"])
        assert ended["status"] == "Completed", ended
        status, report = await call("GET", "monitor-executions", ended["id"], "report")
        assert status == 200, report
        assert report["report"]["labelled_rows"] == len(X)
        quality = report["report"]["quality"]
        assert quality["problem_type"] == "multiclass" and quality["metrics"]["accuracy"] > 0.9
    finally:
        endpoint.delete()
