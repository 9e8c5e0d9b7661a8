"""The monitor store: monitors, their executions and alerts.

Executions are claimed, not just inserted: ``claim_execution`` inserts the row of a
(monitor, scheduled time) and returns ``None`` when the unique constraint says another
scheduler got there first, so two schedulers racing on one due time run it once. Status
changes are compare-and-swap (``finish_execution`` only moves an execution that is still
active), so the one process that ends an execution is the one that sends its alert.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExistsError, NotFoundError
from ..store.db import Database
from ..store.orm import utcnow
from .entities import (
    ACTIVE_EXECUTION_STATUSES,
    Alert,
    AlertSettings,
    Execution,
    ExecutionStatus,
    Monitor,
    MonitorKind,
    MonitorStatus,
)
from .orm import MonitorAlertRow, MonitorExecutionRow, MonitorRow


class MonitorStore(abc.ABC):
    """What every monitor backend provides. Thread- and process-safe; returned objects
    are immutable snapshots.

    Raises: ``AlreadyExistsError`` for a monitor name in use; ``NotFoundError`` for an
    unknown monitor or execution; ``StoreUnavailableError`` when the database cannot be
    reached.
    """

    @abc.abstractmethod
    def create_monitor(
        self,
        *,
        name: str,
        kind: MonitorKind,
        endpoint: str | None,
        data_path: str | None,
        baseline: str,
        schedule: str | None,
        options: Mapping[str, Any],
        alert: AlertSettings,
    ) -> Monitor: ...

    @abc.abstractmethod
    def get_monitor(self, name_or_id: str) -> Monitor: ...

    @abc.abstractmethod
    def list_monitors(
        self, *, endpoint: str | None = None, status: MonitorStatus | None = None
    ) -> list[Monitor]:
        """By name."""

    @abc.abstractmethod
    def update_monitor(self, monitor_id: str, **changes: Any) -> Monitor:
        """Change ``status``, ``schedule``, ``baseline``, ``options`` or ``alert``."""

    @abc.abstractmethod
    def delete_monitor(self, monitor_id: str) -> None:
        """The monitor with its executions and alerts."""

    @abc.abstractmethod
    def claim_execution(
        self,
        monitor_id: str,
        scheduled_time: datetime,
        window_start: datetime,
        window_end: datetime,
        *,
        manual: bool = False,
    ) -> Execution | None:
        """A Pending execution for (monitor, scheduled time), or ``None`` when one exists."""

    @abc.abstractmethod
    def get_execution(self, execution_id: str) -> Execution: ...

    @abc.abstractmethod
    def has_execution(self, monitor_id: str, scheduled_time: datetime) -> bool: ...

    @abc.abstractmethod
    def list_executions(self, monitor_id: str, *, max_items: int = 100) -> list[Execution]:
        """Newest scheduled time first."""

    @abc.abstractmethod
    def active_executions(self) -> list[Execution]:
        """Pending or InProgress, of every monitor."""

    @abc.abstractmethod
    def start_execution(self, execution_id: str, *, job_id: str, output: str) -> Execution:
        """Pending -> InProgress with its job."""

    @abc.abstractmethod
    def finish_execution(
        self,
        execution_id: str,
        status: ExecutionStatus,
        *,
        violations: int = 0,
        failure_reason: str | None = None,
        ended_at: datetime | None = None,
    ) -> Execution | None:
        """An active execution's end (at ``ended_at``, its job's end, by default now);
        ``None`` when it had already ended (someone else finished it)."""

    @abc.abstractmethod
    def add_alert(
        self, execution: Execution, message: str, webhook_status: str | None
    ) -> Alert: ...

    @abc.abstractmethod
    def list_alerts(self, *, after_id: int = 0, monitor_id: str | None = None) -> list[Alert]:
        """Alerts with an id above ``after_id``, oldest first (what a server has not
        shown yet)."""


def _new_id() -> str:
    return uuid.uuid4().hex


class SqlMonitorStore(MonitorStore):
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- monitors ----------------------------------------------------------------------
    def create_monitor(
        self,
        *,
        name: str,
        kind: MonitorKind,
        endpoint: str | None,
        data_path: str | None,
        baseline: str,
        schedule: str | None,
        options: Mapping[str, Any],
        alert: AlertSettings,
    ) -> Monitor:
        now = utcnow()
        row = MonitorRow(
            id=_new_id(),
            name=name,
            kind=kind,
            endpoint=endpoint,
            data_path=data_path,
            baseline=baseline,
            schedule=schedule,
            options=json.dumps(dict(options)),
            alert=json.dumps(alert.to_dict()),
            status="Scheduled",
            created_at=now,
            updated_at=now,
        )
        try:
            with self.db.session(write=True) as session:
                session.add(row)
                session.flush()
                return row.to_entity()
        except IntegrityError:
            raise AlreadyExistsError(f"A monitor named {name!r} already exists.") from None

    def get_monitor(self, name_or_id: str) -> Monitor:
        with self.db.session() as session:
            row = session.scalars(
                select(MonitorRow).where(
                    (MonitorRow.id == name_or_id) | (MonitorRow.name == name_or_id)
                )
            ).first()
            if row is None:
                raise NotFoundError(f"No monitor named {name_or_id!r}.")
            return row.to_entity()

    def list_monitors(
        self, *, endpoint: str | None = None, status: MonitorStatus | None = None
    ) -> list[Monitor]:
        query = select(MonitorRow).order_by(MonitorRow.name)
        if endpoint is not None:
            query = query.where(MonitorRow.endpoint == endpoint)
        if status is not None:
            query = query.where(MonitorRow.status == status)
        with self.db.session() as session:
            return [row.to_entity() for row in session.scalars(query)]

    def update_monitor(self, monitor_id: str, **changes: Any) -> Monitor:
        allowed = {"status", "schedule", "baseline", "options", "alert"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not changeable: {sorted(unknown)}")
        with self.db.session(write=True) as session:
            row = session.get(MonitorRow, monitor_id)
            if row is None:
                raise NotFoundError(f"No monitor with id {monitor_id!r}.")
            for key, value in changes.items():
                if key == "options":
                    value = json.dumps(dict(value))
                elif key == "alert":
                    value = json.dumps(value.to_dict())
                setattr(row, key, value)
            row.updated_at = utcnow()
            session.flush()
            return row.to_entity()

    def delete_monitor(self, monitor_id: str) -> None:
        with self.db.session(write=True) as session:
            # children first: SQLite enforces the foreign keys only when asked to
            session.execute(delete(MonitorAlertRow).where(MonitorAlertRow.monitor_id == monitor_id))
            session.execute(
                delete(MonitorExecutionRow).where(MonitorExecutionRow.monitor_id == monitor_id)
            )
            gone = session.execute(delete(MonitorRow).where(MonitorRow.id == monitor_id))
            if gone.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError(f"No monitor with id {monitor_id!r}.")

    # -- executions --------------------------------------------------------------------
    def claim_execution(
        self,
        monitor_id: str,
        scheduled_time: datetime,
        window_start: datetime,
        window_end: datetime,
        *,
        manual: bool = False,
    ) -> Execution | None:
        now = utcnow()
        row = MonitorExecutionRow(
            id=_new_id(),
            monitor_id=monitor_id,
            scheduled_time=scheduled_time,
            window_start=window_start,
            window_end=window_end,
            status="Pending",
            violations=0,
            manual=manual,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.db.session(write=True) as session:
                if session.get(MonitorRow, monitor_id) is None:
                    raise NotFoundError(f"No monitor with id {monitor_id!r}.")
                session.add(row)
                session.flush()
                return row.to_entity()
        except IntegrityError:
            return None  # another scheduler claimed this (monitor, scheduled time)

    def get_execution(self, execution_id: str) -> Execution:
        with self.db.session() as session:
            row = session.get(MonitorExecutionRow, execution_id)
            if row is None:
                raise NotFoundError(f"No monitor execution with id {execution_id!r}.")
            return row.to_entity()

    def has_execution(self, monitor_id: str, scheduled_time: datetime) -> bool:
        with self.db.session() as session:
            found = session.scalar(
                select(MonitorExecutionRow.id).where(
                    MonitorExecutionRow.monitor_id == monitor_id,
                    MonitorExecutionRow.scheduled_time == scheduled_time,
                )
            )
            return found is not None

    def list_executions(self, monitor_id: str, *, max_items: int = 100) -> list[Execution]:
        with self.db.session() as session:
            rows = session.scalars(
                select(MonitorExecutionRow)
                .where(MonitorExecutionRow.monitor_id == monitor_id)
                .order_by(MonitorExecutionRow.scheduled_time.desc())
                .limit(max_items)
            )
            return [row.to_entity() for row in rows]

    def active_executions(self) -> list[Execution]:
        with self.db.session() as session:
            rows = session.scalars(
                select(MonitorExecutionRow)
                .where(MonitorExecutionRow.status.in_(ACTIVE_EXECUTION_STATUSES))
                .order_by(MonitorExecutionRow.created_at)
            )
            return [row.to_entity() for row in rows]

    def start_execution(self, execution_id: str, *, job_id: str, output: str) -> Execution:
        with self.db.session(write=True) as session:
            session.execute(
                update(MonitorExecutionRow)
                .where(
                    MonitorExecutionRow.id == execution_id,
                    MonitorExecutionRow.status == "Pending",
                )
                .values(status="InProgress", job_id=job_id, output=output, updated_at=utcnow())
            )
        return self.get_execution(execution_id)

    def finish_execution(
        self,
        execution_id: str,
        status: ExecutionStatus,
        *,
        violations: int = 0,
        failure_reason: str | None = None,
        ended_at: datetime | None = None,
    ) -> Execution | None:
        with self.db.session(write=True) as session:
            moved = session.execute(
                update(MonitorExecutionRow)
                .where(
                    MonitorExecutionRow.id == execution_id,
                    MonitorExecutionRow.status.in_(ACTIVE_EXECUTION_STATUSES),
                )
                .values(
                    status=status,
                    violations=violations,
                    failure_reason=failure_reason,
                    updated_at=ended_at or utcnow(),
                )
            )
            if moved.rowcount == 0:  # type: ignore[attr-defined]
                return None
        return self.get_execution(execution_id)

    # -- alerts ------------------------------------------------------------------------
    def add_alert(self, execution: Execution, message: str, webhook_status: str | None) -> Alert:
        row = MonitorAlertRow(
            monitor_id=execution.monitor_id,
            execution_id=execution.id,
            created_at=utcnow(),
            message=message,
            violations=execution.violations,
            webhook_status=webhook_status,
        )
        with self.db.session(write=True) as session:
            session.add(row)
            session.flush()
            return row.to_entity()

    def list_alerts(self, *, after_id: int = 0, monitor_id: str | None = None) -> list[Alert]:
        query = select(MonitorAlertRow).where(MonitorAlertRow.id > after_id)
        if monitor_id is not None:
            query = query.where(MonitorAlertRow.monitor_id == monitor_id)
        with self.db.session() as session:
            return [row.to_entity() for row in session.scalars(query.order_by(MonitorAlertRow.id))]
