"""runs params tags and metrics

Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0002_runs"
down_revision: str | None = "0001_experiments"


def metric_point() -> tuple[sa.Column[Any], ...]:
    """A metric value at a step, as both ``metrics`` and ``latest_metrics`` store it."""
    return (
        col.key(),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
    )


RUNS_INDEXES: dict[str, list[str]] = {
    "ix_runs_experiment_start": ["experiment_id", "lifecycle", "start_time"],
    "ix_runs_parent": ["parent_run_id"],
    "ix_runs_heartbeat": ["heartbeat_at"],
}


def upgrade() -> None:
    op.create_table(
        "runs",
        col.string_id(),
        col.string_id("experiment_id"),
        sa.Column("name", sa.String(length=256), nullable=False),
        col.status(),
        col.string_id("parent_run_id", nullable=True),
        col.timestamp("start_time"),
        col.timestamp("end_time", nullable=True),
        sa.Column("lifecycle", sa.String(length=16), nullable=False),
        col.timestamp("deleted_at", nullable=True),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=256), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        col.timestamp("heartbeat_at", nullable=True),
        col.foreign_key("runs", "experiment_id", "experiments", "CASCADE"),
        col.foreign_key("runs", "parent_run_id", "runs", "SET NULL"),
        col.primary_key("runs"),
    )
    col.create_indexes("runs", RUNS_INDEXES)

    op.create_table(
        "latest_metrics",
        col.string_id("run_id"),
        *metric_point(),
        col.foreign_key("latest_metrics", "run_id", "runs", "CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "key", name=op.f("pk_latest_metrics")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("latest_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_latest_metrics_key_value", ["key", "value"], unique=False)

    op.create_table(
        "metrics",
        col.serial_id(),
        col.string_id("run_id"),
        *metric_point(),
        col.foreign_key("metrics", "run_id", "runs", "CASCADE"),
        col.primary_key("metrics"),
    )
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.create_index("ix_metrics_run_key_step", ["run_id", "key", "step"], unique=False)

    col.create_key_value_table("run_params", "run_id", "runs", sqlite_with_rowid=False)
    col.create_key_value_table("run_tags", "run_id", "runs", sqlite_with_rowid=False)


def downgrade() -> None:
    op.drop_table("run_tags")
    op.drop_table("run_params")
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_run_key_step")

    op.drop_table("metrics")
    with op.batch_alter_table("latest_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_latest_metrics_key_value")

    op.drop_table("latest_metrics")
    col.drop_indexes("runs", RUNS_INDEXES)

    op.drop_table("runs")
