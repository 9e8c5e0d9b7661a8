"""Request and response models of multi-model endpoints (``serving/multi_model.py``):
``multi_model`` in ``POST /endpoints``, and ``GET``/``POST /endpoints/{name}/models``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .common_models import INT64_MAX, RequestModel, ResponseModel

MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class EndpointMultiModelIn(RequestModel):
    """A multi-model endpoint: besides its variants it serves any version of the allowed
    models, each loaded on its first request (``/models/{model}/invocations`` or the
    ``X-Amzn-SageMaker-Target-Model`` header) and evicted, least recently used first, when
    a worker's loaded models outgrow ``memory_limit_bytes``."""

    models: list[str] | None = Field(
        default=None,
        max_length=10_000,
        description="The allowed model names (every version of each); null: every "
        "registered model.",
    )
    memory_limit_bytes: int | None = Field(
        default=None, ge=1024, le=INT64_MAX, description="Per worker; default 1 GiB."
    )


class EndpointModelsAdd(RequestModel):
    models: list[str] = Field(
        min_length=1,
        max_length=1000,
        description="Registered model names to allow as well (no redeploy).",
    )


class EndpointModel(ResponseModel):
    """A model version the endpoint served in this generation, or (``version`` null) an
    allowed model it has not served yet."""

    target: str = Field(description="What a request names: `model/version`, or the model.")
    model: str
    version: int | None
    loaded: bool = Field(description="Loaded in at least one worker now.")
    loaded_workers: int
    bytes: int = Field(description="Its size in a worker (0 when not loaded).")
    loads: int
    load_ms: float | None = Field(description="The mean load time.")
    evictions: int
    load_errors: int
    last_used: float | None = Field(description="Seconds since the epoch.")
    requests: int
    errors: dict[str, int]
    latency_ms: dict[str, Any] | None
    batch_size_mean: float | None


class EndpointModels(ResponseModel):
    endpoint: str
    allowed: list[str] | None = Field(description="null: every registered model.")
    memory_limit_bytes: int | None
    serving: bool = Field(description="False: the endpoint does not serve now (no metrics).")
    models: list[EndpointModel]


class EndpointModelsAdded(ResponseModel):
    allowed: list[str]
