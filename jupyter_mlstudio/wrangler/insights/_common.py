"""Thresholds, sample sizes and the helpers every report section shares."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .models import ColumnStats, InferredType, ValueCount

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

_BOOL_STRINGS = {"true", "false", "yes", "no", "t", "f", "y", "n", "0", "1"}
_TRUE_STRINGS = {"true", "yes", "t", "y", "1"}
_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)

FloatArray = NDArray[np.float64]


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
