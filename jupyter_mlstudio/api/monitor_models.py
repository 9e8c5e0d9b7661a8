"""Request and response models of ``/monitors``, ``/monitor-executions`` and
``/monitor-alerts``. A monitor's webhook secret is write-only: responses say whether one
is set, never what it is."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field

from ..monitor.entities import Alert as AlertEntity
from ..monitor.entities import Execution as ExecutionEntity
from ..monitor.entities import Monitor as MonitorEntity
from ..paths import PathStr
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from .common_models import QueryModel, RequestModel, ResponseModel

if TYPE_CHECKING:
    from ..monitor.constraints_edit import ConstraintsVersion as ConstraintsEntity
    from ..monitor.history import MonitorHistory as HistoryEntity

MonitorKind = Literal["data-quality", "model-quality"]
MonitorStatus = Literal["Scheduled", "Stopped"]
ExecutionStatus = Literal[
    "Pending", "InProgress", "Completed", "CompletedWithViolations", "NoData", "Failed"
]
MONITOR_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"


class MonitorCreate(RequestModel):
    """A monitor of an endpoint's captured traffic (``endpoint``) or of a table file or
    folder under the server's root (``data``), one of the two."""

    name: str | None = Field(
        default=None,
        pattern=MONITOR_NAME_PATTERN,
        description="Default: '<endpoint or data file>-<kind>'.",
    )
    endpoint: str | None = Field(
        default=None, min_length=1, description="An endpoint with data capture on."
    )
    data: PathStr | None = Field(
        default=None,
        min_length=1,
        description="A table (CSV, Parquet or JSON lines; file or folder) relative to the "
        "server's root folder, e.g. a batch-transform output.",
    )
    kind: MonitorKind = "data-quality"
    baseline: PathStr | None = Field(
        default=None,
        min_length=1,
        description="A folder relative to the server's root with statistics.json and "
        "constraints.json (data quality) or constraints.json (model quality). Default for "
        "a data-quality monitor of an endpoint: a baseline job over the training data its "
        "model version's lineage names.",
    )
    schedule: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="'rate(1 hour)', 'cron(0 * * * ? *)' or a 5-field cron expression; "
        "none: executions run only when asked (run now).",
    )
    options: dict[str, Any] | None = Field(
        default=None,
        description="Data quality: drift options (drift_share, numerical_method, "
        "categorical_method, threshold, features: per-feature method and threshold, "
        "histogram). Model quality: problem_type (binary, multiclass, regression) and "
        "offset_seconds (how late labels may arrive).",
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=2048,
        description="An http(s) URL that receives a JSON POST for each execution with violations.",
    )
    webhook_secret: str | None = Field(
        default=None,
        max_length=512,
        description="Signs each webhook body (X-MLStudio-Signature: sha256=<HMAC>). "
        "Write-only: never returned.",
    )
    pipeline: str | None = Field(
        default=None, max_length=200, description="A pipeline to start on violations."
    )


class QualityOptions(RequestModel):
    """The options of a model-quality monitor."""

    model_config = ConfigDict(extra="forbid", strict=False)

    problem_type: Literal["binary", "multiclass", "regression"] | None = None
    offset_seconds: float = Field(default=0, ge=0)


class GroundTruthAdd(RequestModel):
    """Labels for what the monitor's endpoint answered: a CSV or Parquet file with
    ``inference_id`` and ``label`` columns."""

    path: PathStr = Field(min_length=1, description="Relative to the server's root folder.")
    problem_type: Literal["binary", "multiclass", "regression"] | None = Field(
        default=None, description="Default: inferred from the labels."
    )


class GroundTruthAdded(ResponseModel):
    endpoint: str
    rows: int = Field(description="Labels stored.")
    file: str = Field(description="Where they were stored, next to the endpoint's capture.")


class Monitor(ResponseModel):
    id: str
    name: str
    kind: MonitorKind
    endpoint: str | None = Field(description="The endpoint whose captured traffic it checks.")
    data_path: str | None = Field(description="The table it checks (no endpoint).")
    baseline: str = Field(description="The baseline folder ('' for none).")
    schedule: str | None
    options: dict[str, Any]
    status: MonitorStatus = Field(description="Stopped: no scheduled executions.")
    webhook_url: str | None
    webhook_secret_set: bool = Field(description="Whether webhook bodies are signed.")
    pipeline: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_entity(cls, monitor: MonitorEntity) -> Monitor:
        return cls(
            id=monitor.id,
            name=monitor.name,
            kind=monitor.kind,
            endpoint=monitor.endpoint,
            data_path=monitor.data_path,
            baseline=monitor.baseline,
            schedule=monitor.schedule,
            options=dict(monitor.options),
            status=monitor.status,
            webhook_url=monitor.alert.webhook_url,
            webhook_secret_set=bool(monitor.alert.webhook_secret),
            pipeline=monitor.alert.pipeline,
            created_at=monitor.created_at,
            updated_at=monitor.updated_at,
        )


class MonitorList(ResponseModel):
    items: list[Monitor]


class MonitorListQuery(QueryModel):
    endpoint: str | None = Field(default=None, description="Only this endpoint's monitors.")


class RunNow(RequestModel):
    """The window of an execution run now; default: the last schedule period (an hour
    without a schedule) up to now."""

    model_config = ConfigDict(extra="forbid", strict=False)

    start: datetime | None = None
    end: datetime | None = None


class Execution(ResponseModel):
    id: str
    monitor_id: str
    scheduled_time: datetime
    window_start: datetime = Field(description="The captured traffic checked: [start, end).")
    window_end: datetime
    status: ExecutionStatus = Field(
        description="NoData: nothing was captured in the window (not a failure)."
    )
    violations: int
    output: str | None = Field(
        description="The folder with constraint_violations.json and report.json."
    )
    failure_reason: str | None
    job_id: str | None = Field(description="The processing job that ran it (its log).")
    manual: bool = Field(description="Run now, not by the schedule.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_entity(cls, execution: ExecutionEntity) -> Execution:
        return cls(
            id=execution.id,
            monitor_id=execution.monitor_id,
            scheduled_time=execution.scheduled_time,
            window_start=execution.window_start,
            window_end=execution.window_end,
            status=execution.status,
            violations=execution.violations,
            output=execution.output,
            failure_reason=execution.failure_reason,
            job_id=execution.job_id,
            manual=execution.manual,
            created_at=execution.created_at,
            updated_at=execution.updated_at,
        )


class ExecutionList(ResponseModel):
    items: list[Execution] = Field(description="Newest scheduled time first.")
    next_token: str | None = None


class ExecutionListQuery(QueryModel):
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class Violation(ResponseModel):
    """One entry of constraint_violations.json (SageMaker's schema)."""

    feature_name: str | None = Field(description="Data quality: the feature.")
    metric_name: str | None = Field(description="Model quality: the metric.")
    constraint_check_type: str = Field(
        description="e.g. baseline_drift_check, categorical_values_check, LessThanThreshold."
    )
    description: str


class ViolationList(ResponseModel):
    items: list[Violation]


class ExecutionReport(ResponseModel):
    execution_id: str
    status: ExecutionStatus
    report: dict[str, Any] | None = Field(
        description="report.json (null until the execution wrote one). Data quality: "
        "outcome, rows, violations, features (per feature: method, statistic, threshold, "
        "drifted, baseline and current histograms) and dataset_drift. Model quality: "
        "outcome, labelled_rows, quality metrics, violations and estimated_accuracy."
    )


class MonitorAlert(ResponseModel):
    id: int
    monitor_id: str
    execution_id: str
    created_at: datetime
    message: str
    violations: int
    webhook_status: str | None = Field(
        description="The webhook's HTTP status or why the POST failed; null: no webhook."
    )

    @classmethod
    def from_entity(cls, alert: AlertEntity) -> MonitorAlert:
        return cls(
            id=alert.id,
            monitor_id=alert.monitor_id,
            execution_id=alert.execution_id,
            created_at=alert.created_at,
            message=alert.message,
            violations=alert.violations,
            webhook_status=alert.webhook_status,
        )


class MonitorAlertList(ResponseModel):
    items: list[MonitorAlert] = Field(description="Oldest first.")


class MonitorAlertListQuery(QueryModel):
    after_id: int = Field(
        default=0, ge=0, le=2**63 - 1, description="Only alerts with a larger id."
    )
    monitor: str | None = Field(default=None, description="Only this monitor's (name or id).")


# -- history and constraints (the execution charts and the constraint editor) ---------------
class MonitorHistoryQuery(QueryModel):
    max_items: int = Field(
        default=100, ge=1, le=500, description="The newest executions the history covers."
    )


class DriftPoint(ResponseModel):
    execution_id: str
    time: datetime = Field(description="The end of the execution's window.")
    method: str
    statistic: float | None
    p_value: float | None = Field(description="ks and chisquare: drift when below threshold.")
    threshold: float
    drifted: bool
    severity: float | None = Field(
        description="1 at the threshold, above 1 drifted: the distance over its threshold, "
        "or log(p) / log(threshold)."
    )


class FeatureHistory(ResponseModel):
    name: str
    kind: Literal["numerical", "categorical"]
    drifted_count: int
    max_severity: float
    points: list[DriftPoint] = Field(description="Oldest first.")


class QualityPoint(ResponseModel):
    execution_id: str
    time: datetime
    problem_type: str | None
    labelled_rows: int
    metrics: dict[str, float | None] = Field(
        description="Realized: accuracy, precision, recall, f1, auc or mae, rmse, r2 (empty "
        "before labels)."
    )
    estimated_accuracy: float | None = Field(description="CBPE's estimate, without labels.")


class HistoryExecution(ResponseModel):
    id: str
    time: datetime
    status: ExecutionStatus
    violations: int


class MonitorHistory(ResponseModel):
    monitor_id: str
    kind: MonitorKind
    executions: list[HistoryExecution] = Field(description="Oldest first.")
    features: list[FeatureHistory] = Field(description="Data quality: most drifted first.")
    quality: list[QualityPoint] = Field(description="Model quality: oldest first.")

    @classmethod
    def from_entity(cls, history: HistoryEntity) -> MonitorHistory:
        return cls(
            monitor_id=history.monitor_id,
            kind=history.kind,
            executions=[
                HistoryExecution(id=e.id, time=e.time, status=e.status, violations=e.violations)
                for e in history.executions
            ],
            features=[
                FeatureHistory(
                    name=f.name,
                    kind="categorical" if f.kind == "categorical" else "numerical",
                    drifted_count=f.drifted_count,
                    max_severity=f.max_severity,
                    points=[
                        DriftPoint(
                            execution_id=p.execution_id,
                            time=p.time,
                            method=p.method,
                            statistic=p.statistic,
                            p_value=p.p_value,
                            threshold=p.threshold,
                            drifted=p.drifted,
                            severity=p.severity,
                        )
                        for p in f.points
                    ],
                )
                for f in history.features
            ],
            quality=[
                QualityPoint(
                    execution_id=q.execution_id,
                    time=q.time,
                    problem_type=q.problem_type,
                    labelled_rows=q.labelled_rows,
                    metrics=q.metrics,
                    estimated_accuracy=q.estimated_accuracy,
                )
                for q in history.quality
            ],
        )


InferredType = Literal["Integral", "Fractional", "String", "Unknown"]
DriftMethod = Literal["ks", "chisquare", "wasserstein", "jensenshannon", "psi"]


class FeatureConstraint(RequestModel):
    """One feature's editable constraints (null clears a setting)."""

    name: str = Field(min_length=1)
    inferred_type: InferredType
    completeness: float | None = Field(
        default=None, description="The share of rows that must have a value (0 to 1)."
    )
    is_non_negative: bool | None = Field(default=None, description="Numerical features only.")
    domains: list[str] | None = Field(
        default=None, description="String features only: the values allowed."
    )
    comparison_method: DriftMethod | None = Field(
        default=None, description="This feature's drift test (default: the monitor's choice)."
    )
    comparison_threshold: float | None = Field(
        default=None,
        description="A p-value for ks/chisquare (drift when below), a distance otherwise.",
    )


class MonitorConstraints(ResponseModel):
    monitor_id: str
    baseline: str
    version: int = Field(description="0: the suggested file, never edited.")
    edited: bool = Field(description="Differs from the suggested constraints.")
    default_threshold: float = Field(description="The distance tests' threshold by default.")
    features: list[FeatureConstraint]

    @classmethod
    def from_entity(cls, monitor_id: str, found: ConstraintsEntity) -> MonitorConstraints:
        return cls(
            monitor_id=monitor_id,
            baseline=found.baseline,
            version=found.version,
            edited=found.edited,
            default_threshold=found.default_threshold,
            features=[FeatureConstraint.model_construct(**f.__dict__) for f in found.features],
        )


class ConstraintsEdit(RequestModel):
    version: int = Field(ge=0, description="The version these edits were made on.")
    features: list[FeatureConstraint] = Field(
        max_length=10_000, description="The features to change; the others keep theirs."
    )


class ConstraintsReset(RequestModel):
    version: int = Field(ge=0, description="The version shown when reset was asked for.")
