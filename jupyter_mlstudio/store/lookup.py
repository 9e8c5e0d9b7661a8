"""Reading rows the same way in every store: get-or-not-found, with the same
``NotFoundError`` message for a missing row by id ("No job with id 'x'.") or by name ("No
endpoint named 'x'."); whether a name is taken; inserting a uniquely named row with the
same ``AlreadyExistsError`` message; and what changed since a time (for the server's
change events)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyExistsError, NotFoundError
from .orm import as_utc

if TYPE_CHECKING:
    from .db import Database

R = TypeVar("R")
E_co = TypeVar("E_co", covariant=True)


class NamedRow(Protocol[E_co]):
    """A row with a unique ``name`` that converts to its immutable domain object."""

    @property
    def name(self) -> str: ...

    def to_entity(self) -> E_co: ...


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


def insert_named(db: Database, row: NamedRow[R], what: str) -> R:
    """Insert ``row`` in its own transaction and return its entity; a taken name is an
    ``AlreadyExistsError`` ("A tuning job named 'x' already exists.")."""
    name = row.name
    try:
        with db.session(write=True) as session:
            session.add(row)
            session.flush()
            return row.to_entity()
    except IntegrityError:
        raise AlreadyExistsError(f"A {what} named {name!r} already exists.") from None


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
