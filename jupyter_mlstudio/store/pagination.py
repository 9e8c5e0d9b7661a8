"""Opaque ``next_token`` pagination shared by every list operation."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..errors import InvalidArgumentError

DEFAULT_MAX_ITEMS = 100
MAX_MAX_ITEMS = 1000

T = TypeVar("T")


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
