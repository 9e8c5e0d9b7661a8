"""The declarative base shared by every component's ORM rows.

Alembic's ``env.py`` imports :data:`ALL_MODELS` so autogenerate and the
schema-drift test see every table.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import ForeignKey, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

# Deterministic constraint names keep migrations portable (SQLite batch mode needs them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Longest key of a tag, param or metric (``run_entities.KEY_MAX_LENGTH`` says the same).
MAX_KEY_LENGTH = 250


def ref_id(table: str, *, on_delete: str = "CASCADE", **column: Any) -> MappedColumn[Any]:
    """A column holding the id of a ``table`` row: deleted with it (``CASCADE``) or
    cleared (``SET NULL``, for lineage that outlives what it points to)."""
    return mapped_column(String(32), ForeignKey(f"{table}.id", ondelete=on_delete), **column)


def entry_key(**column: Any) -> MappedColumn[Any]:
    """The key column of a tag, param or metric row."""
    return mapped_column(String(MAX_KEY_LENGTH), **column)


class KeyValueColumns:
    """The columns of a tag or param table, after the owner's id that the row class
    declares with :func:`ref_id` (the primary key is owner id, then key: the ORM puts a
    class's own columns before a mixin's)."""

    key: Mapped[str] = entry_key(primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def load_all_models() -> MetaData:
    """Import every component's rows so ``Base.metadata`` is complete."""
    from ..endpoints import orm as _endpoints  # noqa: F401
    from ..experiments import orm as _experiments  # noqa: F401
    from ..experiments import runs_orm as _runs  # noqa: F401
    from ..features import orm as _features  # noqa: F401
    from ..jobs import orm as _jobs  # noqa: F401
    from ..monitor import orm as _monitor  # noqa: F401
    from ..pipelines import orm as _pipelines  # noqa: F401
    from ..pipelines import schedules as _pipeline_schedules  # noqa: F401
    from ..registry import orm as _registry  # noqa: F401
    from ..tuning import orm as _tuning  # noqa: F401

    return Base.metadata
