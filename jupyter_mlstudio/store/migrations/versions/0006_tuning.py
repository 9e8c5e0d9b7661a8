"""tuning jobs

Revision ID: 0006_tuning
Revises: 0005_endpoints
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_tuning"
down_revision: str | None = "0005_endpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tuning_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_run_id", sa.String(length=32), nullable=True),
        sa.Column("experiment_id", sa.String(length=32), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["parent_run_id"],
            ["runs.id"],
            name=op.f("fk_tuning_jobs_parent_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tuning_jobs")),
        sa.UniqueConstraint("name", name=op.f("uq_tuning_jobs_name")),
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
