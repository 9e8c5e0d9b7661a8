"""Data Quality and Insights report for a data frame, optionally against a target column.

Pure core (pandas, numpy, scikit-learn; plotly only for the HTML export)::

    report = build_report(df, target="label")
    report.model_dump(mode="json")      # what the REST layer sends to the panel
    report_figures(report)              # plotly figure dicts for plotly.js
    report_html(report)                 # standalone HTML (plotly.js embedded)
    save_report(report, "file:///tmp/run/artifacts/wrangler")  # insights.json + insights.html

What runs on how many rows (``report.sampling`` says it for every report):

* exact, on all rows, vectorized: the summary, duplicates (64-bit row hashes), missing /
  invalid / unique counts, top values, quantiles, moments, robust outliers, histograms,
  the target's class balance or distribution;
* on a bounded random sample (``sample_rows``, fixed ``random_state``): type inference of
  object columns (then verified on all rows), text lengths, correlations, the quick model,
  the per-feature prediction power and the isolation-forest anomaly scores.
"""

from __future__ import annotations

import re
import time
import warnings as _warnings
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from jupyter_mlstudio.errors import InvalidArgumentError

from .insights_charts import report_figures, report_html

__all__ = [
    "InsightsReport",
    "build_report",
    "load_report",
    "report_figures",
    "report_html",
    "save_report",
]

SCHEMA_VERSION = 1
DEFAULT_SAMPLE_ROWS = 50_000
# Type inference of object columns looks at this many non-missing values first.
INFER_SAMPLE = 2_000
TEXT_SAMPLE = 10_000
HIST_BINS = 30
TOP_K = 10
MAX_MODEL_CATEGORIES = 250  # HistGradientBoosting's native categorical limit is < 255
MAX_CLASSES = 50
MIN_MODEL_ROWS = 20
POWER_TRAIN_ROWS = 20_000
MIN_ANOMALY_ROWS = 10
MAX_CORR_COLUMNS = 50
TOP_ANOMALIES = 20
MAX_INVALID_EXAMPLES = 5

# Warning thresholds.
LEAKAGE_POWER = 0.98
HIGH_CORRELATION = 0.95
MISSING_WARN = 0.2
HIGH_CARDINALITY = 100
SKEW_WARN = 2.0
OUTLIER_WARN = 0.05
IMBALANCE_WARN = 3.0
IMBALANCE_HIGH = 10.0
MAD_K = 3.5  # modified z-score threshold (Iglewicz & Hoaglin)
IQR_K = 1.5

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

_BOOL_STRINGS = {"true", "false", "yes", "no", "t", "f", "y", "n", "0", "1"}
_TRUE_STRINGS = {"true", "yes", "t", "y", "1"}
_ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key)$|^(index|unnamed: ?\d+)$", re.IGNORECASE)
_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- models


class ValueCount(BaseModel):
    value: str
    count: int
    pct: float


class Histogram(BaseModel):
    edges: list[float]  # len(counts) + 1; epoch seconds for datetime columns
    counts: list[int]
    labels: list[str] | None = None  # ISO edges for datetime columns


class OutlierStats(BaseModel):
    method: Literal["mad", "iqr", "none"]
    lower: float | None = None
    upper: float | None = None
    count: int = 0
    pct: float = 0.0


class NumericStats(BaseModel):
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


class DatetimeStats(BaseModel):
    min: str | None = None
    max: str | None = None
    span_days: float | None = None


class TextStats(BaseModel):
    mean_length: float | None = None
    max_length: int | None = None
    rows: int = 0  # how many values were measured (a sample on large columns)


class ColumnStats(BaseModel):
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
    histogram: Histogram | None = None
    notes: list[str] = Field(default_factory=list)


class Summary(BaseModel):
    rows: int
    columns: int
    duplicate_rows: int
    duplicate_pct: float
    missing_cells: int
    missing_cells_pct: float
    memory_bytes: int
    memory_estimated: bool = False
    column_types: dict[str, int] = Field(default_factory=dict)


class InsightWarning(BaseModel):
    severity: Severity
    kind: WarningKind
    columns: list[str] = Field(default_factory=list)
    message: str


class TargetAnalysis(BaseModel):
    column: str
    problem_type: ProblemType | None
    rows: int  # rows with a usable target value
    missing: int  # rows dropped for a missing / invalid target
    classes: list[ValueCount] | None = None
    imbalance_ratio: float | None = None  # majority count / minority count
    stats: NumericStats | None = None
    histogram: Histogram | None = None
    notes: list[str] = Field(default_factory=list)


class ExcludedFeature(BaseModel):
    name: str
    reason: str


class QuickModel(BaseModel):
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


class FeaturePower(BaseModel):
    feature: str
    power: float | None  # 0 = no better than the baseline, 1 = perfect
    score: float | None = None
    baseline_score: float | None = None
    model: str | None = None  # "tree" | "linear"


class PredictionPower(BaseModel):
    method: str
    metric: str
    train_rows: int
    test_rows: int
    features: list[FeaturePower] = Field(default_factory=list)  # highest power first
    seconds: float | None = None


class CorrelationPair(BaseModel):
    a: str
    b: str
    r: float


class Correlations(BaseModel):
    method: Literal["pearson"] = "pearson"
    rows: int
    columns: list[str]
    matrix: list[list[float | None]]
    high_pairs: list[CorrelationPair] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class AnomalyRow(BaseModel):
    row: int  # position in the frame
    index: str  # the frame's index label
    score: float  # isolation-forest anomaly score in (0, 1]; higher is more anomalous
    reasons: list[str] = Field(default_factory=list)


class Anomalies(BaseModel):
    status: Literal["ok", "skipped", "failed"]
    reason: str | None = None
    method: str = "isolation forest (100 trees, 256 rows each); score = -score_samples"
    rows: int = 0
    features: list[str] = Field(default_factory=list)
    top: list[AnomalyRow] = Field(default_factory=list)
    histogram: Histogram | None = None


class SamplingNote(BaseModel):
    section: str
    rows_used: int
    total_rows: int
    sampled: bool
    detail: str


class InsightsReport(BaseModel):
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


# --------------------------------------------------------------------------- helpers


def _f(value: Any) -> float | None:
    """A finite float or None (JSON has no NaN/inf)."""
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 4) if whole else 0.0


def _label(value: Any) -> str:
    """A display label for a value (integers without a trailing .0)."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, pd.Timestamp):
        return str(value.isoformat())
    return str(value)


def _sample_positions(n: int, k: int, rng: np.random.Generator) -> NDArray[np.intp]:
    if n <= k:
        return np.arange(n, dtype=np.intp)
    return np.sort(rng.choice(n, size=k, replace=False)).astype(np.intp)


def _is_object_like(series: Any) -> bool:
    dtype = series.dtype
    return bool(
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_complex_dtype(dtype)
    ) and not isinstance(dtype, pd.CategoricalDtype)


class _Codes:
    """A column factorized once: ``codes`` per row (-1 = missing), ``uniques``, ``counts``.

    Everything about an object/categorical column (unique and top values, parsing as numbers
    or dates, model codes, frequencies, duplicate-row keys) is computed from these, so each
    distinct value is parsed once however many rows hold it.
    """

    def __init__(self, series: Any) -> None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy().astype(np.int64)
            uniques = np.asarray(series.cat.categories, dtype=object)
        else:
            try:
                codes, uniques = pd.factorize(series, use_na_sentinel=True)
            except TypeError:  # unhashable values (lists, dicts): by their str
                text = series.astype(str).where(series.notna())
                codes, uniques = pd.factorize(text, use_na_sentinel=True)
            codes = np.asarray(codes, dtype=np.int64)
            uniques = np.asarray(uniques, dtype=object)
        self.codes: NDArray[np.int64] = codes
        self.uniques: NDArray[Any] = uniques
        self.counts: NDArray[np.int64] = np.bincount(
            codes[codes >= 0], minlength=len(uniques)
        ).astype(np.int64)
        # most frequent first; ties in order of first appearance
        self.order: NDArray[np.intp] = np.argsort(-self.counts, kind="stable")
        self.unique = int((self.counts > 0).sum())

    def top(self, total: int, k: int = TOP_K) -> list[ValueCount]:
        best = [int(i) for i in self.order[:k] if self.counts[i] > 0]
        return [
            ValueCount(
                value=_label(self.uniques[i]),
                count=int(self.counts[i]),
                pct=_pct(int(self.counts[i]), total),
            )
            for i in best
        ]

    def expand(self, per_unique: FloatArray) -> FloatArray:
        """Per-row floats from per-unique floats (NaN for missing rows)."""
        padded = np.append(per_unique.astype(np.float64), np.nan)
        return padded[self.codes]  # code -1 picks the trailing NaN


def _to_seconds(series: Any) -> tuple[FloatArray, Any]:
    """Datetime series -> float epoch seconds (NaN for NaT) and the tz-naive UTC series."""
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    raw = series.to_numpy(dtype="datetime64[ms]")
    out = raw.astype(np.int64).astype(np.float64) / 1000.0
    out[np.isnat(raw)] = np.nan
    return out, series


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return str(pd.Timestamp(int(seconds * 1000), unit="ms").isoformat())


@contextmanager
def _timer(timings: dict[str, float], key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = round(time.perf_counter() - start, 4)


# --------------------------------------------------------------------------- column stats


class _Col:
    """Internal per-column state: the public stats plus what later sections need."""

    def __init__(self, pos: int, name: str, stats: ColumnStats) -> None:
        self.pos = pos
        self.name = name
        self.stats = stats
        self.values: FloatArray | None = None  # full-length floats (numeric, bool, datetime)
        self.factorized: _Codes | None = None  # object and categorical columns
        self.median: float | None = None
        self.scale: float | None = None  # robust scale (1.4826 * MAD, or IQR / 1.349)

    @property
    def kind(self) -> InferredType:
        return self.stats.inferred_type

    @property
    def modelable(self) -> bool:
        return self.kind in ("numeric", "boolean", "datetime", "categorical")


def _numeric_summary(
    x: FloatArray, *, bins: int = HIST_BINS, want_top: bool = True
) -> tuple[NumericStats, Histogram | None, list[ValueCount], int, int]:
    """Stats of a float array with NaN for missing; returns (stats, hist, top, unique, infs).

    One sort of the finite values gives quantiles, unique counts, top values, the MAD and
    the histogram (by binary search) -- all exact.
    """
    finite_mask = np.isfinite(x)
    s = np.sort(x[finite_mask])
    nan_count = int(np.isnan(x).sum())
    infs = int(x.size - nan_count - s.size)
    pos_inf = int(np.isposinf(x).sum()) if infs else 0
    unique_extra = int(pos_inf > 0) + int(infs - pos_inf > 0)
    m = s.size
    stats = NumericStats()
    if m == 0:
        return stats, None, [], unique_extra, infs

    def q(p: float) -> float:
        pos = p * (m - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, m - 1)
        return float(s[lo] + (s[hi] - s[lo]) * (pos - lo))

    change = np.flatnonzero(s[1:] != s[:-1]) + 1
    unique = int(change.size + 1) + unique_extra
    mean = float(s.mean())
    dev = s - mean
    m2 = float(np.dot(dev, dev))
    stats.mean = _f(mean)
    stats.min = _f(s[0])
    stats.max = _f(s[-1])
    stats.quantiles = {f"p{round(p * 100)}": q(p) for p in _QUANTILES}
    median = q(0.5)
    stats.median = median
    stats.zeros = int(np.searchsorted(s, 0.0, "right") - np.searchsorted(s, 0.0, "left"))
    stats.negatives = int(np.searchsorted(s, 0.0, "left"))
    if m > 1:
        var = m2 / (m - 1)
        stats.std = _f(np.sqrt(var))
        if m > 2 and m2 > 0:
            m3 = float(np.dot(dev * dev, dev))
            g1 = (m3 / m) / (m2 / m) ** 1.5
            stats.skew = _f(np.sqrt(m * (m - 1)) / (m - 2) * g1)
        if m > 3 and m2 > 0:
            dev2 = dev * dev
            m4 = float(np.dot(dev2, dev2))
            num = m * (m + 1) * (m - 1) * m4
            den = (m - 2) * (m - 3) * m2 * m2
            adj = 3 * (m - 1) ** 2 / ((m - 2) * (m - 3))
            stats.kurtosis = _f(num / den - adj)
    mad = _sorted_mad(s, median)
    stats.mad = _f(mad)
    q1, q3 = stats.quantiles["p25"], stats.quantiles["p75"]
    if mad > 0:
        half = MAD_K * 1.4826 * mad
        stats.outliers = OutlierStats(method="mad", lower=median - half, upper=median + half)
    elif q3 > q1:
        iqr = q3 - q1
        stats.outliers = OutlierStats(method="iqr", lower=q1 - IQR_K * iqr, upper=q3 + IQR_K * iqr)
    out = stats.outliers
    if out.lower is not None and out.upper is not None:
        count = int(
            np.searchsorted(s, out.lower, "left") + (m - np.searchsorted(s, out.upper, "right"))
        )
        out.count = count
        out.pct = _pct(count, m)

    hist: Histogram | None = None
    lo_v, hi_v = float(s[0]), float(s[-1])
    if hi_v > lo_v:
        edges = np.linspace(lo_v, hi_v, bins + 1)
        idx = np.searchsorted(s, edges[1:-1], "left")
        cuts = np.concatenate(([0], idx, [m]))
        hist = Histogram(edges=[float(e) for e in edges], counts=np.diff(cuts).tolist())
    else:
        hist = Histogram(edges=[lo_v - 0.5, hi_v + 0.5], counts=[m])

    top: list[ValueCount] = []
    # top values of a continuous column are all count 1: skip them
    if want_top and (unique <= m // 2 or m <= 1000):
        starts = np.concatenate(([0], change))
        counts = np.diff(np.concatenate((starts, [m])))
        k = min(TOP_K, counts.size)
        best = np.argpartition(-counts, k - 1)[:k] if counts.size > k else np.arange(counts.size)
        best = best[np.lexsort((best, -counts[best]))]
        total = x.size - nan_count
        top = [
            ValueCount(value=_label(s[starts[i]]), count=int(counts[i]), pct=_pct(counts[i], total))
            for i in best
        ]
    return stats, hist, top, unique, infs


def _sorted_mad(s: FloatArray, median: float) -> float:
    """Median of |s - median| for sorted ``s`` without materializing the deviations.

    The deviations are two sorted sequences (left of the median, reversed, and right of
    it); their k-th smallest element is found by binary search.
    """
    m = s.size
    split = int(np.searchsorted(s, median, "left"))
    n_left, n_right = split, m - split

    def left(j: int) -> float:  # j-th smallest deviation among values < median
        return float(median - s[split - 1 - j])

    def right(j: int) -> float:  # j-th smallest deviation among values >= median
        return float(s[split + j] - median)

    def kth(k: int) -> float:  # 0-based k-th smallest of the merged deviations
        lo, hi = max(0, k + 1 - n_right), min(k + 1, n_left)
        while lo < hi:  # take x from the left run, k + 1 - x from the right run
            x = (lo + hi) // 2
            if right(k - x) > left(x):
                lo = x + 1
            else:
                hi = x
        x = lo
        candidates = []
        if x > 0:
            candidates.append(left(x - 1))
        if k + 1 - x > 0:
            candidates.append(right(k - x))
        return max(candidates)

    if m % 2:
        return kth(m // 2)
    return (kth(m // 2 - 1) + kth(m // 2)) / 2.0


def _robust_scale(stats: NumericStats) -> float | None:
    if stats.mad:
        return 1.4826 * stats.mad
    q1, q3 = stats.quantiles.get("p25"), stats.quantiles.get("p75")
    if q1 is not None and q3 is not None and q3 > q1:
        return (q3 - q1) / 1.349
    return None


def _base_stats(
    name: str, series: Any, n: int, inferred: InferredType, missing: int
) -> ColumnStats:
    return ColumnStats(
        name=name,
        dtype=str(series.dtype),
        inferred_type=inferred,
        count=n - missing,
        missing=missing,
        missing_pct=_pct(missing, n),
        unique=0,
        unique_pct=0.0,
    )


def _fill_numeric(col: _Col, x: FloatArray, *, datetime: bool = False) -> None:
    st = col.stats
    stats, hist, top, unique, infs = _numeric_summary(x)
    st.unique = unique
    st.unique_pct = _pct(unique, st.count)
    col.values = x if not infs else np.where(np.isfinite(x), x, np.nan)
    col.median = stats.median
    col.scale = _robust_scale(stats)
    if infs:
        st.invalid += infs
        st.invalid_reason = (st.invalid_reason + "; " if st.invalid_reason else "") + "inf values"
        if "inf" not in st.invalid_examples:
            st.invalid_examples.append("inf")
    if datetime:
        st.datetime = DatetimeStats(
            min=_iso(stats.min),
            max=_iso(stats.max),
            span_days=None
            if stats.min is None or stats.max is None
            else (stats.max - stats.min) / 86400.0,
        )
        if hist is not None:
            hist.labels = [_iso(e) or "" for e in hist.edges]
        st.top_values = [
            ValueCount(value=_iso(float(t.value)) or t.value, count=t.count, pct=t.pct) for t in top
        ]
    else:
        st.numeric = stats
        st.top_values = top
    st.histogram = hist


def _fill_categorical(col: _Col, fac: _Codes) -> None:
    st = col.stats
    st.unique = fac.unique
    st.unique_pct = _pct(st.unique, st.count)
    st.top_values = fac.top(st.count)


def _text_lengths(values: Any) -> TextStats:
    lengths = pd.Series(values).astype(str).str.len().to_numpy(dtype=np.float64)
    if lengths.size == 0:
        return TextStats()
    return TextStats(
        mean_length=_f(lengths.mean()), max_length=int(lengths.max()), rows=int(lengths.size)
    )


def _analyze_column(pos: int, name: str, series: Any, rng: np.random.Generator) -> _Col:
    n = len(series)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        missing = int(series.isna().sum())
        col = _Col(pos, name, _base_stats(name, series, n, "boolean", missing))
        x = series.to_numpy(dtype=np.float64, na_value=np.nan)
        _fill_numeric(col, x)
        _finish_kind(col, n)
        return col
    if pd.api.types.is_datetime64_any_dtype(dtype):
        x, _ = _to_seconds(series)
        missing = int(np.isnan(x).sum())
        col = _Col(pos, name, _base_stats(name, series, n, "datetime", missing))
        _fill_numeric(col, x, datetime=True)
        _finish_kind(col, n)
        return col
    if pd.api.types.is_timedelta64_dtype(dtype):
        x = series.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
        missing = int(np.isnan(x).sum())
        col = _Col(pos, name, _base_stats(name, series, n, "numeric", missing))
        col.stats.notes.append("timedelta, in seconds")
        _fill_numeric(col, x)
        _finish_kind(col, n)
        return col
    if pd.api.types.is_numeric_dtype(dtype) and not _is_object_like(series):
        x = series.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = int(np.isnan(x).sum())
        col = _Col(pos, name, _base_stats(name, series, n, "numeric", missing))
        _fill_numeric(col, x)
        _finish_kind(col, n, integer=pd.api.types.is_integer_dtype(dtype))
        return col
    if isinstance(dtype, pd.CategoricalDtype):
        missing = int(series.isna().sum())
        col = _Col(pos, name, _base_stats(name, series, n, "categorical", missing))
        col.factorized = _Codes(series)
        _fill_categorical(col, col.factorized)
        _finish_kind(col, n)
        return col
    return _analyze_object(pos, name, series, rng)


def _finish_kind(col: _Col, n: int, *, integer: bool = False) -> None:
    """Refine the inferred type from the counts: constant, 0/1 boolean, integer identifier."""
    st = col.stats
    if st.unique <= 1:
        st.inferred_type = "constant"
        return
    if st.inferred_type == "numeric" and st.unique == 2 and st.invalid == 0:
        values = {t.value for t in st.top_values}
        if values == {"0", "1"}:
            st.inferred_type = "boolean"
            return
    if st.inferred_type == "numeric" and integer and st.unique == st.count == n and n > 50:
        num = st.numeric
        consecutive = (
            num is not None
            and num.min is not None
            and num.max is not None
            and (num.max - num.min + 1 == st.unique)
        )
        if consecutive or _ID_NAME.search(st.name):
            st.inferred_type = "identifier"


def _analyze_object(pos: int, name: str, series: Any, rng: np.random.Generator) -> _Col:
    n = len(series)
    fac = _Codes(series)
    notna = fac.codes >= 0
    missing = int(n - notna.sum())
    col = _Col(pos, name, _base_stats(name, series, n, "categorical", missing))
    col.factorized = fac
    st = col.stats
    if st.count == 0:
        st.inferred_type = "constant"
        st.notes.append("all values are missing")
        return col
    present = np.flatnonzero(notna)
    sample = series.iloc[present[_sample_positions(present.size, INFER_SAMPLE, rng)]]
    uniques = pd.Series(fac.uniques, dtype=object)
    st.unique = fac.unique
    st.unique_pct = _pct(st.unique, st.count)

    # booleans: real bools, or two values that read as booleans
    if st.unique == 2:
        keys = [str(k).strip().lower() for k in fac.uniques]
        if all(k in _BOOL_STRINGS for k in keys) and keys[0] != keys[1]:
            st.inferred_type = "boolean"
            st.top_values = fac.top(st.count)
            truth = np.array([float(k in _TRUE_STRINGS) for k in keys])
            col.values = fac.expand(truth)
            st.numeric, _, _, _, _ = _numeric_summary(col.values, want_top=False)
            return col
    if st.unique <= 1:
        st.inferred_type = "constant"
        _fill_categorical(col, fac)
        return col

    # mostly numeric: >= 90% of a sample parses as numbers -> numeric, the rest is invalid
    sample_obj = pd.Series(sample.to_numpy(dtype=object), dtype=object)
    is_bool = sample_obj.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
    parsed = pd.to_numeric(sample_obj.where(~is_bool), errors="coerce")
    if parsed.notna().mean() >= 0.9:
        numbers = pd.to_numeric(uniques, errors="coerce").to_numpy(dtype=np.float64)
        x = fac.expand(numbers)
        st.inferred_type = "numeric"
        _invalid_from_uniques(st, fac, np.isnan(numbers), "values that are not numbers")
        st.notes.append("numbers stored as text/objects; unique and stats refer to the numbers")
        _fill_numeric(col, x)
        _finish_kind(col, n)
        return col

    # datetimes: a format guessed from the sample must parse >= 90% of it
    fmt = _datetime_format(sample)
    if fmt is not None:
        converted = _parse_datetimes(uniques, fmt)
        if converted is not None:
            seconds, _ = _to_seconds(converted)
            st.inferred_type = "datetime"
            _invalid_from_uniques(st, fac, np.isnan(seconds), "values that are not dates")
            st.notes.append("dates stored as text")
            _fill_numeric(col, fac.expand(seconds), datetime=True)
            _finish_kind(col, n)
            return col

    _fill_categorical(col, fac)
    # blank strings are invalid values of a text column
    blank = np.array([isinstance(v, str) and not v.strip() for v in fac.uniques], dtype=bool)
    if blank.any():
        _invalid_from_uniques(st, fac, blank, "blank strings")
        st.invalid_examples = ["''"]
    text_sample = series.iloc[present[_sample_positions(present.size, TEXT_SAMPLE, rng)]]
    st.text = _text_lengths(text_sample)
    if present.size > TEXT_SAMPLE:
        st.notes.append(f"text lengths measured on a random sample of {TEXT_SAMPLE:,} values")
    spaced = float(text_sample.astype(str).str.contains(r"\s", regex=True).mean())
    mean_len = st.text.mean_length or 0.0
    if st.unique > 50 and st.unique >= 0.5 * st.count and mean_len >= 25 and spaced >= 0.5:
        st.inferred_type = "text"
    elif st.unique > 50 and st.unique >= 0.95 * st.count:
        st.inferred_type = "identifier"
    return col


def _invalid_from_uniques(st: ColumnStats, fac: _Codes, bad: NDArray[np.bool_], why: str) -> None:
    """Count the rows whose (distinct) value is bad; a few distinct bad values as examples."""
    st.invalid = int(fac.counts[bad].sum())
    if st.invalid:
        st.invalid_reason = why
        worst = [int(i) for i in fac.order if bad[i]][:MAX_INVALID_EXAMPLES]
        st.invalid_examples = [_label(fac.uniques[i]) for i in worst]


def _datetime_format(sample: Any) -> str | None:
    values = [v for v in sample.iloc[:200].tolist() if v is not None]
    if not values:
        return None
    if all(isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat") for v in values):
        return "objects"
    strings = [v for v in values if isinstance(v, str)]
    if len(strings) < 0.9 * len(values) or not any(re.search(r"\D", s) for s in strings):
        return None
    from pandas.tseries.api import guess_datetime_format

    fmt = guess_datetime_format(strings[0].strip())
    candidates = [c for c in (fmt, "ISO8601") if c]
    test = pd.Series(strings)
    for cand in candidates:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(test, format=cand, errors="coerce", utc=True)
            except (ValueError, TypeError):
                continue
        if parsed.notna().mean() >= 0.9:
            return cand
    return None


def _parse_datetimes(series: Any, fmt: str) -> Any:
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        try:
            if fmt == "objects":
                return pd.to_datetime(series, errors="coerce", utc=True)
            return pd.to_datetime(series.astype(object), format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            return None


# --------------------------------------------------------------------------- features


def _feature(col: _Col, positions: NDArray[np.intp]) -> tuple[FloatArray, bool]:
    """Model-ready floats for some rows: (values with NaN for missing, is_categorical).

    Categories become codes of their ``MAX_MODEL_CATEGORIES`` most frequent values, all
    other values share one extra code.
    """
    if col.values is not None and col.kind != "categorical":
        return col.values[positions], False
    fac = col.factorized
    if fac is None:
        return np.full(positions.size, np.nan), True
    per_unique = np.full(len(fac.uniques), float(MAX_MODEL_CATEGORIES))
    top = fac.order[:MAX_MODEL_CATEGORIES]
    per_unique[top] = np.arange(top.size, dtype=np.float64)
    codes = fac.codes[positions]
    return np.where(codes >= 0, per_unique[np.maximum(codes, 0)], np.nan), True


def _frequency_feature(col: _Col, positions: NDArray[np.intp]) -> FloatArray:
    """A category's share of the rows (rare values are anomalous); missing: their share."""
    fac = col.factorized
    total = max(col.stats.count + col.stats.missing, 1)
    if fac is None:
        return np.zeros(positions.size)
    share = fac.counts / total
    codes = fac.codes[positions]
    return np.where(codes >= 0, share[np.maximum(codes, 0)], col.stats.missing / total)


# --------------------------------------------------------------------------- target + model


class _Target:
    def __init__(self) -> None:
        self.problem: ProblemType | None = None
        self.y: FloatArray | NDArray[np.int64] | None = None  # per valid row
        self.valid: NDArray[np.intp] = np.zeros(0, dtype=np.intp)  # positions with a target
        self.labels: list[str] = []


def _analyze_target(
    col: _Col, series: Any, problem_type: str, warnings: list[InsightWarning]
) -> tuple[TargetAnalysis, _Target]:
    st = col.stats
    n = len(series)
    tgt = _Target()
    kind = col.kind
    problem: ProblemType | None
    if problem_type != "auto":
        problem = "classification" if problem_type == "classification" else "regression"
    elif kind == "datetime":
        problem = None
    elif col.values is not None and kind in ("numeric", "identifier"):
        finite = col.values[np.isfinite(col.values)]
        integral = bool(np.all(np.mod(finite, 1) == 0))
        problem = "classification" if integral and st.unique <= 20 else "regression"
    else:
        problem = "classification"
    analysis = TargetAnalysis(column=col.name, problem_type=problem, rows=0, missing=0)
    tgt.problem = problem
    if problem is None:
        analysis.notes.append("datetime targets are not analysed; no quick model")
        return analysis, tgt

    if problem == "regression":
        if col.values is None:
            x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            x = np.where(np.isfinite(x), x, np.nan)
        else:
            x = col.values
        valid = np.flatnonzero(~np.isnan(x))
        y_reg: FloatArray = x[valid]
        tgt.y = y_reg
        stats, hist, _, _, _ = _numeric_summary(y_reg, want_top=False)
        analysis.stats = stats
        analysis.histogram = hist
        if stats.skew is not None and abs(stats.skew) >= SKEW_WARN:
            analysis.notes.append(
                f"the target is skewed ({stats.skew:.2f}); consider a log transform"
            )
    else:
        if col.values is not None and not _is_object_like(series):
            present = ~np.isnan(col.values)
            raw = pd.Series(col.values).where(present)
        else:
            present = series.notna().to_numpy(dtype=bool)
            raw = series
        valid = np.flatnonzero(present)
        values = raw.iloc[valid]
        try:
            codes, uniques = pd.factorize(values, sort=True)
        except TypeError:
            codes, uniques = pd.factorize(values.astype(str), sort=True)
        tgt.y = codes.astype(np.int64)
        tgt.labels = [_label(u) for u in uniques]
        counts = np.bincount(codes, minlength=len(uniques)) if len(uniques) else np.zeros(0, int)
        order = np.argsort(-counts, kind="stable")
        analysis.classes = [
            ValueCount(value=tgt.labels[i], count=int(counts[i]), pct=_pct(counts[i], valid.size))
            for i in order
        ]
        if len(uniques) >= 2:
            ratio = float(counts.max() / max(counts.min(), 1))
            analysis.imbalance_ratio = round(ratio, 4)
            if ratio >= IMBALANCE_WARN:
                minority = tgt.labels[int(order[-1])]
                warnings.append(
                    InsightWarning(
                        severity="high" if ratio >= IMBALANCE_HIGH else "warning",
                        kind="imbalance",
                        columns=[col.name],
                        message=(
                            f"The target is imbalanced: the majority class has {ratio:.1f}x "
                            f"the rows of the minority class '{minority}'. Prefer F1/ROC-AUC "
                            "over accuracy, and consider class weights or resampling."
                        ),
                    )
                )
    tgt.valid = valid.astype(np.intp)
    analysis.rows = int(valid.size)
    analysis.missing = int(n - valid.size)
    if analysis.missing:
        analysis.notes.append(
            f"{analysis.missing:,} rows without a usable target value are left out of the "
            "target analysis, the quick model and the prediction power"
        )
        warnings.append(
            InsightWarning(
                severity="warning",
                kind="missing",
                columns=[col.name],
                message=(
                    f"The target '{col.name}' is missing or invalid in {analysis.missing:,} "
                    f"rows ({_pct(analysis.missing, n):.2f}%); those rows were dropped for the "
                    "quick model and the prediction power."
                ),
            )
        )
    n_distinct = (
        len(tgt.labels)
        if problem == "classification"
        else (int(np.unique(tgt.y).size) if tgt.y is not None and tgt.y.size else 0)
    )
    if valid.size and n_distinct < 2:
        warnings.append(
            InsightWarning(
                severity="high",
                kind="constant",
                columns=[col.name],
                message=f"The target '{col.name}' has a single value; there is nothing to predict.",
            )
        )
    return analysis, tgt


def _split(
    n: int, y: Any, problem: ProblemType, random_state: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(n, dtype=np.intp)
    stratify = None
    if problem == "classification":
        counts = np.bincount(y)
        if counts[counts > 0].min() >= 2 and int((counts > 0).sum()) <= int(0.25 * n):
            stratify = y
    train, test = train_test_split(
        idx, test_size=0.25, random_state=random_state, stratify=stratify
    )
    return np.sort(train), np.sort(test)


def _quick_model(
    cols: list[_Col],
    df: pd.DataFrame,
    target_col: _Col,
    tgt: _Target,
    sample_rows: int,
    random_state: int,
    rng: np.random.Generator,
    sampling: list[SamplingNote],
) -> tuple[QuickModel, PredictionPower | None]:
    model = QuickModel(status="skipped", problem_type=tgt.problem)
    features: list[_Col] = []
    for col in cols:
        if col is target_col:
            continue
        if col.modelable:
            features.append(col)
        else:
            reason = {
                "identifier": "looks like an identifier (nearly every value is unique)",
                "text": "free text (high-cardinality strings)",
                "constant": "constant (or all missing)",
            }.get(col.kind, col.kind)
            model.excluded.append(ExcludedFeature(name=col.name, reason=reason))
    y_all = tgt.y
    if tgt.problem is None or y_all is None:
        model.reason = "no supported problem type for this target"
        return model, None
    n_valid = tgt.valid.size
    if n_valid == 0:
        model.reason = "no rows with a usable target value"
        return model, None
    n_distinct = len(tgt.labels) if tgt.problem == "classification" else int(np.unique(y_all).size)
    if n_distinct < 2:
        model.reason = "the target is constant"
        return model, None
    if tgt.problem == "classification" and n_distinct > MAX_CLASSES:
        model.reason = f"too many classes ({n_distinct}) for a quick model (limit {MAX_CLASSES})"
        return model, None
    if n_valid < MIN_MODEL_ROWS:
        model.reason = f"too few rows with a target ({n_valid}; need {MIN_MODEL_ROWS})"
        return model, None
    if not features:
        model.reason = "no usable feature columns"
        return model, None

    pick = _sample_positions(n_valid, sample_rows, rng)
    rows = tgt.valid[pick]
    y = y_all[pick]
    if tgt.problem == "classification":
        # classes absent from the sample would break the metrics: re-code densely
        present_codes, y = np.unique(y, return_inverse=True)
        labels = [tgt.labels[int(c)] for c in present_codes]
        if len(labels) < 2:
            model.reason = "the sample holds a single class"
            return model, None
    else:
        labels = []
    columns: list[FloatArray] = []
    cat_mask: list[bool] = []
    for col in features:
        values, is_cat = _feature(col, rows)
        columns.append(values)
        cat_mask.append(is_cat)
    x = np.column_stack(columns)
    train, test = _split(rows.size, y, tgt.problem, random_state)
    model.train_rows, model.test_rows = int(train.size), int(test.size)
    model.features = [c.name for c in features]
    detail = (
        f"random sample of {rows.size:,} of {n_valid:,} rows with a target"
        if rows.size < n_valid
        else f"all {n_valid:,} rows with a target"
    )
    sampling.append(
        SamplingNote(
            section="model",
            rows_used=int(rows.size),
            total_rows=int(n_valid),
            sampled=rows.size < n_valid,
            detail=f"{detail}; 75% train ({train.size:,}) / 25% held out ({test.size:,})",
        )
    )
    sampling.append(
        SamplingNote(
            section="prediction_power",
            rows_used=int(rows.size),
            total_rows=int(n_valid),
            sampled=rows.size < n_valid,
            detail=(
                f"{detail}; the quick model's split, single-feature models trained on up to "
                f"{min(train.size, POWER_TRAIN_ROWS):,} of its training rows"
            ),
        )
    )
    start = time.perf_counter()
    try:
        _fit_quick_model(model, x, y, train, test, cat_mask, labels, tgt.problem, random_state)
    except Exception as exc:  # a report section must not sink the report
        model.status = "failed"
        model.reason = f"{type(exc).__name__}: {exc}"
    model.fit_seconds = round(time.perf_counter() - start, 4)
    start = time.perf_counter()
    power = _prediction_power(model.features, x, y, train, test, tgt.problem, random_state)
    power.seconds = round(time.perf_counter() - start, 4)
    return model, power


def _fit_quick_model(
    model: QuickModel,
    x: FloatArray,
    y: Any,
    train: NDArray[np.intp],
    test: NDArray[np.intp],
    cat_mask: list[bool],
    labels: list[str],
    problem: ProblemType,
    random_state: int,
) -> None:
    from sklearn import metrics as skm
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    params: dict[str, Any] = {
        "max_iter": 100,
        "learning_rate": 0.1,
        "max_leaf_nodes": 31,
        "early_stopping": False,
        "random_state": random_state,
    }
    mask = np.asarray(cat_mask, dtype=bool)
    categorical = mask if mask.any() else None
    xtr, xte, ytr, yte = x[train], x[test], y[train], y[test]
    if problem == "classification":
        clf = HistGradientBoostingClassifier(categorical_features=categorical, **params)
        clf.fit(xtr, ytr)
        pred = clf.predict(xte)
        proba = clf.predict_proba(xte)
        k = len(labels)
        majority = int(np.bincount(ytr, minlength=k).argmax())
        base = np.full_like(yte, majority)
        model.estimator = "HistGradientBoostingClassifier"
        model.metrics = {
            "accuracy": _f(skm.accuracy_score(yte, pred)),
            "balanced_accuracy": _f(skm.balanced_accuracy_score(yte, pred)),
            "f1_macro": _f(skm.f1_score(yte, pred, average="macro", zero_division=0)),
            "roc_auc": _roc_auc(yte, proba, clf.classes_, k),
        }
        model.baseline = {
            "accuracy": _f(skm.accuracy_score(yte, base)),
            "balanced_accuracy": _f(skm.balanced_accuracy_score(yte, base)),
            "f1_macro": _f(skm.f1_score(yte, base, average="macro", zero_division=0)),
            "roc_auc": 0.5,
        }
        model.baseline_strategy = f"always predict the most frequent class '{labels[majority]}'"
        model.labels = labels
        if k <= 20:
            cm = skm.confusion_matrix(yte, pred, labels=np.arange(k))
            model.confusion_matrix = cm.astype(int).tolist()
    else:
        reg = HistGradientBoostingRegressor(categorical_features=categorical, **params)
        reg.fit(xtr, ytr)
        pred = reg.predict(xte)
        base = np.full(yte.shape, float(np.mean(ytr)))
        model.estimator = "HistGradientBoostingRegressor"
        model.metrics = _regression_metrics(yte, pred)
        model.baseline = _regression_metrics(yte, base)
        model.baseline_strategy = "always predict the mean of the training target"
    model.params = {k: v for k, v in params.items() if k != "random_state"}
    model.status = "ok"
    model.reason = None


def _roc_auc(y: Any, proba: FloatArray, classes: Any, k: int) -> float | None:
    from sklearn.metrics import roc_auc_score

    if np.unique(y).size < k or proba.shape[1] != k:
        return None
    try:
        if k == 2:
            return _f(roc_auc_score(y, proba[:, 1]))
        return _f(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))
    except ValueError:
        return None


def _regression_metrics(y: FloatArray, pred: FloatArray) -> dict[str, float | None]:
    err = pred - y
    ss_res = float(np.dot(err, err))
    centered = y - y.mean()
    ss_tot = float(np.dot(centered, centered))
    return {
        "r2": _f(1.0 - ss_res / ss_tot) if ss_tot > 0 else None,
        "mae": _f(np.mean(np.abs(err))),
        "rmse": _f(np.sqrt(ss_res / max(y.size, 1))),
    }


POWER_METHOD = (
    "single-feature model: for each feature alone, a decision tree (up to 64 leaves, missing "
    "values handled natively; categories as codes of their top values) -- plus a linear fit "
    "for numeric features with a regression target, the better one counts -- trained on the "
    "quick model's training split (at most 20,000 rows of it) and scored on its held-out "
    "split, normalized against a naive "
    "baseline: power = max(0, (score - baseline) / (1 - baseline)) with weighted F1 for "
    "classification (baseline: the better of always-the-majority-class and random guessing "
    "with the class frequencies), and power = max(0, 1 - MAE / MAE_baseline) for regression "
    "(baseline: the training median). 0 = no better than the baseline, 1 = perfect."
)


def _prediction_power(
    names: list[str],
    x: FloatArray,
    y: Any,
    train: NDArray[np.intp],
    test: NDArray[np.intp],
    problem: ProblemType,
    random_state: int,
) -> PredictionPower:
    from sklearn.metrics import f1_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if train.size > POWER_TRAIN_ROWS:  # one feature at a time: 20k rows are plenty
        keep = np.random.default_rng(random_state).choice(train.size, POWER_TRAIN_ROWS, False)
        train = np.sort(train[keep])
    ytr, yte = y[train], y[test]
    leaf = max(3, train.size // 1000)
    out = PredictionPower(
        method=POWER_METHOD,
        metric="f1_weighted" if problem == "classification" else "mae",
        train_rows=int(train.size),
        test_rows=int(test.size),
    )
    if problem == "classification":
        k = int(max(ytr.max(initial=0), yte.max(initial=0))) + 1
        p = np.bincount(ytr, minlength=k) / max(ytr.size, 1)
        qv = np.bincount(yte, minlength=k) / max(yte.size, 1)
        majority = int(p.argmax())
        f1_major = float(
            f1_score(yte, np.full_like(yte, majority), average="weighted", zero_division=0)
        )
        denom = p + qv
        f1_k = np.divide(2 * p * qv, denom, out=np.zeros_like(denom), where=denom > 0)
        f1_random = float(np.dot(qv, f1_k))
        base = max(f1_major, f1_random)
    else:
        med = float(np.median(ytr))
        base = float(np.mean(np.abs(yte - med)))
    for j, name in enumerate(names):
        xj = x[:, j]
        try:
            if problem == "classification":
                tree = DecisionTreeClassifier(
                    max_leaf_nodes=64, min_samples_leaf=leaf, random_state=random_state
                )
                tree.fit(xj[train, None], ytr)
                score = float(
                    f1_score(yte, tree.predict(xj[test, None]), average="weighted", zero_division=0)
                )
                power = (score - base) / (1 - base) if base < 1 else 0.0
                item = FeaturePower(
                    feature=name,
                    power=round(float(np.clip(power, 0.0, 1.0)), 4),
                    score=_f(score),
                    baseline_score=_f(base),
                    model="tree",
                )
            else:
                tree_r = DecisionTreeRegressor(
                    max_leaf_nodes=64, min_samples_leaf=leaf, random_state=random_state
                )
                tree_r.fit(xj[train, None], ytr)
                mae = float(np.mean(np.abs(tree_r.predict(xj[test, None]) - yte)))
                used = "tree"
                lin = _linear_mae(xj[train], ytr, xj[test], yte, tree_r.predict(xj[test, None]))
                if lin is not None and lin < mae:
                    mae, used = lin, "linear"
                power = 1.0 - mae / base if base > 0 else 0.0
                item = FeaturePower(
                    feature=name,
                    power=round(float(np.clip(power, 0.0, 1.0)), 4),
                    score=_f(mae),
                    baseline_score=_f(base),
                    model=used,
                )
        except Exception:  # one odd feature must not sink the section
            item = FeaturePower(feature=name, power=None)
        out.features.append(item)
    out.features.sort(key=lambda f: -1.0 if f.power is None else f.power, reverse=True)
    return out


def _linear_mae(
    xtr: FloatArray, ytr: FloatArray, xte: FloatArray, yte: FloatArray, fallback: FloatArray
) -> float | None:
    ok = ~np.isnan(xtr)
    if ok.sum() < 3:
        return None
    xs, ys = xtr[ok], ytr[ok]
    xc = xs - xs.mean()
    var = float(np.dot(xc, xc))
    if var <= 0:
        return None
    slope = float(np.dot(xc, ys - ys.mean())) / var
    pred = ys.mean() + slope * (xte - xs.mean())
    pred = np.where(np.isnan(xte), fallback, pred)
    return float(np.mean(np.abs(pred - yte)))


# --------------------------------------------------------------------------- correlations


def _correlations(
    cols: list[_Col], positions: NDArray[np.intp], target: _Col | None
) -> Correlations | None:
    numeric = [
        c
        for c in cols
        if c is not target and c.values is not None and c.kind in ("numeric", "boolean", "datetime")
    ]
    if len(numeric) < 2 or positions.size < 3:
        return None
    notes: list[str] = []
    if len(numeric) > MAX_CORR_COLUMNS:
        notes.append(
            f"only the first {MAX_CORR_COLUMNS} of {len(numeric)} numeric columns are correlated"
        )
        numeric = numeric[:MAX_CORR_COLUMNS]
    frame = pd.DataFrame(
        {i: c.values[positions] for i, c in enumerate(numeric) if c.values is not None}
    )
    with np.errstate(all="ignore"):
        corr = frame.corr(method="pearson", min_periods=3).to_numpy(dtype=np.float64)
    names = [c.name for c in numeric]
    pairs: list[CorrelationPair] = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            r = corr[i, j]
            if np.isfinite(r) and abs(r) >= HIGH_CORRELATION:
                pairs.append(CorrelationPair(a=names[i], b=names[j], r=round(float(r), 4)))
    pairs.sort(key=lambda p: -abs(p.r))
    return Correlations(
        rows=int(positions.size),
        columns=names,
        matrix=[[None if not np.isfinite(v) else round(float(v), 4) for v in row] for row in corr],
        high_pairs=pairs,
        notes=notes,
    )


# --------------------------------------------------------------------------- anomalies


def _anomalies(
    cols: list[_Col],
    df: pd.DataFrame,
    positions: NDArray[np.intp],
    target: _Col | None,
    random_state: int,
) -> Anomalies:
    usable = [c for c in cols if c is not target and c.modelable]
    if positions.size < MIN_ANOMALY_ROWS:
        return Anomalies(status="skipped", reason=f"fewer than {MIN_ANOMALY_ROWS} rows")
    if not usable:
        return Anomalies(status="skipped", reason="no usable feature columns")
    from sklearn.ensemble import IsolationForest

    columns: list[FloatArray] = []
    for col in usable:
        if col.kind == "categorical":
            columns.append(_frequency_feature(col, positions))
        else:
            values = col.values[positions] if col.values is not None else np.zeros(positions.size)
            fill = col.median if col.median is not None else 0.0
            columns.append(np.where(np.isnan(values), fill, values))
    x = np.column_stack(columns)
    forest = IsolationForest(
        n_estimators=100, max_samples=min(256, positions.size), random_state=random_state
    )
    forest.fit(x)
    scores = -forest.score_samples(x)
    k = min(TOP_ANOMALIES, scores.size)
    top = np.argsort(-scores, kind="stable")[:k]
    index = df.index
    rows: list[AnomalyRow] = []
    for i in top:
        pos = int(positions[i])
        rows.append(
            AnomalyRow(
                row=pos,
                index=_label(index[pos]),
                score=round(float(scores[i]), 6),
                reasons=_anomaly_reasons(usable, x[i]),
            )
        )
    _, hist, _, _, _ = _numeric_summary(scores.astype(np.float64), want_top=False)
    return Anomalies(
        status="ok",
        rows=int(positions.size),
        features=[c.name for c in usable],
        top=rows,
        histogram=hist,
    )


def _anomaly_reasons(cols: list[_Col], row: FloatArray) -> list[str]:
    found: list[tuple[float, str]] = []
    for col, value in zip(cols, row, strict=True):
        if col.kind == "categorical":
            if value < 0.01:
                found.append((3.0 + (0.01 - value) * 100, f"{col.name}: rare value ({value:.2%})"))
        elif col.kind in ("numeric", "datetime") and col.scale and col.median is not None:
            z = abs(value - col.median) / col.scale
            if z >= 2:
                shown = _iso(float(value)) if col.kind == "datetime" else f"{value:.4g}"
                found.append((z, f"{col.name} = {shown} (robust z {z:.1f})"))
    found.sort(key=lambda t: -t[0])
    return [text for _, text in found[:3]]


# --------------------------------------------------------------------------- warnings


def _column_warnings(cols: list[_Col], target: _Col | None) -> list[InsightWarning]:
    out: list[InsightWarning] = []
    for col in cols:
        st = col.stats
        is_target = col is target
        total = st.count + st.missing
        if st.inferred_type == "constant" and not is_target:
            what = "is empty (all values missing)" if st.count == 0 else "has a single value"
            out.append(
                InsightWarning(
                    severity="warning",
                    kind="constant",
                    columns=[st.name],
                    message=f"'{st.name}' {what}; it carries no information. Drop it.",
                )
            )
        if total and st.missing / total >= MISSING_WARN and not is_target and st.count > 0:
            out.append(
                InsightWarning(
                    severity="high" if st.missing / total >= 0.5 else "warning",
                    kind="missing",
                    columns=[st.name],
                    message=(
                        f"'{st.name}' is missing in {st.missing:,} rows ({st.missing_pct:.1f}%)."
                    ),
                )
            )
        if st.invalid:
            examples = ", ".join(st.invalid_examples[:3])
            out.append(
                InsightWarning(
                    severity="warning",
                    kind="invalid",
                    columns=[st.name],
                    message=(
                        f"'{st.name}' has {st.invalid:,} invalid values ({st.invalid_reason}"
                        + (f", e.g. {examples}" if examples else "")
                        + ")."
                    ),
                )
            )
        if st.inferred_type == "identifier" and not is_target:
            out.append(
                InsightWarning(
                    severity="warning",
                    kind="high_cardinality",
                    columns=[st.name],
                    message=(
                        f"'{st.name}' looks like an identifier ({st.unique:,} unique values in "
                        f"{st.count:,} rows); it is excluded from the quick model."
                    ),
                )
            )
        elif st.inferred_type == "text" and not is_target:
            out.append(
                InsightWarning(
                    severity="info",
                    kind="high_cardinality",
                    columns=[st.name],
                    message=(
                        f"'{st.name}' is free text ({st.unique:,} unique values); it is "
                        "excluded from the quick model -- extract features from it first."
                    ),
                )
            )
        elif st.inferred_type == "categorical" and st.unique > HIGH_CARDINALITY:
            out.append(
                InsightWarning(
                    severity="warning",
                    kind="high_cardinality",
                    columns=[st.name],
                    message=(
                        f"'{st.name}' has {st.unique:,} categories; one-hot encoding would "
                        f"explode. The quick model uses the {MAX_MODEL_CATEGORIES} most frequent."
                    ),
                )
            )
        num = st.numeric
        if num is not None and st.inferred_type == "numeric" and not is_target:
            if num.skew is not None and abs(num.skew) >= SKEW_WARN:
                out.append(
                    InsightWarning(
                        severity="info",
                        kind="skew",
                        columns=[st.name],
                        message=(
                            f"'{st.name}' is highly skewed (skew {num.skew:.2f}); a log or "
                            "power transform may help linear models."
                        ),
                    )
                )
            skewed = num.skew is not None and abs(num.skew) >= SKEW_WARN
            if num.outliers.pct >= 100 * OUTLIER_WARN and not skewed:
                out.append(
                    InsightWarning(
                        severity="info",
                        kind="outliers",
                        columns=[st.name],
                        message=(
                            f"'{st.name}' has {num.outliers.count:,} robust outliers "
                            f"({num.outliers.pct:.2f}%, outside "
                            f"[{num.outliers.lower:.4g}, {num.outliers.upper:.4g}] by "
                            f"{num.outliers.method.upper()})."
                        ),
                    )
                )
    return out


# --------------------------------------------------------------------------- build


def _duplicates(df: pd.DataFrame, cols: list[_Col]) -> int:
    """Rows equal to an earlier row, by a 64-bit hash per row.

    Factorized columns hash their codes (equal values, equal codes), the others their
    values, and the column hashes are combined as pandas' ``hash_pandas_object`` does.
    """
    n, p = df.shape
    if p == 0 or n < 2:
        return 0
    combined = np.full(n, 0x345678, dtype=np.uint64)
    mult = np.uint64(1000003)
    for j, col in enumerate(cols):
        if col.factorized is not None:
            hashed = pd.util.hash_array(col.factorized.codes)
        else:
            hashed = pd.util.hash_pandas_object(df.iloc[:, j], index=False).to_numpy()
        combined = (combined ^ hashed.astype(np.uint64)) * mult
        mult = np.uint64((int(mult) + 82520 + 2 * (p - j)) % 2**64)
    return int(pd.Series(combined).duplicated().sum())


def _memory(df: pd.DataFrame, rng: np.random.Generator) -> tuple[int, bool]:
    if len(df) <= 200_000:
        return int(df.memory_usage(deep=True, index=True).sum()), False
    shallow = df.memory_usage(deep=False, index=True)
    total = float(shallow.sum())
    objects = [j for j in range(df.shape[1]) if pd.api.types.is_object_dtype(df.dtypes.iloc[j])]
    if not objects:
        return int(total), False
    pos = _sample_positions(len(df), 20_000, rng)
    part = df.iloc[pos, objects]
    deep = part.memory_usage(deep=True, index=False).sum()
    flat = part.memory_usage(deep=False, index=False).sum()
    total += float(deep - flat) * len(df) / pos.size
    return int(total), True


def build_report(
    df: pd.DataFrame,
    target: str | None = None,
    *,
    problem_type: Literal["auto", "classification", "regression"] = "auto",
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    random_state: int = 0,
) -> InsightsReport:
    """The Data Quality and Insights report of ``df`` (optionally against ``target``).

    Exact statistics use all rows; correlations, the quick model, prediction power and the
    anomaly scores use a random sample of at most ``sample_rows`` rows (seeded by
    ``random_state``) -- ``report.sampling`` says which section used how many rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgumentError("build_report needs a pandas DataFrame.")
    if problem_type not in ("auto", "classification", "regression"):
        raise InvalidArgumentError(
            f"problem_type must be 'auto', 'classification' or 'regression', not {problem_type!r}."
        )
    if sample_rows < 100:
        raise InvalidArgumentError("sample_rows must be at least 100.")
    names = [str(c) for c in df.columns]
    target_pos: int | None = None
    if target is not None:
        matches = [j for j, name in enumerate(names) if name == str(target)]
        if not matches:
            raise InvalidArgumentError(f"The target column {target!r} is not in the data.")
        if len(matches) > 1:
            raise InvalidArgumentError(f"The target column name {target!r} is not unique.")
        target_pos = matches[0]

    rng = np.random.default_rng(random_state)
    timings: dict[str, float] = {}
    sampling: list[SamplingNote] = []
    warnings: list[InsightWarning] = []
    n, p = df.shape
    total_start = time.perf_counter()

    with _timer(timings, "columns"):
        cols = [
            _analyze_column(j, names[j], df.iloc[:, j], np.random.default_rng(random_state + j))
            for j in range(p)
        ]
    sampled_text = any(c.stats.count > TEXT_SAMPLE and c.stats.text for c in cols)
    sampling.append(
        SamplingNote(
            section="columns",
            rows_used=n,
            total_rows=n,
            sampled=False,
            detail=(
                "exact on all rows: counts, missing, invalid, unique, top values, moments, "
                "quantiles, robust outliers and histograms. Types of object columns are "
                f"guessed from up to {INFER_SAMPLE:,} values, then verified on all rows"
                + (f"; text lengths use up to {TEXT_SAMPLE:,} values" if sampled_text else "")
                + "."
            ),
        )
    )
    with _timer(timings, "summary"):
        duplicates = _duplicates(df, cols)
        memory, estimated = _memory(df, rng)
    sampling.append(
        SamplingNote(
            section="summary",
            rows_used=n,
            total_rows=n,
            sampled=False,
            detail="exact on all rows; duplicate rows are found by 64-bit row hashes"
            + ("; memory of text columns estimated from 20,000 rows" if estimated else ""),
        )
    )
    missing_cells = sum(c.stats.missing for c in cols)
    type_counts: dict[str, int] = {}
    for c in cols:
        type_counts[c.kind] = type_counts.get(c.kind, 0) + 1
    summary = Summary(
        rows=n,
        columns=p,
        duplicate_rows=duplicates,
        duplicate_pct=_pct(duplicates, n),
        missing_cells=missing_cells,
        missing_cells_pct=_pct(missing_cells, n * p),
        memory_bytes=memory,
        memory_estimated=estimated,
        column_types=type_counts,
    )
    if duplicates:
        warnings.append(
            InsightWarning(
                severity="warning" if duplicates / n >= 0.01 else "info",
                kind="duplicates",
                message=f"{duplicates:,} rows ({summary.duplicate_pct:.2f}%) duplicate an "
                "earlier row.",
            )
        )
    target_col = cols[target_pos] if target_pos is not None else None
    warnings.extend(_column_warnings(cols, target_col))

    report = InsightsReport(
        target=None if target_col is None else target_col.name,
        sample_rows=sample_rows,
        random_state=random_state,
        summary=summary,
        columns=[c.stats for c in cols],
    )

    sample = _sample_positions(n, sample_rows, rng)
    with _single_thread():
        _sampled_sections(
            report, cols, df, target_col, sample, problem_type, rng, warnings, sampling, timings
        )
    order = {"high": 0, "warning": 1, "info": 2}
    report.warnings = sorted(warnings, key=lambda w: order[w.severity])
    report.sampling = sampling
    timings["total"] = round(time.perf_counter() - total_start, 4)
    report.timings = timings
    return report


@contextmanager
def _single_thread() -> Iterator[None]:
    """One BLAS/OpenMP thread for the model sections.

    On small and mid-size samples one thread is as fast, and on a loaded machine OpenMP's
    spinning threads made gradient boosting ~8x slower in our measurements.
    """
    # threadpoolctl limits only the libraries loaded so far: load scikit-learn's first
    import sklearn.ensemble
    import sklearn.tree  # noqa: F401
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1):
        yield


def _sampled_sections(
    report: InsightsReport,
    cols: list[_Col],
    df: pd.DataFrame,
    target_col: _Col | None,
    sample: NDArray[np.intp],
    problem_type: str,
    rng: np.random.Generator,
    warnings: list[InsightWarning],
    sampling: list[SamplingNote],
    timings: dict[str, float],
) -> None:
    n = len(df)
    sample_rows, random_state = report.sample_rows, report.random_state
    with _timer(timings, "correlations"):
        report.correlations = _correlations(cols, sample, target_col)
    if report.correlations is not None:
        sampling.append(_note("correlations", sample.size, n))
        for pair in report.correlations.high_pairs:
            warnings.append(
                InsightWarning(
                    severity="warning",
                    kind="high_correlation",
                    columns=[pair.a, pair.b],
                    message=(
                        f"'{pair.a}' and '{pair.b}' are highly correlated (r = {pair.r:.3f}); "
                        "one of them is probably redundant."
                    ),
                )
            )

    if target_col is not None:
        with _timer(timings, "target"):
            analysis, tgt = _analyze_target(
                target_col, df.iloc[:, target_col.pos], problem_type, warnings
            )
        report.target_analysis = analysis
        report.problem_type = tgt.problem
        sampling.append(
            SamplingNote(
                section="target",
                rows_used=analysis.rows,
                total_rows=n,
                sampled=False,
                detail="exact on all rows with a target value",
            )
        )
        with _timer(timings, "model"):
            model, power = _quick_model(
                cols, df, target_col, tgt, sample_rows, random_state, rng, sampling
            )
        report.model = model
        report.prediction_power = power
        if model.status == "skipped" and model.reason and "constant" not in model.reason:
            analysis.notes.append(f"quick model skipped: {model.reason}")
        if power is not None:
            for item in power.features:
                if item.power is not None and item.power >= LEAKAGE_POWER:
                    warnings.append(
                        InsightWarning(
                            severity="high",
                            kind="target_leakage",
                            columns=[item.feature, target_col.name],
                            message=(
                                f"'{item.feature}' alone predicts the target almost perfectly "
                                f"(prediction power {item.power:.3f}). This is likely target "
                                "leakage: check that it is known at prediction time."
                            ),
                        )
                    )

    with _timer(timings, "anomalies"):
        try:
            report.anomalies = _anomalies(cols, df, sample, target_col, random_state)
        except Exception as exc:  # a report section must not sink the report
            report.anomalies = Anomalies(status="failed", reason=f"{type(exc).__name__}: {exc}")
    if report.anomalies.status == "ok":
        sampling.append(_note("anomalies", sample.size, n))


def _note(section: str, used: int, total: int) -> SamplingNote:
    sampled = used < total
    detail = (
        f"random sample of {used:,} of {total:,} rows (seeded)"
        if sampled
        else f"all {total:,} rows"
    )
    return SamplingNote(
        section=section, rows_used=int(used), total_rows=int(total), sampled=sampled, detail=detail
    )


# --------------------------------------------------------------------------- artifacts


def save_report(
    report: InsightsReport,
    destination: str | PathLike[str],
    *,
    html: bool = True,
    storage_options: dict[str, Any] | None = None,
) -> list[str]:
    """Write ``insights.json`` (and ``insights.html``) into a folder path or fsspec URL.

    Returns the written paths/URLs. The JSON loads back with :func:`load_report`.
    """
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(destination), **(storage_options or {}))
    fs.makedirs(root, exist_ok=True)
    written: list[str] = []
    base = root.rstrip("/")
    json_path = f"{base}/insights.json"
    with fs.open(json_path, "w", encoding="utf-8") as fh:
        fh.write(report.model_dump_json(indent=1))
    written.append(json_path)
    if html:
        html_path = f"{base}/insights.html"
        document = report_html(report)
        with fs.open(html_path, "w", encoding="utf-8") as fh:
            fh.write(document)
        written.append(html_path)
    return written


def load_report(
    source: str | PathLike[str], *, storage_options: dict[str, Any] | None = None
) -> InsightsReport:
    """Read a report saved by :func:`save_report` (a folder or the ``insights.json`` itself)."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(str(source), **(storage_options or {}))
    if fs.isdir(path):
        path = f"{path.rstrip('/')}/insights.json"
    with fs.open(path, "r", encoding="utf-8") as fh:
        return InsightsReport.model_validate_json(fh.read())
