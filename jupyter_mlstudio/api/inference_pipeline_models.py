"""Request and response models of an inference pipeline (``serving/inference_pipeline.py``):
``preprocess`` in ``POST /endpoints`` and the ``stages`` an endpoint shows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .common_models import RequestModel, ResponseModel


class EndpointPreprocessIn(RequestModel):
    """A Data Wrangler flow run on each request's raw rows before the models: its steps
    are fitted on the flow's data at deploy (impute, encode, scale and drop steps)."""

    flow: str = Field(
        min_length=1,
        max_length=4096,
        description="The .flow file, relative to the server's root folder.",
    )


class EndpointPipelineStep(ResponseModel):
    id: str
    transform: str
    title: str


class EndpointStage(ResponseModel):
    """One stage a request goes through: the flow (``preprocess``), then a variant's model."""

    kind: Literal["preprocess", "model"]
    flow: str | None = Field(default=None, description="The flow's file name.")
    path: str | None = Field(default=None, description="The flow as given at deploy.")
    steps: list[EndpointPipelineStep] = Field(default_factory=list)
    inputs: list[str] = Field(default_factory=list, description="The raw columns it takes.")
    outputs: list[str] = Field(default_factory=list, description="The columns it makes.")
    fitted_rows: int | None = None
    variant: str | None = None
    model: str | None = None
    version: int | None = None

    @classmethod
    def of(cls, config: dict[str, Any]) -> list[EndpointStage]:
        from ..serving.inference_pipeline import stages

        return [cls.model_validate(s) for s in stages(config)]
