"""The insights report's wire models (pydantic) and the literal types they use."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

InferredType = Literal[
    "numeric", "categorical", "text", "datetime", "boolean", "identifier", "constant"
]
ProblemType = Literal["classification", "regression"]
Severity = Literal["info", "warning", "high"]
WarningKind = Literal[
    "target_leakage",
    "constant",
    "high_cardinality",
    "high_correlation",
    "missing",
    "invalid",
    "duplicates",
    "imbalance",
    "skew",
    "outliers",
]


class _Model(BaseModel):
    # every field is always written, so the serialization schema marks fields with
    # defaults required too (the frontend's generated types then need no `?`)
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class ValueCount(_Model):
    value: str
    count: int
    pct: float


class NumericHistogram(_Model):
    edges: list[float]  # len(counts) + 1; epoch seconds for datetime columns
    counts: list[int]
    labels: list[str] | None = None  # ISO edges for datetime columns


class OutlierStats(_Model):
    method: Literal["mad", "iqr", "none"]
    lower: float | None = None
    upper: float | None = None
    count: int = 0
    pct: float = 0.0


class NumericStats(_Model):
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    quantiles: dict[str, float] = Field(default_factory=dict)  # "p1" ... "p99"
    median: float | None = None
    mad: float | None = None  # raw median absolute deviation
    skew: float | None = None  # adjusted Fisher-Pearson, as pandas' Series.skew
    kurtosis: float | None = None  # excess, as pandas' Series.kurt
    zeros: int = 0
    negatives: int = 0
    outliers: OutlierStats = Field(default_factory=lambda: OutlierStats(method="none"))


class DatetimeStats(_Model):
    min: str | None = None
    max: str | None = None
    span_days: float | None = None


class TextStats(_Model):
    mean_length: float | None = None
    max_length: int | None = None
    rows: int = 0  # how many values were measured (a sample on large columns)


class ColumnStats(_Model):
    name: str
    dtype: str
    inferred_type: InferredType
    count: int  # non-missing
    missing: int
    missing_pct: float
    invalid: int = 0
    invalid_reason: str | None = None
    invalid_examples: list[str] = Field(default_factory=list)
    unique: int
    unique_pct: float
    top_values: list[ValueCount] = Field(default_factory=list)
    numeric: NumericStats | None = None
    datetime: DatetimeStats | None = None
    text: TextStats | None = None
    histogram: NumericHistogram | None = None
    notes: list[str] = Field(default_factory=list)


class Summary(_Model):
    rows: int
    columns: int
    duplicate_rows: int
    duplicate_pct: float
    missing_cells: int
    missing_cells_pct: float
    memory_bytes: int
    memory_estimated: bool = False
    column_types: dict[str, int] = Field(default_factory=dict)


class InsightWarning(_Model):
    severity: Severity
    kind: WarningKind
    columns: list[str] = Field(default_factory=list)
    message: str


def warn_about(
    warnings: list[InsightWarning], column: str, severity: Severity, kind: WarningKind, message: str
) -> None:
    """Add a warning about one column (most warnings are) to ``warnings``."""
    warnings.append(InsightWarning(severity=severity, kind=kind, columns=[column], message=message))


class TargetAnalysis(_Model):
    column: str
    problem_type: ProblemType | None
    rows: int  # rows with a usable target value
    missing: int  # rows dropped for a missing / invalid target
    classes: list[ValueCount] | None = None
    imbalance_ratio: float | None = None  # majority count / minority count
    stats: NumericStats | None = None
    histogram: NumericHistogram | None = None
    notes: list[str] = Field(default_factory=list)


class ExcludedFeature(_Model):
    name: str
    reason: str


class QuickModel(_Model):
    status: Literal["ok", "skipped", "failed"]
    reason: str | None = None
    problem_type: ProblemType | None = None
    estimator: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    train_rows: int = 0
    test_rows: int = 0
    features: list[str] = Field(default_factory=list)
    excluded: list[ExcludedFeature] = Field(default_factory=list)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    baseline: dict[str, float | None] = Field(default_factory=dict)
    baseline_strategy: str | None = None
    labels: list[str] | None = None
    confusion_matrix: list[list[int]] | None = None  # rows: true label, columns: predicted
    fit_seconds: float | None = None


class FeaturePower(_Model):
    feature: str
    power: float | None  # 0 = no better than the baseline, 1 = perfect
    score: float | None = None
    baseline_score: float | None = None
    model: str | None = None  # "tree" | "linear"


class PredictionPower(_Model):
    method: str
    metric: str
    train_rows: int
    test_rows: int
    features: list[FeaturePower] = Field(default_factory=list)  # highest power first
    seconds: float | None = None


class CorrelationPair(_Model):
    a: str
    b: str
    r: float


class Correlations(_Model):
    method: Literal["pearson"] = "pearson"
    rows: int
    columns: list[str]
    matrix: list[list[float | None]]
    high_pairs: list[CorrelationPair] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class AnomalyRow(_Model):
    row: int  # position in the frame
    index: str  # the frame's index label
    score: float  # isolation-forest anomaly score in (0, 1]; higher is more anomalous
    reasons: list[str] = Field(default_factory=list)


class Anomalies(_Model):
    status: Literal["ok", "skipped", "failed"]
    reason: str | None = None
    method: str = "isolation forest (100 trees, 256 rows each); score = -score_samples"
    rows: int = 0
    features: list[str] = Field(default_factory=list)
    top: list[AnomalyRow] = Field(default_factory=list)
    histogram: NumericHistogram | None = None


class SamplingNote(_Model):
    section: str
    rows_used: int
    total_rows: int
    sampled: bool
    detail: str


class InsightsReport(_Model):
    schema_version: int = SCHEMA_VERSION
    target: str | None = None
    problem_type: ProblemType | None = None
    sample_rows: int
    random_state: int
    summary: Summary
    warnings: list[InsightWarning] = Field(default_factory=list)
    columns: list[ColumnStats] = Field(default_factory=list)
    target_analysis: TargetAnalysis | None = None
    model: QuickModel | None = None
    prediction_power: PredictionPower | None = None
    correlations: Correlations | None = None
    anomalies: Anomalies | None = None
    sampling: list[SamplingNote] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per section

    def column(self, name: str) -> ColumnStats:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
