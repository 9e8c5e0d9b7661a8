"""ORM rows for jobs. Rows never leave the store: see ``to_entity``."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc, ref_id, utcnow
from .entities import Job


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_created", "created_at"),
        Index("ix_jobs_kind_created", "kind", "created_at"),
        Index("ix_jobs_status", "status"),
        Index("ix_jobs_updated", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    spec: Mapped[str] = mapped_column(Text, nullable=False)
    executor: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float | None] = mapped_column(Float)
    progress_message: Mapped[str | None] = mapped_column(String(256))
    outputs: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    run_id: Mapped[str | None] = ref_id("runs", on_delete="SET NULL")
    experiment_id: Mapped[str | None] = mapped_column(String(32))
    artifact_uri: Mapped[str] = mapped_column(Text, nullable=False)
    # Where the job's process runs (for stop and for reconciling after a restart);
    # process_start tells a reused pid from ours.
    host: Mapped[str | None] = mapped_column(String(256))
    pid: Mapped[int | None] = mapped_column(Integer)
    process_start: Mapped[float | None] = mapped_column(Float)
    # Who queued it: a Pending job whose owner died is picked up by the next server.
    owner_host: Mapped[str | None] = mapped_column(String(256))
    owner_pid: Mapped[int | None] = mapped_column(Integer)

    def to_entity(self) -> Job:
        return Job(
            id=self.id,
            kind=self.kind,
            name=self.name,
            status=self.status,
            spec=json.loads(self.spec),
            executor=self.executor,
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            started_at=as_utc(self.started_at) if self.started_at else None,
            ended_at=as_utc(self.ended_at) if self.ended_at else None,
            failure_reason=self.failure_reason,
            progress=self.progress,
            progress_message=self.progress_message,
            outputs=json.loads(self.outputs or "{}"),
            run_id=self.run_id,
            experiment_id=self.experiment_id,
            artifact_uri=self.artifact_uri,
            host=self.host,
            pid=self.pid,
            process_start=self.process_start,
            owner_host=self.owner_host,
            owner_pid=self.owner_pid,
        )
