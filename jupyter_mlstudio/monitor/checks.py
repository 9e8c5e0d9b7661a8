"""Data-quality checks of a current dataset against a baseline.

SageMaker Model Monitor's six checks, reported in its ``constraint_violations.json``
schema (``violations[]`` with ``feature_name``, ``constraint_check_type``,
``description``):

- ``data_type_check``: the share of a numerical feature's present values that have the
  baseline's type (Integral, or Integral/Fractional for Fractional) is below
  ``datatype_check_threshold``; a negative value in a feature constrained
  ``is_non_negative`` is reported here too (the six types have no slot of their own);
- ``completeness_check``: the share of present values is below the constraint's
  ``completeness``;
- ``baseline_drift_check``: the feature's distribution drifted (below);
- ``missing_column_check`` / ``extra_column_check``: a baseline feature is absent / a
  column is not a baseline feature;
- ``categorical_values_check``: the share of a string feature's values inside its
  ``domains`` is below ``domain_content_threshold``.

Drift, per feature, with the common defaults (Evidently's): when the baseline has at
most :data:`SMALL_REFERENCE` rows, the two-sample Kolmogorov-Smirnov test for numbers
and the chi-squared test of the reference/current contingency table for categories,
drifted when p < 0.05; above that, the Wasserstein distance divided by the reference's
standard deviation for numbers and the Jensen-Shannon distance of the category shares
for categories, drifted when ≥ 0.1. PSI is available. Methods and thresholds can be set
per feature (the constraints' ``monitoringConfigOverrides`` or :class:`DriftOptions`).
The dataset drifted when at least ``drift_share`` of the tested features drifted.

The reference distribution is read from the baseline's statistics (see baseline.py),
so no copy of the training data is needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy.spatial.distance import jensenshannon  # type: ignore[import-untyped]
from scipy.stats import (  # type: ignore[import-untyped]
    chi2_contingency,
    ks_2samp,
    wasserstein_distance,
)

from ..errors import InvalidArgumentError
from .baseline import (
    OTHER,
    Baseline,
    FeatureConstraints,
    FeatureOverrides,
    FeatureStatistics,
    category_counts,
)

CheckType = Literal[
    "data_type_check",
    "completeness_check",
    "baseline_drift_check",
    "missing_column_check",
    "extra_column_check",
    "categorical_values_check",
]
DriftMethod = Literal["ks", "chisquare", "wasserstein", "jensenshannon", "psi"]
DRIFT_METHODS: tuple[str, ...] = ("ks", "chisquare", "wasserstein", "jensenshannon", "psi")
P_VALUE_METHODS = frozenset({"ks", "chisquare"})
DEFAULT_THRESHOLDS: dict[str, float] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
#: A baseline of at most this many rows is tested with KS / chi²; a larger one by distance.
SMALL_REFERENCE = 1000
#: Categories drawn per feature in a report's histogram (the rest as one "other" bar).
HISTOGRAM_CATEGORIES = 20
_EPS = 1e-4  # PSI's floor for an empty bin
# Wasserstein on more current values than this uses this many evenly spaced order
# statistics of them: the distance moves by ~1e-5 of a standard deviation, and scipy
# no longer sorts a million values once more per feature.
SUMMARY_SIZE = 65_536


class Violation(BaseModel):
    feature_name: str
    constraint_check_type: CheckType
    description: str


class ConstraintViolations(BaseModel):
    """``constraint_violations.json``."""

    model_config = ConfigDict(extra="allow")
    violations: list[Violation] = Field(default_factory=list)


class Histogram(BaseModel):
    """Baseline-vs-current shares for a chart: numerical bins between ``edges`` (with the
    current shares outside the baseline's range apart), or categories."""

    edges: list[float] | None = None
    categories: list[str] | None = None
    reference: list[float]
    current: list[float]
    current_below: float = 0.0
    current_above: float = 0.0


class FeatureDrift(BaseModel):
    name: str
    kind: Literal["numerical", "categorical"]
    method: DriftMethod
    # the test's statistic (KS D, chi², the distance, PSI); None when nothing to compare
    statistic: float | None
    p_value: float | None = None
    threshold: float
    drifted: bool
    histogram: Histogram | None = None


class DatasetDrift(BaseModel):
    drifted: bool
    drift_share: float = Field(description="The share of drifted features that means drift.")
    drifted_features: int
    features_tested: int


class CheckReport(BaseModel):
    """A data-quality check's outcome: the violations and the per-feature drift."""

    outcome: Literal["Completed", "CompletedWithViolations", "NoData"]
    rows: int
    message: str | None = Field(default=None, description="Why there was no data.")
    violations: list[Violation] = Field(default_factory=list)
    features: list[FeatureDrift] = Field(default_factory=list)
    dataset_drift: DatasetDrift | None = None

    def constraint_violations(self) -> ConstraintViolations:
        return ConstraintViolations(violations=list(self.violations))

    @property
    def drifted_features(self) -> list[str]:
        return [f.name for f in self.features if f.drifted]


class DriftOptions(BaseModel):
    """How drift is tested, over what the baseline's constraints say.

    ``numerical_method``/``categorical_method`` replace the automatic choice for every
    feature of that kind, ``threshold`` the method's default threshold; ``features``
    sets both per feature and wins over everything else."""

    model_config = ConfigDict(extra="forbid")

    drift_share: float = Field(default=0.5, gt=0, le=1)
    numerical_method: DriftMethod | None = None
    categorical_method: DriftMethod | None = None
    threshold: float | None = Field(default=None, gt=0)
    features: dict[str, FeatureOverrides] = Field(default_factory=dict)
    histogram: bool = True
    # checks that report no violation (drift is still measured for the history)
    skip_checks: list[CheckType] = Field(default_factory=list)


# -- the reference distribution, from the statistics ----------------------------------------
def numeric_reference(
    stats: FeatureStatistics,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The KLL sketch's items and their weights (``2**level``)."""
    numerical = stats.numerical_statistics
    kll = numerical.distribution.kll if numerical and numerical.distribution else None
    if kll is None or not any(kll.sketch.data):
        if kll is not None and kll.buckets:  # only buckets: their midpoints, weighted
            mids = np.array([(b.lower_bound + b.upper_bound) / 2 for b in kll.buckets])
            return mids, np.array([b.count for b in kll.buckets], dtype=np.float64)
        return np.empty(0), np.empty(0)
    values = np.concatenate([np.asarray(level, dtype=np.float64) for level in kll.sketch.data])
    weights = np.concatenate(
        [np.full(len(level), 2.0**i) for i, level in enumerate(kll.sketch.data)]
    )
    keep = np.isfinite(values) & (weights > 0)
    return values[keep], weights[keep]


def categorical_reference(stats: FeatureStatistics) -> pd.Series:
    strings = stats.string_statistics
    dist = strings.distribution.categorical if strings and strings.distribution else None
    if dist is None:
        return pd.Series([], dtype=np.float64, index=pd.Index([], dtype=object))
    counts = pd.Series(
        [b.count for b in dist.buckets],
        index=pd.Index([b.value for b in dist.buckets], dtype=object),
        dtype=np.float64,
    )
    return counts.groupby(level=0, sort=False).sum()


def _expanded(values: np.ndarray[Any, Any], weights: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A weighted sample as plain values (equal weights: the values themselves)."""
    if len(weights) == 0 or np.all(weights == weights[0]):
        return values
    return np.repeat(values, np.maximum(np.rint(weights / weights.min()), 1).astype(np.int64))


def _weighted_quantiles(
    values: np.ndarray[Any, Any], weights: np.ndarray[Any, Any], probabilities: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    index = np.searchsorted(cumulative, probabilities, side="left").clip(0, len(values) - 1)
    return np.asarray(values[order][index])


def _bin_shares(
    values: np.ndarray[Any, Any], weights: np.ndarray[Any, Any] | None, edges: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Shares per bin of ``edges`` plus the two open bins below and above."""
    full = np.concatenate([[-np.inf], edges, [np.inf]])
    counts, _ = np.histogram(values, bins=full, weights=weights)
    total = counts.sum()
    return np.asarray(counts / total if total else counts, dtype=np.float64)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# -- drift tests -------------------------------------------------------------------------------
def _sorted_bin_counts(
    ordered: np.ndarray[Any, Any], edges: np.ndarray[Any, Any], *, closed_last: bool = False
) -> np.ndarray[Any, Any]:
    """Counts below ``edges``, in each bin ``[a, b)`` between them and at or above the
    last (``closed_last``: the last bin takes the last edge, as ``np.histogram`` over
    ``edges`` does) of values already sorted: a binary search per edge instead of a pass
    over a million values. Without ``closed_last`` the bins are :func:`_bin_shares`'."""
    last: Literal["left", "right"] = "right" if closed_last else "left"
    cuts = np.concatenate(
        [
            np.searchsorted(ordered, edges[:-1], side="left"),
            np.searchsorted(ordered, edges[-1:], side=last),
        ]
    )
    return np.diff(np.concatenate([[0], cuts, [len(ordered)]]))


def _summary(ordered: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """At most :data:`SUMMARY_SIZE` evenly spaced order statistics of sorted values."""
    if len(ordered) <= SUMMARY_SIZE:
        return ordered
    index = ((np.arange(SUMMARY_SIZE) + 0.5) * len(ordered) / SUMMARY_SIZE).astype(np.int64)
    return ordered[index]


def _numeric_drift(
    method: str,
    reference: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    std: float | None,
    current: np.ndarray[Any, Any],
) -> tuple[float, float | None]:
    """(statistic, p-value) of a numerical feature."""
    ref_values, ref_weights = reference
    if method == "ks":
        result = ks_2samp(_expanded(ref_values, ref_weights), current)
        return float(result.statistic), float(result.pvalue)
    if method == "wasserstein":
        norm = max(std if std is not None else float(np.std(ref_values)), 0.001)
        distance = wasserstein_distance(ref_values, _summary(current), u_weights=ref_weights)
        return float(distance) / norm, None
    # binned methods: the reference's deciles as edges
    inner = np.unique(_weighted_quantiles(ref_values, ref_weights, np.linspace(0.1, 0.9, 9)))
    ref_shares = _bin_shares(ref_values, ref_weights, inner)
    cur_counts = _sorted_bin_counts(current, inner)
    cur_shares = cur_counts / max(cur_counts.sum(), 1)
    return _shares_drift(method, ref_shares, cur_shares)


def _shares_drift(
    method: str, ref: np.ndarray[Any, Any], cur: np.ndarray[Any, Any]
) -> tuple[float, float | None]:
    if method == "jensenshannon":
        return float(jensenshannon(ref, cur)), None
    if method == "psi":
        r, c = np.clip(ref, _EPS, None), np.clip(cur, _EPS, None)
        return float(np.sum((c - r) * np.log(c / r))), None
    raise InvalidArgumentError(f"Unknown drift method {method!r}.")


def _chisquare(
    ref_counts: np.ndarray[Any, Any], cur_counts: np.ndarray[Any, Any]
) -> tuple[float, float]:
    table = np.vstack([ref_counts, cur_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or np.any(table.sum(axis=1) == 0):
        return 0.0, 1.0
    result = chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)


def _categorical_drift(
    method: str, reference: pd.Series, current: pd.Series
) -> tuple[float, float | None]:
    union = reference.index.union(current.index, sort=False)
    ref = reference.reindex(union, fill_value=0).to_numpy(dtype=np.float64)
    cur = current.reindex(union, fill_value=0).to_numpy(dtype=np.float64)
    if method == "chisquare":
        return _chisquare(ref, cur)
    if method in ("ks", "wasserstein"):
        raise InvalidArgumentError(
            f"The {method} test compares numbers; use chisquare, jensenshannon or psi for a "
            "string feature."
        )
    return _shares_drift(method, ref / max(ref.sum(), 1), cur / max(cur.sum(), 1))


def _current_categories(
    series: pd.Series, reference: pd.Series, known: pd.Series | None = None
) -> pd.Series:
    counts = (known if known is not None else category_counts(series)).astype(np.float64)
    if OTHER in reference.index:  # the baseline folded its rare categories: fold ours
        outside = ~counts.index.isin(reference.index)
        if outside.any():
            folded = counts[~outside]
            folded.loc[OTHER] = folded.get(OTHER, 0.0) + counts[outside].sum()
            counts = folded
    return counts


def _numeric_histogram(
    stats: FeatureStatistics,
    reference: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    current: np.ndarray[Any, Any],
) -> Histogram | None:
    numerical = stats.numerical_statistics
    kll = numerical.distribution.kll if numerical and numerical.distribution else None
    if kll is not None and kll.buckets:
        edges = np.array([kll.buckets[0].lower_bound] + [b.upper_bound for b in kll.buckets])
        counts = np.array([b.count for b in kll.buckets], dtype=np.float64)
        ref_shares = counts / counts.sum() if counts.sum() else counts
    elif len(reference[0]):
        edges = np.linspace(reference[0].min(), reference[0].max(), 11)
        counts, _ = np.histogram(reference[0], bins=edges, weights=reference[1])
        ref_shares = counts / counts.sum()
    else:
        return None
    if not np.all(np.diff(edges) > 0):  # a constant feature: one bin around the value
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
        ref_shares = np.array([1.0])
    counts = _sorted_bin_counts(current, edges, closed_last=True)
    shares = counts / max(counts.sum(), 1)
    return Histogram(
        edges=[round(float(e), 6) for e in edges],
        reference=[round(float(s), 5) for s in ref_shares],
        current=[round(float(s), 5) for s in shares[1:-1]],
        current_below=round(float(shares[0]), 5),
        current_above=round(float(shares[-1]), 5),
    )


def _categorical_histogram(reference: pd.Series, current: pd.Series) -> Histogram:
    ref = reference / max(reference.sum(), 1)
    cur = current / max(current.sum(), 1)
    union = ref.index.union(cur.index, sort=False)
    ref, cur = ref.reindex(union, fill_value=0.0), cur.reindex(union, fill_value=0.0)
    top = np.maximum(ref, cur).sort_values(ascending=False, kind="stable").index
    shown = list(top[:HISTOGRAM_CATEGORIES])
    rest = list(top[HISTOGRAM_CATEGORIES:])
    ref_values = [round(float(ref[c]), 5) for c in shown]
    cur_values = [round(float(cur[c]), 5) for c in shown]
    if rest:
        shown.append(OTHER)
        ref_values.append(round(float(ref[rest].sum()), 5))
        cur_values.append(round(float(cur[rest].sum()), 5))
    return Histogram(categories=[str(c) for c in shown], reference=ref_values, current=cur_values)


def _choose(
    name: str,
    numerical: bool,
    constraint: FeatureConstraints | None,
    baseline: Baseline,
    options: DriftOptions,
) -> tuple[str, float]:
    """The method and threshold of one feature (most specific setting first)."""
    mine = options.features.get(name)
    theirs = constraint.monitoring_config_overrides if constraint else None
    config = baseline.constraints.monitoring_config.distribution_constraints
    global_method = options.numerical_method if numerical else options.categorical_method
    configured = config.comparison_method.lower()
    method = (
        (mine.comparison_method if mine else None)
        or (theirs.comparison_method if theirs else None)
        or global_method
        or (configured if configured in DRIFT_METHODS else None)
    )
    if method is None:
        small = baseline.statistics.dataset.item_count <= SMALL_REFERENCE
        if numerical:
            method = "ks" if small else "wasserstein"
        else:
            method = "chisquare" if small else "jensenshannon"
    method = method.lower()
    if method not in DRIFT_METHODS:
        raise InvalidArgumentError(
            f"Unknown drift method {method!r} for feature {name!r}: use one of "
            f"{', '.join(DRIFT_METHODS)}."
        )
    threshold = (
        (mine.comparison_threshold if mine else None)
        or (theirs.comparison_threshold if theirs else None)
        or options.threshold
    )
    if threshold is None:
        threshold = (
            DEFAULT_THRESHOLDS[method] if method in P_VALUE_METHODS else config.comparison_threshold
        )
    return method, float(threshold)


def feature_drift(
    name: str,
    current: pd.Series,
    baseline: Baseline,
    options: DriftOptions | None = None,
    counts: pd.Series | None = None,
) -> FeatureDrift | None:
    """The drift of one baseline feature in ``current`` (None for an Unknown type);
    ``counts``: the current category counts when already known."""
    options = options or DriftOptions()
    stats = baseline.statistics.feature(name)
    constraint = baseline.constraints.feature(name)
    if stats is None:
        return None
    kind = constraint.inferred_type if constraint else stats.inferred_type
    if kind == "Unknown":
        return None
    numerical = kind in ("Integral", "Fractional")
    method, threshold = _choose(name, numerical, constraint, baseline, options)
    statistic: float | None
    p_value: float | None
    histogram: Histogram | None = None
    if numerical:
        reference = numeric_reference(stats)
        values = pd.to_numeric(current, errors="coerce").to_numpy(dtype=np.float64)
        values = np.sort(values[np.isfinite(values)])  # once: every test below reuses it
        if method == "chisquare":
            edges = np.unique(_weighted_quantiles(*reference, np.linspace(0.1, 0.9, 9)))
            ref_counts = _bin_shares(reference[0], reference[1], edges)
            cur_counts = _sorted_bin_counts(values, edges)
            # the contingency table wants counts: the reference's shares at its row count
            statistic, p_value = _chisquare(
                ref_counts * baseline.statistics.dataset.item_count, cur_counts.astype(np.float64)
            )
        elif len(values) and len(reference[0]):
            std = stats.numerical_statistics.std_dev if stats.numerical_statistics else None
            statistic, p_value = _numeric_drift(method, reference, std, values)
        else:
            statistic, p_value = None, None
        if options.histogram:
            histogram = _numeric_histogram(stats, reference, values)
    else:
        ref_counts = categorical_reference(stats)
        cur_counts = _current_categories(current, ref_counts, counts)
        if len(cur_counts) and len(ref_counts):
            statistic, p_value = _categorical_drift(method, ref_counts, cur_counts)
        else:
            statistic, p_value = None, None
        if options.histogram:
            histogram = _categorical_histogram(ref_counts, cur_counts)
    if statistic is None:
        drifted = False
    elif method in P_VALUE_METHODS:
        drifted = p_value is not None and p_value < threshold
    else:
        drifted = statistic >= threshold
    return FeatureDrift(
        name=name,
        kind="numerical" if numerical else "categorical",
        method=method,  # checked against DRIFT_METHODS
        statistic=_finite(statistic) if statistic is not None else None,
        p_value=_finite(p_value) if p_value is not None else None,
        threshold=threshold,
        drifted=drifted,
        histogram=histogram,
    )


# -- the constraint checks -----------------------------------------------------------------------
def _percent(share: float) -> str:
    return f"{share * 100:.4g}%"


def _data_type(feature: FeatureConstraints, series: pd.Series, threshold: float) -> list[Violation]:
    if feature.inferred_type not in ("Integral", "Fractional"):
        return []  # anything can be read as a String
    present = series.dropna()
    if not len(present):
        return []
    if pd.api.types.is_bool_dtype(present.dtype):
        numbers = np.full(len(present), np.nan)
    else:
        numbers = pd.to_numeric(present, errors="coerce").to_numpy(dtype=np.float64)
    is_number = ~np.isnan(numbers)
    if feature.inferred_type == "Integral":
        matching = (
            is_number
            & np.isfinite(numbers)
            & (np.mod(numbers, 1, where=np.isfinite(numbers), out=np.ones_like(numbers)) == 0)
        )
    else:
        matching = is_number
    share = float(matching.mean())
    violations = []
    if share < threshold:
        violations.append(
            Violation(
                feature_name=feature.name,
                constraint_check_type="data_type_check",
                description=(
                    "Data type match requirement is not met. Expected data type: "
                    f"{feature.inferred_type}, Expected match: {_percent(threshold)}. "
                    f"Observed: Only {_percent(share)} of data is {feature.inferred_type}."
                ),
            )
        )
    if feature.num_constraints and feature.num_constraints.is_non_negative and is_number.any():
        low = float(np.nanmin(numbers))
        if low < 0:
            negative = int((numbers < 0).sum())
            violations.append(
                Violation(
                    feature_name=feature.name,
                    constraint_check_type="data_type_check",
                    description=(
                        f"Value is expected to be non-negative; {negative} of {len(present)} "
                        f"values are negative (min {low:.6g})."
                    ),
                )
            )
    return violations


def _completeness(feature: FeatureConstraints, series: pd.Series) -> list[Violation]:
    if feature.completeness is None or not len(series):
        return []
    present = int(series.notna().sum())
    observed = present / len(series)
    if observed >= feature.completeness:
        return []
    return [
        Violation(
            feature_name=feature.name,
            constraint_check_type="completeness_check",
            description=(
                f"Data completeness requirement is not met. Expected completeness: "
                f"{feature.completeness:.4g}. Observed: {observed:.4g} ({present} of "
                f"{len(series)} values present)."
            ),
        )
    ]


def _categorical_values(
    feature: FeatureConstraints, counts: pd.Series, threshold: float
) -> list[Violation]:
    domains = feature.string_constraints.domains if feature.string_constraints else None
    if feature.inferred_type != "String" or not domains:
        return []
    total = int(counts.sum())
    if not total:
        return []
    outside = counts[~counts.index.isin(domains)]
    share = 1 - int(outside.sum()) / total
    if share >= threshold:
        return []
    shown = ", ".join(repr(str(v)) for v in outside.index[:5])
    more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
    return [
        Violation(
            feature_name=feature.name,
            constraint_check_type="categorical_values_check",
            description=(
                "Data does not meet the categorical values requirement. Expected: "
                f"{_percent(threshold)} of values in the baseline's domain. Observed: "
                f"{_percent(share)}; unknown values: {shown}{more}."
            ),
        )
    ]


def _drift_violation(drift: FeatureDrift) -> Violation:
    if drift.method in P_VALUE_METHODS:
        what = (
            f"The {drift.method} test's p-value {drift.p_value:.3g} is below the threshold "
            f"{drift.threshold:g} (statistic {drift.statistic:.4g})."
        )
    else:
        what = (
            f"Baseline drift distance ({drift.method}): {drift.statistic:.4g} exceeds "
            f"threshold: {drift.threshold:g}."
        )
    return Violation(
        feature_name=drift.name, constraint_check_type="baseline_drift_check", description=what
    )


def check(
    data: pd.DataFrame,
    baseline: Baseline,
    options: DriftOptions | Mapping[str, Any] | None = None,
) -> CheckReport:
    """Check ``data`` (its columns are the features) against ``baseline``.

    Usable as is in a notebook or CI: ``assert not check(df, baseline).violations``.
    No rows is the ``NoData`` outcome, not an error.
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError(
            f"The data to check must be a pandas DataFrame, not {type(data).__name__}."
        )
    if options is None:
        options = DriftOptions()
    elif not isinstance(options, DriftOptions):
        from .baseline import parse

        options = parse(dict(options), DriftOptions, "drift options")
    assert isinstance(options, DriftOptions)
    unknown = sorted(set(options.features) - set(baseline.feature_names))
    if unknown:
        raise InvalidArgumentError(
            f"Drift options name features the baseline does not have: {', '.join(unknown)}."
        )
    if len(data) == 0:
        return CheckReport(outcome="NoData", rows=0, message="The dataset has no rows.")
    duplicated = sorted({str(c) for c in data.columns[data.columns.astype(str).duplicated()]})
    if duplicated:
        raise InvalidArgumentError(f"Duplicate column names: {', '.join(duplicated)}.")
    config = baseline.constraints.monitoring_config
    columns = {str(c): c for c in data.columns}
    violations: list[Violation] = []
    drifts: list[FeatureDrift] = []
    for feature in baseline.constraints.features:
        if feature.name not in columns:
            violations.append(
                Violation(
                    feature_name=feature.name,
                    constraint_check_type="missing_column_check",
                    description=(
                        f"Baseline feature {feature.name!r} is missing from the current "
                        f"dataset ({len(columns)} columns; the baseline has "
                        f"{len(baseline.constraints.features)})."
                    ),
                )
            )
            continue
        series = data[columns[feature.name]]
        counts = category_counts(series) if feature.inferred_type == "String" else None
        if config.evaluate_constraints == "Enabled":
            violations += _data_type(feature, series, config.datatype_check_threshold)
            violations += _completeness(feature, series)
            if counts is not None:
                threshold = config.domain_content_threshold
                violations += _categorical_values(feature, counts, threshold)
        if config.distribution_constraints.perform_comparison == "Enabled":
            drift = feature_drift(feature.name, series, baseline, options, counts)
            if drift is not None:
                drifts.append(drift)
                if drift.drifted:
                    violations.append(_drift_violation(drift))
    known = set(baseline.feature_names)
    for name in columns:
        if name not in known:
            violations.append(
                Violation(
                    feature_name=name,
                    constraint_check_type="extra_column_check",
                    description=f"Column {name!r} of the current dataset is not in the baseline.",
                )
            )
    if options.skip_checks:
        violations = [v for v in violations if v.constraint_check_type not in options.skip_checks]
    tested = [d for d in drifts if d.statistic is not None]
    drifted = sum(d.drifted for d in tested)
    dataset_drift = DatasetDrift(
        drifted=bool(tested) and drifted / len(tested) >= options.drift_share,
        drift_share=options.drift_share,
        drifted_features=drifted,
        features_tested=len(tested),
    )
    return CheckReport(
        outcome="CompletedWithViolations" if violations else "Completed",
        rows=len(data),
        violations=violations,
        features=drifts,
        dataset_drift=dataset_drift,
    )
