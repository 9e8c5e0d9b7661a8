"""tuning jobs

Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations.columns import (
    created_updated,
    foreign_key,
    primary_key,
    started_ended,
    status,
    string_id,
    unique_name,
)

revision: str = "0006_tuning"
down_revision: str | None = "0005_endpoints"


def upgrade() -> None:
    op.create_table(
        "tuning_jobs",
        string_id(),
        sa.Column("name", sa.String(length=128), nullable=False),
        status(),
        sa.Column("spec", sa.Text(), nullable=False),
        *created_updated(),
        *started_ended(),
        string_id("parent_run_id", nullable=True),
        string_id("experiment_id", nullable=True),
        sa.Column("trials_started", sa.Integer(), nullable=False),
        sa.Column("trials_running", sa.Integer(), nullable=False),
        sa.Column("trials_completed", sa.Integer(), nullable=False),
        sa.Column("trials_pruned", sa.Integer(), nullable=False),
        sa.Column("trials_failed", sa.Integer(), nullable=False),
        sa.Column("best_value", sa.Float(), nullable=True),
        sa.Column("best_trial", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("owner_host", sa.String(length=256), nullable=True),
        sa.Column("owner_pid", sa.Integer(), nullable=True),
        foreign_key("tuning_jobs", "parent_run_id", "runs", "SET NULL"),
        primary_key("tuning_jobs"),
        unique_name("tuning_jobs"),
    )
    with op.batch_alter_table("tuning_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_tuning_jobs_created", ["created_at"], unique=False)
        batch_op.create_index("ix_tuning_jobs_status", ["status"], unique=False)
        batch_op.create_index("ix_tuning_jobs_updated", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tuning_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_tuning_jobs_updated")
        batch_op.drop_index("ix_tuning_jobs_status")
        batch_op.drop_index("ix_tuning_jobs_created")
    op.drop_table("tuning_jobs")
