"""What one endpoint serves and how: the file ``python -m jupyter_mlstudio.serving --config``
reads. The store and artifact locations are not part of it: they come from the usual
environment (``MLSTUDIO_HOME``, ``MLSTUDIO_STORE_URI``, ``MLSTUDIO_ARTIFACT_URI``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InvalidArgumentError
from ..registry.entities import validate_alias, validate_model_name
from .autoscaling import AutoscalingConfig
from .inference_pipeline import PreprocessConfig

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
DEFAULT_PAYLOAD_LIMIT = 6 * 1024 * 1024
MAX_PAYLOAD_LIMIT = 1024 * 1024 * 1024  # a body is held in memory whole
DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024


DRAIN_FLOOR = 256 * 1024 * 1024


def drain_limit(limit: int) -> int:
    """The largest body an endpoint reads through (and discards) to answer 413 after it;
    a larger one is answered at once and its connection closed."""
    return max(4 * limit, DRAIN_FLOOR)


def too_large_message(size: int, limit: int) -> str:
    """The 413 message, on the endpoint's port and through Jupyter's proxy alike."""
    return (
        f"The request body is {_shown_size(size)}; the limit is {_shown_size(limit)} "
        f"({limit} bytes). Send fewer rows per request, or deploy the endpoint with a "
        "larger max_payload_bytes."
    )


def _shown_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.1f} KB"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantConfig(_Strict):
    """One production variant: a registered model version, its share of the traffic and
    the number of worker processes it asks for."""

    name: str = Field(default="primary", pattern=NAME_PATTERN)
    model: str
    version: int | None = Field(default=None, ge=1)
    alias: str | None = None  # used when no version is given; neither = the newest
    weight: float = Field(default=1.0, ge=0)
    instances: int = Field(default=1, ge=1, le=64)
    trusted: list[str] = Field(default_factory=list)  # extra types the model file may use
    # the version's inference code (SageMaker handlers) may run (serving/inference_code.py)
    trust_code: bool = False
    # target tracking between min and max instances (serving/autoscaling.py); ``instances``
    # is then the count it starts with, brought within [min, max]
    autoscaling: AutoscalingConfig | None = None

    @model_validator(mode="after")
    def _instances_within_policy(self) -> VariantConfig:
        if self.autoscaling is not None:
            self.instances = self.autoscaling.clamp(self.instances)
        return self

    @field_validator("model")
    @classmethod
    def _model_name(cls, value: str) -> str:
        try:
            return validate_model_name(value)
        except InvalidArgumentError as exc:
            raise ValueError(exc.message) from None

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str | None) -> str | None:
        if value is None or value == "latest":
            return value
        try:
            return validate_alias(value)
        except InvalidArgumentError as exc:
            raise ValueError(exc.message) from None


class ShadowConfig(_Strict):
    """A shadow variant (SageMaker's ShadowProductionVariants, serving/shadow.py): a copy
    of a ``sampling`` share of the requests goes to this model version after production
    answered; its answers are captured beside production's, never returned. It runs in
    every worker of the pool on a thread of its own (no instances of its own)."""

    name: str = Field(default="shadow", pattern=NAME_PATTERN)
    model: str
    version: int | None = Field(default=None, ge=1)
    alias: str | None = None  # used when no version is given; neither = the newest
    sampling: float = Field(default=1.0, gt=0, le=1)  # the share of requests copied
    trusted: list[str] = Field(default_factory=list)
    trust_code: bool = False

    _model_name = field_validator("model")(VariantConfig._model_name.__func__)  # type: ignore[attr-defined]
    _alias = field_validator("alias")(VariantConfig._alias.__func__)  # type: ignore[attr-defined]


class BatchingConfig(_Strict):
    """Concurrent requests merged into one ``predict`` call: at most ``max_batch_size``
    rows, waiting at most ``max_wait_ms`` for more once the first one is there."""

    max_batch_size: int = Field(default=64, ge=1, le=100_000)
    max_wait_ms: float = Field(default=2.0, ge=0, le=1000)


class CaptureConfig(_Strict):
    """Sampled requests and responses appended, off the request path, to rotating files
    under ``destination`` (a folder or an fsspec URL; default: the endpoint's folder in
    the artifact store)."""

    enabled: bool = False
    sampling_percent: float = Field(default=100.0, ge=0, le=100)
    destination: str | None = None
    format: Literal["jsonl", "parquet"] = "jsonl"
    rotate_bytes: int = Field(default=DEFAULT_ROTATE_BYTES, ge=1024)
    # a file is closed (and, on remote stores, uploaded) at least this often
    rotate_seconds: float = Field(default=300.0, gt=0)


class AsyncConfig(_Strict):
    """Asynchronous inference (InvokeEndpointAsync): the endpoint's process works the
    durable queue of ``endpoints/async_inference.py`` with this many concurrent
    invocations; results go under ``output_path`` (default: the artifact store); each
    completion or failure is POSTed to ``notification_webhook`` when set, signed with
    ``notification_secret`` like the monitor's alerts."""

    max_concurrent_invocations: int = Field(default=1, ge=1, le=1000)
    output_path: str | None = None
    notification_webhook: str | None = None
    notification_secret: str | None = None
    lease_seconds: float = Field(default=30.0, ge=1, le=3600)


class MultiModelConfig(_Strict):
    """A multi-model endpoint (serving/multi_model.py): besides its variants it serves any
    version of the allowed registered models — ``/models/{model}/invocations`` or
    ``/invocations`` with ``X-Amzn-SageMaker-Target-Model: churn/3`` (or ``churn@champion``,
    or ``churn``: the newest) — each loaded by a worker on its first request and evicted,
    least recently used first, when the worker's loaded models outgrow
    ``memory_limit_bytes``."""

    models: list[str] | None = None  # allowed model names; None: every registered model
    memory_limit_bytes: int = Field(default=1024**3, ge=1024)

    @field_validator("models")
    @classmethod
    def _model_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        try:
            names = [validate_model_name(v) for v in value]
        except InvalidArgumentError as exc:
            raise ValueError(exc.message) from None
        return list(dict.fromkeys(names))


class EndpointConfig(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)  # 0: pick a free port and report it
    token: str | None = Field(default=None, min_length=8)
    variants: list[VariantConfig] = Field(min_length=1)
    batching: BatchingConfig = Field(default_factory=BatchingConfig)
    capture: CaptureConfig = Field(default_factory=CaptureConfig)
    async_config: AsyncConfig | None = None  # None: no asynchronous inference
    shadow: ShadowConfig | None = None  # a shadow variant (serving/shadow.py)
    # an inference pipeline: a flow's fitted export runs on the raw rows before the
    # models (serving/inference_pipeline.py); None: requests carry the models' columns
    preprocess: PreprocessConfig | None = None
    # classifiers also answer predict_proba's rows and the classes they stand for
    return_probabilities: bool = False
    # online features looked up by the record ids in each request ("group@version:feature",
    # pinned at deploy; see serving/features.py)
    features: list[str] = Field(default_factory=list, max_length=1000)
    # the largest request body taken; larger ones are answered 413
    max_payload_bytes: int = Field(default=DEFAULT_PAYLOAD_LIMIT, ge=1024, le=MAX_PAYLOAD_LIMIT)
    ready_file: str | None = None  # written (atomically) once every worker serves
    drain_seconds: float = Field(default=10.0, ge=0)  # SIGTERM: time to finish in-flight work
    startup_timeout: float = Field(default=300.0, gt=0)
    multi_model: MultiModelConfig | None = None  # None: the variants only
    # "fork": workers are forked from the supervisor after it imported the libraries
    # (fast starts and restarts); "spawn": each worker is a fresh interpreter; "auto":
    # fork on Linux, spawn elsewhere (macOS system libraries do not survive fork)
    worker_start: Literal["auto", "fork", "spawn"] = "auto"
    # no request for this many seconds: every worker stops, the next request starts them
    # again (serving/autoscaling.py)
    scale_to_zero_after: float | None = Field(default=None, gt=0, le=7 * 86400)

    @field_validator("features")
    @classmethod
    def _feature_refs(cls, value: list[str]) -> list[str]:
        from ..features.entities import parse_feature_ref

        for ref in value:
            try:
                parse_feature_ref(ref)
            except InvalidArgumentError as exc:
                raise ValueError(exc.message) from None
        if len(set(value)) != len(value):
            raise ValueError("A feature reference is given more than once.")
        return value

    @model_validator(mode="after")
    def _variants_are_consistent(self) -> EndpointConfig:
        names = [v.name for v in self.variants]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"Variant names must be unique; repeated: {', '.join(duplicates)}.")
        if not any(v.weight > 0 for v in self.variants):
            raise ValueError("At least one variant needs a weight above 0.")
        if self.multi_model is not None and self.features:
            raise ValueError("A multi-model endpoint cannot look features up.")
        if self.shadow is not None and self.shadow.name in names:
            raise ValueError(
                f"The shadow variant's name {self.shadow.name!r} is a production variant's."
            )
        return self

    @property
    def worker_count(self) -> int:
        """Worker processes of the endpoint: the variants' instances added up (every
        worker holds every variant; see the package docstring)."""
        return sum(v.instances for v in self.variants)

    @property
    def worker_capacity(self) -> int:
        """The most workers it may run: autoscaled variants at their maximum."""
        return sum(
            v.autoscaling.max_instances if v.autoscaling else v.instances for v in self.variants
        )

    def variant(self, name: str) -> VariantConfig:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise InvalidArgumentError(f"Endpoint {self.name!r} has no variant {name!r}.")

    # -- files ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EndpointConfig:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise InvalidArgumentError(f"Cannot read the endpoint config {path}: {exc}") from None
        return cls.parse(text, source=str(path))

    @classmethod
    def parse(cls, text: str, source: str = "the endpoint config") -> EndpointConfig:
        try:
            return cls.model_validate(json.loads(text))
        except json.JSONDecodeError as exc:
            raise InvalidArgumentError(f"{source} is not valid JSON: {exc}") from None
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidArgumentError(f"Invalid endpoint config ({source}): {problems}") from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the config readable by its owner only (it may hold the token)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.model_dump_json(indent=2))
        os.replace(temporary, target)
        return target
