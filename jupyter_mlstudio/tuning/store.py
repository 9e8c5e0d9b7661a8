"""The tuning store: tuning job rows and their status transitions.

Like the job store, every transition is one conditional update in one transaction, so a
server, a kernel and a restarted server can race on a tuning job safely: ``finish``
never overwrites a terminal status and a job stopped while Pending never starts.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from ..store.db import Database
from ..store.orm import as_utc, utcnow
from ..store.pagination import (
    DEFAULT_MAX_ITEMS,
    Page,
    check_max_items,
    decode_token,
    encode_token,
)
from .entities import (
    COMPLETED,
    PENDING,
    RUNNING,
    STOPPED,
    STOPPING,
    TERMINAL_TUNING_STATUSES,
    TUNING_STATUSES,
    TrialCounts,
    TuningJob,
)
from .orm import TuningJobRow

MAX_REASON = 4000


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
        try:
            with self._db.session(write=True) as session:
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
                session.add(row)
                session.flush()
                return row.to_entity()
        except IntegrityError:
            raise AlreadyExistsError(f"A tuning job named {name!r} already exists.") from None

    def name_taken(self, name: str) -> bool:
        with self._db.session() as session:
            query = select(TuningJobRow.id).where(TuningJobRow.name == name)
            return session.scalar(query) is not None

    def get(self, tuning_job_id: str) -> TuningJob:
        with self._db.session() as session:
            return self._require(session, tuning_job_id).to_entity()

    def get_by_name(self, name: str) -> TuningJob:
        with self._db.session() as session:
            row = session.scalar(select(TuningJobRow).where(TuningJobRow.name == name))
            if row is None:
                raise NotFoundError(f"No tuning job named {name!r}.")
            return row.to_entity()

    def list_tuning_jobs(
        self,
        *,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[TuningJob]:
        limit = check_max_items(max_items)
        offset = decode_token(next_token)
        stmt = select(TuningJobRow)
        if status is not None:
            if status not in TUNING_STATUSES:
                raise InvalidArgumentError(f"status must be one of {', '.join(TUNING_STATUSES)}.")
            stmt = stmt.where(TuningJobRow.status == status)
        stmt = stmt.order_by(TuningJobRow.created_at.desc(), TuningJobRow.id.desc())
        with self._db.session() as session:
            rows = session.scalars(stmt.offset(offset).limit(limit + 1)).all()
            items = [row.to_entity() for row in rows[:limit]]
        token = encode_token(offset + limit) if len(rows) > limit else None
        return Page(items=items, next_token=token)

    def in_statuses(self, statuses: frozenset[str] | set[str]) -> list[TuningJob]:
        with self._db.session() as session:
            rows = session.scalars(
                select(TuningJobRow)
                .where(TuningJobRow.status.in_(sorted(statuses)))
                .order_by(TuningJobRow.created_at)
            ).all()
            return [row.to_entity() for row in rows]

    # -- transitions -------------------------------------------------------------------
    def mark_running(self, tuning_job_id: str) -> bool:
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            if row.status != PENDING:
                return False
            row.status = RUNNING
            row.started_at = row.updated_at = utcnow()
            return True

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
            if row.status in TERMINAL_TUNING_STATUSES:
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
            if row.status in TERMINAL_TUNING_STATUSES:
                return False
            if (row.owner_host, row.owner_pid) != previous:
                return False
            row.owner_host, row.owner_pid = host, pid
            row.updated_at = utcnow()
            return True

    def request_stop(self, tuning_job_id: str) -> TuningJob:
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            if row.status in TERMINAL_TUNING_STATUSES:
                raise ConflictError(f"Tuning job {row.name!r} already ended ({row.status}).")
            now = utcnow()
            if row.status == PENDING:
                row.status = STOPPED
                row.ended_at = now
                row.status_message = "Stopped before it started."
            elif row.status == RUNNING:
                row.status = STOPPING
            row.updated_at = now
            return row.to_entity()

    def finish(
        self,
        tuning_job_id: str,
        status: str,
        reason: str | None = None,
        message: str | None = None,
    ) -> TuningJob:
        if status not in TERMINAL_TUNING_STATUSES:
            raise InvalidArgumentError(
                f"A tuning job ends as one of {', '.join(sorted(TERMINAL_TUNING_STATUSES))}."
            )
        with self._db.session(write=True) as session:
            row = self._require(session, tuning_job_id)
            if row.status in TERMINAL_TUNING_STATUSES:
                return row.to_entity()
            if row.status == STOPPING and status != COMPLETED:
                status, reason, message = STOPPED, None, "Stopped on request."
            now = utcnow()
            row.status = status
            row.failure_reason = reason[:MAX_REASON] if reason and status != COMPLETED else None
            if message is not None:
                row.status_message = message[:MAX_REASON]
            row.trials_running = 0
            row.ended_at = row.updated_at = now
            if row.started_at is None:
                row.started_at = now
            return row.to_entity()

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        with self._db.session() as session:
            rows = session.execute(
                select(TuningJobRow.id, TuningJobRow.updated_at, TuningJobRow.created_at).where(
                    TuningJobRow.updated_at >= since
                )
            ).all()
            return [(i, as_utc(updated), as_utc(created)) for i, updated, created in rows]

    @staticmethod
    def _require(session: Session, tuning_job_id: str) -> TuningJobRow:
        row = session.get(TuningJobRow, tuning_job_id) if isinstance(tuning_job_id, str) else None
        if row is None:
            raise NotFoundError(f"No tuning job with id {tuning_job_id!r}.")
        return row
