"""ORM rows for tuning jobs. Rows never leave the store: see ``to_entity``.

Trials are not rows here: they live in the tuning job's optuna study (``study.py``); the
row keeps the counts and the best value so lists and the panel need no study.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc
from .entities import TrialCounts, TuningJob


class TuningJobRow(Base):
    __tablename__ = "tuning_jobs"
    __table_args__ = (
        Index("ix_tuning_jobs_created", "created_at"),
        Index("ix_tuning_jobs_status", "status"),
        Index("ix_tuning_jobs_updated", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    spec: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    parent_run_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("runs.id", ondelete="SET NULL")
    )
    experiment_id: Mapped[str | None] = mapped_column(String(32))
    trials_started: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_running: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_completed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_pruned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trials_failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    best_value: Mapped[float | None] = mapped_column(Float)
    best_trial: Mapped[int | None] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    status_message: Mapped[str | None] = mapped_column(Text)
    # Whose supervisor thread drives it: a tuning job whose owner died is adopted.
    owner_host: Mapped[str | None] = mapped_column(String(256))
    owner_pid: Mapped[int | None] = mapped_column(Integer)

    def to_entity(self) -> TuningJob:
        return TuningJob(
            id=self.id,
            name=self.name,
            status=self.status,
            spec=json.loads(self.spec),
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            started_at=as_utc(self.started_at) if self.started_at else None,
            ended_at=as_utc(self.ended_at) if self.ended_at else None,
            counts=TrialCounts(
                started=self.trials_started,
                running=self.trials_running,
                completed=self.trials_completed,
                pruned=self.trials_pruned,
                failed=self.trials_failed,
            ),
            parent_run_id=self.parent_run_id,
            experiment_id=self.experiment_id,
            best_value=self.best_value,
            best_trial=self.best_trial,
            failure_reason=self.failure_reason,
            status_message=self.status_message,
            owner_host=self.owner_host,
            owner_pid=self.owner_pid,
        )
