"""The tuning store: tuning job rows and their status transitions.

Like the job store, every transition is one conditional update in one transaction
(``store/transitions.py``), so a server, a kernel and a restarted server can race on a
tuning job safely: ``finish`` never overwrites a terminal status and a job stopped while
Pending never starts.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConflictError
from ..statuses import TERMINAL_STATUSES
from ..store import transitions
from ..store.db import Database
from ..store.lookup import changes_since, insert_named, name_taken, row_by_id, row_by_name
from ..store.orm import utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, Page, PageWindow
from ..store.transitions import MAX_REASON
from .entities import PENDING, STOPPED, TrialCounts, TuningJob
from .orm import TuningJobRow


class TuningStore(abc.ABC):
    """What every tuning job backend provides.

    Thread- and process-safe; returned tuning jobs are immutable snapshots.

    Raises (all ``MLStudioError``): ``InvalidArgumentError`` for an unknown status, a
    non-terminal status given to ``finish`` or a bad pagination argument;
    ``NotFoundError`` for an unknown id or name; ``AlreadyExistsError`` when ``create``
    would duplicate a name; ``ConflictError`` when ``request_stop`` is asked of a tuning
    job that already ended; ``StoreUnavailableError`` when the database cannot be reached.
    """

    @abc.abstractmethod
    def create(
        self,
        *,
        name: str,
        spec: Mapping[str, Any],
        parent_run_id: str | None = None,
        experiment_id: str | None = None,
        owner_host: str | None = None,
        owner_pid: int | None = None,
    ) -> TuningJob:
        """A new Pending tuning job."""

    @abc.abstractmethod
    def name_taken(self, name: str) -> bool: ...

    @abc.abstractmethod
    def get(self, tuning_job_id: str) -> TuningJob: ...

    @abc.abstractmethod
    def get_by_name(self, name: str) -> TuningJob: ...

    @abc.abstractmethod
    def list_tuning_jobs(
        self,
        *,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[TuningJob]:
        """Newest first; follow ``next_token`` for the next page."""

    @abc.abstractmethod
    def in_statuses(self, statuses: frozenset[str] | set[str]) -> list[TuningJob]:
        """Tuning jobs in these statuses, oldest first."""

    @abc.abstractmethod
    def mark_running(self, tuning_job_id: str) -> bool:
        """Pending → Running. False when it was stopped (or started) meanwhile."""

    @abc.abstractmethod
    def record_progress(
        self,
        tuning_job_id: str,
        counts: TrialCounts,
        *,
        best_value: float | None,
        best_trial: int | None,
        message: str | None = None,
    ) -> None:
        """The trial counts and the best value so far; ignored once it ended."""

    @abc.abstractmethod
    def claim_owner(
        self, tuning_job_id: str, *, host: str, pid: int, previous: tuple[str | None, int | None]
    ) -> bool:
        """Become the owner if the owner is still ``previous`` and it has not ended."""

    @abc.abstractmethod
    def request_stop(self, tuning_job_id: str) -> TuningJob:
        """Pending → Stopped at once; Running → Stopping (its supervisor ends it)."""

    @abc.abstractmethod
    def finish(
        self,
        tuning_job_id: str,
        status: str,
        reason: str | None = None,
        message: str | None = None,
    ) -> TuningJob:
        """End it unless it already ended: a tuning job asked to stop ends Stopped
        unless it completed. ``reason`` is the failure reason, ``message`` why it ended."""

    @abc.abstractmethod
    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(id, updated, created) of the tuning jobs that changed since ``since`` (for
        the server's change events)."""


class SqlTuningStore(TuningStore):
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        *,
        name: str,
        spec: Mapping[str, Any],
        parent_run_id: str | None = None,
        experiment_id: str | None = None,
        owner_host: str | None = None,
        owner_pid: int | None = None,
    ) -> TuningJob:
        now = utcnow()
        row = TuningJobRow(
            id=uuid.uuid4().hex,
            name=name,
            status=PENDING,
            spec=json.dumps(dict(spec)),
            created_at=now,
            updated_at=now,
            parent_run_id=parent_run_id,
            experiment_id=experiment_id,
            trials_started=0,
            trials_running=0,
            trials_completed=0,
            trials_pruned=0,
            trials_failed=0,
            owner_host=owner_host,
            owner_pid=owner_pid,
        )
        return insert_named(self._db, row, "tuning job")

    def name_taken(self, name: str) -> bool:
        with self._db.session() as session:
            return name_taken(session, TuningJobRow, name)

    def get(self, tuning_job_id: str) -> TuningJob:
        with self._db.session() as session:
            return self._require(session, tuning_job_id).to_entity()

    def get_by_name(self, name: str) -> TuningJob:
        with self._db.session() as session:
            return row_by_name(session, TuningJobRow, name, "tuning job").to_entity()

    def list_tuning_jobs(
        self,
        *,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[TuningJob]:
        window = PageWindow.of(max_items, next_token)
        stmt = select(TuningJobRow)
        if status is not None:
            stmt = stmt.where(TuningJobRow.status == transitions.check_status(status))
        stmt = stmt.order_by(TuningJobRow.created_at.desc(), TuningJobRow.id.desc())
        with self._db.session() as session:
            return window.fetch(session, stmt, TuningJobRow.to_entity)

    def in_statuses(self, statuses: frozenset[str] | set[str]) -> list[TuningJob]:
        with self._db.session() as session:
            return [row.to_entity() for row in transitions.rows_in(session, TuningJobRow, statuses)]

    # -- transitions -------------------------------------------------------------------
    def mark_running(self, tuning_job_id: str) -> bool:
        with self._db.session(write=True) as session:
            return transitions.start(self._require(session, tuning_job_id))

    def record_progress(
        self,
        tuning_job_id: str,
        counts: TrialCounts,
        *,
        best_value: float | None,
        best_trial: int | None,
        message: str | None = None,
    ) -> None:
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            if row.status in TERMINAL_STATUSES:
                return
            row.trials_started = counts.started
            row.trials_running = counts.running
            row.trials_completed = counts.completed
            row.trials_pruned = counts.pruned
            row.trials_failed = counts.failed
            row.best_value, row.best_trial = best_value, best_trial
            if message is not None:
                row.status_message = message[:MAX_REASON]
            row.updated_at = utcnow()

    def claim_owner(
        self, tuning_job_id: str, *, host: str, pid: int, previous: tuple[str | None, int | None]
    ) -> bool:
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            return transitions.claim_owner(row, host, pid, previous=previous)

    def request_stop(self, tuning_job_id: str) -> TuningJob:
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            if row.status in TERMINAL_STATUSES:
                raise ConflictError(f"Tuning job {row.name!r} already ended ({row.status}).")
            if transitions.request_stop(row):
                row.status_message = transitions.STOPPED_BEFORE_START
            return row.to_entity()

    def finish(
        self,
        tuning_job_id: str,
        status: str,
        reason: str | None = None,
        message: str | None = None,
    ) -> TuningJob:
        transitions.check_end_status(status, "A tuning job")
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            if row.status in TERMINAL_STATUSES:
                return row.to_entity()
            if transitions.stopped_on_request(row, status):
                status, reason, message = STOPPED, None, transitions.STOPPED_ON_REQUEST
            transitions.end(row, status, reason)
            if message is not None:
                row.status_message = message[:MAX_REASON]
            row.trials_running = 0
            return row.to_entity()

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        with self._db.session() as session:
            return changes_since(session, TuningJobRow, since)

    @staticmethod
    def _require(session: Session, tuning_job_id: str) -> TuningJobRow:
        return row_by_id(session, TuningJobRow, tuning_job_id, "tuning job")
