"""Request and response models of ``/pipelines``: step types, validation, pipelines,
their versions and executions. The document itself is the core's
:class:`~jupyter_mlstudio.pipelines.definition.PipelineDocument` (the ``.pipeline`` format)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, RootModel

from ..pipelines.definition import PipelineDocument, ValidationIssue
from ..pipelines.entities import Execution as ExecutionEntity
from ..pipelines.entities import Pipeline as PipelineEntity
from ..pipelines.entities import StepExecution as StepEntity
from .common_models import INT64_MAX, QueryModel, RequestModel, ResponseModel

ExecutionStatus = Literal["Executing", "Stopping", "Stopped", "Failed", "Succeeded"]
StepStatus = Literal["Queued", "Running", "Cached", "Succeeded", "Failed", "Skipped", "Stopped"]

__all__ = [
    "PipelineDocument",
    "PipelineExecution",
    "PipelineIssue",
    "PipelineValidation",
    "StepType",
    "StepTypeList",
]


class StepType(ResponseModel):
    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, serialize_by_alias=True
    )

    type: str
    title: str
    description: str
    category: str
    schema_: dict[str, Any] = Field(
        alias="schema", description="JSON schema of the step's arguments (x-picker hints)."
    )
    outputs: list[str] = Field(description="Outputs every step of this type has.")
    declares_outputs: bool = Field(description="The arguments' 'outputs' add more outputs.")
    metrics: bool = Field(description="Steps of this type report metrics (Steps.X.Metrics.*).")
    properties: list[str] = Field(description="Properties (Steps.X.Properties.*).")


class StepTypeList(ResponseModel):
    items: list[StepType]


class PipelineIssue(ResponseModel):
    step: str | None = Field(description="The step at fault; null for the document.")
    path: str = Field(description="Where in the step (or document), e.g. 'arguments.data'.")
    message: str

    @classmethod
    def from_entity(cls, issue: ValidationIssue) -> PipelineIssue:
        return cls(step=issue.step, path=issue.path, message=issue.message)


class PipelineDraft(RootModel[dict[str, Any]]):
    """A .pipeline document as the editor has it, valid or not (see PipelineDocument)."""


class PipelineValidation(ResponseModel):
    valid: bool
    errors: list[PipelineIssue]


class Pipeline(ResponseModel):
    id: str
    name: str
    description: str
    latest_version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_entity(cls, p: PipelineEntity) -> Pipeline:
        return cls(
            id=p.id,
            name=p.name,
            description=p.description,
            latest_version=p.latest_version,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class PipelineList(ResponseModel):
    items: list[Pipeline]


class PipelineDetail(Pipeline):
    document: dict[str, Any] = Field(description="The latest version's .pipeline document.")


class PipelineVersionInfo(ResponseModel):
    version: int
    created_at: datetime
    document: dict[str, Any]


class PipelineVersionList(ResponseModel):
    items: list[PipelineVersionInfo]


class PipelineExecutionStart(RequestModel):
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values (the others take their defaults)."
    )
    version: int | None = Field(default=None, ge=1, description="Default: the latest version.")
    base_dir: str | None = Field(
        default=None,
        max_length=4096,
        description=(
            "The folder, relative to the Jupyter root, that the pipeline's relative paths "
            "are read from (the editor sends its file's folder). Default: the folder of "
            "the pipeline's latest execution when it is under the root, else the root."
        ),
    )


class PipelineExecutionRetry(RequestModel):
    from_step: str | None = Field(
        default=None,
        description="Rerun this step and its downstream (default: the failed steps).",
    )


class PipelineStepExecution(ResponseModel):
    name: str
    type: str
    status: StepStatus
    attempts: int
    job_id: str | None
    outputs: dict[str, Any]
    metrics: dict[str, float]
    properties: dict[str, Any]
    cache_key: str | None
    cache_source: str | None = Field(
        description="The execution whose result a Cached (or reused) step shows."
    )
    error: str | None
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_entity(cls, s: StepEntity) -> PipelineStepExecution:
        return cls(
            name=s.name,
            type=s.type,
            status=s.status,
            attempts=s.attempts,
            job_id=s.job_id,
            outputs=s.outputs,
            metrics=s.metrics,
            properties=s.properties,
            cache_key=s.cache_key,
            cache_source=s.cache_source,
            error=s.error,
            started_at=s.started_at,
            ended_at=s.ended_at,
        )


class PipelineExecution(ResponseModel):
    id: str
    pipeline_id: str
    pipeline_name: str
    version: int
    status: ExecutionStatus
    parameters: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    failure_reason: str | None
    retry_of: str | None
    steps: list[PipelineStepExecution] | None = Field(
        default=None, description="Every step, in the document's order (not in lists)."
    )

    @classmethod
    def from_entity(
        cls, e: ExecutionEntity, steps: list[StepEntity] | None = None
    ) -> PipelineExecution:
        return cls(
            id=e.id,
            pipeline_id=e.pipeline_id,
            pipeline_name=e.pipeline_name,
            version=e.version,
            status=e.status,
            parameters=e.parameters,
            created_at=e.created_at,
            updated_at=e.updated_at,
            started_at=e.started_at,
            ended_at=e.ended_at,
            failure_reason=e.failure_reason,
            retry_of=e.retry_of,
            steps=None if steps is None else [PipelineStepExecution.from_entity(s) for s in steps],
        )


class PipelineExecutionList(ResponseModel):
    items: list[PipelineExecution]


class PipelineExecutionListQuery(QueryModel):
    status: ExecutionStatus | None = None
    max_items: int = Field(default=100, ge=1, le=1000)


class PipelineStepLogQuery(QueryModel):
    offset: int = Field(default=0, ge=0, le=INT64_MAX, description="Byte offset to read from.")
