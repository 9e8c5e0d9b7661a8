"""Pipelines: DAGs of steps (processing, training, Python functions, conditions, …)
defined as a versioned ``.pipeline`` JSON document or with the Python DSL, run by the
engine with each step a job on the studio's executor."""

from __future__ import annotations

from .definition import (
    PipelineDocument,
    StepDocument,
    ValidationIssue,
    step_types,
    validate_document,
)
from .dsl import (
    Condition,
    ConditionStep,
    DeployStep,
    FailStep,
    FeatureIngestStep,
    JsonGet,
    MonitorBaselineStep,
    MonitorCheckStep,
    NotebookStep,
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
    Pipeline,
    ProcessingStep,
    PythonStep,
    RegisterModelStep,
    TrainingStep,
    TransformStep,
    TuningStep,
    step,
)

__all__ = [
    "Condition",
    "ConditionStep",
    "DeployStep",
    "FailStep",
    "FeatureIngestStep",
    "JsonGet",
    "MonitorBaselineStep",
    "MonitorCheckStep",
    "NotebookStep",
    "ParameterBoolean",
    "ParameterFloat",
    "ParameterInteger",
    "ParameterString",
    "Pipeline",
    "PipelineDocument",
    "ProcessingStep",
    "PythonStep",
    "RegisterModelStep",
    "StepDocument",
    "TrainingStep",
    "TransformStep",
    "TuningStep",
    "ValidationIssue",
    "step",
    "step_types",
    "validate_document",
]
