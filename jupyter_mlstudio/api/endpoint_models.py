"""Request and response models of ``/endpoints`` (see ``common_models.py`` for the shared bases)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from ..endpoints.async_inference import shown_async_config
from ..endpoints.entities import Endpoint as EndpointEntity
from ..serving.config import DEFAULT_PAYLOAD_LIMIT, MAX_PAYLOAD_LIMIT
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from .common_models import INT64_MAX, QueryModel, RequestModel, ResponseModel
from .inference_pipeline_models import EndpointPreprocessIn, EndpointStage
from .multi_model_models import EndpointMultiModelIn
from .shadow_models import EndpointShadow, EndpointShadowIn

EndpointStatusName = Literal["Creating", "InService", "Updating", "Failed", "Deleting"]
ENDPOINT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"


class EndpointAutoscalingIn(RequestModel):
    """Target tracking (SageMaker Application Auto Scaling): between min and max instances,
    as many as keep the target; one target: invocations per instance per minute or CPU."""

    min_instances: int | None = Field(default=None, ge=1, le=64, description="Default 1.")
    max_instances: int | None = Field(default=None, ge=1, le=64, description="Default 4.")
    target_invocations_per_instance: float | None = Field(
        default=None, gt=0, description="Requests per instance per minute."
    )
    target_cpu_percent: float | None = Field(default=None, gt=0, le=100)
    scale_out_cooldown: float | None = Field(
        default=None, ge=0, le=86400, description="Seconds after a scale-out (default 60)."
    )
    scale_in_cooldown: float | None = Field(
        default=None, ge=0, le=86400, description="Seconds after any scaling (default 300)."
    )
    window_seconds: float | None = Field(
        default=None, ge=1, le=3600, description="The metric's averaging window (default 60)."
    )


class EndpointVariantIn(RequestModel):
    name: str = Field(default="primary", pattern=ENDPOINT_NAME_PATTERN)
    model: str = Field(min_length=1, max_length=128)
    version: int | None = Field(default=None, ge=1, le=INT64_MAX)
    alias: str | None = Field(
        default=None, description="Used when no version is given; neither = the newest."
    )
    weight: float = Field(default=1.0, ge=0)
    instances: int = Field(default=1, ge=1, le=64, description="Worker processes.")
    trust_code: bool = Field(
        default=False,
        description="The version's inference code (SageMaker handlers) may run; a version "
        "with code that nobody trusted (here or at register) is refused (400).",
    )
    autoscaling: EndpointAutoscalingIn | None = None


class EndpointBatchingIn(RequestModel):
    max_batch_size: int | None = Field(default=None, ge=1, le=100_000)
    max_wait_ms: float | None = Field(default=None, ge=0, le=1000)


class EndpointCaptureIn(RequestModel):
    enabled: bool | None = None
    sampling_percent: float | None = Field(default=None, ge=0, le=100)
    format: Literal["jsonl", "parquet"] | None = None


class EndpointAsyncIn(RequestModel):
    """Asynchronous inference: the endpoint works a durable queue of requests
    (``/endpoints/{name}/async-invocations``)."""

    max_concurrent_invocations: int = Field(default=1, ge=1, le=1000)
    output_path: str | None = Field(
        default=None, max_length=4096, description="Where outputs go (default: artifacts)."
    )
    notification_webhook: str | None = Field(default=None, max_length=2048)
    notification_secret: str | None = Field(default=None, max_length=256)


class EndpointCreate(RequestModel):
    name: str = Field(pattern=ENDPOINT_NAME_PATTERN)
    variants: list[EndpointVariantIn] = Field(min_length=1, max_length=16)
    batching: EndpointBatchingIn | None = None
    capture: EndpointCaptureIn | None = None
    auth: bool = Field(default=True, description="Whether the direct port needs the token.")
    max_payload_bytes: int | None = Field(
        default=None,
        ge=1024,
        le=MAX_PAYLOAD_LIMIT,
        description="The largest request body the endpoint takes (default 6 MiB); a larger "
        "one is answered 413.",
    )
    return_probabilities: bool = Field(
        default=False,
        description="A classifier also answers `probabilities` (predict_proba's rows) and "
        "`classes`; refused (400) for a model without predict_proba.",
    )
    features: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Online features looked up by the record ids in each request "
        "(`group:feature`, `group@version:feature`, `group:*`); versions are pinned at deploy.",
    )
    trust_code: bool = Field(
        default=False, description="Every variant's inference code may run (see the variants')."
    )
    async_config: EndpointAsyncIn | None = None
    multi_model: EndpointMultiModelIn | None = Field(
        default=None, description="A multi-model endpoint ({}: every registered model)."
    )
    autoscaling: EndpointAutoscalingIn | None = Field(
        default=None, description="The policy of every variant without its own."
    )
    shadow: EndpointShadowIn | None = Field(default=None, description="A shadow variant.")
    preprocess: EndpointPreprocessIn | None = Field(
        default=None, description="An inference pipeline: a flow run on raw rows first."
    )
    scale_to_zero_after: float | None = Field(
        default=None, gt=0, le=604800, description="Seconds idle before every worker stops."
    )


class EndpointUpdate(RequestModel):
    variants: list[EndpointVariantIn] | None = Field(default=None, min_length=1, max_length=16)
    weights: dict[str, float] | None = Field(
        default=None, description="New weights by variant name (the rest stay)."
    )
    batching: EndpointBatchingIn | None = None
    capture: EndpointCaptureIn | None = None
    max_payload_bytes: int | None = Field(default=None, ge=1024, le=MAX_PAYLOAD_LIMIT)
    return_probabilities: bool | None = None
    features: list[str] | None = Field(
        default=None, max_length=1000, description="New feature references; [] stops lookups."
    )
    trust_code: bool = Field(default=False, description="The new variants' inference code may run.")
    shadow: EndpointShadowIn | None = Field(
        default=None, description="A new shadow variant; an explicit null removes it."
    )
    async_config: EndpointAsyncIn | None = Field(
        default=None,
        description="New asynchronous inference settings, merged into the current ones; "
        "null turns asynchronous inference off.",
    )
    autoscaling: EndpointAutoscalingIn | None = Field(
        default=None,
        description="Merged into every variant's policy; an explicit null removes them.",
    )
    scale_to_zero_after: float | None = Field(
        default=None,
        ge=0,
        le=604800,
        description="Seconds idle before every worker stops; 0: never.",
    )


class EndpointVariant(ResponseModel):
    name: str
    model: str
    version: int
    weight: float
    instances: int


class Endpoint(ResponseModel):
    name: str
    status: EndpointStatusName
    variants: list[EndpointVariant]
    url: str | None = Field(description="The endpoint's own port (needs the token).")
    proxy_path: str = Field(description="Through the Jupyter server, with its authentication.")
    port: int | None
    token: str | None
    batching: dict[str, Any]
    capture: dict[str, Any]
    max_payload_bytes: int = Field(description="The largest request body it takes (bytes).")
    return_probabilities: bool = Field(
        description="Whether answers carry `probabilities` and `classes`."
    )
    features: list[str] = Field(
        description="The online features it looks up (`group@version:feature`), if any."
    )
    async_config: dict[str, Any] | None = Field(
        default=None,
        description="Asynchronous inference settings (null: none); the webhook secret is "
        "shown redacted.",
    )
    stages: list[EndpointStage] = Field(
        default_factory=list,
        description="What a request goes through: an inference pipeline's flow, then models.",
    )
    multi_model: dict[str, Any] | None = Field(
        default=None, description="Multi-model settings (allowed models, memory limit)."
    )
    autoscaling: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="The autoscaled variants' policies, by name."
    )
    scale_to_zero_after: float | None = Field(
        default=None, description="Seconds idle before every worker stops (null: never)."
    )
    shadow: EndpointShadow | None = Field(default=None, description="Its shadow variant.")
    instances: int
    generation: int
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_entity(cls, endpoint: EndpointEntity) -> Endpoint:
        return cls(
            name=endpoint.name,
            status=endpoint.status.value,
            variants=[EndpointVariant(**v.to_dict()) for v in endpoint.variants],
            url=endpoint.url,
            proxy_path=f"/mlstudio/endpoints/{endpoint.name}",
            port=endpoint.port,
            token=endpoint.token,
            batching=endpoint.config.get("batching", {}),
            capture=endpoint.config.get("capture", {}),
            max_payload_bytes=int(endpoint.config.get("max_payload_bytes", DEFAULT_PAYLOAD_LIMIT)),
            return_probabilities=bool(endpoint.config.get("return_probabilities", False)),
            features=list(endpoint.config.get("features") or []),
            async_config=shown_async_config(endpoint.config.get("async_config")),
            stages=EndpointStage.of(endpoint.config),
            multi_model=endpoint.config.get("multi_model"),
            autoscaling={
                v["name"]: v["autoscaling"]
                for v in endpoint.config.get("variants", [])
                if v.get("autoscaling")
            },
            scale_to_zero_after=endpoint.config.get("scale_to_zero_after"),
            shadow=EndpointShadow.of(endpoint.config.get("shadow")),
            instances=endpoint.instances,
            generation=endpoint.generation,
            failure_reason=endpoint.failure_reason,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class EndpointList(ResponseModel):
    items: list[Endpoint]
    next_token: str | None


class EndpointListQuery(QueryModel):
    status: EndpointStatusName | None = None
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class EndpointLogQuery(QueryModel):
    offset: int = Field(default=0, ge=0, le=INT64_MAX)


class EndpointLogChunk(ResponseModel):
    text: str
    offset: int
    next_offset: int
    size: int


class EndpointError(ResponseModel):
    time: str
    status: int
    method: str
    path: str
    message: str


class EndpointErrorList(ResponseModel):
    items: list[EndpointError]


class EndpointExample(ResponseModel):
    content_type: str
    body: str


class EndpointMetrics(ResponseModel):
    """The endpoint's live counters (``GET /metrics`` of the endpoint itself)."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)

    endpoint: str
    time: float
    variants: dict[str, Any]
    totals: dict[str, Any]
    workers: list[dict[str, Any]]
