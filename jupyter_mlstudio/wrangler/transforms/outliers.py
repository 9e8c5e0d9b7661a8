"""Outlier handling: bounds from the standard deviation, a robust spread or quantiles,
then either clip values to the bounds or remove the rows outside them.

Bounds are computed once over all chosen columns, so removing rows does not depend on
the order the columns are listed in. Missing values are never treated as outliers.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import pandas as pd
from pydantic import Field, model_validator

from ..codegen import Names, subset
from .base import P, Params, Transform, column_param, of_kind, register

Action = Literal["clip", "remove"]


class StdevParams(Params):
    columns: list[str] = column_param(many=True, dtype="numeric")
    n_std: float = Field(
        3.0,
        gt=0,
        title="Standard deviations",
        description="How many standard deviations are normal.",
    )
    action: Action = "clip"


class QuantileParams(Params):
    columns: list[str] = column_param(many=True, dtype="numeric")
    lower: float = Field(0.01, ge=0, le=1)
    upper: float = Field(0.99, ge=0, le=1)
    action: Action = "clip"

    @model_validator(mode="after")
    def _ordered(self) -> QuantileParams:
        if self.lower >= self.upper:
            raise ValueError("lower must be below upper")
        return self


def _finish(n: Names, columns: list[str], action: Action) -> str:
    if action == "clip":
        target = f"{n.out}[columns]"
        return n.start() + f"{target} = {target}.clip(low, high, axis=1)"
    x = f"{n.inp}[columns]"
    inside = f"(({x} >= low) & ({x} <= high) | {x}.isna()).all(axis=1)"
    return f"{n.out} = {n.inp}[{inside}]"


def _example(df: pd.DataFrame, action: Action) -> dict[str, Any] | None:
    numeric = of_kind(df, "numeric")
    return {"columns": numeric[:2], "action": action} if numeric else None


class _Outliers(Transform[P]):
    """The three rules differ only in how they compute the bounds ``low, high``."""

    group = "outliers"

    def bounds(self, p: P, x: str) -> str:
        """Statements setting ``low, high`` from ``x``, the chosen columns' frame."""
        raise NotImplementedError

    def code(self, p: P, n: Names) -> str:
        columns: list[str] = cast(Any, p).columns
        prelude, x = subset(n.inp, columns, as_frame=True)
        return prelude + self.bounds(p, x) + _finish(n, columns, cast(Any, p).action)


class _AroundCenter(_Outliers[StdevParams]):
    """Bounds ``n_std`` spreads either side of a center."""

    params_model = StdevParams

    def center_spread(self, x: str) -> tuple[str, str, str]:
        """(statements, center, spread) over ``x``, the chosen columns' frame."""
        raise NotImplementedError

    def bounds(self, p: StdevParams, x: str) -> str:
        prelude, center, spread = self.center_spread(x)
        k = repr(p.n_std)
        return prelude + f"low, high = {center} - {k} * {spread}, {center} + {k} * {spread}\n"


@register
class OutliersStdev(_AroundCenter):
    name = "outliers_stdev"
    title = "Outliers: standard deviation"
    description = "Values further than n standard deviations from the mean are outliers."

    def center_spread(self, x: str) -> tuple[str, str, str]:
        return "", f"{x}.mean()", f"{x}.std()"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return _example(df, "remove")


@register
class OutliersRobustStdev(_AroundCenter):
    name = "outliers_robust_stdev"
    title = "Outliers: robust standard deviation"
    description = (
        "Like the standard deviation rule, but around the median with the scaled median"
        " absolute deviation, so the outliers themselves do not widen the bounds."
    )

    def center_spread(self, x: str) -> tuple[str, str, str]:
        spread = f"median = {x}.median()\nspread = 1.4826 * ({x} - median).abs().median()\n"
        return spread, "median", "spread"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return _example(df, "clip")


@register
class OutliersQuantile(_Outliers[QuantileParams]):
    name = "outliers_quantile"
    title = "Outliers: quantiles"
    description = "Values below the lower or above the upper quantile are outliers."
    params_model = QuantileParams

    def bounds(self, p: QuantileParams, x: str) -> str:
        return f"low, high = {x}.quantile({p.lower!r}), {x}.quantile({p.upper!r})\n"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        found = _example(df, "clip")
        return None if found is None else {**found, "lower": 0.05, "upper": 0.95}
