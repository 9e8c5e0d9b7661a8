"""Column statistics: type inference, numeric / categorical / datetime / text stats."""

from __future__ import annotations

import re
import warnings as _warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ...column_names import ID_NAME
from ._common import (
    _BOOL_STRINGS,
    _QUANTILES,
    _TRUE_STRINGS,
    HIST_BINS,
    INFER_SAMPLE,
    IQR_K,
    MAD_K,
    MAX_INVALID_EXAMPLES,
    MAX_MODEL_CATEGORIES,
    TEXT_SAMPLE,
    TOP_K,
    FloatArray,
    _Codes,
    _Col,
    _f,
    _is_object_like,
    _iso,
    _label,
    _pct,
    _sample_positions,
    _to_seconds,
)
from .models import (
    ColumnStats,
    DatetimeStats,
    InferredType,
    NumericHistogram,
    NumericStats,
    OutlierStats,
    TextStats,
    ValueCount,
)


def _numeric_summary(
    x: FloatArray, *, bins: int = HIST_BINS, want_top: bool = True
) -> tuple[NumericStats, NumericHistogram | None, list[ValueCount], int, int]:
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

    hist: NumericHistogram | None = None
    lo_v, hi_v = float(s[0]), float(s[-1])
    if hi_v > lo_v:
        edges = np.linspace(lo_v, hi_v, bins + 1)
        idx = np.searchsorted(s, edges[1:-1], "left")
        cuts = np.concatenate(([0], idx, [m]))
        hist = NumericHistogram(edges=[float(e) for e in edges], counts=np.diff(cuts).tolist())
    else:
        hist = NumericHistogram(edges=[lo_v - 0.5, hi_v + 0.5], counts=[m])

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
        if consecutive or ID_NAME.search(st.name):
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
