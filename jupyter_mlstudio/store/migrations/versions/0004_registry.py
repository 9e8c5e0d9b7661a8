"""registry: model groups, versions, approvals, aliases

Revision ID: 0004_registry
Revises: 0003_jobs
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_registry"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_model_groups_name")),
    )
    with op.batch_alter_table("model_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_groups_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "model_group_tags",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["model_groups.id"],
            name=op.f("fk_model_group_tags_group_id_model_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "key", name=op.f("pk_model_group_tags")),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.Column("source_run_id", sa.String(length=32), nullable=True),
        sa.Column("source_job_id", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("approval_status", sa.String(length=32), nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["model_groups.id"],
            name=op.f("fk_model_versions_group_id_model_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_job_id"],
            ["jobs.id"],
            name=op.f("fk_model_versions_source_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_run_id"],
            ["runs.id"],
            name=op.f("fk_model_versions_source_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("group_id", "version", name=op.f("uq_model_versions_group_id")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index("ix_model_versions_job", ["source_job_id"], unique=False)
        batch_op.create_index("ix_model_versions_run", ["source_run_id"], unique=False)

    op.create_table(
        "model_aliases",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["model_groups.id"],
            name=op.f("fk_model_aliases_group_id_model_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_aliases_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "alias", name=op.f("pk_model_aliases")),
    )
    op.create_table(
        "model_approvals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("version_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_approvals_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_approvals")),
    )
    with op.batch_alter_table("model_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_approvals_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "model_version_tags",
        sa.Column("version_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_version_tags_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "key", name=op.f("pk_model_version_tags")),
    )


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
