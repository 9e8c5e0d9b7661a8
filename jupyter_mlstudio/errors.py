"""Domain errors shared by every component.

Each error carries an :class:`ErrorCode`; the server maps codes to HTTP status in one
place (``server/handlers/base.py``), the SDK lets them propagate as exceptions.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ErrorCode(str, enum.Enum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    CONFLICT = "CONFLICT"
    SCHEMA_OUT_OF_DATE = "SCHEMA_OUT_OF_DATE"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


class MLStudioError(Exception):
    """Base class of every error the core raises on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(MLStudioError, ValueError):
    code = ErrorCode.INVALID_ARGUMENT


class NotFoundError(MLStudioError, LookupError):
    code = ErrorCode.NOT_FOUND


class AlreadyExistsError(MLStudioError):
    code = ErrorCode.ALREADY_EXISTS


class ConflictError(MLStudioError):
    code = ErrorCode.CONFLICT


class SchemaOutOfDateError(MLStudioError):
    """The metadata database was written by another schema revision than this code's."""

    code = ErrorCode.SCHEMA_OUT_OF_DATE


class StoreUnavailableError(MLStudioError):
    """The metadata database cannot be reached (bad URL, server down, locked too long)."""

    code = ErrorCode.UNAVAILABLE


def validation_message(exc: ValidationError) -> str:
    """A pydantic validation error as one line: ``where: what; …``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "spec"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
