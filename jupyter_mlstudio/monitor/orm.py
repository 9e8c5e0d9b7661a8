"""ORM rows for monitors, their executions and alerts. Rows never leave the store: see
``to_entity``.

``monitor_executions`` has one row per (monitor, scheduled time): the unique constraint
is the schedulers' claim, so two schedulers never both run one execution.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc, ref_id
from .entities import Alert, AlertSettings, Execution, Monitor


class MonitorRow(Base):
    __tablename__ = "monitors"
    __table_args__ = (Index("ix_monitors_endpoint", "endpoint"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    endpoint: Mapped[str | None] = mapped_column(String(64))
    data_path: Mapped[str | None] = mapped_column(Text)
    baseline: Mapped[str] = mapped_column(Text, nullable=False)
    schedule: Mapped[str | None] = mapped_column(String(256))
    options: Mapped[str] = mapped_column(Text, nullable=False)  # JSON object
    alert: Mapped[str] = mapped_column(Text, nullable=False)  # JSON object
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self) -> Monitor:
        return Monitor(
            id=self.id,
            name=self.name,
            kind=self.kind,  # type: ignore[arg-type]
            endpoint=self.endpoint,
            data_path=self.data_path,
            baseline=self.baseline,
            schedule=self.schedule,
            options=json.loads(self.options),
            alert=AlertSettings(**json.loads(self.alert)),
            status=self.status,  # type: ignore[arg-type]
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
        )


class MonitorExecutionRow(Base):
    __tablename__ = "monitor_executions"
    __table_args__ = (
        UniqueConstraint(
            "monitor_id", "scheduled_time", name="uq_monitor_executions_monitor_scheduled"
        ),
        Index("ix_monitor_executions_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    monitor_id: Mapped[str] = ref_id("monitors", nullable=False)
    scheduled_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    violations: Mapped[int] = mapped_column(Integer, nullable=False)
    output: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(32))
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self) -> Execution:
        return Execution(
            id=self.id,
            monitor_id=self.monitor_id,
            scheduled_time=as_utc(self.scheduled_time),
            window_start=as_utc(self.window_start),
            window_end=as_utc(self.window_end),
            status=self.status,  # type: ignore[arg-type]
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            violations=self.violations,
            output=self.output,
            failure_reason=self.failure_reason,
            job_id=self.job_id,
            manual=self.manual,
        )


class MonitorAlertRow(Base):
    __tablename__ = "monitor_alerts"
    __table_args__ = (Index("ix_monitor_alerts_created", "created_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    monitor_id: Mapped[str] = ref_id("monitors", nullable=False)
    execution_id: Mapped[str] = ref_id("monitor_executions", nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    violations: Mapped[int] = mapped_column(Integer, nullable=False)
    webhook_status: Mapped[str | None] = mapped_column(Text)

    def to_entity(self) -> Alert:
        return Alert(
            id=self.id,
            monitor_id=self.monitor_id,
            execution_id=self.execution_id,
            created_at=as_utc(self.created_at),
            message=self.message,
            violations=self.violations,
            webhook_status=self.webhook_status,
        )
