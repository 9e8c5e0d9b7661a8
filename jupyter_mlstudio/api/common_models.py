"""Shared bases and field types of the REST API wire models, plus the error and status shapes.

Request models are strict (no type coercion, no unknown fields) so a client bug shows
up as a 400 that names the field instead of a silently coerced value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..registry.entities import MODEL_NAME_PATTERN

# What the core accepts, stated in the schema so clients (and fuzzers) know it; the core
# still checks it, with its own messages.
_NO_CONTROL = r"[^\u0000-\u001F\u007F-\u009F]"
_NAME_TEXT = rf"^{_NO_CONTROL}*[^\s\u0000-\u001F\u007F-\u009F]{_NO_CONTROL}*$"
_KEY_TEXT = r"^[^\u0000-\u001F]*[^\s\u0000-\u001F][^\u0000-\u001F]*$"


def _name_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _key_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    if any(ord(ch) < 32 for ch in value):
        raise ValueError("must not contain control characters")
    return value


NameText = Annotated[
    str, AfterValidator(_name_text), Field(json_schema_extra={"pattern": _NAME_TEXT})
]
"""A name: not blank, no control character."""
Key = Annotated[
    str,
    AfterValidator(_key_text),
    Field(min_length=1, max_length=250, json_schema_extra={"pattern": _KEY_TEXT}),
]
"""A tag, param or metric name: not blank, no control character, at most 250."""
ModelName = Annotated[str, Field(json_schema_extra={"pattern": MODEL_NAME_PATTERN.pattern})]


# Integers are stored as 64-bit (SQLite, PostgreSQL BIGINT); a larger one is a 400 here,
# not an OverflowError in the store.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    """Fields with defaults are still always sent, so the schema marks them required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class _NamedEntity(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def tags(self) -> Mapping[str, str]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


class NamedResource(ResponseModel):
    # the fields of every named, tagged resource (experiments, model groups)
    id: str
    name: str
    description: str
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def named_fields(entity: _NamedEntity) -> dict[str, Any]:
        return {
            "id": entity.id,
            "name": entity.name,
            "description": entity.description,
            "tags": dict(entity.tags),
            "created_at": entity.created_at,
            "updated_at": entity.updated_at,
        }


class QueryModel(BaseModel):
    """Query strings arrive as text, so these coerce ("50" → 50) but forbid unknown keys."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(ResponseModel):
    code: str = Field(description="Machine-readable error code, e.g. NOT_FOUND.")
    message: str = Field(description="What went wrong, for people.")


class ErrorResponse(ResponseModel):
    """The one shape of every error response."""

    error: ErrorDetail


class Status(ResponseModel):
    version: str
    store_backend: str = Field(description="SQLAlchemy dialect of the metadata store.")
    store_uri: str = Field(description="Metadata store URL with any password hidden.")
    artifact_uri: str
