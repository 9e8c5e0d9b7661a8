"""Request and response models of ``/endpoints/{name}/async-invocations`` (issue 20)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ..endpoints.async_inference import AsyncRequest
from .common_models import QueryModel, ResponseModel

AsyncStatusName = Literal["Queued", "InProgress", "Completed", "Failed"]


class AsyncInvokeQuery(QueryModel):
    input_location: str | None = Field(
        default=None,
        max_length=4096,
        description="Read the payload from this file (a path under the server's root or "
        "allowed data roots, or an fsspec URL) instead of the request body.",
    )


class AsyncListQuery(QueryModel):
    max_items: int = Field(default=50, ge=1, le=1000)


class AsyncInference(ResponseModel):
    inference_id: str
    endpoint: str
    status: AsyncStatusName
    input_location: str
    output_location: str
    failure_location: str
    content_type: str
    accept: str | None
    attempts: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_entity(cls, request: AsyncRequest) -> AsyncInference:
        return cls(
            inference_id=request.id,
            endpoint=request.endpoint,
            status=request.status.value,
            input_location=request.input_location,
            output_location=request.output_location,
            failure_location=request.failure_location,
            content_type=request.content_type,
            accept=request.accept,
            attempts=request.attempts,
            error=request.error,
            created_at=request.created_at,
            started_at=request.started_at,
            ended_at=request.ended_at,
        )


class AsyncInferenceList(ResponseModel):
    items: list[AsyncInference]
