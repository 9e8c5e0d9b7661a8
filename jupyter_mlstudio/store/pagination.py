"""Opaque ``next_token`` pagination shared by every list operation."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import InvalidArgumentError

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

DEFAULT_MAX_ITEMS = 100
MAX_MAX_ITEMS = 1000

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound="Select[Any]")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; ``next_token`` is ``None`` on the last page."""

    items: list[T] = field(default_factory=list)
    next_token: str | None = None


def check_max_items(max_items: object) -> int:
    if isinstance(max_items, bool) or not isinstance(max_items, int):
        raise InvalidArgumentError("max_items must be an integer.")
    if not 1 <= max_items <= MAX_MAX_ITEMS:
        raise InvalidArgumentError(f"max_items must be between 1 and {MAX_MAX_ITEMS}.")
    return max_items


def encode_token(offset: int) -> str:
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    """The offset a token stands for; ``None`` or ``""`` is the first page."""
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = data["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidArgumentError("next_token is not a token this server issued.") from exc
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidArgumentError("next_token is not a token this server issued.")
    return offset


@dataclass(frozen=True)
class PageWindow:
    """The rows one list call reads: every store's list operation pages the same way
    (validate ``max_items``, decode ``next_token``, read one row more than the page to
    know whether another page follows)."""

    offset: int
    limit: int

    @classmethod
    def of(cls, max_items: object, next_token: str | None) -> PageWindow:
        """Raises ``InvalidArgumentError`` for a bad ``max_items`` or token."""
        limit = check_max_items(max_items)
        return cls(offset=decode_token(next_token), limit=limit)

    def query(self, stmt: S) -> S:
        """``stmt`` (ordered) limited to this page and one row more."""
        return stmt.offset(self.offset).limit(self.limit + 1)

    def cut(self, rows: Sequence[R]) -> tuple[Sequence[R], str | None]:
        """The rows of this page (from what :meth:`query` read) and the next page's token."""
        more = len(rows) > self.limit
        return rows[: self.limit], encode_token(self.offset + self.limit) if more else None

    def slice(self, items: Sequence[R]) -> tuple[Sequence[R], str | None]:
        """This page of a list already in memory (e.g. a study's trials) and the next
        page's token."""
        return self.cut(items[self.offset : self.offset + self.limit + 1])

    def fetch(self, session: Session, stmt: Select[R], convert: Callable[[R], T]) -> Page[T]:
        """One page of ``stmt``'s rows, each converted (inside the session)."""
        rows, token = self.cut(session.scalars(self.query(stmt)).all())
        return Page(items=[convert(row) for row in rows], next_token=token)
