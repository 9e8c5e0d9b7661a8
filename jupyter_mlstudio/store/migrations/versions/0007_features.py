"""feature store catalog: feature groups (one row per version) and their ingestions

Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0007_features"
down_revision: str | None = "0006_tuning"


def upgrade() -> None:
    op.create_table(
        "feature_groups",
        col.string_id(),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("record_identifier", sa.String(length=128), nullable=False),
        sa.Column("event_time_feature", sa.String(length=128), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("ttl_seconds", sa.Integer(), nullable=True),
        sa.Column("offline_enabled", sa.Boolean(), nullable=False),
        sa.Column("online_enabled", sa.Boolean(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        *col.created_updated(),
        col.primary_key("feature_groups"),
        sa.UniqueConstraint("name", "version", name="uq_feature_groups_name_version"),
    )
    with op.batch_alter_table("feature_groups", schema=None) as batch_op:
        batch_op.create_index("ix_feature_groups_created", ["created_at"], unique=False)
    op.create_table(
        "feature_ingestions",
        col.string_id(),
        col.string_id("group_id"),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("deleted_rows", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        col.timestamp("ingested_at"),
        sa.Column("offline_files", sa.Text(), nullable=False),
        col.foreign_key("feature_ingestions", "group_id", "feature_groups", "CASCADE"),
        col.primary_key("feature_ingestions"),
    )
    with op.batch_alter_table("feature_ingestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feature_ingestions_group_time", ["group_id", "ingested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("feature_ingestions", schema=None) as batch_op:
        batch_op.drop_index("ix_feature_ingestions_group_time")
    op.drop_table("feature_ingestions")
    with op.batch_alter_table("feature_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_feature_groups_created")
    op.drop_table("feature_groups")
