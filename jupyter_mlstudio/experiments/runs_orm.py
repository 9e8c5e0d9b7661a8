"""ORM rows for runs and everything a run logs.

``latest_metrics`` keeps each run's last value per metric key (highest step, then
latest timestamp), so searching and sorting 10,000 runs by a metric is one indexed join
instead of a scan of the full metric history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, KeyValueColumns, entry_key, ref_id, utcnow


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    experiment_id: Mapped[str] = ref_id("experiments", nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    # RUNNING | FINISHED | FAILED | KILLED
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="RUNNING")
    parent_run_id: Mapped[str | None] = ref_id("runs", on_delete="SET NULL", nullable=True)
    start_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # active | deleted (in the trash; restorable until garbage-collected)
    lifecycle: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    artifact_uri: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Where the run's process lives, so a run whose process died can be marked FAILED.
    host: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Last time anything was logged to or changed on the run: the server watches it to
    # push live updates for writes that bypass it (the SDK writes to the store directly).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_runs_experiment_start", "experiment_id", "lifecycle", "start_time"),
        Index("ix_runs_parent", "parent_run_id"),
        Index("ix_runs_heartbeat", "heartbeat_at"),
    )


# On SQLite the per-run value tables are WITHOUT ROWID: rows are stored in primary-key
# order, so loading a page of runs' values reads each run's rows together, with one
# B-tree search per row instead of two (about 25% faster for 1,000 runs).
_CLUSTERED = {"sqlite_with_rowid": False}


class RunParamRow(KeyValueColumns, Base):
    __tablename__ = "run_params"
    __table_args__ = (_CLUSTERED,)

    run_id: Mapped[str] = ref_id("runs", primary_key=True)
    # No (key, value) index: long text values exceed PostgreSQL's btree row limit, and
    # the primary key (run_id, key) already serves per-run lookups in searches.


class RunTagRow(KeyValueColumns, Base):
    __tablename__ = "run_tags"
    __table_args__ = (_CLUSTERED,)

    run_id: Mapped[str] = ref_id("runs", primary_key=True)


class MetricRow(Base):
    """The full history: one row per logged value."""

    __tablename__ = "metrics"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    run_id: Mapped[str] = ref_id("runs", nullable=False)
    key: Mapped[str] = entry_key(nullable=False)
    step: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    timestamp: Mapped[float] = mapped_column(Float, nullable=False)  # seconds since the epoch
    # NULL stands for NaN: SQLite cannot store NaN, and NULL compares like NaN (never true).
    value: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (Index("ix_metrics_run_key_step", "run_id", "key", "step"),)


class LatestMetricRow(Base):
    __tablename__ = "latest_metrics"

    run_id: Mapped[str] = ref_id("runs", primary_key=True)
    key: Mapped[str] = entry_key(primary_key=True)
    step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    timestamp: Mapped[float] = mapped_column(Float, nullable=False)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)  # NULL = NaN

    __table_args__ = (Index("ix_latest_metrics_key_value", "key", "value"), _CLUSTERED)
