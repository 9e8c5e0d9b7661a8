"""The tuning store contract, on SQLite and PostgreSQL (``db`` is in conftest)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
)
from jupyter_mlstudio.experiments.run_store import SqlRunStore
from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.store.db import Database
from jupyter_mlstudio.tuning.entities import TrialCounts
from jupyter_mlstudio.tuning.store import SqlTuningStore


def test_transitions_and_progress(db: Database, tmp_path: Path) -> None:
    experiments = SqlExperimentStore(db)
    runs = SqlRunStore(db, "file:///artifacts")
    exp = experiments.create_experiment(f"tuning-{tmp_path.name}")
    parent = runs.create_run(exp.id, name="parent")
    store = SqlTuningStore(db)
    job = store.create(
        name="t1", spec={"strategy": "Bayesian"}, parent_run_id=parent.id, experiment_id=exp.id
    )
    assert (job.status, job.parent_run_id, job.counts) == ("Pending", parent.id, TrialCounts())
    assert job.spec == {"strategy": "Bayesian"}
    with pytest.raises(AlreadyExistsError, match="'t1'"):
        store.create(name="t1", spec={})
    assert store.name_taken("t1") and not store.name_taken("t2")
    assert store.get_by_name("t1").id == job.id
    with pytest.raises(NotFoundError):
        store.get("nope")

    assert store.mark_running(job.id)
    assert not store.mark_running(job.id)  # only once
    counts = TrialCounts(started=3, running=2, completed=1, pruned=0, failed=0)
    store.record_progress(job.id, counts, best_value=0.9, best_trial=1, message="3 of 4 started")
    running = store.get(job.id)
    assert (running.status, running.counts, running.best_value, running.best_trial) == (
        "Running",
        counts,
        0.9,
        1,
    )
    assert running.status_message == "3 of 4 started"
    assert [j.id for j in store.in_statuses({"Running"})] == [job.id]

    assert store.request_stop(job.id).status == "Stopping"
    # whatever the supervisor reports after a stop request, it ends Stopped
    ended = store.finish(job.id, "Failed", "3 trials failed in a row")
    assert (ended.status, ended.failure_reason, ended.counts.running) == ("Stopped", None, 0)
    assert store.finish(job.id, "Completed").status == "Stopped"  # never rewritten
    store.record_progress(job.id, TrialCounts(started=9), best_value=None, best_trial=None)
    assert store.get(job.id).counts.started == 3  # ignored once ended
    with pytest.raises(ConflictError, match="already ended"):
        store.request_stop(job.id)
    with pytest.raises(InvalidArgumentError):
        store.finish(job.id, "Running")


def test_pending_stop_failure_reason_and_owner(db: Database) -> None:
    store = SqlTuningStore(db)
    pending = store.create(name="p", spec={}, owner_host="h", owner_pid=1)
    stopped = store.request_stop(pending.id)
    assert (stopped.status, stopped.ended_at is not None) == ("Stopped", True)
    assert not store.mark_running(pending.id)  # stopped before it started: never starts

    job = store.create(name="f", spec={}, owner_host="h", owner_pid=1)
    assert not store.claim_owner(job.id, host="h", pid=2, previous=("h", 99))
    assert store.claim_owner(job.id, host="h", pid=2, previous=("h", 1))
    assert store.get(job.id).owner_pid == 2
    store.mark_running(job.id)
    failed = store.finish(job.id, "Failed", "5 consecutive trials failed", "gave up")
    assert (failed.status, failed.failure_reason, failed.status_message) == (
        "Failed",
        "5 consecutive trials failed",
        "gave up",
    )
    assert not store.claim_owner(job.id, host="h", pid=3, previous=("h", 2))


def test_list_pages_newest_first(db: Database) -> None:
    store = SqlTuningStore(db)
    ids = [store.create(name=f"t{i}", spec={}).id for i in range(5)]
    first = store.list_tuning_jobs(max_items=2)
    assert [j.id for j in first.items] == ids[::-1][:2] and first.next_token
    rest = store.list_tuning_jobs(max_items=10, next_token=first.next_token)
    assert [j.id for j in rest.items] == ids[::-1][2:] and rest.next_token is None
    before = store.get(ids[-1]).updated_at  # after every create
    store.mark_running(ids[0])
    assert [j.id for j in store.list_tuning_jobs(status="Running").items] == [ids[0]]
    changed = store.changed_since(before + timedelta(microseconds=1))
    assert [c[0] for c in changed] == [ids[0]]  # the change events see the new status
    with pytest.raises(InvalidArgumentError, match="status"):
        store.list_tuning_jobs(status="Bogus")
    with pytest.raises(InvalidArgumentError):
        store.list_tuning_jobs(max_items=0)
