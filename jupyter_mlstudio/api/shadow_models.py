"""Request and response models of an endpoint's shadow variant (``serving/shadow.py``):
``shadow`` in ``POST /endpoints`` and ``PATCH /endpoints/{name}``, and
``/endpoints/{name}/shadow/compare`` and ``.../shadow/promote``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .common_models import INT64_MAX, RequestModel, ResponseModel

SHADOW_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"


class EndpointShadowIn(RequestModel):
    """A shadow variant: a copy of a ``sampling`` share of the requests goes to this model
    version once production answered; its answers are captured, never returned."""

    name: str = Field(default="shadow", pattern=SHADOW_NAME_PATTERN)
    model: str | None = Field(
        default=None, min_length=1, max_length=128, description="Default: production's."
    )
    version: int | None = Field(default=None, ge=1, le=INT64_MAX)
    alias: str | None = Field(
        default=None, description="Used when no version is given; neither = the newest."
    )
    sampling: float = Field(
        default=1.0, gt=0, le=1, description="The share of requests copied (0 < s <= 1)."
    )
    trust_code: bool = Field(default=False, description="Its inference code may run.")


class EndpointShadow(ResponseModel):
    name: str
    model: str
    version: int | None = Field(description="Pinned at deploy.")
    sampling: float

    @classmethod
    def of(cls, config: dict[str, Any] | None) -> EndpointShadow | None:
        if not config:
            return None
        return cls(
            name=config.get("name", "shadow"),
            model=config["model"],
            version=config.get("version"),
            sampling=float(config.get("sampling", 1.0)),
        )


class ShadowLatency(ResponseModel):
    count: int
    mean: float | None
    p50: float | None
    p99: float | None
    max: float | None


class ShadowSide(ResponseModel):
    errors: int = Field(description="Answers with a 4xx or 5xx status.")
    latency_ms: ShadowLatency = Field(
        description="Production: the request's time in the endpoint; shadow: its parse and "
        "predict time."
    )


class ShadowConfusionCell(ResponseModel):
    production: str
    shadow: str
    count: int


class ShadowFigures(ResponseModel):
    task: Literal["classification", "regression"] | None
    pairs: int = Field(description="Requests answered by both, joined by inference id.")
    compared: int = Field(description="Pairs where both answered predictions of one length.")
    rows: int = Field(description="Prediction rows compared.")
    production_variants: dict[str, int] = Field(description="Pairs by production variant.")
    agreement: float | None = Field(description="Classifiers: the share of equal rows.")
    mean_absolute_difference: float | None = Field(description="Regressors.")
    max_absolute_difference: float | None
    confusion: list[ShadowConfusionCell] = Field(
        description="Production's class against the shadow's (classifiers)."
    )
    production: ShadowSide
    shadow: ShadowSide
    unanswered: int = Field(
        description="Sampled requests with no answer of this shadow version: not in yet, "
        "dropped, or copied to an earlier shadow."
    )


class ShadowComparison(ResponseModel):
    endpoint: str
    shadow: EndpointShadow | None = Field(description="Null: the endpoint has no shadow.")
    production: list[str] = Field(description="The production variants' names.")
    comparison: ShadowFigures | None
    live: dict[str, Any] | None = Field(
        description="The shadow's live figures (requests, errors, latency, captured, "
        "dropped) since the endpoint's last update, while it serves."
    )

    @classmethod
    def of(cls, result: dict[str, Any]) -> ShadowComparison:
        return cls.model_validate({**result, "shadow": EndpointShadow.of(result.get("shadow"))})


class ShadowPromote(RequestModel):
    replace: str | None = Field(
        default=None,
        pattern=SHADOW_NAME_PATTERN,
        description="The production variant the shadow replaces (default: the only one).",
    )
