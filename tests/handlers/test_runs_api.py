"""Runs, metric histories and artifacts over REST on a real server and real SQLite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from tornado.httpclient import HTTPResponse

import jupyter_mlstudio as mls

if TYPE_CHECKING:
    from conftest import Call

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mlstudio", "api", "v1")


async def new_experiment(call: Call) -> dict[str, Any]:
    status, exp = await call("POST", "experiments", body={"name": "runs-api"})
    assert status == 201
    return exp  # type: ignore[no-any-return]


async def make_run(call: Call, exp_id: str, name: str, auc: float, c: str) -> str:
    status, run = await call("POST", "runs", body={"experiment_id": exp_id, "name": name})
    assert status == 201
    metrics = [{"key": "loss", "value": 1.0 / (s + 1), "step": s} for s in range(20)]
    metrics.append({"key": "auc", "value": auc})
    status, _ = await call(
        "POST",
        "runs",
        run["id"],
        "batch",
        body={"metrics": metrics, "params": {"C": c}, "tags": {"t": name}},
    )
    assert status == 204
    return str(run["id"])


async def test_log_and_search(call: Call) -> None:
    experiment = await new_experiment(call)
    ids = [await make_run(call, experiment["id"], f"r{i}", 0.7 + i / 10, str(i)) for i in range(3)]
    status, page = await call(
        "GET",
        "experiments",
        experiment["id"],
        "runs",
        params={"filter": "metrics.auc > 0.75", "order_by": "metrics.auc DESC"},
    )
    assert status == 200
    assert [r["id"] for r in page["items"]] == [ids[2], ids[1]]
    assert page["total"] == 2
    run = page["items"][0]
    assert run["params"] == {"C": "2"} and run["tags"] == {"t": "r2"}
    assert run["metrics"]["loss"] == pytest.approx(1 / 20)
    status, keys = await call("GET", "experiments", experiment["id"], "keys")
    assert keys == {"metrics": ["auc", "loss"], "params": ["C"], "tags": ["t"]}


async def test_pagination_with_total(call: Call) -> None:
    experiment = await new_experiment(call)
    for i in range(5):
        await make_run(call, experiment["id"], f"r{i}", i / 10, str(i))
    seen: list[str] = []
    params: dict[str, str] = {"max_items": "2", "order_by": "params.C ASC"}
    while True:
        _, page = await call("GET", "experiments", experiment["id"], "runs", params=params)
        assert page["total"] == 5
        seen += [r["name"] for r in page["items"]]
        if not page["next_token"]:
            break
        params["next_token"] = page["next_token"]
    assert seen == [f"r{i}" for i in range(5)]


@pytest.mark.parametrize(
    "bad",
    [
        "metrics.auc >",
        "metrics.auc > 0; DROP TABLE runs",
        "nonsense = 1",
        "params.C = 'x",
        "metrics.auc LIKE 'a'",
    ],
)
async def test_bad_filters_are_400_with_message(call: Call, bad: str) -> None:
    experiment = await new_experiment(call)
    await make_run(call, experiment["id"], "r", 0.5, "1")
    status, payload = await call(
        "GET", "experiments", experiment["id"], "runs", params={"filter": bad}
    )
    assert status == 400, payload
    assert payload["error"]["code"] == "INVALID_ARGUMENT"
    _, page = await call("GET", "experiments", experiment["id"], "runs")
    assert page["total"] == 1  # the table is intact


async def test_bad_order_by_is_400(call: Call) -> None:
    experiment = await new_experiment(call)
    for order_by in ("metrics.auc SIDEWAYS", ",", "nope ASC"):
        status, payload = await call(
            "GET", "experiments", experiment["id"], "runs", params={"order_by": order_by}
        )
        assert status == 400, (order_by, payload)


async def test_unknown_experiment_and_run_are_404(call: Call) -> None:
    status, _ = await call("GET", "experiments", "0" * 32, "runs")
    assert status == 404
    status, _ = await call("POST", "runs", body={"experiment_id": "0" * 32})
    assert status == 404
    status, _ = await call("GET", "runs", "0" * 32)
    assert status == 404


async def test_metric_histories_downsample(call: Call) -> None:
    experiment = await new_experiment(call)
    _, run = await call("POST", "runs", body={"experiment_id": experiment["id"]})
    metrics = [{"key": "x", "value": float(i % 97), "step": i} for i in range(5000)]
    metrics[2500]["value"] = 1e6  # a spike downsampling must keep
    status, _ = await call("POST", "runs", run["id"], "batch", body={"metrics": metrics})
    assert status == 204
    status, payload = await call(
        "GET",
        "metric-histories",
        params={"run_ids": run["id"], "keys": "x,missing", "max_points": "100"},
    )
    assert status == 200
    [series] = payload["items"]
    assert series["total"] == 5000 and series["downsampled"] is True
    assert len(series["points"]) <= 100
    values = [p["value"] for p in series["points"]]
    assert 1e6 in values
    assert series["points"][-1]["step"] == 4999  # the last point is kept
    assert [p["step"] for p in series["points"]] == sorted(p["step"] for p in series["points"])


async def test_nan_is_null_on_the_wire(call: Call) -> None:
    experiment = await new_experiment(call)
    _, run = await call("POST", "runs", body={"experiment_id": experiment["id"]})
    await call(
        "POST",
        "runs",
        run["id"],
        "batch",
        body={"metrics": [{"key": "nan", "value": None}]},
    )
    _, got = await call("GET", "runs", run["id"])
    assert got["metrics"] == {"nan": None}


async def test_end_trash_restore(call: Call) -> None:
    experiment = await new_experiment(call)
    _, run = await call("POST", "runs", body={"experiment_id": experiment["id"]})
    status, ended = await call(
        "PATCH", "runs", run["id"], body={"status": "FINISHED", "name": "done"}
    )
    assert status == 200 and ended["status"] == "FINISHED" and ended["name"] == "done"
    status, _ = await call("DELETE", "runs", run["id"])
    assert status == 204
    _, page = await call("GET", "experiments", experiment["id"], "runs")
    assert page["total"] == 0
    _, trash = await call(
        "GET", "experiments", experiment["id"], "runs", params={"lifecycle": "deleted"}
    )
    assert [r["id"] for r in trash["items"]] == [run["id"]]
    status, restored = await call("POST", "runs", run["id"], "restore")
    assert status == 200 and restored["lifecycle"] == "active"


async def test_param_conflict_is_409(call: Call) -> None:
    experiment = await new_experiment(call)
    run_id = await make_run(call, experiment["id"], "r", 0.5, "1")
    status, payload = await call("POST", "runs", run_id, "batch", body={"params": {"C": "2"}})
    assert status == 409 and "already logged" in payload["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"metrics": [{"key": "m"}]},
        {"metrics": [{"key": "m", "value": "x"}]},
        {"metrics": "nope"},
        {"params": {"a": 1}},
        {"extra": 1},
    ],
)
async def test_bad_batches_are_400(call: Call, body: dict[str, Any]) -> None:
    experiment = await new_experiment(call)
    _, run = await call("POST", "runs", body={"experiment_id": experiment["id"]})
    status, payload = await call("POST", "runs", run["id"], "batch", body=body)
    assert status == 400, payload


async def test_artifacts_list_and_stream(call: Call, jp_fetch: Fetch, tmp_path: Any) -> None:
    png = bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 64
    (tmp_path / "plot.png").write_bytes(png)
    (tmp_path / "logged").mkdir()
    (tmp_path / "logged" / "t.csv").write_text("a,b\n1,2\n")
    with mls.start_run("art") as run:
        run.log_artifact(tmp_path / "plot.png")
        run.log_artifacts(tmp_path / "logged", "data")
    status, listing = await call("GET", "runs", run.id, "artifacts")
    assert status == 200
    assert [(i["name"], i["is_dir"]) for i in listing["items"]] == [
        ("data", True),
        ("plot.png", False),
    ]
    _, inner = await call("GET", "runs", run.id, "artifacts", params={"path": "data"})
    assert inner["items"][0]["path"] == "data/t.csv"
    response = await jp_fetch(
        *API, "runs", run.id, "artifacts", "content", params={"path": "plot.png"}
    )
    assert response.body == png
    assert response.headers["Content-Type"] == "image/png"
    response = await jp_fetch(
        *API, "runs", run.id, "artifacts", "content", params={"path": "data/t.csv"}
    )
    assert response.headers["Content-Type"].startswith("text/csv")
    for path, code in (("../../../etc/passwd", 400), ("missing.txt", 404), ("data", 404)):
        status, payload = await call(
            "GET", "runs", run.id, "artifacts", "content", params={"path": path}
        )
        assert status == code, (path, payload)


async def test_sdk_writes_are_pushed_as_events(
    jp_fetch: Fetch, jp_serverapp: Any, resource_events: list[dict[str, Any]]
) -> None:
    """A run logged from another process reaches listeners without any REST call."""
    import asyncio

    seen = resource_events
    await jp_fetch(*API, "status")  # the extension (and its watcher) is up
    studio = jp_serverapp.web_app.settings["mlstudio.studio"]
    exp = studio.experiments.create_experiment("watched")
    run = await asyncio.get_running_loop().run_in_executor(
        None, lambda: studio.experiments.create_run(exp.id)
    )
    for _ in range(60):
        if any(e["id"] == run.id for e in seen):
            break
        await asyncio.sleep(0.1)
    assert {"resource": "runs", "action": "created", "id": run.id} in seen
    seen.clear()
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: studio.experiments.end_run(run.id)
    )
    for _ in range(60):
        if seen:
            break
        await asyncio.sleep(0.1)
    assert {"resource": "runs", "action": "updated", "id": run.id} in seen
