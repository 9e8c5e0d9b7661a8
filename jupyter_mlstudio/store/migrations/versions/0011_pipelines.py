"""pipelines: definitions and their versions, executions and step executions

Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0011_pipelines"
down_revision: str | None = "0010_async_inference"

_EXECUTION_INDEXES = {
    "ix_pipeline_executions_pipeline": ["pipeline_id", "created_at"],
    "ix_pipeline_executions_status": ["status"],
    "ix_pipeline_executions_updated": ["updated_at"],
}


def upgrade() -> None:
    op.create_table(
        "pipelines",
        col.string_id(),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        *col.created_updated(),
        col.primary_key("pipelines"),
        col.unique_name("pipelines"),
    )
    col.create_indexes("pipelines", {"ix_pipelines_updated": ["updated_at"]})
    op.create_table(
        "pipeline_versions",
        col.string_id("pipeline_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        col.timestamp("created_at"),
        col.foreign_key("pipeline_versions", "pipeline_id", "pipelines", "CASCADE"),
        col.primary_key("pipeline_versions", "pipeline_id", "version"),
    )
    op.create_table(
        "pipeline_executions",
        col.string_id(),
        col.string_id("pipeline_id"),
        sa.Column("pipeline_name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        col.status(),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("base_dir", sa.Text(), nullable=True),
        col.string_id("retry_of", nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        *col.created_updated(),
        *col.started_ended(),
        *col.owner(),
        col.foreign_key("pipeline_executions", "pipeline_id", "pipelines", "CASCADE"),
        col.primary_key("pipeline_executions"),
    )
    col.create_indexes("pipeline_executions", _EXECUTION_INDEXES)
    op.create_table(
        "pipeline_steps",
        col.string_id("execution_id"),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        col.status(),
        sa.Column("attempts", sa.Integer(), nullable=False),
        col.string_id("job_id", nullable=True),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=True),
        col.string_id("cache_source", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        *col.started_ended(),
        col.timestamp("not_before", nullable=True),
        col.timestamp("updated_at"),
        col.foreign_key("pipeline_steps", "execution_id", "pipeline_executions", "CASCADE"),
        col.primary_key("pipeline_steps", "execution_id", "name"),
    )
    col.create_indexes("pipeline_steps", {"ix_pipeline_steps_cache": ["cache_key", "status"]})


def downgrade() -> None:
    col.drop_indexes("pipeline_steps", {"ix_pipeline_steps_cache": ["cache_key", "status"]})
    op.drop_table("pipeline_steps")
    col.drop_indexes("pipeline_executions", _EXECUTION_INDEXES)
    op.drop_table("pipeline_executions")
    op.drop_table("pipeline_versions")
    col.drop_indexes("pipelines", {"ix_pipelines_updated": ["updated_at"]})
    op.drop_table("pipelines")
