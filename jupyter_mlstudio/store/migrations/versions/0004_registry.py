"""registry: model groups, versions, approvals, aliases

Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0004_registry"
down_revision: str | None = "0003_jobs"


def upgrade() -> None:
    op.create_table(
        "model_groups",
        col.string_id(),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        *col.created_updated(),
        col.primary_key("model_groups"),
        col.unique_name("model_groups"),
    )
    with op.batch_alter_table("model_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_groups_updated_at"), ["updated_at"], unique=False
        )

    col.create_key_value_table("model_group_tags", "group_id", "model_groups")
    op.create_table(
        "model_versions",
        col.string_id(),
        col.string_id("group_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        col.timestamp("created_at"),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("flavor", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("input_example", sa.Text(), nullable=False),
        sa.Column("library_versions", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("data_ref", sa.Text(), nullable=True),
        col.string_id("source_run_id", nullable=True),
        col.string_id("source_job_id", nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("approval_status", sa.String(length=32), nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        col.timestamp("updated_at"),
        col.foreign_key("model_versions", "group_id", "model_groups", "CASCADE"),
        col.foreign_key("model_versions", "source_job_id", "jobs", "SET NULL"),
        col.foreign_key("model_versions", "source_run_id", "runs", "SET NULL"),
        col.primary_key("model_versions"),
        sa.UniqueConstraint("group_id", "version", name=op.f("uq_model_versions_group_id")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index("ix_model_versions_job", ["source_job_id"], unique=False)
        batch_op.create_index("ix_model_versions_run", ["source_run_id"], unique=False)

    op.create_table(
        "model_aliases",
        col.string_id("group_id"),
        sa.Column("alias", sa.String(length=64), nullable=False),
        col.string_id("version_id"),
        col.foreign_key("model_aliases", "group_id", "model_groups", "CASCADE"),
        col.foreign_key("model_aliases", "version_id", "model_versions", "CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "alias", name=op.f("pk_model_aliases")),
    )
    op.create_table(
        "model_approvals",
        col.serial_id(),
        col.string_id("version_id"),
        col.timestamp("at"),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        col.foreign_key("model_approvals", "version_id", "model_versions", "CASCADE"),
        col.primary_key("model_approvals"),
    )
    with op.batch_alter_table("model_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_approvals_version_id"), ["version_id"], unique=False
        )

    col.create_key_value_table("model_version_tags", "version_id", "model_versions")


def downgrade() -> None:
    op.drop_table("model_version_tags")
    with op.batch_alter_table("model_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_approvals_version_id"))

    op.drop_table("model_approvals")
    op.drop_table("model_aliases")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_model_versions_run")
        batch_op.drop_index("ix_model_versions_job")

    op.drop_table("model_versions")
    op.drop_table("model_group_tags")
    with op.batch_alter_table("model_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_groups_updated_at"))

    op.drop_table("model_groups")
