"""The run store contract on SQLite and PostgreSQL (the ``db`` fixture is in conftest)."""

from __future__ import annotations

import math

import pytest

from jupyter_mlstudio.errors import ConflictError, InvalidArgumentError, NotFoundError
from jupyter_mlstudio.experiments.run_entities import Metric, metric
from jupyter_mlstudio.experiments.run_store import RunStore, SqlRunStore
from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.store.db import Database


@pytest.fixture
def stores(db: Database) -> tuple[SqlExperimentStore, RunStore]:
    return SqlExperimentStore(db), SqlRunStore(db, "file:///artifacts")


@pytest.fixture
def runs(stores: tuple[SqlExperimentStore, RunStore]) -> RunStore:
    return stores[1]


@pytest.fixture
def exp_id(stores: tuple[SqlExperimentStore, RunStore]) -> str:
    return stores[0].create_experiment("e").id


def test_create_and_get(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id, name="first", tags={"a": 1})
    assert run.status == "RUNNING" and run.name == "first"
    assert dict(run.tags) == {"a": "1"}
    assert run.artifact_uri == f"file:///artifacts/experiments/{exp_id}/runs/{run.id}/artifacts"
    assert runs.get_run(run.id) == run
    assert runs.create_run(exp_id).name.count("-") == 2  # generated names look like bold-owl-123


def test_unknown_things_raise_not_found(runs: RunStore, exp_id: str) -> None:
    with pytest.raises(NotFoundError):
        runs.create_run("0" * 32)
    with pytest.raises(NotFoundError):
        runs.create_run(exp_id, parent_run_id="0" * 32)
    with pytest.raises(NotFoundError):
        runs.get_run("nope")
    with pytest.raises(NotFoundError):
        runs.log_batch("nope", params={"a": 1})


def test_log_batch_params_tags_metrics(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id)
    runs.log_batch(
        run.id,
        metrics=[
            metric("loss", 1.0, 0, 100.0),
            metric("loss", 0.5, 1, 101.0),
            metric("acc", 0.7, 0, 100.0),
        ],
        params={"lr": 0.1, "model": "rf"},
        tags={"team": "x"},
    )
    got = runs.get_run(run.id)
    assert dict(got.params) == {"lr": "0.1", "model": "rf"}
    assert dict(got.metrics) == {"loss": 0.5, "acc": 0.7}
    assert dict(got.tags) == {"team": "x"}
    history = runs.get_metric_history(run.id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5)]


def test_latest_metric_is_highest_step_then_latest_timestamp(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id)
    runs.log_batch(run.id, metrics=[metric("m", 5.0, step=10, timestamp=1.0)])
    runs.log_batch(run.id, metrics=[metric("m", 1.0, step=3, timestamp=99.0)])  # older step
    assert runs.get_run(run.id).metrics["m"] == 5.0
    runs.log_batch(run.id, metrics=[metric("m", 7.0, step=10, timestamp=2.0)])  # same step, later
    assert runs.get_run(run.id).metrics["m"] == 7.0
    assert len(runs.get_metric_history(run.id, "m")) == 3


def test_nan_and_infinity_round_trip(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id)
    runs.log_batch(
        run.id, metrics=[Metric("nan", math.nan, 0, 1.0), Metric("inf", math.inf, 0, 1.0)]
    )
    got = runs.get_run(run.id)
    assert math.isnan(got.metrics["nan"])
    assert got.metrics["inf"] == math.inf
    assert math.isnan(runs.get_metric_history(run.id, "nan")[0].value)


def test_params_are_write_once(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id)
    runs.log_batch(run.id, params={"lr": 0.1})
    runs.log_batch(run.id, params={"lr": "0.1"})  # the same value again is fine
    with pytest.raises(ConflictError, match="already logged"):
        runs.log_batch(run.id, params={"lr": 0.2, "other": 1}, metrics=[metric("m", 1.0)])
    got = runs.get_run(run.id)
    assert dict(got.params) == {"lr": "0.1"}  # nothing of the failed batch was written
    assert dict(got.metrics) == {}


def test_tags_overwrite_and_delete(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id, tags={"a": "1"})
    runs.log_batch(run.id, tags={"a": "2", "b": "3"})
    assert dict(runs.get_run(run.id).tags) == {"a": "2", "b": "3"}
    runs.delete_tag(run.id, "a")
    assert dict(runs.get_run(run.id).tags) == {"b": "3"}
    with pytest.raises(NotFoundError):
        runs.delete_tag(run.id, "a")


@pytest.mark.parametrize(
    "bad",
    [
        {"metrics": [("", 1.0)]},
        {"metrics": [("m", "abc")]},
        {"metrics": [("m", 1.0, "x")]},
        {"params": {"": 1}},
        {"params": {"k": "v" * 6001}},
        {"tags": {"k" * 251: "v"}},
    ],
)
def test_bad_values_are_refused(runs: RunStore, exp_id: str, bad: dict[str, object]) -> None:
    run = runs.create_run(exp_id)

    def attempt() -> None:
        metrics = [metric(*m) for m in bad.get("metrics", [])]  # type: ignore[attr-defined]
        runs.log_batch(
            run.id,
            metrics=metrics,
            params=bad.get("params"),  # type: ignore[arg-type]
            tags=bad.get("tags"),  # type: ignore[arg-type]
        )

    with pytest.raises(InvalidArgumentError):
        attempt()


def test_end_rename_move(stores: tuple[SqlExperimentStore, RunStore], exp_id: str) -> None:
    experiments, runs = stores
    other = experiments.create_experiment("other").id
    run = runs.create_run(exp_id)
    ended = runs.end_run(run.id, "failed")
    assert ended.status == "FAILED" and ended.end_time is not None
    with pytest.raises(InvalidArgumentError):
        runs.end_run(run.id, "RUNNING")
    moved = runs.update_run(run.id, name="renamed", experiment_id=other)
    assert (moved.name, moved.experiment_id) == ("renamed", other)
    with pytest.raises(NotFoundError):
        runs.update_run(run.id, experiment_id="0" * 32)


def test_trash_and_restore(runs: RunStore, exp_id: str) -> None:
    run = runs.create_run(exp_id)
    runs.delete_run(run.id)
    assert runs.get_run(run.id).lifecycle == "deleted"
    with pytest.raises(ConflictError, match="trash"):
        runs.log_batch(run.id, metrics=[metric("m", 1.0)])
    runs.restore_run(run.id)
    runs.log_batch(run.id, metrics=[metric("m", 1.0)])
    assert runs.get_run(run.id).lifecycle == "active"


def test_parent_and_children(runs: RunStore, exp_id: str) -> None:
    parent = runs.create_run(exp_id)
    child = runs.create_run(exp_id, parent_run_id=parent.id)
    assert child.parent_run_id == parent.id


def test_dead_runs_are_failed(runs: RunStore, exp_id: str) -> None:
    dead = runs.create_run(exp_id, host="h1", pid=111)
    alive = runs.create_run(exp_id, host="h1", pid=222)
    elsewhere = runs.create_run(exp_id, host="h2", pid=111)
    failed = runs.fail_dead_runs("h1", lambda pid: pid == 222)
    assert failed == [dead.id]
    assert runs.get_run(dead.id).status == "FAILED"
    assert "exited" in runs.get_run(dead.id).tags["mlstudio.failure"]
    assert runs.get_run(alive.id).status == "RUNNING"
    assert runs.get_run(elsewhere.id).status == "RUNNING"


def test_deleting_experiment_deletes_its_runs(
    stores: tuple[SqlExperimentStore, RunStore], exp_id: str
) -> None:
    experiments, runs = stores
    run = runs.create_run(exp_id)
    runs.log_batch(run.id, metrics=[metric("m", 1.0)], params={"p": 1})
    experiments.delete_experiment(exp_id)
    with pytest.raises(NotFoundError):
        runs.get_run(run.id)


def test_search_runs_pages(runs: RunStore, exp_id: str) -> None:
    made = [runs.create_run(exp_id, name=f"r{i}").id for i in range(5)]
    order = ["attributes.run_name ASC"]
    page = runs.search_runs([exp_id], order_by=order, max_items=2)
    assert [r.id for r in page.items] == made[:2] and page.next_token
    seen = [r.id for r in page.items]
    while page.next_token:
        page = runs.search_runs([exp_id], order_by=order, max_items=2, next_token=page.next_token)
        seen += [r.id for r in page.items]
    assert seen == made
    with pytest.raises(InvalidArgumentError, match="max_items"):
        runs.search_runs([exp_id], max_items=1001)
    with pytest.raises(NotFoundError, match="No run with id 'nope'"):
        runs.get_run("nope")
    with pytest.raises(NotFoundError, match=f"No experiment with id '{'0' * 32}'"):
        runs.list_keys("0" * 32)


def test_record_runs_stores_finished_runs_whole_in_one_call(runs: RunStore, exp_id: str) -> None:
    from datetime import UTC, datetime, timedelta

    from jupyter_mlstudio.experiments.run_entities import RunRecord

    parent = runs.create_run(exp_id, name="parent")
    began = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    records = [
        RunRecord(
            name=f"trial-{i}",
            status=status,
            start_time=began + timedelta(seconds=i),
            end_time=began + timedelta(seconds=i, milliseconds=250),
            tags={"trial": i},
            params={"x": 0.5 * i, "kind": "a"},
            metrics=(metric("loss", 1.0 / (i + 1), 0, 100.0), metric("loss", 0.1 * i, 1, 101.0)),
        )
        for i, status in enumerate(["FINISHED", "KILLED", "FAILED"])
    ]
    ids = runs.record_runs(exp_id, records, parent_run_id=parent.id)
    assert len(ids) == 3 and len(set(ids)) == 3
    for i, run_id in enumerate(ids):
        run = runs.get_run(run_id)
        assert run.name == f"trial-{i}" and run.parent_run_id == parent.id
        assert run.status == records[i].status
        assert run.start_time == records[i].start_time and run.end_time == records[i].end_time
        assert dict(run.params) == {"x": str(0.5 * i), "kind": "a"}
        assert dict(run.tags) == {"trial": str(i)}
        # each run its own latest step (the runs' metrics are written in one statement)
        assert dict(run.metrics) == {"loss": 0.1 * i}
        assert [m.step for m in runs.get_metric_history(run_id, "loss")] == [0, 1]
        assert run.artifact_uri.endswith(f"/runs/{run_id}/artifacts")
    assert runs.record_runs(exp_id, []) == []
    # refused whole: nothing of the batch is stored
    before = runs.search_runs([exp_id], max_items=100).items
    running = RunRecord(name="r", status="RUNNING", start_time=began, end_time=began)
    with pytest.raises(InvalidArgumentError, match="ends as one of"):
        runs.record_runs(exp_id, [records[0], running])
    with pytest.raises(NotFoundError):
        runs.record_runs(exp_id, [records[0]], parent_run_id="0" * 32)
    assert len(runs.search_runs([exp_id], max_items=100).items) == len(before)
