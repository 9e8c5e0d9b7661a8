"""ORM rows of pipelines, their versions, executions and step executions. Rows never
leave the store: see ``to_entity``."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc, ref_id
from .entities import Execution, Pipeline, PipelineVersion, StepExecution


def _at(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


class PipelineRow(Base):
    __tablename__ = "pipelines"
    __table_args__ = (Index("ix_pipelines_updated", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    latest_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self) -> Pipeline:
        return Pipeline(
            id=self.id,
            name=self.name,
            description=self.description,
            latest_version=self.latest_version,
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
        )


class PipelineVersionRow(Base):
    __tablename__ = "pipeline_versions"

    pipeline_id: Mapped[str] = ref_id("pipelines", primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self) -> PipelineVersion:
        return PipelineVersion(
            pipeline_id=self.pipeline_id,
            version=self.version,
            document=json.loads(self.document),
            created_at=as_utc(self.created_at),
        )


class PipelineExecutionRow(Base):
    __tablename__ = "pipeline_executions"
    __table_args__ = (
        Index("ix_pipeline_executions_pipeline", "pipeline_id", "created_at"),
        Index("ix_pipeline_executions_status", "status"),
        Index("ix_pipeline_executions_updated", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    pipeline_id: Mapped[str] = ref_id("pipelines", nullable=False)
    pipeline_name: Mapped[str] = mapped_column(String(128), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    parameters: Mapped[str] = mapped_column(Text, nullable=False)
    base_dir: Mapped[str | None] = mapped_column(Text)
    retry_of: Mapped[str | None] = mapped_column(String(32))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # whose engine thread drives it: an execution whose owner died is adopted
    owner_host: Mapped[str | None] = mapped_column(String(256))
    owner_pid: Mapped[int | None] = mapped_column(Integer)

    def to_entity(self) -> Execution:
        return Execution(
            id=self.id,
            pipeline_id=self.pipeline_id,
            pipeline_name=self.pipeline_name,
            version=self.version,
            status=self.status,
            parameters=json.loads(self.parameters),
            base_dir=self.base_dir,
            retry_of=self.retry_of,
            failure_reason=self.failure_reason,
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            started_at=_at(self.started_at),
            ended_at=_at(self.ended_at),
            owner_host=self.owner_host,
            owner_pid=self.owner_pid,
        )


class PipelineStepRow(Base):
    __tablename__ = "pipeline_steps"
    __table_args__ = (Index("ix_pipeline_steps_cache", "cache_key", "status"),)

    execution_id: Mapped[str] = ref_id("pipeline_executions", primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    job_id: Mapped[str | None] = mapped_column(String(32))
    outputs: Mapped[str] = mapped_column(Text, nullable=False)
    metrics: Mapped[str] = mapped_column(Text, nullable=False)
    properties: Mapped[str] = mapped_column(Text, nullable=False)
    cache_key: Mapped[str | None] = mapped_column(String(64))
    cache_source: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self) -> StepExecution:
        return StepExecution(
            execution_id=self.execution_id,
            name=self.name,
            type=self.type,
            status=self.status,
            attempts=self.attempts,
            job_id=self.job_id,
            outputs=json.loads(self.outputs),
            metrics=json.loads(self.metrics),
            properties=json.loads(self.properties),
            cache_key=self.cache_key,
            cache_source=self.cache_source,
            error=self.error,
            started_at=_at(self.started_at),
            ended_at=_at(self.ended_at),
            not_before=_at(self.not_before),
            updated_at=_at(self.updated_at),
        )
