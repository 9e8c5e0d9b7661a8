"""Reading rows the same way in every store: get-or-not-found, with the same
``NotFoundError`` message for a missing row by id ("No job with id 'x'.") or by name ("No
endpoint named 'x'."); whether a name is taken; and what changed since a time (for the
server's change events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFoundError
from .orm import as_utc

R = TypeVar("R")


def row_by_id(session: Session, model: type[R], row_id: object, what: str) -> R:
    """The row whose primary key is ``row_id`` (a string; anything else is not found)."""
    row = session.get(model, row_id) if isinstance(row_id, str) else None
    if row is None:
        raise NotFoundError(f"No {what} with id {row_id!r}.")
    return row


def row_by_name(session: Session, model: type[R], name: str, what: str) -> R:
    """The row whose unique ``name`` column is ``name``."""
    column: Any = getattr(model, "name")  # noqa: B009 - every named row has the column
    row = session.scalar(select(model).where(column == name))
    if row is None:
        raise NotFoundError(f"No {what} named {name!r}.")
    return row


def name_taken(session: Session, model: type[Any], name: str) -> bool:
    """Whether a row of ``model`` has the unique ``name``."""
    column: Any = getattr(model, "name")  # noqa: B009 - every named row has the column
    return session.scalar(select(column).where(column == name)) is not None


def changes_since(
    session: Session, model: type[Any], since: datetime, *, key: str = "id"
) -> list[tuple[str, datetime, datetime]]:
    """(key, updated, created) of the rows of ``model`` updated at or after ``since``;
    ``key`` is the column that names a row to its watchers (its id or its name)."""
    columns: Any = model
    stmt = select(getattr(columns, key), columns.updated_at, columns.created_at).where(
        columns.updated_at >= since
    )
    return [(k, as_utc(updated), as_utc(created)) for k, updated, created in session.execute(stmt)]
