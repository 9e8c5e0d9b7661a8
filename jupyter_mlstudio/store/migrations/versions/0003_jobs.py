"""jobs: processing and training jobs

Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0003_jobs"
down_revision: str | None = "0002_runs"

JOBS_INDEXES: dict[str, list[str]] = {
    "ix_jobs_created": ["created_at"],
    "ix_jobs_kind_created": ["kind", "created_at"],
    "ix_jobs_status": ["status"],
    "ix_jobs_updated": ["updated_at"],
}


def upgrade() -> None:
    op.create_table(
        "jobs",
        col.string_id(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        col.status(),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("executor", sa.String(length=16), nullable=False),
        *col.created_updated(),
        *col.started_ended(),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("progress_message", sa.String(length=256), nullable=True),
        sa.Column("outputs", sa.Text(), nullable=False),
        col.string_id("run_id", nullable=True),
        col.string_id("experiment_id", nullable=True),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=256), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("process_start", sa.Float(), nullable=True),
        *col.owner(),
        col.foreign_key("jobs", "run_id", "runs", "SET NULL"),
        col.primary_key("jobs"),
        col.unique_name("jobs"),
    )
    col.create_indexes("jobs", JOBS_INDEXES)


def downgrade() -> None:
    col.drop_indexes("jobs", JOBS_INDEXES)

    op.drop_table("jobs")
