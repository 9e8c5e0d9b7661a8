"""Request and response models of ``/models``: the model registry."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..experiments.entities import (
    DESCRIPTION_MAX_LENGTH,
)
from ..paths import PathStr
from ..registry.entities import ModelGroup as ModelGroupEntity
from ..registry.entities import ModelVersion as ModelVersionEntity
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from .common_models import (
    INT64_MAX,
    Key,
    ModelName,
    NamedResource,
    QueryModel,
    RequestModel,
    ResponseModel,
)
from .feature_models import FeatureDatasetRecord

ApprovalStatus = Literal["PendingManualApproval", "Approved", "Rejected"]


class ModelGroup(NamedResource):
    latest_version: int = Field(description="Number of the newest version (0: none yet).")
    aliases: dict[str, int] = Field(description="Alias → version number.")

    @classmethod
    def from_entity(cls, group: ModelGroupEntity) -> ModelGroup:
        return cls(
            **cls.named_fields(group),
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
    trust_code: bool = Field(
        default=False,
        description="A model with inference code (a script-mode job whose script defines "
        "model_fn, or code/inference.py) may run it when deployed.",
    )


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
    feature_datasets: list[FeatureDatasetRecord] = Field(
        default_factory=list,
        description="Feature Store training sets whose written file is this version's data.",
    )
