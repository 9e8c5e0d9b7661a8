"""Request and response models of the REST API.

Request models are strict (no type coercion, no unknown fields) so a client bug shows
up as a 400 that names the field instead of a silently coerced value.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..experiments.entities import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
)
from ..experiments.entities import (
    Experiment as ExperimentEntity,
)
from ..experiments.run_entities import Run as RunEntity
from ..jobs.entities import Job as JobEntity
from ..jobs.service import MAX_LOG_CHUNK
from ..jobs.specs import NAME_PATTERN, BatchTransformSpec, ProcessingSpec, TrainingSpec
from ..paths import PathStr
from ..registry.entities import MODEL_NAME_PATTERN
from ..registry.entities import ModelGroup as ModelGroupEntity
from ..registry.entities import ModelVersion as ModelVersionEntity
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS

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
    name: NameText = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    description: str = Field(default="", max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[Key, str] = Field(default_factory=dict)


class ExperimentUpdate(RequestModel):
    """Only the fields present change; ``tags`` replaces the whole tag set."""

    name: NameText | None = Field(default=None, min_length=1, max_length=NAME_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[Key, str] | None = None


class ExperimentListQuery(QueryModel):
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None
    name: NameText | None = Field(
        default=None, max_length=NAME_MAX_LENGTH, description="Only the experiment with this name."
    )


# -- runs ------------------------------------------------------------------------------
RunStatus = Literal["RUNNING", "FINISHED", "FAILED", "KILLED"]


class Run(ResponseModel):
    # NaN and ±infinity have no JSON spelling: they are sent as null.
    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, ser_json_inf_nan="null"
    )

    id: str
    experiment_id: str
    name: str
    status: RunStatus
    parent_run_id: str | None
    start_time: datetime
    end_time: datetime | None
    lifecycle: Literal["active", "deleted"]
    artifact_uri: str
    params: dict[str, str]
    tags: dict[str, str]
    metrics: dict[str, float | None] = Field(
        description="Latest value of each metric; null stands for NaN or infinity."
    )

    @classmethod
    def from_entity(cls, run: RunEntity) -> Run:
        return cls(
            id=run.id,
            experiment_id=run.experiment_id,
            name=run.name,
            status=run.status,
            parent_run_id=run.parent_run_id,
            start_time=run.start_time,
            end_time=run.end_time,
            lifecycle=run.lifecycle,
            artifact_uri=run.artifact_uri,
            params=dict(run.params),
            tags=dict(run.tags),
            metrics={k: (v if math.isfinite(v) else None) for k, v in run.metrics.items()},
        )


class RunList(ResponseModel):
    items: list[Run]
    next_token: str | None = None
    total: int = Field(description="How many runs match, over all pages.")


class RunListQuery(QueryModel):
    filter: str | None = Field(
        default=None, max_length=10_000, description="Search grammar, e.g. metrics.auc > 0.9"
    )
    order_by: str | None = Field(
        default=None,
        max_length=2_000,
        description='Comma-separated sort keys, e.g. "metrics.auc DESC,start_time ASC".',
    )
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None
    lifecycle: Literal["active", "deleted", "all"] = "active"


class RunCreate(RequestModel):
    experiment_id: str
    name: NameText | None = Field(default=None, min_length=1, max_length=256)
    tags: dict[Key, str] = Field(default_factory=dict)
    parent_run_id: str | None = None


class RunUpdate(RequestModel):
    """Rename, move to another experiment, or end (status FINISHED/FAILED/KILLED)."""

    name: NameText | None = Field(default=None, min_length=1, max_length=256)
    experiment_id: str | None = None
    status: Literal["FINISHED", "FAILED", "KILLED"] | None = None


class MetricIn(RequestModel):
    key: Key
    value: float | None = Field(description="null logs NaN.")
    step: int = Field(default=0, ge=INT64_MIN, le=INT64_MAX)
    timestamp: float | None = Field(
        default=None, description="Seconds since the epoch; default now."
    )


class LogBatch(RequestModel):
    metrics: list[MetricIn] = Field(default_factory=list, max_length=10_000)
    params: dict[Key, str] = Field(default_factory=dict)
    tags: dict[Key, str] = Field(default_factory=dict)


class ExperimentKeys(ResponseModel):
    metrics: list[str]
    params: list[str]
    tags: list[str]


class MetricPoint(ResponseModel):
    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, ser_json_inf_nan="null"
    )

    step: int
    timestamp: float
    value: float | None


class MetricHistory(ResponseModel):
    run_id: str
    key: str
    points: list[MetricPoint]
    total: int = Field(description="Points logged; more than len(points) when downsampled.")
    downsampled: bool


class MetricHistoryList(ResponseModel):
    items: list[MetricHistory]


class MetricHistoryQuery(QueryModel):
    run_ids: str = Field(min_length=1, description="Comma-separated run ids (at most 100).")
    keys: str = Field(min_length=1, description="Comma-separated metric names (at most 50).")
    max_points: int = Field(default=1000, ge=3, le=100_000)


class ArtifactEntry(ResponseModel):
    path: str
    name: str
    is_dir: bool
    size: int | None


class ArtifactList(ResponseModel):
    items: list[ArtifactEntry]


class ArtifactQuery(QueryModel):
    path: PathStr | None = Field(default=None, max_length=4096)


# -- jobs ------------------------------------------------------------------------------
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


# -- model registry --------------------------------------------------------------------
ApprovalStatus = Literal["PendingManualApproval", "Approved", "Rejected"]


class ModelGroup(ResponseModel):
    id: str
    name: str
    description: str
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    latest_version: int = Field(description="Number of the newest version (0: none yet).")
    aliases: dict[str, int] = Field(description="Alias → version number.")

    @classmethod
    def from_entity(cls, group: ModelGroupEntity) -> ModelGroup:
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            tags=dict(group.tags),
            created_at=group.created_at,
            updated_at=group.updated_at,
            latest_version=group.latest_version,
            aliases=dict(group.aliases),
        )


class ModelGroupList(ResponseModel):
    items: list[ModelGroup]
    next_token: str | None = None


class ModelGroupListQuery(QueryModel):
    search: str | None = Field(
        default=None, max_length=256, description="Matches name or description."
    )
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class ModelGroupCreate(RequestModel):
    name: ModelName = Field(min_length=1, max_length=128)
    description: str = Field(default="", max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[Key, str] = Field(default_factory=dict)


class ModelGroupUpdate(RequestModel):
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[Key, str] | None = None


class ModelDeleteQuery(QueryModel):
    force: bool = Field(default=False, description="Also delete the model's versions.")


class ApprovalEvent(ResponseModel):
    at: datetime
    actor: str
    from_status: ApprovalStatus
    to_status: ApprovalStatus
    comment: str


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    intended_use: str = ""
    training_data: str = ""
    evaluation: str = ""
    caveats: str = ""
    owner: str = ""


class ModelCardUpdate(RequestModel):
    """Only the fields present change."""

    intended_use: str | None = None
    training_data: str | None = None
    evaluation: str | None = None
    caveats: str | None = None
    owner: str | None = None


class ModelVersion(ResponseModel):
    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, ser_json_inf_nan="null"
    )

    id: str
    name: str
    version: int
    created_at: datetime
    artifact_uri: str
    content_hash: str
    size_bytes: int
    flavor: str
    signature: dict[str, Any]
    input_example: Any
    library_versions: dict[str, str]
    metrics: dict[str, float | None]
    params: dict[str, str]
    description: str
    tags: dict[str, str]
    approval_status: ApprovalStatus
    approvals: list[ApprovalEvent]
    aliases: list[str]
    card: ModelCard
    source_run_id: str | None
    source_job_id: str | None
    data_ref: dict[str, Any] | None

    @classmethod
    def from_entity(cls, version: ModelVersionEntity) -> ModelVersion:
        return cls(
            id=version.id,
            name=version.name,
            version=version.version,
            created_at=version.created_at,
            artifact_uri=version.artifact_uri,
            content_hash=version.content_hash,
            size_bytes=version.size_bytes,
            flavor=version.flavor,
            signature=version.signature,
            input_example=version.input_example,
            library_versions=version.library_versions,
            metrics={k: (v if math.isfinite(v) else None) for k, v in version.metrics.items()},
            params=version.params,
            description=version.description,
            tags=version.tags,
            approval_status=version.approval_status,
            approvals=[
                ApprovalEvent(
                    at=e.at,
                    actor=e.actor,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    comment=e.comment,
                )
                for e in version.approvals
            ],
            aliases=list(version.aliases),
            card=ModelCard.model_validate(version.card),
            source_run_id=version.source_run_id,
            source_job_id=version.source_job_id,
            data_ref=version.data_ref,
        )


class ModelVersionList(ResponseModel):
    items: list[ModelVersion]


class ModelVersionCreate(RequestModel):
    """Register a run's model (under ``artifact_path``) or a finished job's model."""

    run_id: str | None = None
    job_id: str | None = None
    artifact_path: PathStr = Field(default="model", min_length=1, max_length=500)
    description: str = Field(default="", max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[Key, str] = Field(default_factory=dict)


class ModelVersionUpdate(RequestModel):
    """Only description, tags and the card can change; the other fields are listed so
    that an attempt to change them is answered 409 (versions are immutable)."""

    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    tags: dict[Key, str] | None = None
    card: ModelCardUpdate | None = Field(default=None, description="Card fields to change.")
    artifact_uri: Any = Field(default=None, description="Immutable: 409.")
    content_hash: Any = Field(default=None, description="Immutable: 409.")
    flavor: Any = Field(default=None, description="Immutable: 409.")
    signature: Any = Field(default=None, description="Immutable: 409.")
    input_example: Any = Field(default=None, description="Immutable: 409.")
    metrics: Any = Field(default=None, description="Immutable: 409.")
    params: Any = Field(default=None, description="Immutable: 409.")


class ApprovalChange(RequestModel):
    status: ApprovalStatus
    comment: str = Field(min_length=1, max_length=4000)


class AliasSet(RequestModel):
    version: int = Field(ge=1, le=INT64_MAX)


class Lineage(ResponseModel):
    run: dict[str, Any] | None
    job: dict[str, Any] | None
    data: dict[str, Any] | None
