"""Baselines: per-feature statistics and suggested constraints of a reference dataset.

A baseline is two files in SageMaker Model Monitor's published schema, so files made by
SageMaker's baselining job load here and ours can be read by their tools:

- ``statistics.json``: ``dataset.item_count`` and, per feature, its inferred type and
  ``numerical_statistics`` (count, mean, sum, std, min, max and a KLL ``distribution``)
  or ``string_statistics`` (count, distinct count, categorical buckets);
- ``constraints.json``: per feature the inferred type, ``completeness``,
  ``num_constraints.is_non_negative``, ``string_constraints.domains`` and optional
  ``monitoringConfigOverrides``; the ``monitoring_config`` thresholds.

The drift tests need a reference distribution, not the dataset: it is the statistics
file itself. A numerical feature's KLL sketch holds every value when the dataset has at
most :data:`SKETCH_SIZE` rows (one level of weight 1: an exact sample), otherwise
:data:`SKETCH_SIZE` evenly spaced quantiles of equal weight; a SageMaker sketch's levels
weigh ``2**level`` as KLL defines. A string feature's reference is its category counts.
The models tolerate extra keys, so a SageMaker file with fields this code does not
use still loads (and keeps them on a round trip).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import fsspec
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidArgumentError, validation_message

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
#: Values (or quantiles) kept per numerical feature: SageMaker's default KLL ``k``.
SKETCH_SIZE = 2048
#: Histogram buckets of a numerical feature (what the UI draws).
HISTOGRAM_BUCKETS = 10
#: Categories kept per string feature; the rest are counted under :data:`OTHER`.
MAX_CATEGORIES = 1000
OTHER = "__other__"
#: A string feature with at most this many distinct values gets a ``domains`` constraint.
DOMAIN_MAX_VALUES = 100

InferredType = Literal["Integral", "Fractional", "String", "Unknown"]
Enabled = Literal["Enabled", "Disabled"]


class _Model(BaseModel):
    # SageMaker's files may carry keys we do not use: keep them, never refuse them.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# -- statistics.json -----------------------------------------------------------------------
class CommonStatistics(_Model):
    num_present: int
    num_missing: int


class KllBucket(_Model):
    lower_bound: float
    upper_bound: float
    count: float


class KllParameters(_Model):
    c: float = 0.64
    k: float = float(SKETCH_SIZE)


class KllSketch(_Model):
    parameters: KllParameters = Field(default_factory=KllParameters)
    # compactor levels: the items of level i each stand for 2**i values
    data: list[list[float]] = Field(default_factory=list)


class Kll(_Model):
    buckets: list[KllBucket] = Field(default_factory=list)
    sketch: KllSketch = Field(default_factory=KllSketch)


class NumericalDistribution(_Model):
    kll: Kll | None = None


class NumericalStatistics(_Model):
    common: CommonStatistics
    mean: float | None = None
    sum: float | None = None
    std_dev: float | None = None
    min: float | None = None
    max: float | None = None
    distribution: NumericalDistribution | None = None


class CategoricalBucket(_Model):
    value: str
    count: float


class Categorical(_Model):
    buckets: list[CategoricalBucket] = Field(default_factory=list)


class StringDistribution(_Model):
    categorical: Categorical | None = None


class StringStatistics(_Model):
    common: CommonStatistics
    distinct_count: float | None = None
    distribution: StringDistribution | None = None


class FeatureStatistics(_Model):
    name: str
    inferred_type: InferredType
    numerical_statistics: NumericalStatistics | None = None
    string_statistics: StringStatistics | None = None

    @property
    def common(self) -> CommonStatistics | None:
        stats = self.numerical_statistics or self.string_statistics
        return stats.common if stats is not None else None


class DatasetStatistics(_Model):
    item_count: int


class Statistics(_Model):
    """``statistics.json``."""

    version: float = 0.0
    dataset: DatasetStatistics
    features: list[FeatureStatistics]

    def feature(self, name: str) -> FeatureStatistics | None:
        return next((f for f in self.features if f.name == name), None)


# -- constraints.json ----------------------------------------------------------------------
class NumConstraints(_Model):
    is_non_negative: bool | None = None


class StringConstraints(_Model):
    domains: list[str] | None = None


class FeatureOverrides(_Model):
    """Per-feature drift settings (``monitoringConfigOverrides``): a method among
    :data:`~jupyter_mlstudio.monitor.checks.DRIFT_METHODS` and its threshold (a p-value
    for ``ks``/``chisquare``, a distance otherwise)."""

    comparison_method: str | None = None
    comparison_threshold: float | None = None


class FeatureConstraints(_Model):
    name: str
    inferred_type: InferredType
    completeness: float | None = None
    num_constraints: NumConstraints | None = None
    string_constraints: StringConstraints | None = None
    monitoring_config_overrides: FeatureOverrides | None = Field(
        default=None, alias="monitoringConfigOverrides"
    )


class DistributionConstraints(_Model):
    perform_comparison: Enabled = "Enabled"
    # distance methods' threshold (p-value tests use 0.05 unless a feature overrides it)
    comparison_threshold: float = 0.1
    # SageMaker's "Robust"/"Simple" mean our automatic choice (see checks.py)
    comparison_method: str = "Robust"


class MonitoringConfig(_Model):
    evaluate_constraints: Enabled = "Enabled"
    emit_metrics: Enabled = "Enabled"
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0
    distribution_constraints: DistributionConstraints = Field(
        default_factory=DistributionConstraints
    )


class Constraints(_Model):
    """``constraints.json``."""

    version: float = 0.0
    features: list[FeatureConstraints]
    monitoring_config: MonitoringConfig = Field(default_factory=MonitoringConfig)

    def feature(self, name: str) -> FeatureConstraints | None:
        return next((f for f in self.features if f.name == name), None)


class Baseline(BaseModel):
    """A baseline: the statistics and the constraints of one reference dataset."""

    statistics: Statistics
    constraints: Constraints

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.constraints.features]

    def save(self, folder: str | Path) -> None:
        """Write ``statistics.json`` and ``constraints.json`` into ``folder`` (a path or
        any fsspec URL, such as the artifact store's)."""
        fs, root = fsspec.core.url_to_fs(str(folder))
        fs.makedirs(root, exist_ok=True)
        for name, model in (
            (STATISTICS_FILE, self.statistics),
            (CONSTRAINTS_FILE, self.constraints),
        ):
            text = model.model_dump_json(by_alias=True, exclude_none=True, indent=1)
            with fs.open(f"{root.rstrip('/')}/{name}", "w", encoding="utf-8") as handle:
                handle.write(text + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> Baseline:
        """Read a baseline folder, a path or fsspec URL (ours or a SageMaker baselining
        job's output)."""
        where = str(folder).rstrip("/")
        return cls(
            statistics=load_statistics(f"{where}/{STATISTICS_FILE}"),
            constraints=load_constraints(f"{where}/{CONSTRAINTS_FILE}"),
        )


def _load(path: str, model: type[_Model], what: str) -> Any:
    try:
        with fsspec.open(path, "r", encoding="utf-8") as handle:
            document = json.loads(handle.read())
    except FileNotFoundError:
        raise InvalidArgumentError(f"{what} file {str(path)!r} does not exist.") from None
    except ValueError as exc:
        raise InvalidArgumentError(f"{what} file {str(path)!r} is not JSON: {exc}") from None
    return parse(document, model, what)


def parse(document: Any, model: type[Any], what: str) -> Any:
    """``document`` as ``model``; an :class:`InvalidArgumentError` saying what is wrong."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise InvalidArgumentError(
            f"Not a valid {what} document: {validation_message(exc)}"
        ) from None


def load_statistics(path: str | Path) -> Statistics:
    result: Statistics = _load(str(path), Statistics, "statistics")
    return result


def load_constraints(path: str | Path) -> Constraints:
    result: Constraints = _load(str(path), Constraints, "constraints")
    return result


# -- suggesting a baseline -----------------------------------------------------------------
def inferred_type(series: pd.Series) -> InferredType:
    """SageMaker's type of a column: numbers are Integral when every present value is a
    whole number, booleans/text/categories are String, anything else Unknown."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "String"
    if pd.api.types.is_integer_dtype(dtype):
        return "Integral"
    if pd.api.types.is_float_dtype(dtype):
        values = series.dropna().to_numpy(dtype=np.float64)
        finite = values[np.isfinite(values)]
        if len(finite) and np.all(np.mod(finite, 1) == 0):
            return "Integral"
        return "Fractional"
    if (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        return "String"
    return "Unknown"


def category_counts(series: pd.Series) -> pd.Series:
    """Counts of a String feature's present values by their text (booleans as
    ``true``/``false``), most frequent first. Counting the raw values first and naming
    them after keeps a million-row column fast."""
    counts = series.value_counts(dropna=True, sort=False)
    if len(counts) == 0:
        return pd.Series([], dtype=np.int64, index=pd.Index([], dtype=object))
    if pd.api.types.is_bool_dtype(series.dtype):
        names = ["true" if v else "false" for v in counts.index]
    else:
        names = [str(v) for v in counts.index]
    counts.index = pd.Index(names, dtype=object)
    counts = counts[counts > 0]
    if counts.index.has_duplicates:  # 1 and "1" in one object column
        counts = counts.groupby(level=0).sum()
    return counts.sort_values(ascending=False, kind="stable")


def numeric_sketch(values: np.ndarray[Any, Any]) -> list[float]:
    """Every value when few, else :data:`SKETCH_SIZE` evenly spaced quantiles."""
    if len(values) <= SKETCH_SIZE:
        return [float(v) for v in np.sort(values)]
    probabilities = (np.arange(SKETCH_SIZE) + 0.5) / SKETCH_SIZE
    return [float(v) for v in np.quantile(values, probabilities)]


def _numerical(series: pd.Series, kind: InferredType) -> tuple[NumericalStatistics, bool]:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    present = len(values)
    common = CommonStatistics(num_present=present, num_missing=len(series) - present)
    if not present:
        return NumericalStatistics(common=common), False
    low, high = float(values.min()), float(values.max())
    counts, edges = np.histogram(values, bins=HISTOGRAM_BUCKETS, range=(low, high))
    buckets = [
        KllBucket(lower_bound=float(a), upper_bound=float(b), count=float(c))
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    stats = NumericalStatistics(
        common=common,
        mean=float(values.mean()),
        sum=float(values.sum()),
        std_dev=float(values.std()),
        min=low,
        max=high,
        distribution=NumericalDistribution(
            kll=Kll(buckets=buckets, sketch=KllSketch(data=[numeric_sketch(values)]))
        ),
    )
    return stats, low >= 0


def _string(series: pd.Series) -> StringStatistics:
    counts = category_counts(series)
    present = int(counts.sum())
    common = CommonStatistics(num_present=present, num_missing=len(series) - present)
    kept = counts.iloc[:MAX_CATEGORIES]
    buckets = [CategoricalBucket(value=str(v), count=float(c)) for v, c in kept.items()]
    if len(counts) > MAX_CATEGORIES:
        buckets.append(
            CategoricalBucket(value=OTHER, count=float(counts.iloc[MAX_CATEGORIES:].sum()))
        )
    return StringStatistics(
        common=common,
        distinct_count=float(len(counts)),
        distribution=StringDistribution(categorical=Categorical(buckets=buckets)),
    )


def suggest_baseline(
    data: pd.DataFrame,
    *,
    domain_max_values: int = DOMAIN_MAX_VALUES,
    overrides: Mapping[str, FeatureOverrides] | None = None,
) -> Baseline:
    """Statistics and suggested constraints of ``data`` (every column is a feature).

    Constraints: ``completeness`` is the observed share of present values rounded down
    to two decimals (so sampling noise in complete-enough data is not a violation);
    ``is_non_negative`` when the minimum is ≥ 0; ``domains`` (every observed value) for
    string features with at most ``domain_max_values`` distinct values.
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError(
            f"A baseline is computed from a pandas DataFrame, not {type(data).__name__}."
        )
    if len(data) == 0 or data.shape[1] == 0:
        raise InvalidArgumentError(
            "Cannot suggest a baseline from an empty dataset "
            f"({len(data)} rows, {data.shape[1]} columns): give the training data."
        )
    if not data.notna().to_numpy().any():
        raise InvalidArgumentError(
            f"Cannot suggest a baseline: every value of the {len(data)} rows is null."
        )
    duplicated = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
    if duplicated:
        raise InvalidArgumentError(f"Duplicate column names: {', '.join(duplicated)}.")
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - {str(c) for c in data.columns})
    if unknown:
        raise InvalidArgumentError(f"Overrides name unknown features: {', '.join(unknown)}.")
    stats: list[FeatureStatistics] = []
    constraints: list[FeatureConstraints] = []
    rows = len(data)
    for column in data.columns:
        name = str(column)
        series = data[column]
        kind = inferred_type(series)
        feature = FeatureConstraints(
            name=name,
            inferred_type=kind,
            monitoring_config_overrides=overrides.get(name),
        )
        if kind in ("Integral", "Fractional"):
            numerical, non_negative = _numerical(series, kind)
            stats.append(
                FeatureStatistics(name=name, inferred_type=kind, numerical_statistics=numerical)
            )
            present = numerical.common.num_present
            feature.num_constraints = NumConstraints(is_non_negative=non_negative)
        elif kind == "String":
            string = _string(series)
            stats.append(FeatureStatistics(name=name, inferred_type=kind, string_statistics=string))
            present = string.common.num_present
            if (string.distinct_count or 0) <= domain_max_values:
                assert string.distribution is not None and string.distribution.categorical
                domains = [b.value for b in string.distribution.categorical.buckets]
                feature.string_constraints = StringConstraints(domains=sorted(domains))
        else:
            present = int(series.notna().sum())
            stats.append(FeatureStatistics(name=name, inferred_type=kind))
        feature.completeness = math.floor(present / rows * 100) / 100
        constraints.append(feature)
    return Baseline(
        statistics=Statistics(dataset=DatasetStatistics(item_count=rows), features=stats),
        constraints=Constraints(features=constraints),
    )


def lineage_data_uri(data_ref: Mapping[str, Any] | None) -> str:
    """The training data a registered model version names (its ``data_ref`` lineage):
    the default dataset of its baseline."""
    uri = (data_ref or {}).get("uri")
    if not uri:
        raise InvalidArgumentError(
            "The model version records no training data in its lineage: name the dataset "
            "to compute the baseline from."
        )
    return str(uri)


def suggest_baseline_from_path(path: str | Path, **options: Any) -> Baseline:
    """:func:`suggest_baseline` of a table file or folder (the rules of ``read_table``)."""
    from ..data_files import read_table

    return suggest_baseline(read_table(Path(path)), **options)
