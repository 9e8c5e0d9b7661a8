"""Missing values: drop rows, fill a constant, impute mean/median/mode, add indicators."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field

from ..codegen import Names, col, kwargs, lit, subset
from .base import (
    InPlaceColumns,
    Params,
    Transform,
    column_param,
    of_kind,
    register,
    with_missing,
)


class DropMissingParams(Params):
    columns: list[str] | None = column_param(
        None, many=True, description="Only look at these columns (default: all)."
    )
    how: Literal["any", "all"] = "any"


@register
class DropMissing(Transform[DropMissingParams]):
    name = "drop_missing"
    group = "missing"
    title = "Drop rows with missing values"
    description = "Remove rows where any (or all) of the chosen columns is missing."
    params_model = DropMissingParams

    def code(self, p: DropMissingParams, n: Names) -> str:
        args = kwargs(subset=p.columns or None, how=None if p.how == "any" else p.how)
        return f"{n.out} = {n.inp}.dropna({args})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        missing = with_missing(df, [str(c) for c in df.columns])
        return {"columns": missing[:2]} if missing else {"columns": None, "how": "all"}


class FillParams(Params):
    columns: list[str] = column_param(many=True)
    value: float | int | str | bool = Field(description="The value that replaces missing ones.")


@register
class FillMissing(Transform[FillParams]):
    name = "fill_missing"
    group = "missing"
    title = "Fill missing with a value"
    description = "Replace missing values with a constant, e.g. 0 or 'unknown'."
    params_model = FillParams

    def code(self, p: FillParams, n: Names) -> str:
        return f"{n.out} = {n.inp}.fillna({lit(dict.fromkeys(p.columns, p.value))})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        text = with_missing(df, of_kind(df, "text"))
        if text:
            return {"columns": text, "value": "unknown"}
        numeric = of_kind(df, "numeric")
        return {"columns": numeric[:2], "value": 0} if numeric else None


class ImputeParams(Params):
    columns: list[str] = column_param(many=True, dtype="numeric")


class _Impute(Transform[ImputeParams]):
    group = "missing"
    params_model = ImputeParams
    fittable = True
    statistic: str = "mean"

    def code(self, p: ImputeParams, n: Names) -> str:
        prelude, target = subset(n.out, p.columns)
        return n.start() + prelude + f"{target} = {target}.fillna({target}.{self.statistic}())"

    def sklearn(self, p: ImputeParams, columns: Any) -> Any:
        from sklearn.impute import SimpleImputer

        return SimpleImputer(strategy=self.statistic)

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        chosen = with_missing(df, numeric) or numeric[:3]
        return {"columns": chosen} if chosen else None


@register
class ImputeMean(_Impute):
    name = "impute_mean"
    title = "Impute with the mean"
    description = "Replace missing numbers with the column mean (fitted on this data)."
    statistic = "mean"


@register
class ImputeMedian(_Impute):
    name = "impute_median"
    title = "Impute with the median"
    description = "Replace missing numbers with the column median; robust to outliers."
    statistic = "median"


class ModeParams(Params):
    columns: list[str] = column_param(many=True)


@register
class ImputeMode(InPlaceColumns[ModeParams]):
    name = "impute_mode"
    group = "missing"
    title = "Impute with the most frequent value"
    description = "Replace missing values with the column's most frequent value (any type)."
    params_model = ModeParams
    fittable = True

    def value(self, p: ModeParams, x: str) -> str:
        return f"{x}.fillna({x}.mode().iloc[0])"

    def sklearn(self, p: ModeParams, columns: Any) -> Any:
        from sklearn.impute import SimpleImputer

        return SimpleImputer(strategy="most_frequent")

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        chosen = with_missing(df, of_kind(df, "text")) or with_missing(df, of_kind(df, "numeric"))
        return {"columns": chosen or [str(df.columns[1])]}


class IndicatorParams(Params):
    columns: list[str] = column_param(many=True)
    suffix: str = "_missing"


@register
class MissingIndicator(Transform[IndicatorParams]):
    name = "missing_indicator"
    group = "missing"
    title = "Add missing-value indicators"
    description = "Add a boolean column per column that is True where the value was missing."
    params_model = IndicatorParams

    def code(self, p: IndicatorParams, n: Names) -> str:
        lines = [f"{col(n.out, c + p.suffix)} = {col(n.out, c)}.isna()" for c in p.columns]
        return n.start() + "\n".join(lines)

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"columns": with_missing(df, [str(c) for c in df.columns]) or [str(df.columns[1])]}
