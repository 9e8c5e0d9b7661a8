"""Request and response models of ``/jobs`` and the job launcher's helpers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from ..jobs.entities import Job as JobEntity
from ..jobs.service import MAX_LOG_CHUNK
from ..jobs.specs import NAME_PATTERN, BatchTransformSpec, ProcessingSpec, TrainingSpec
from ..paths import PathStr
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from .common_models import (
    INT64_MAX,
    QueryModel,
    RequestModel,
    ResponseModel,
)

JobStatus = Literal["Pending", "Running", "Completed", "Failed", "Stopping", "Stopped"]
JobKind = Literal["training", "processing", "batch-transform"]


class TrainingJobCreate(TrainingSpec):
    """A training job. Paths are relative to the server's root folder."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ProcessingJobCreate(ProcessingSpec):
    """A processing job. Paths are relative to the server's root folder."""

    model_config = ConfigDict(extra="forbid", strict=True)


class BatchTransformJobCreate(BatchTransformSpec):
    """A batch transform job: a registered model scored over files. The input and
    output paths are relative to the server's root folder."""

    model_config = ConfigDict(extra="forbid", strict=True)


class JobClone(RequestModel):
    name: str | None = Field(default=None, pattern=NAME_PATTERN)


class Job(ResponseModel):
    id: str
    kind: JobKind
    name: str
    status: JobStatus
    executor: str
    spec: dict[str, Any] = Field(description="What the job runs; enough to run it again.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None
    failure_reason: str | None
    progress: float | None = Field(description="0 to 1 when the job reports it.")
    progress_message: str | None
    outputs: dict[str, str] = Field(description="Output name → URL (model, data, notebook…).")
    registration_error: str | None = Field(
        description="Why register_as did not register the model of a job that completed "
        "(also the output 'registration_error')."
    )
    run_id: str | None
    experiment_id: str | None
    artifact_uri: str
    host: str | None
    pid: int | None

    @classmethod
    def from_entity(cls, job: JobEntity) -> Job:
        return cls(
            id=job.id,
            kind=job.kind,
            name=job.name,
            status=job.status,
            executor=job.executor,
            spec=job.spec,
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            ended_at=job.ended_at,
            duration_seconds=job.duration_seconds,
            failure_reason=job.failure_reason,
            progress=job.progress,
            progress_message=job.progress_message,
            outputs=dict(job.outputs),
            registration_error=job.registration_error,
            run_id=job.run_id,
            experiment_id=job.experiment_id,
            artifact_uri=job.artifact_uri,
            host=job.host,
            pid=job.pid,
        )


class JobList(ResponseModel):
    items: list[Job]
    next_token: str | None = None


class JobListQuery(QueryModel):
    kind: JobKind | None = None
    status: JobStatus | None = None
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class JobLogQuery(QueryModel):
    offset: int = Field(default=0, ge=0, le=INT64_MAX, description="Byte offset to read from.")
    max_bytes: int = Field(default=MAX_LOG_CHUNK, ge=1, le=MAX_LOG_CHUNK)


class JobLogChunk(ResponseModel):
    text: str
    offset: int
    next_offset: int = Field(description="Pass as offset to read what follows.")
    size: int = Field(description="Size of the log so far, in bytes.")
    complete: bool = Field(description="The job ended and nothing follows.")


class Algorithm(ResponseModel):
    name: str
    title: str
    task: Literal["classification", "regression", "clustering", "anomaly"]
    description: str
    needs_target: bool
    distributed: bool = Field(
        description="Trains across Dask workers when the job's instance_count is above 1."
    )
    metrics: list[str] = Field(
        description="The quality metrics the algorithm logs (e.g. validation:accuracy), "
        "the objectives a tuning job of it can take."
    )
    hyperparameters: dict[str, Any] = Field(description="JSON schema of the hyperparameters.")


class AlgorithmList(ResponseModel):
    items: list[Algorithm]


class DataColumnsQuery(QueryModel):
    path: PathStr = Field(
        min_length=1, description="Data file relative to the server's root folder."
    )


class DataColumns(ResponseModel):
    path: str
    columns: list[str]
