"""endpoints

Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0005_endpoints"
down_revision: str | None = "0004_registry"


def upgrade() -> None:
    op.create_table(
        "endpoints",
        col.string_id(),
        sa.Column("name", sa.String(length=64), nullable=False),
        col.status(),
        sa.Column("config_json", sa.Text(), nullable=False),
        sa.Column("variants_json", sa.Text(), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("owner_pid", sa.Integer(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        *col.created_updated(),
        col.primary_key("endpoints"),
        col.unique_name("endpoints"),
    )
    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_endpoints_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_endpoints_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_endpoints_updated_at"))
        batch_op.drop_index(batch_op.f("ix_endpoints_status"))
    op.drop_table("endpoints")
