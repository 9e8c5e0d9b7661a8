"""tuning jobs

Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0006_tuning"
down_revision: str | None = "0005_endpoints"

TUNING_JOBS_INDEXES: dict[str, list[str]] = {
    "ix_tuning_jobs_created": ["created_at"],
    "ix_tuning_jobs_status": ["status"],
    "ix_tuning_jobs_updated": ["updated_at"],
}


def upgrade() -> None:
    op.create_table(
        "tuning_jobs",
        col.string_id(),
        sa.Column("name", sa.String(length=128), nullable=False),
        col.status(),
        sa.Column("spec", sa.Text(), nullable=False),
        *col.created_updated(),
        *col.started_ended(),
        col.string_id("parent_run_id", nullable=True),
        col.string_id("experiment_id", nullable=True),
        sa.Column("trials_started", sa.Integer(), nullable=False),
        sa.Column("trials_running", sa.Integer(), nullable=False),
        sa.Column("trials_completed", sa.Integer(), nullable=False),
        sa.Column("trials_pruned", sa.Integer(), nullable=False),
        sa.Column("trials_failed", sa.Integer(), nullable=False),
        sa.Column("best_value", sa.Float(), nullable=True),
        sa.Column("best_trial", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("status_message", sa.Text(), nullable=True),
        *col.owner(),
        col.foreign_key("tuning_jobs", "parent_run_id", "runs", "SET NULL"),
        col.primary_key("tuning_jobs"),
        col.unique_name("tuning_jobs"),
    )
    col.create_indexes("tuning_jobs", TUNING_JOBS_INDEXES)


def downgrade() -> None:
    col.drop_indexes("tuning_jobs", TUNING_JOBS_INDEXES)
    op.drop_table("tuning_jobs")
