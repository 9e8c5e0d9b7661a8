"""Request and response models of ``/experiments``, runs, metrics and artifacts."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from ..experiments.entities import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
)
from ..experiments.entities import (
    Experiment as ExperimentEntity,
)
from ..experiments.run_entities import Run as RunEntity
from ..paths import PathStr
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from .common_models import (
    INT64_MAX,
    INT64_MIN,
    Key,
    NamedResource,
    NameText,
    QueryModel,
    RequestModel,
    ResponseModel,
)


class Experiment(NamedResource):
    @classmethod
    def from_entity(cls, entity: ExperimentEntity) -> Experiment:
        return cls(**cls.named_fields(entity))


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
