"""feature store: training sets built from feature groups (for lineage)

Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0009_feature_datasets"
down_revision: str | None = "0008_monitor"


def upgrade() -> None:
    op.create_table(
        "feature_datasets",
        col.string_id(),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("entity_source", sa.Text(), nullable=False),
        sa.Column("entity_rows", sa.Integer(), nullable=False),
        col.timestamp("as_of", nullable=True),
        sa.Column("output_uri", sa.Text(), nullable=True),
        sa.Column("output_hash", sa.String(length=80), nullable=True),
        col.string_id("run_id", nullable=True),
        col.timestamp("created_at"),
        col.primary_key("feature_datasets"),
    )
    with op.batch_alter_table("feature_datasets", schema=None) as batch_op:
        batch_op.create_index("ix_feature_datasets_created", ["created_at"], unique=False)
        batch_op.create_index("ix_feature_datasets_hash", ["output_hash"], unique=False)
        batch_op.create_index("ix_feature_datasets_run", ["run_id"], unique=False)
    op.create_table(
        "feature_dataset_groups",
        col.string_id("dataset_id"),
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("group_version", sa.Integer(), nullable=False),
        col.foreign_key("feature_dataset_groups", "dataset_id", "feature_datasets", "CASCADE"),
        col.primary_key("feature_dataset_groups", "dataset_id", "group_name", "group_version"),
    )
    with op.batch_alter_table("feature_dataset_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feature_dataset_groups_group", ["group_name", "group_version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("feature_dataset_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_feature_dataset_groups_group")
    op.drop_table("feature_dataset_groups")
    with op.batch_alter_table("feature_datasets", schema=None) as batch_op:
        batch_op.drop_index("ix_feature_datasets_run")
        batch_op.drop_index("ix_feature_datasets_hash")
        batch_op.drop_index("ix_feature_datasets_created")
    op.drop_table("feature_datasets")
