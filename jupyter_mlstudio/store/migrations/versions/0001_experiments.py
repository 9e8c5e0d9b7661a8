"""experiments and their tags

Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0001_experiments"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        col.string_id(),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *col.created_updated(),
        col.primary_key("experiments"),
        col.unique_name("experiments"),
    )
    op.create_index(op.f("ix_experiments_created_at"), "experiments", ["created_at"], unique=False)
    col.create_key_value_table("experiment_tags", "experiment_id", "experiments")


def downgrade() -> None:
    op.drop_table("experiment_tags")
    op.drop_index(op.f("ix_experiments_created_at"), table_name="experiments")
    op.drop_table("experiments")
