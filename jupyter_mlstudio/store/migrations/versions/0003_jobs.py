"""jobs: processing and training jobs

Create Date: 2026-11-25
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

revision: str = "0003_jobs"
down_revision: str | None = "0002_runs"


def upgrade() -> None:
    op.create_table(
        "jobs",
        string_id(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        status(),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("executor", sa.String(length=16), nullable=False),
        *created_updated(),
        *started_ended(),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("progress_message", sa.String(length=256), nullable=True),
        sa.Column("outputs", sa.Text(), nullable=False),
        string_id("run_id", nullable=True),
        string_id("experiment_id", nullable=True),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=256), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("process_start", sa.Float(), nullable=True),
        sa.Column("owner_host", sa.String(length=256), nullable=True),
        sa.Column("owner_pid", sa.Integer(), nullable=True),
        foreign_key("jobs", "run_id", "runs", "SET NULL"),
        primary_key("jobs"),
        unique_name("jobs"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_created", ["created_at"], unique=False)
        batch_op.create_index("ix_jobs_kind_created", ["kind", "created_at"], unique=False)
        batch_op.create_index("ix_jobs_status", ["status"], unique=False)
        batch_op.create_index("ix_jobs_updated", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_updated")
        batch_op.drop_index("ix_jobs_status")
        batch_op.drop_index("ix_jobs_kind_created")
        batch_op.drop_index("ix_jobs_created")

    op.drop_table("jobs")
