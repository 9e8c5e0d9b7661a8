"""Jobs and tuning jobs share one lifecycle (``statuses.py``, ``store/transitions.py``): the
same statuses, transitions and messages in both stores, on SQLite and PostgreSQL (``db`` is in
conftest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.store import SqlJobStore
from jupyter_mlstudio.store.db import Database
from jupyter_mlstudio.tuning.store import SqlTuningStore


class Lifecycle:
    """One store's lifecycle operations under common names."""

    def __init__(self, kind: str, db: Database) -> None:
        self.kind = kind
        if kind == "job":
            jobs = SqlJobStore(db, "file:///artifacts")
            self.create: Callable[[str], Any] = lambda name: jobs.create_job(
                kind="processing", name=name, spec={}, executor="local"
            )
            self.start: Callable[[str], bool] = lambda i: jobs.mark_running(
                i, host="h", pid=1, process_start=None
            )
            self.get: Callable[[str], Any] = jobs.get_job
            self.list: Callable[..., Any] = jobs.list_jobs
            self.store: Any = jobs
        else:
            tuning = SqlTuningStore(db)
            self.create = lambda name: tuning.create(name=name, spec={})
            self.start = tuning.mark_running
            self.get = tuning.get
            self.list = tuning.list_tuning_jobs
            self.store = tuning

    def note(self, row: Any) -> str | None:
        """Where the store says why a row stopped: a job's failure reason, a tuning
        job's status message."""
        note: str | None = row.failure_reason if self.kind == "job" else row.status_message
        return note


@pytest.fixture(params=["job", "tuning job"])
def lifecycle(request: pytest.FixtureRequest, db: Database) -> Lifecycle:
    return Lifecycle(request.param, db)


def test_a_stop_request_wins_over_what_the_process_reports(lifecycle: Lifecycle) -> None:
    for reported in ("Failed", "Stopped"):
        row = lifecycle.create(f"asked-{reported}")
        assert lifecycle.start(row.id)
        assert lifecycle.store.request_stop(row.id).status == "Stopping"
        ended = lifecycle.store.finish(row.id, reported, "killed by SIGTERM")
        assert (ended.status, lifecycle.note(ended)) == ("Stopped", "Stopped on request.")
        assert ended.started_at <= ended.ended_at


def test_a_pending_row_stops_at_once_and_never_starts(lifecycle: Lifecycle) -> None:
    row = lifecycle.create("queued")
    stopped = lifecycle.store.request_stop(row.id)
    assert (stopped.status, lifecycle.note(stopped)) == ("Stopped", "Stopped before it started.")
    assert stopped.ended_at is not None and not lifecycle.start(row.id)
    assert lifecycle.store.finish(row.id, "Completed").status == "Stopped"  # never rewritten


def test_the_same_messages_for_a_bad_status(lifecycle: Lifecycle) -> None:
    row = lifecycle.create("r")
    what = "A job" if lifecycle.kind == "job" else "A tuning job"
    # one message, the same in every process (a set's order is not)
    with pytest.raises(InvalidArgumentError) as ended:
        lifecycle.store.finish(row.id, "Running")
    assert str(ended.value) == f"{what} ends as one of Completed, Failed, Stopped."
    with pytest.raises(InvalidArgumentError) as listed:
        lifecycle.list(status="Done")
    assert str(listed.value) == (
        "status must be one of Pending, Running, Completed, Failed, Stopping, Stopped."
    )
