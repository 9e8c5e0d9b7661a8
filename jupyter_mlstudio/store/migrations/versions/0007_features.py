"""feature store catalog: feature groups (one row per version) and their ingestions

Revision ID: 0007_features
Revises: 0006_tuning
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_features"
down_revision: str | None = "0006_tuning"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_groups")),
        sa.UniqueConstraint("name", "version", name="uq_feature_groups_name_version"),
    )
    with op.batch_alter_table("feature_groups", schema=None) as batch_op:
        batch_op.create_index("ix_feature_groups_created", ["created_at"], unique=False)
    op.create_table(
        "feature_ingestions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("deleted_rows", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offline_files", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["feature_groups.id"],
            name=op.f("fk_feature_ingestions_group_id_feature_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_ingestions")),
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
