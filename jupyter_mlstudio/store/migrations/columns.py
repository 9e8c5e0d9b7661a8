"""Column and table shapes the migrations share, so each revision states only what is its own.

The helpers build exactly the ``sa.Column`` / constraint objects the revisions used to
spell out, so the DDL of every revision is unchanged. Names go through ``op.f`` (already
final: the naming convention must not rewrite them).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def string_id(name: str = "id", *, nullable: bool = False) -> sa.Column[Any]:
    """A 32-character id column (primary keys and the foreign keys that point at them)."""
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def serial_id() -> sa.Column[Any]:
    """An autoincrement BIGINT id (INTEGER on SQLite, so it is the rowid)."""
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def created_updated() -> tuple[sa.Column[Any], sa.Column[Any]]:
    return timestamp("created_at"), timestamp("updated_at")


def started_ended() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """When a job or tuning job started and ended (unset until it does)."""
    return timestamp("started_at", nullable=True), timestamp("ended_at", nullable=True)


def owner() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """The host and pid of the server process that drives a job or tuning job."""
    return (
        sa.Column("owner_host", sa.String(length=256), nullable=True),
        sa.Column("owner_pid", sa.Integer(), nullable=True),
    )


def status() -> sa.Column[Any]:
    """The 16-character lifecycle status of runs, jobs, endpoints and tuning jobs."""
    return sa.Column("status", sa.String(length=16), nullable=False)


def key() -> sa.Column[Any]:
    """The 250-character key of tags, params and metrics."""
    return sa.Column("key", sa.String(length=250), nullable=False)


def foreign_key(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    """``table.column`` -> ``target.id``, named by the naming convention's pattern."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def unique_name(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("name", name=op.f(f"uq_{table}_name"))


def create_key_value_table(table: str, owner: str, owner_table: str, **kw: Any) -> None:
    """A tag or param table: (owner id, key) -> text value, deleted with its owner."""
    op.create_table(
        table,
        string_id(owner),
        key(),
        sa.Column("value", sa.Text(), nullable=False),
        foreign_key(table, owner, owner_table, "CASCADE"),
        primary_key(table, owner, "key"),
        **kw,
    )


def create_indexes(table: str, indexes: dict[str, list[str]]) -> None:
    """Non-unique indexes ``{name: columns}`` on ``table``, in order."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.create_index(name, columns, unique=False)


def drop_indexes(table: str, indexes: dict[str, list[str]]) -> None:
    """Undo :func:`create_indexes` (in reverse order)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in reversed(indexes):
            batch_op.drop_index(name)
