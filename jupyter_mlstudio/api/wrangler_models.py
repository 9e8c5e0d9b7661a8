"""Request and response models of ``/wrangler`` (see ``common_models.py`` for the shared bases)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field
from pydantic.config import JsonDict

from ..jobs.specs import NAME_PATTERN
from ..paths import PathStr
from ..wrangler.document import FlowDocument
from ..wrangler.engine import StepStatus
from ..wrangler.insights.models import InsightsReport
from ..wrangler.preview import Preview
from .common_models import RequestModel, ResponseModel


class TransformInfo(ResponseModel):
    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)

    name: str
    group: str
    group_title: str
    title: str
    description: str
    inputs: list[str] = Field(description="Names of the input ports (two for a join).")
    outputs: list[str]
    fittable: bool
    params_schema: dict[str, Any]


class TransformList(ResponseModel):
    items: list[TransformInfo]


_FLOW_PATH: JsonDict = {"pattern": r"^[^\u0000-\u001F\u007F]*[^/\u0000-\u001F\u007F]\.flow$"}


def _as_is(value: Any) -> Any:
    return value


# Validated as any JSON object here and as a flow by the wrangler core, whose messages name
# the node at fault; documented as the core's FlowDocument, so the schema has one home.
FlowJSON = Annotated[dict[str, Any], BeforeValidator(_as_is, json_schema_input_type=FlowDocument)]


class FlowRequest(RequestModel):
    path: PathStr = Field(
        min_length=1,
        description="The .flow file, relative to the server root.",
        json_schema_extra=_FLOW_PATH,
    )
    flow: FlowJSON = Field(description="The document as edited (saved or not).")


class FlowPreviewRequest(FlowRequest):
    node: str | None = Field(default=None, description="A source or step id; default: the last.")
    output: str | None = None
    rows: int = Field(default=100, ge=1, le=1000)


class FlowPreviewResponse(ResponseModel):
    statuses: list[StepStatus] = Field(description="Every node's state on the sample.")
    preview: Preview | None = Field(description="The node's first rows and summaries.")
    error: str | None


class FlowReportRequest(FlowRequest):
    node: str | None = None
    output: str | None = None
    target: str | None = None


class PlotlyFigure(ResponseModel):
    """A plotly.js figure: traces and layout, passed through to plotly as they are."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]


class ReportFigure(ResponseModel):
    """One figure of the insights report (see ``wrangler/insights/charts.py``)."""

    id: str
    section: str
    title: str
    # Absent (not null) on figures of no one column, as the core writes them.
    column: str | None = Field(default=None, exclude_if=lambda v: v is None)
    figure: PlotlyFigure


class FlowReportResponse(ResponseModel):
    report: InsightsReport
    figures: list[ReportFigure]
    artifact_uri: str


class FeatureStoreExport(RequestModel):
    """Where ``format: "feature-store"`` ingests the flow's full result."""

    group: str = Field(min_length=1, description="The feature group's name.")
    record_identifier: str = Field(min_length=1, description="The record id column.")
    event_time_feature: str = Field(min_length=1, description="The event-time column.")
    description: str | None = None
    new_group: bool = Field(
        default=True,
        description="Create the group (features inferred from the result's dtypes); "
        "false adds a batch to the existing group of the same schema.",
    )
    as_job: bool = Field(
        default=False,
        description="Run the saved flow over its whole source in a processing job that "
        "ingests the result (the response carries job_id at once).",
    )


class FlowExportRequest(FlowRequest):
    format: Literal["script", "notebook", "sklearn", "pyspark", "report-html", "feature-store"]
    node: str | None = None
    output: str | None = None
    target: str | None = None
    feature_store: FeatureStoreExport | None = Field(
        default=None, description='Required with format "feature-store".'
    )


class FlowExportResponse(ResponseModel):
    # Absent (not null) on a feature-store export, which writes no file.
    path: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="The file written, relative to the server root.",
    )
    feature_group: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="The feature group (name@version) a feature-store export ingested into.",
    )
    rows_written: int | None = Field(default=None, exclude_if=lambda v: v is None)
    job_id: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="The processing job ingesting the flow's full result (as_job).",
    )


class FlowJobRequest(RequestModel):
    path: PathStr = Field(
        min_length=1,
        description="The saved .flow file, relative to the root.",
        json_schema_extra=_FLOW_PATH,
    )
    output_format: Literal["parquet", "csv"] = "parquet"
    engine: Literal["auto", "pandas", "dask"] = Field(
        default="auto",
        description="dask: dask.dataframe across the cluster (Dask executor; row-wise steps "
        "only); auto: dask when it can, else pandas.",
    )
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
