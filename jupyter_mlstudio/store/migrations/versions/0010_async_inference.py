"""endpoints: the durable queue of asynchronous inference requests

Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0010_async_inference"
down_revision: str | None = "0009_feature_datasets"

_INDEXES = {
    "ix_async_requests_queue": ["endpoint", "status", "created_at"],
    "ix_async_requests_lease": ["status", "lease_until"],
}


def upgrade() -> None:
    op.create_table(
        "async_requests",
        col.string_id(),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=True),
        col.status(),
        sa.Column("input_location", sa.Text(), nullable=False),
        sa.Column("output_location", sa.Text(), nullable=False),
        sa.Column("failure_location", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("accept", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        col.timestamp("lease_until", nullable=True),
        col.timestamp("created_at"),
        *col.started_ended(),
        col.primary_key("async_requests"),
    )
    col.create_indexes("async_requests", _INDEXES)


def downgrade() -> None:
    col.drop_indexes("async_requests", _INDEXES)
    op.drop_table("async_requests")
