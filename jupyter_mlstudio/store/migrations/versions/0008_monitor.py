"""model monitor: monitors, their executions (one per monitor and scheduled time) and alerts

Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jupyter_mlstudio.store.migrations import columns as col

revision: str = "0008_monitor"
down_revision: str | None = "0007_features"


def upgrade() -> None:
    op.create_table(
        "monitors",
        col.string_id(),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=True),
        sa.Column("data_path", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Text(), nullable=False),
        sa.Column("schedule", sa.String(length=256), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("alert", sa.Text(), nullable=False),
        col.status(),
        *col.created_updated(),
        col.primary_key("monitors"),
        col.unique_name("monitors"),
    )
    col.create_indexes("monitors", {"ix_monitors_endpoint": ["endpoint"]})
    op.create_table(
        "monitor_executions",
        col.string_id(),
        col.string_id("monitor_id"),
        col.timestamp("scheduled_time"),
        col.timestamp("window_start"),
        col.timestamp("window_end"),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False),
        *col.created_updated(),
        col.foreign_key("monitor_executions", "monitor_id", "monitors", "CASCADE"),
        col.primary_key("monitor_executions"),
        # the schedulers' claim: one execution per monitor and scheduled time
        sa.UniqueConstraint(
            "monitor_id", "scheduled_time", name="uq_monitor_executions_monitor_scheduled"
        ),
    )
    col.create_indexes("monitor_executions", {"ix_monitor_executions_status": ["status"]})
    op.create_table(
        "monitor_alerts",
        col.serial_id(),
        col.string_id("monitor_id"),
        col.string_id("execution_id"),
        col.timestamp("created_at"),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("webhook_status", sa.Text(), nullable=True),
        col.foreign_key("monitor_alerts", "monitor_id", "monitors", "CASCADE"),
        col.foreign_key("monitor_alerts", "execution_id", "monitor_executions", "CASCADE"),
        col.primary_key("monitor_alerts"),
    )
    col.create_indexes("monitor_alerts", {"ix_monitor_alerts_created": ["created_at"]})


def downgrade() -> None:
    col.drop_indexes("monitor_alerts", {"ix_monitor_alerts_created": ["created_at"]})
    op.drop_table("monitor_alerts")
    col.drop_indexes("monitor_executions", {"ix_monitor_executions_status": ["status"]})
    op.drop_table("monitor_executions")
    col.drop_indexes("monitors", {"ix_monitors_endpoint": ["endpoint"]})
    op.drop_table("monitors")
