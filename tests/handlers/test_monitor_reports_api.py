"""The monitor's history (charts) and constraint editor over REST on a real server: a
table monitor run twice as real processing jobs, its drift over time; constraints read,
edited (a new version), refused with a 400 and nothing written on a bad value, 409 on a
stale version, reset to suggested; unknown monitors 404."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.monitor import suggest_baseline

if TYPE_CHECKING:
    from conftest import Call

TERMINAL = ("Completed", "CompletedWithViolations", "NoData", "Failed")


def _table(seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.normal(50 + shift, 10, 600),
            "age": np.random.default_rng(0).integers(18, 80, 600),
            "plan": rng.choice(["basic", "plus"], 600),
        }
    )


@pytest.fixture
def monitor_inputs(jp_root_dir: Path) -> Path:
    suggest_baseline(_table(1)).save(jp_root_dir / "monitoring" / "baseline")
    _table(2).to_csv(jp_root_dir / "monitoring" / "scored.csv", index=False)
    return jp_root_dir / "monitoring"


async def _run(call: Call, monitor: str) -> dict[str, Any]:
    status, execution = await call("POST", "monitors", monitor, "run")
    assert status == 201, execution
    for _ in range(720):
        status, page = await call("GET", "monitors", monitor, "executions")
        if page["items"][0]["id"] == execution["id"] and page["items"][0]["status"] in TERMINAL:
            return page["items"][0]  # type: ignore[no-any-return]
        await asyncio.sleep(0.25)
    raise AssertionError("the execution did not end")


async def _create(call: Call) -> None:
    status, monitor = await call(
        "POST",
        "monitors",
        body={"name": "scored", "data": "monitoring/scored.csv", "baseline": "monitoring/baseline"},
    )
    assert status == 201, monitor


async def test_history_of_two_executions(call: Call, monitor_inputs: Path) -> None:
    await _create(call)
    first = await _run(call, "scored")
    _table(2, shift=15).to_csv(monitor_inputs / "scored.csv", index=False)
    second = await _run(call, "scored")
    assert (first["status"], second["status"]) == ("Completed", "CompletedWithViolations")

    status, history = await call("GET", "monitors", "scored", "history")
    assert status == 200, history
    assert history["kind"] == "data-quality" and history["quality"] == []
    assert [e["id"] for e in history["executions"]] == [first["id"], second["id"]]
    assert history["features"][0]["name"] == "income"  # the one that drifted, first
    income = history["features"][0]
    assert income["drifted_count"] == 1 and income["max_severity"] > 1
    assert [p["drifted"] for p in income["points"]] == [False, True]
    assert income["points"][0]["method"] == "ks"  # a 600-row baseline: p-value tests
    assert income["points"][1]["p_value"] < income["points"][1]["threshold"] == 0.05
    assert "histogram" not in income["points"][0]

    status, newest = await call("GET", "monitors", "scored", "history", params={"max_items": 1})
    assert status == 200 and [e["id"] for e in newest["executions"]] == [second["id"]]
    status, error = await call("GET", "monitors", "scored", "history", params={"max_items": 0})
    assert status == 400, error
    status, error = await call("GET", "monitors", "nope", "history")
    assert status == 404, error


async def test_constraints_edit_over_rest(call: Call, monitor_inputs: Path) -> None:
    await _create(call)
    current = monitor_inputs / "baseline" / "constraints.json"
    suggested = current.read_text()
    status, shown = await call("GET", "monitors", "scored", "constraints")
    assert status == 200, shown
    assert (shown["version"], shown["edited"]) == (0, False)
    by_name = {f["name"]: f for f in shown["features"]}
    assert by_name["income"]["inferred_type"] == "Fractional"
    assert by_name["age"]["is_non_negative"] is True
    assert sorted(by_name["plan"]["domains"]) == ["basic", "plus"]

    # one bad value among good ones: a 400 naming it, nothing written
    bad = [
        {**by_name["age"], "completeness": 0.5},
        {**by_name["income"], "comparison_method": "ks", "comparison_threshold": 3},
    ]
    status, error = await call(
        "PUT", "monitors", "scored", "constraints", body={"version": 0, "features": bad}
    )
    assert status == 400, error
    assert "income: a ks threshold is a p-value below 1" in error["error"]["message"]
    assert current.read_text() == suggested
    assert not (monitor_inputs / "baseline" / "constraints-versions").exists()
    bodies: list[dict[str, Any]] = [
        {"version": 0, "features": [{**by_name["age"], "inferred_type": "Decimal"}]},
        {"version": 0, "features": [{**by_name["age"], "completeness": "high"}]},
        {"version": -1, "features": []},
        {"features": []},
    ]
    for body in bodies:
        status, error = await call("PUT", "monitors", "scored", "constraints", body=body)
        assert status == 400, (body, error)
        assert error["error"]["message"]

    good = [{**by_name["age"], "completeness": 0.5}, {**by_name["plan"], "domains": ["basic"]}]
    status, saved = await call(
        "PUT", "monitors", "scored", "constraints", body={"version": 0, "features": good}
    )
    assert status == 200, saved
    assert (saved["version"], saved["edited"]) == (2, True)
    saved_by_name = {f["name"]: f for f in saved["features"]}
    assert saved_by_name["age"]["completeness"] == 0.5
    assert saved_by_name["plan"]["domains"] == ["basic"]
    assert saved_by_name["income"] == by_name["income"]  # not named: unchanged
    # an execution now checks the edited domain: "plus" is a new category
    ended = await _run(call, "scored")
    status, violations = await call("GET", "monitor-executions", ended["id"], "violations")
    assert {
        v["feature_name"]
        for v in violations["items"]
        if v["constraint_check_type"] == "categorical_values_check"
    } == {"plan"}

    status, error = await call(
        "PUT", "monitors", "scored", "constraints", body={"version": 0, "features": good}
    )
    assert status == 409, error
    status, reset = await call(
        "POST", "monitors", "scored", "constraints", "reset", body={"version": 2}
    )
    assert status == 200, reset
    assert (reset["version"], reset["edited"]) == (3, False)
    assert current.read_text() == suggested
    status, error = await call("GET", "monitors", "nope", "constraints")
    assert status == 404, error


async def test_model_quality_history_of_a_real_endpoint(
    call: Call, jp_root_dir: Path, mlstudio_home: Path
) -> None:
    """Realized quality across two model-quality executions of a real endpoint with
    capture, labels uploaded as a file; such a monitor has no per-feature constraints."""
    import time
    from datetime import datetime, timedelta, timezone

    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls
    from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window

    X, y = load_iris(return_X_y=True, as_frame=True)
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris-h", input_example=X)
    start = datetime.now(timezone.utc)
    endpoint = mls.deploy("iris-h", version=1, capture=True, timeout=120)
    try:
        endpoint.predict(X)
        capture = str(mlstudio_home / "artifacts" / "endpoints" / "iris-h" / "data-capture")
        deadline = time.monotonic() + 30
        window = read_window(capture, start, datetime.now(timezone.utc) + timedelta(1))
        while not (isinstance(window, CapturedWindow) and window.rows == len(X)):
            assert time.monotonic() < deadline, window
            await asyncio.sleep(0.2)
            window = read_window(capture, start, datetime.now(timezone.utc) + timedelta(1))
        status, monitor = await call(
            "POST", "monitors", body={"endpoint": "iris-h", "kind": "model-quality"}
        )
        assert status == 201, monitor
        name = monitor["name"]
        status, error = await call("GET", "monitors", name, "constraints")
        assert status == 400 and "metric thresholds" in error["error"]["message"], error

        # before labels: NoData, nothing to draw yet
        early = await _run(call, name)
        assert early["status"] == "NoData", early
        status, history = await call("GET", "monitors", name, "history")
        assert status == 200 and history["kind"] == "model-quality", history
        assert history["quality"] == [] and history["features"] == []

        # labels: a wrong one for every third row, so accuracy is about 2/3
        labels = y.to_numpy().copy()
        labels[::3] = (labels[::3] + 1) % 3
        pd.DataFrame(
            {
                "inference_id": window.meta["inference_id"].to_numpy(),
                "inference_row": window.meta["inference_row"].to_numpy(),  # one request
                "label": labels,
            }
        ).to_csv(jp_root_dir / "labels.csv", index=False)
        status, added = await call(
            "POST", "monitors", name, "ground-truth", body={"path": "labels.csv"}
        )
        assert status == 201, added
        ended = await _run(call, name)
        assert ended["status"] in ("Completed", "CompletedWithViolations"), ended
        status, history = await call("GET", "monitors", name, "history")
        assert status == 200, history
        assert [e["id"] for e in history["executions"]] == [early["id"], ended["id"]]
        [point] = history["quality"]
        assert point["execution_id"] == ended["id"] and point["labelled_rows"] == len(X)
        assert point["problem_type"] == "multiclass"
        status, report = await call("GET", "monitor-executions", ended["id"], "report")
        assert point["metrics"] == report["report"]["quality"]["metrics"]
        assert 0.5 < point["metrics"]["accuracy"] < 0.75
    finally:
        endpoint.delete()
