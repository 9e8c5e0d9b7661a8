"""The job store contract: its transitions, on SQLite and PostgreSQL (``db`` is in conftest)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import AlreadyExistsError, ConflictError, InvalidArgumentError
from jupyter_mlstudio.experiments.run_store import SqlRunStore
from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.jobs.store import SqlJobStore
from jupyter_mlstudio.store.db import Database


def new_job(store: SqlJobStore, name: str, kind: str = "training", run_id: str | None = None):  # type: ignore[no-untyped-def]
    return store.create_job(
        kind=kind, name=name, spec={"kind": kind, "name": name}, executor="local", run_id=run_id
    )


def test_transitions(db: Database) -> None:
    store = SqlJobStore(db, "file:///artifacts")
    job = new_job(store, "a")
    assert (job.status, job.artifact_uri) == ("Pending", f"file:///artifacts/jobs/{job.id}")
    with pytest.raises(AlreadyExistsError, match="'a'"):
        new_job(store, "a")
    assert store.mark_running(job.id, host="h", pid=42, process_start=1.0)
    assert not store.mark_running(job.id, host="h", pid=43, process_start=1.0)  # only once
    store.set_progress(job.id, 0.5, "fitting")
    with pytest.raises(InvalidArgumentError):
        store.set_progress(job.id, 1.5)
    store.add_outputs(job.id, {"model": "m"})
    store.add_outputs(job.id, {"data": "d"})
    running = store.get_job(job.id)
    assert (running.status, running.pid, running.progress) == ("Running", 42, 0.5)
    assert running.outputs == {"model": "m", "data": "d"}

    assert store.request_stop(job.id).status == "Stopping"
    # whatever the process reports after a stop request, the job ends Stopped
    ended = store.finish(job.id, "Failed", "killed by SIGTERM")
    assert (ended.status, ended.failure_reason) == ("Stopped", "Stopped on request.")
    assert store.finish(job.id, "Completed").status == "Stopped"  # never rewritten
    with pytest.raises(ConflictError, match="already ended"):
        store.request_stop(job.id)


def test_a_job_and_its_run_end_together(db: Database, tmp_path: Path) -> None:
    experiments = SqlExperimentStore(db)
    runs = SqlRunStore(db, "file:///artifacts")
    exp = experiments.create_experiment(f"jobs-{tmp_path.name}")
    run = runs.create_run(exp.id, name="r")
    store = SqlJobStore(db, "file:///artifacts")
    job = new_job(store, "with-run", run_id=run.id)
    store.mark_running(job.id, host="h", pid=1, process_start=None)
    store.finish(job.id, "Failed", "out of memory")
    ended = runs.get_run(run.id)
    assert ended.status == "FAILED" and ended.tags["mlstudio.failure"] == "out of memory"


def test_list_newest_first_with_filters_and_pages(db: Database) -> None:
    store = SqlJobStore(db, "file:///artifacts")
    names = [f"job-{i}" for i in range(5)]
    for i, name in enumerate(names):
        new_job(store, name, kind="processing" if i % 2 else "training")
    page = store.list_jobs(max_items=2)
    assert [j.name for j in page.items] == ["job-4", "job-3"] and page.next_token
    rest = store.list_jobs(max_items=10, next_token=page.next_token)
    assert [j.name for j in rest.items] == ["job-2", "job-1", "job-0"] and rest.next_token is None
    assert [j.name for j in store.list_jobs(kind="processing").items] == ["job-3", "job-1"]
    assert store.list_jobs(status="Running").items == []
    with pytest.raises(InvalidArgumentError, match="status must be one of"):
        store.list_jobs(status="Done")
    first = store.get_job_by_name("job-0")
    changed = store.changed_since(first.created_at - timedelta(seconds=1))
    assert {job_id for job_id, _, _ in changed} >= {first.id}
