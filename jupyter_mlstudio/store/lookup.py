"""Get-or-not-found for rows: every store raises the same ``NotFoundError`` message for a
missing row by id ("No job with id 'x'.") or by name ("No endpoint named 'x'.")."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFoundError

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
