"""The monitor store's contract, on SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_mlstudio.errors import AlreadyExistsError, NotFoundError
from jupyter_mlstudio.monitor.entities import AlertSettings, Monitor
from jupyter_mlstudio.monitor.store import SqlMonitorStore
from jupyter_mlstudio.store.db import Database

T = datetime(2026, 12, 4, 10, tzinfo=timezone.utc)


def make(store: SqlMonitorStore, name: str = "churn-dq", **kw: object) -> Monitor:
    args: dict[str, object] = {
        "name": name,
        "kind": "data-quality",
        "endpoint": "churn",
        "data_path": None,
        "baseline": "/tmp/baseline",
        "schedule": "rate(1 hour)",
        "options": {"drift_share": 0.5},
        "alert": AlertSettings("http://127.0.0.1:1/hook", "s3cret", "retrain"),
    }
    args.update(kw)
    return store.create_monitor(**args)  # type: ignore[arg-type]


def test_monitors_round_trip_and_names_are_unique(db: Database) -> None:
    store = SqlMonitorStore(db)
    monitor = make(store)
    assert store.get_monitor("churn-dq") == monitor == store.get_monitor(monitor.id)
    assert monitor.alert.webhook_secret == "s3cret" and monitor.options == {"drift_share": 0.5}
    assert "s3cret" not in repr(monitor)
    with pytest.raises(AlreadyExistsError):
        make(store)
    make(store, "other", endpoint="fraud")
    assert [m.name for m in store.list_monitors()] == ["churn-dq", "other"]
    assert [m.name for m in store.list_monitors(endpoint="fraud")] == ["other"]
    stopped = store.update_monitor(monitor.id, status="Stopped", schedule="0 * * * *")
    assert (stopped.status, stopped.schedule) == ("Stopped", "0 * * * *")
    assert [m.name for m in store.list_monitors(status="Scheduled")] == ["other"]
    with pytest.raises(NotFoundError):
        store.get_monitor("nope")


def test_one_claim_per_monitor_and_scheduled_time(db: Database) -> None:
    store = SqlMonitorStore(db)
    monitor = make(store)
    first = store.claim_execution(monitor.id, T, T - timedelta(hours=1), T)
    assert first is not None and first.status == "Pending" and not first.manual
    assert store.claim_execution(monitor.id, T, T - timedelta(hours=1), T) is None
    assert store.has_execution(monitor.id, T) and not store.has_execution(
        monitor.id, T + timedelta(hours=1)
    )
    assert store.get_execution(first.id).scheduled_time == T


def test_racing_claims_from_many_threads_yield_one_execution(db: Database) -> None:
    store = SqlMonitorStore(db)
    monitor = make(store)
    barrier = threading.Barrier(8)
    won: list[object] = []

    def claim() -> None:
        barrier.wait()
        result = store.claim_execution(monitor.id, T, T - timedelta(hours=1), T)
        if result is not None:
            won.append(result)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert len(store.list_executions(monitor.id)) == 1


def test_an_execution_ends_once(db: Database) -> None:
    store = SqlMonitorStore(db)
    monitor = make(store)
    execution = store.claim_execution(monitor.id, T, T - timedelta(hours=1), T)
    assert execution is not None
    started = store.start_execution(execution.id, job_id="j" * 32, output="/tmp/out")
    assert (started.status, started.job_id, started.output) == ("InProgress", "j" * 32, "/tmp/out")
    assert [e.id for e in store.active_executions()] == [execution.id]
    ended = store.finish_execution(execution.id, "CompletedWithViolations", violations=3)
    assert ended is not None and (ended.status, ended.violations) == ("CompletedWithViolations", 3)
    # a second finisher (another scheduler) loses: it must not alert again
    assert store.finish_execution(execution.id, "Failed", failure_reason="late") is None
    assert store.get_execution(execution.id).status == "CompletedWithViolations"
    assert store.active_executions() == []


def test_alerts_are_listed_after_an_id_and_deleted_with_their_monitor(db: Database) -> None:
    store = SqlMonitorStore(db)
    monitor = make(store)
    executions = []
    for hour in range(3):
        claimed = store.claim_execution(monitor.id, T + timedelta(hours=hour), T, T)
        assert claimed is not None
        executions.append(claimed)
    alerts = [store.add_alert(e, f"alert {i}", "200") for i, e in enumerate(executions)]
    assert [a.message for a in store.list_alerts()] == ["alert 0", "alert 1", "alert 2"]
    assert [a.message for a in store.list_alerts(after_id=alerts[0].id)] == ["alert 1", "alert 2"]
    newest_first = store.list_executions(monitor.id, max_items=2)
    assert [e.scheduled_time for e in newest_first] == [
        T + timedelta(hours=2),
        T + timedelta(hours=1),
    ]
    store.delete_monitor(monitor.id)
    assert store.list_alerts() == [] and store.list_monitors() == []
    with pytest.raises(NotFoundError):
        store.get_execution(executions[0].id)
    with pytest.raises(NotFoundError):
        store.delete_monitor(monitor.id)
