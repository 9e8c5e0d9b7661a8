"""Request and response models of the REST API.

Request models are strict (no type coercion, no unknown fields) so a client bug shows
up as a 400 that names the field instead of a silently coerced value.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ..experiments.entities import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
)
from ..experiments.entities import (
    Experiment as ExperimentEntity,
)
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    """Fields with defaults are still always sent, so the schema marks them required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


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


class Experiment(ResponseModel):
    id: str
    name: str
    description: str
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_entity(cls, entity: ExperimentEntity) -> Experiment:
        return cls(
            id=entity.id,
            name=entity.name,
            description=entity.description,
            tags=dict(entity.tags),
            created_at=entity.created_at,
            updated_at=entity.updated_at,
        )


class ExperimentList(ResponseModel):
    items: list[Experiment]
    next_token: str | None = Field(
        default=None, description="Pass as next_token to get the next page; null on the last."
    )


class ExperimentCreate(RequestModel):
    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    description: str = Field(default="", max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[str, str] = Field(default_factory=dict)


class ExperimentUpdate(RequestModel):
    """Only the fields present change; ``tags`` replaces the whole tag set."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[str, str] | None = None


class ExperimentListQuery(QueryModel):
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None
    name: str | None = Field(default=None, description="Only the experiment with this name.")
