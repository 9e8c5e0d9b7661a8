"""Request and response models of ``/pipelines``: step types, validation, pipelines,
their versions and executions. The document itself is the core's
:class:`~jupyter_mlstudio.pipelines.definition.PipelineDocument` (the ``.pipeline`` format)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from ..pipelines.definition import PipelineDocument, ValidationIssue
from .common_models import ResponseModel

__all__ = [
    "PipelineDocument",
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


class PipelineValidation(ResponseModel):
    valid: bool
    errors: list[PipelineIssue]
