"""The pipeline store: pipelines and their immutable versions, executions and step
executions. Every state change of a step is written here at once, so a restarted
server can resume an execution from the store alone.

Status changes are conditional updates in one transaction: an ended execution or step is
never overwritten, so a server, a kernel and a restarted server can race safely.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidArgumentError, NotFoundError
from ..store.db import Database
from ..store.lookup import changes_since
from ..store.orm import utcnow
from .entities import (
    ACTIVE_EXECUTION_STATUSES,
    EXECUTING,
    QUEUED,
    STEP_SUCCEEDED,
    STOPPED,
    STOPPING,
    TERMINAL_EXECUTION_STATUSES,
    TERMINAL_STEP_STATUSES,
    Execution,
    Pipeline,
    PipelineVersion,
    StepExecution,
)
from .orm import PipelineExecutionRow, PipelineRow, PipelineStepRow, PipelineVersionRow

_JSON_FIELDS = ("outputs", "metrics", "properties")


class SqlPipelineStore:
    """Thread- and process-safe; returns immutable snapshots."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- pipelines --------------------------------------------------------------------
    def upsert(self, name: str, document: Mapping[str, Any], description: str = "") -> Pipeline:
        """Create the pipeline, or add a version when ``document`` differs from its
        latest one (an identical document adds nothing)."""
        text = json.dumps(dict(document), sort_keys=True)
        now = utcnow()
        with self._db.session(write=True) as session:
            row = session.scalar(select(PipelineRow).where(PipelineRow.name == name))
            if row is None:
                row = PipelineRow(
                    id=uuid.uuid4().hex,
                    name=name,
                    description=description,
                    latest_version=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
            else:
                latest = session.get(PipelineVersionRow, (row.id, row.latest_version))
                if latest is not None and latest.document == text:
                    return row.to_entity()
            row.latest_version += 1
            row.description = description
            row.updated_at = now
            session.add(
                PipelineVersionRow(
                    pipeline_id=row.id, version=row.latest_version, document=text, created_at=now
                )
            )
            session.flush()
            return row.to_entity()

    def _pipeline_row(self, session: Session, ref: str) -> PipelineRow:
        row = session.scalar(select(PipelineRow).where(PipelineRow.name == ref))
        if row is None:
            row = session.get(PipelineRow, ref)
        if row is None:
            raise NotFoundError(f"No pipeline named {ref!r}.")
        return row

    def get(self, ref: str) -> Pipeline:
        """A pipeline by name, else by id."""
        with self._db.session() as session:
            return self._pipeline_row(session, ref).to_entity()

    def list_pipelines(self, *, max_items: int = 1000) -> list[Pipeline]:
        with self._db.session() as session:
            rows = session.scalars(
                select(PipelineRow).order_by(PipelineRow.updated_at.desc()).limit(max_items)
            )
            return [r.to_entity() for r in rows]

    def delete(self, ref: str) -> None:
        with self._db.session(write=True) as session:
            row = self._pipeline_row(session, ref)
            active = session.scalar(
                select(PipelineExecutionRow.id).where(
                    PipelineExecutionRow.pipeline_id == row.id,
                    PipelineExecutionRow.status.in_(ACTIVE_EXECUTION_STATUSES),
                )
            )
            if active:
                raise ConflictError(
                    f"Pipeline {row.name!r} has an execution running; stop it first."
                )
            ids = list(
                session.scalars(
                    select(PipelineExecutionRow.id).where(
                        PipelineExecutionRow.pipeline_id == row.id
                    )
                )
            )
            if ids:
                session.execute(
                    delete(PipelineStepRow).where(PipelineStepRow.execution_id.in_(ids))
                )
                session.execute(
                    delete(PipelineExecutionRow).where(PipelineExecutionRow.id.in_(ids))
                )
            session.execute(
                delete(PipelineVersionRow).where(PipelineVersionRow.pipeline_id == row.id)
            )
            session.delete(row)

    def version(self, pipeline_id: str, version: int | None = None) -> PipelineVersion:
        with self._db.session() as session:
            pipeline = self._pipeline_row(session, pipeline_id)
            number = version or pipeline.latest_version
            row = session.get(PipelineVersionRow, (pipeline.id, number))
            if row is None:
                raise NotFoundError(f"Pipeline {pipeline.name!r} has no version {number}.")
            return row.to_entity()

    def versions(self, ref: str) -> list[PipelineVersion]:
        with self._db.session() as session:
            pipeline = self._pipeline_row(session, ref)
            rows = session.scalars(
                select(PipelineVersionRow)
                .where(PipelineVersionRow.pipeline_id == pipeline.id)
                .order_by(PipelineVersionRow.version.desc())
            )
            return [r.to_entity() for r in rows]

    # -- executions -------------------------------------------------------------------
    def create_execution(
        self,
        pipeline: Pipeline,
        version: int,
        parameters: Mapping[str, Any],
        steps: Iterable[tuple[str, str]],
        *,
        base_dir: str | None,
        owner_host: str | None,
        owner_pid: int | None,
        retry_of: str | None = None,
        reused: Mapping[str, StepExecution] | None = None,
    ) -> Execution:
        """A new Executing execution with every step Queued, except ``reused`` steps
        (a retry's finished steps), copied as they ended."""
        now = utcnow()
        row = PipelineExecutionRow(
            id=uuid.uuid4().hex,
            pipeline_id=pipeline.id,
            pipeline_name=pipeline.name,
            version=version,
            status=EXECUTING,
            parameters=json.dumps(dict(parameters)),
            base_dir=base_dir,
            retry_of=retry_of,
            created_at=now,
            updated_at=now,
            started_at=now,
            owner_host=owner_host,
            owner_pid=owner_pid,
        )
        with self._db.session(write=True) as session:
            session.add(row)
            session.flush()
            for name, kind in steps:
                old = (reused or {}).get(name)
                session.add(
                    PipelineStepRow(
                        execution_id=row.id,
                        name=name,
                        type=kind,
                        status=old.status if old else QUEUED,
                        attempts=old.attempts if old else 0,
                        job_id=old.job_id if old else None,
                        outputs=json.dumps(old.outputs if old else {}),
                        metrics=json.dumps(old.metrics if old else {}),
                        properties=json.dumps(old.properties if old else {}),
                        cache_key=old.cache_key if old else None,
                        # a reused result comes from where it was made
                        cache_source=(old.cache_source or old.execution_id) if old else None,
                        started_at=old.started_at if old else None,
                        ended_at=old.ended_at if old else None,
                        updated_at=now,
                    )
                )
            return row.to_entity()

    def _execution_row(self, session: Session, execution_id: str) -> PipelineExecutionRow:
        row = session.get(PipelineExecutionRow, execution_id)
        if row is None:
            raise NotFoundError(f"No pipeline execution {execution_id!r}.")
        return row

    def execution(self, execution_id: str) -> Execution:
        with self._db.session() as session:
            return self._execution_row(session, execution_id).to_entity()

    def executions(
        self, *, pipeline: str | None = None, status: str | None = None, max_items: int = 100
    ) -> list[Execution]:
        """Newest first."""
        with self._db.session() as session:
            stmt = select(PipelineExecutionRow)
            if pipeline is not None:
                stmt = stmt.where(
                    PipelineExecutionRow.pipeline_id == self._pipeline_row(session, pipeline).id
                )
            if status is not None:
                stmt = stmt.where(PipelineExecutionRow.status == status)
            rows = session.scalars(
                stmt.order_by(PipelineExecutionRow.created_at.desc()).limit(max_items)
            )
            return [r.to_entity() for r in rows]

    def in_statuses(self, statuses: Iterable[str]) -> list[Execution]:
        with self._db.session() as session:
            rows = session.scalars(
                select(PipelineExecutionRow)
                .where(PipelineExecutionRow.status.in_(list(statuses)))
                .order_by(PipelineExecutionRow.created_at)
            )
            return [r.to_entity() for r in rows]

    def request_stop(self, execution_id: str) -> Execution:
        with self._db.session(write=True) as session:
            row = self._execution_row(session, execution_id)
            if row.status in TERMINAL_EXECUTION_STATUSES:
                raise ConflictError(f"The execution already ended ({row.status}).")
            row.status = STOPPING
            row.updated_at = utcnow()
            return row.to_entity()

    def finish_execution(
        self, execution_id: str, status: str, reason: str | None = None
    ) -> Execution:
        """End it unless it already ended; an execution asked to stop ends Stopped."""
        if status not in TERMINAL_EXECUTION_STATUSES:
            raise InvalidArgumentError(f"{status!r} is not an end status.")
        with self._db.session(write=True) as session:
            row = self._execution_row(session, execution_id)
            if row.status in TERMINAL_EXECUTION_STATUSES:
                return row.to_entity()
            if row.status == STOPPING and status != STOPPED:
                status, reason = STOPPED, reason or "Stopped on request."
            now = utcnow()
            row.status = status
            row.failure_reason = reason[:10_000] if reason else None
            row.ended_at = now
            row.updated_at = now
            return row.to_entity()

    def claim_owner(
        self, execution_id: str, *, host: str, pid: int, previous: tuple[str | None, int | None]
    ) -> bool:
        """Become the driver if the owner is still ``previous`` and it has not ended."""
        with self._db.session(write=True) as session:
            result = session.execute(
                update(PipelineExecutionRow)
                .where(
                    PipelineExecutionRow.id == execution_id,
                    PipelineExecutionRow.owner_host.is_(None)
                    if previous[0] is None
                    else PipelineExecutionRow.owner_host == previous[0],
                    PipelineExecutionRow.owner_pid.is_(None)
                    if previous[1] is None
                    else PipelineExecutionRow.owner_pid == previous[1],
                    PipelineExecutionRow.status.in_(ACTIVE_EXECUTION_STATUSES),
                )
                .values(owner_host=host, owner_pid=pid, updated_at=utcnow())
            )
            return bool(getattr(result, "rowcount", 0))

    def touch(self, execution_id: str) -> None:
        with self._db.session(write=True) as session:
            session.execute(
                update(PipelineExecutionRow)
                .where(PipelineExecutionRow.id == execution_id)
                .values(updated_at=utcnow())
            )

    # -- steps ------------------------------------------------------------------------
    def steps(self, execution_id: str) -> list[StepExecution]:
        with self._db.session() as session:
            self._execution_row(session, execution_id)
            rows = session.scalars(
                select(PipelineStepRow).where(PipelineStepRow.execution_id == execution_id)
            )
            return [r.to_entity() for r in rows]

    def step(self, execution_id: str, name: str) -> StepExecution:
        with self._db.session() as session:
            row = session.get(PipelineStepRow, (execution_id, name))
            if row is None:
                raise NotFoundError(f"The execution has no step {name!r}.")
            return row.to_entity()

    def update_step(self, execution_id: str, name: str, **values: Any) -> StepExecution:
        """Set fields of a step that has not ended (a terminal step is left as it is,
        unless ``force``); touches the execution so watchers see the change."""
        force = values.pop("force", False)
        for key in _JSON_FIELDS:
            if key in values:
                values[key] = json.dumps(values[key])
        now = utcnow()
        with self._db.session(write=True) as session:
            row = session.get(PipelineStepRow, (execution_id, name))
            if row is None:
                raise NotFoundError(f"The execution has no step {name!r}.")
            if row.status in TERMINAL_STEP_STATUSES and not force:
                return row.to_entity()
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            session.execute(
                update(PipelineExecutionRow)
                .where(PipelineExecutionRow.id == execution_id)
                .values(updated_at=now)
            )
            session.flush()
            return row.to_entity()

    def find_cached(self, cache_key: str, newer_than: datetime | None) -> StepExecution | None:
        """The newest step that succeeded with this cache key (its result is reusable)."""
        with self._db.session() as session:
            stmt = select(PipelineStepRow).where(
                PipelineStepRow.cache_key == cache_key,
                PipelineStepRow.status == STEP_SUCCEEDED,
            )
            if newer_than is not None:
                stmt = stmt.where(PipelineStepRow.ended_at >= newer_than)
            row = session.scalar(stmt.order_by(PipelineStepRow.ended_at.desc()).limit(1))
            return row.to_entity() if row is not None else None

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(id, updated, created) of the executions that changed since ``since``."""
        with self._db.session() as session:
            return changes_since(session, PipelineExecutionRow, since)
