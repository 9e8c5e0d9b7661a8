"""The job store: job rows and their status transitions.

Every transition is a conditional update in one transaction (``store/transitions.py``), so
the server, a kernel and the job's own process can race on a job safely: e.g. ``finish``
never overwrites a terminal status, and a job stopped while queued is never started.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidArgumentError
from ..experiments.runs_orm import RunRow, RunTagRow
from ..statuses import TERMINAL_STATUSES
from ..store import transitions
from ..store.db import Database
from ..store.lookup import changes_since, insert_named, name_taken, row_by_id, row_by_name
from ..store.orm import utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, Page, PageWindow
from .entities import (
    COMPLETED,
    JOB_KINDS,
    PENDING,
    RUN_STATUS_OF,
    STOPPED,
    Job,
)
from .orm import JobRow


class JobStore(abc.ABC):
    """What every job backend provides.

    Thread- and process-safe: every transition is one conditional update, so racing
    callers never overwrite a terminal status. Returned jobs are immutable snapshots.

    Raises (all subclasses of ``jupyter_mlstudio.errors.MLStudioError``):
      ``InvalidArgumentError`` for an unknown kind or status, a progress outside [0, 1],
      a non-terminal status given to ``finish`` or a bad pagination argument;
      ``NotFoundError`` for an unknown job id or name;
      ``AlreadyExistsError`` when ``create_job`` would duplicate a name;
      ``ConflictError`` when ``request_stop`` is asked of a job that already ended;
      ``StoreUnavailableError`` when the database cannot be reached.
    """

    @abc.abstractmethod
    def create_job(
        self,
        *,
        kind: str,
        name: str,
        spec: Mapping[str, Any],
        executor: str,
        run_id: str | None = None,
        experiment_id: str | None = None,
        owner_host: str | None = None,
        owner_pid: int | None = None,
    ) -> Job:
        """A new Pending job."""

    @abc.abstractmethod
    def name_taken(self, name: str) -> bool: ...

    @abc.abstractmethod
    def get_job(self, job_id: str) -> Job: ...

    @abc.abstractmethod
    def get_job_by_name(self, name: str) -> Job: ...

    @abc.abstractmethod
    def list_jobs(
        self,
        *,
        kind: str | None = None,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[Job]:
        """Newest first; follow ``next_token`` for the next page."""

    @abc.abstractmethod
    def jobs_in(self, statuses: frozenset[str] | set[str]) -> list[Job]:
        """Jobs in these statuses, oldest first (the queue order)."""

    @abc.abstractmethod
    def count_jobs(self) -> int: ...

    @abc.abstractmethod
    def mark_running(
        self, job_id: str, *, host: str, pid: int, process_start: float | None
    ) -> bool:
        """Pending → Running. False when the job was stopped (or started) meanwhile."""

    @abc.abstractmethod
    def claim_owner(self, job_id: str, *, host: str, pid: int) -> bool:
        """Take over a job whose owner died; False when it already ended."""

    @abc.abstractmethod
    def set_progress(self, job_id: str, fraction: float | None, message: str | None = None) -> None:
        """Record progress; ignored once the job ended."""

    @abc.abstractmethod
    def add_outputs(self, job_id: str, outputs: Mapping[str, str]) -> None:
        """Merge ``outputs`` into the job's outputs."""

    @abc.abstractmethod
    def request_stop(self, job_id: str) -> Job:
        """Pending → Stopped at once; Running → Stopping (the supervisor ends it)."""

    @abc.abstractmethod
    def finish(self, job_id: str, status: str, reason: str | None = None) -> Job:
        """End a job (and its run) unless it already ended; returns the job as stored."""

    @abc.abstractmethod
    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(id, updated, created) of the jobs that changed since ``since``."""


class SqlJobStore(JobStore):
    def __init__(self, db: Database, artifact_root: str) -> None:
        self._db = db
        self._artifact_root = artifact_root.rstrip("/")

    def create_job(
        self,
        *,
        kind: str,
        name: str,
        spec: Mapping[str, Any],
        executor: str,
        run_id: str | None = None,
        experiment_id: str | None = None,
        owner_host: str | None = None,
        owner_pid: int | None = None,
    ) -> Job:
        if kind not in JOB_KINDS:
            raise InvalidArgumentError(f"Job kind must be one of {', '.join(JOB_KINDS)}.")
        job_id = uuid.uuid4().hex
        now = utcnow()
        row = JobRow(
            id=job_id,
            kind=kind,
            name=name,
            status=PENDING,
            spec=json.dumps(dict(spec)),
            executor=executor,
            created_at=now,
            updated_at=now,
            outputs="{}",
            run_id=run_id,
            experiment_id=experiment_id,
            artifact_uri=f"{self._artifact_root}/jobs/{job_id}",
            owner_host=owner_host,
            owner_pid=owner_pid,
        )
        return insert_named(self._db, row, "job")

    def name_taken(self, name: str) -> bool:
        with self._db.session() as session:
            return name_taken(session, JobRow, name)

    def get_job(self, job_id: str) -> Job:
        with self._db.session() as session:
            return self._require(session, job_id).to_entity()

    def get_job_by_name(self, name: str) -> Job:
        with self._db.session() as session:
            return row_by_name(session, JobRow, name, "job").to_entity()

    def list_jobs(
        self,
        *,
        kind: str | None = None,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[Job]:
        """Newest first."""
        window = PageWindow.of(max_items, next_token)
        stmt = select(JobRow)
        if kind is not None:
            if kind not in JOB_KINDS:
                raise InvalidArgumentError(f"kind must be one of {', '.join(JOB_KINDS)}.")
            stmt = stmt.where(JobRow.kind == kind)
        if status is not None:
            stmt = stmt.where(JobRow.status == transitions.check_status(status))
        stmt = stmt.order_by(JobRow.created_at.desc(), JobRow.id.desc())
        with self._db.session() as session:
            return window.fetch(session, stmt, JobRow.to_entity)

    def jobs_in(self, statuses: frozenset[str] | set[str]) -> list[Job]:
        """Jobs in these statuses, oldest first (the queue order)."""
        with self._db.session() as session:
            return [row.to_entity() for row in transitions.rows_in(session, JobRow, statuses)]

    def count_jobs(self) -> int:
        with self._db.session() as session:
            return int(session.scalar(select(func.count()).select_from(JobRow)) or 0)

    # -- transitions -------------------------------------------------------------------
    def mark_running(
        self, job_id: str, *, host: str, pid: int, process_start: float | None
    ) -> bool:
        """Pending → Running. False when the job was stopped (or started) meanwhile."""
        with self._db.session(write=True) as session:
            row = self._require(session, job_id)
            if not transitions.start(row):
                return False
            row.host, row.pid, row.process_start = host, pid, process_start
            return True

    def claim_owner(self, job_id: str, *, host: str, pid: int) -> bool:
        """Take over a job whose owner died: to queue it (Pending) or watch it (Running)."""
        with self._db.session(write=True) as session:
            return transitions.claim_owner(self._require(session, job_id), host, pid)

    def set_progress(self, job_id: str, fraction: float | None, message: str | None = None) -> None:
        if fraction is not None and not 0.0 <= fraction <= 1.0:
            raise InvalidArgumentError("progress must be between 0 and 1.")
        with self._db.session(write=True) as session:
            row = self._require(session, job_id)
            if row.status in TERMINAL_STATUSES:
                return
            row.progress = fraction
            row.progress_message = (message or "")[:256] or None
            row.updated_at = utcnow()

    def add_outputs(self, job_id: str, outputs: Mapping[str, str]) -> None:
        with self._db.session(write=True) as session:
            row = self._require(session, job_id)
            merged = json.loads(row.outputs or "{}")
            merged.update(outputs)
            row.outputs = json.dumps(merged)
            row.updated_at = utcnow()

    def request_stop(self, job_id: str) -> Job:
        """Pending → Stopped at once; Running → Stopping (the supervisor ends it)."""
        with self._db.session(write=True) as session:
            row = self._require(session, job_id)
            if row.status in TERMINAL_STATUSES:
                raise ConflictError(f"Job {row.name!r} already ended ({row.status}).")
            if transitions.request_stop(row):
                row.failure_reason = transitions.STOPPED_BEFORE_START
            return row.to_entity()

    def finish(self, job_id: str, status: str, reason: str | None = None) -> Job:
        """End a job unless it already ended, and the run it logs to in the same
        transaction (so whoever sees the job ended sees its run ended). A job that was
        asked to stop ends ``Stopped`` whatever its process reported, unless it completed."""
        transitions.check_end_status(status, "A job")
        with self._db.session(write=True) as session:
            row = self._require(session, job_id)
            if row.status in TERMINAL_STATUSES:
                return row.to_entity()
            if transitions.stopped_on_request(row, status):
                status, reason = STOPPED, transitions.STOPPED_ON_REQUEST
            now = transitions.end(row, status, reason)
            if status == COMPLETED:
                row.progress = 1.0
            run = session.get(RunRow, row.run_id) if row.run_id else None
            if run is not None and run.status == "RUNNING":
                run.status = RUN_STATUS_OF[status]
                run.end_time = run.heartbeat_at = now
                if row.failure_reason:
                    session.merge(
                        RunTagRow(run_id=run.id, key="mlstudio.failure", value=row.failure_reason)
                    )
            return row.to_entity()

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(id, updated, created) of the jobs that changed since ``since``."""
        with self._db.session() as session:
            return changes_since(session, JobRow, since)

    @staticmethod
    def _require(session: Session, job_id: str) -> JobRow:
        return row_by_id(session, JobRow, job_id, "job")


__all__ = ["JobStore", "SqlJobStore"]
