"""Request and response models of ``/pipelines/{pipeline}/schedules`` (schedules and
event triggers of a pipeline) and ``/pipelines/import`` (a SageMaker definition)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from ..pipelines.schedules import Fire as FireEntity
from ..pipelines.schedules import Trigger as TriggerEntity
from .common_models import RequestModel, ResponseModel
from .pipeline_models import Pipeline

TriggerKind = Literal["Schedule", "ModelApproved", "MonitorViolation"]


class PipelineScheduleFire(ResponseModel):
    event_key: str = Field(description="The fire time of a schedule, or the event's key.")
    fired_at: datetime
    execution_id: str | None = Field(description="The execution it started, if it did.")
    error: str | None = Field(description="Why it could not start one.")

    @classmethod
    def from_entity(cls, f: FireEntity) -> PipelineScheduleFire:
        return cls(
            event_key=f.event_key,
            fired_at=f.fired_at,
            execution_id=f.execution_id,
            error=f.error,
        )


class PipelineSchedule(ResponseModel):
    id: str
    pipeline: str
    kind: TriggerKind
    expression: str | None = Field(description="rate()/cron() of a Schedule.")
    source: str | None = Field(description="The model (ModelApproved) or monitor.")
    parameters: dict[str, Any]
    event_parameters: dict[str, str]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    next_fire_time: datetime | None = Field(description="A Schedule's next fire time.")
    last_fire: PipelineScheduleFire | None

    @classmethod
    def from_entity(cls, t: TriggerEntity) -> PipelineSchedule:
        return cls(
            id=t.id,
            pipeline=t.pipeline_name,
            kind=t.kind,
            expression=t.expression,
            source=t.source,
            parameters=t.parameters,
            event_parameters=t.event_parameters,
            enabled=t.enabled,
            created_at=t.created_at,
            updated_at=t.updated_at,
            next_fire_time=t.next_fire_time,
            last_fire=PipelineScheduleFire.from_entity(t.last_fire) if t.last_fire else None,
        )


class PipelineScheduleList(ResponseModel):
    items: list[PipelineSchedule]


class PipelineScheduleDetail(PipelineSchedule):
    fires: list[PipelineScheduleFire] = Field(description="The latest fires, newest first.")


class PipelineScheduleCreate(RequestModel):
    kind: TriggerKind = "Schedule"
    expression: str | None = Field(
        default=None,
        max_length=256,
        description="rate(1 day), cron(0 3 * * ? *) or a five-field cron (UTC).",
    )
    source: str | None = Field(
        default=None, max_length=128, description="The model or monitor name of a trigger."
    )
    parameters: dict[str, Any] = Field(default_factory=dict)
    event_parameters: dict[str, str] = Field(
        default_factory=dict,
        description="Pipeline parameter -> event field (e.g. model_version, violations).",
    )
    enabled: bool = True


class PipelineScheduleUpdate(RequestModel):
    expression: str | None = Field(default=None, max_length=256)
    parameters: dict[str, Any] | None = None
    event_parameters: dict[str, str] | None = None
    enabled: bool | None = None


class SageMakerImport(RequestModel):
    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", description="The pipeline's name here."
    )
    definition: dict[str, Any] = Field(
        description="The SageMaker pipeline definition (Version 2020-12-01)."
    )
    code_dir: str = Field(
        default=".", max_length=1000, description="Folder of the steps' scripts (server root)."
    )
    paths: dict[str, str] = Field(
        default_factory=dict, description="S3 prefix -> local file or folder."
    )
    store: bool = Field(default=True, description="Store it (false: only convert).")


class SageMakerImportResult(ResponseModel):
    document: dict[str, Any]
    notes: list[str] = Field(description="What maps only approximately.")
    pipeline: Pipeline | None = Field(description="The stored pipeline, when stored.")
