"""pipeline schedules and triggers, and the events each has fired (claimed once)

Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0012_pipeline_schedules"
down_revision: str | None = "0011_pipelines"


def upgrade() -> None:
    op.create_table(
        "pipeline_triggers",
        col.string_id(),
        col.string_id("pipeline_id"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("expression", sa.String(length=256), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("event_parameters", sa.Text(), nullable=False),
        sa.Column("base_dir", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *col.created_updated(),
        col.foreign_key("pipeline_triggers", "pipeline_id", "pipelines", "CASCADE"),
        col.primary_key("pipeline_triggers"),
    )
    col.create_indexes("pipeline_triggers", {"ix_pipeline_triggers_pipeline": ["pipeline_id"]})
    op.create_table(
        "pipeline_trigger_fires",
        col.string_id("trigger_id"),
        sa.Column("event_key", sa.String(length=128), nullable=False),
        col.timestamp("fired_at"),
        col.string_id("execution_id", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        col.foreign_key("pipeline_trigger_fires", "trigger_id", "pipeline_triggers", "CASCADE"),
        col.primary_key("pipeline_trigger_fires", "trigger_id", "event_key"),
    )


def downgrade() -> None:
    op.drop_table("pipeline_trigger_fires")
    col.drop_indexes("pipeline_triggers", {"ix_pipeline_triggers_pipeline": ["pipeline_id"]})
    op.drop_table("pipeline_triggers")
