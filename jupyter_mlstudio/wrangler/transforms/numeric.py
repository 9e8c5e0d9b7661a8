"""Numeric transforms: four scalers, log and power transforms, binning."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field

from ..codegen import Names, col, subset
from .base import Params, Transform, column_param, of_kind, register


class ScaleParams(Params):
    columns: list[str] = column_param(many=True, dtype="numeric")


def _numeric_example(df: pd.DataFrame) -> dict[str, Any] | None:
    numeric = of_kind(df, "numeric")
    return {"columns": numeric[:3]} if numeric else None


class _Scaler(Transform[ScaleParams]):
    group = "numeric"
    params_model = ScaleParams
    fittable = True
    scaler: str  # the scikit-learn equivalent, in sklearn.preprocessing

    def formula(self, x: str) -> str:
        raise NotImplementedError

    def sklearn(self, p: ScaleParams, columns: Any) -> Any:
        import sklearn.preprocessing

        return getattr(sklearn.preprocessing, self.scaler)()

    def code(self, p: ScaleParams, n: Names) -> str:
        prelude, target = subset(n.out, p.columns)
        return n.start() + prelude + f"{target} = {self.formula(target)}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return _numeric_example(df)


@register
class StandardScale(_Scaler):
    name = "standard_scale"
    scaler = "StandardScaler"
    title = "Standardize (z-score)"
    description = "Subtract the mean and divide by the standard deviation (population)."

    def formula(self, x: str) -> str:
        return f"({x} - {x}.mean()) / {x}.std(ddof=0)"


@register
class RobustScale(_Scaler):
    name = "robust_scale"
    scaler = "RobustScaler"
    title = "Robust scale"
    description = "Subtract the median and divide by the interquartile range; outliers matter less."

    def formula(self, x: str) -> str:
        return f"({x} - {x}.median()) / ({x}.quantile(0.75) - {x}.quantile(0.25))"


@register
class MinMaxScale(_Scaler):
    name = "minmax_scale"
    scaler = "MinMaxScaler"
    title = "Min-max scale"
    description = "Rescale to the range 0 to 1."

    def formula(self, x: str) -> str:
        return f"({x} - {x}.min()) / ({x}.max() - {x}.min())"


@register
class MaxAbsScale(_Scaler):
    name = "maxabs_scale"
    scaler = "MaxAbsScaler"
    title = "Max-abs scale"
    description = "Divide by the largest absolute value (keeps zeros and signs; for sparse data)."

    def formula(self, x: str) -> str:
        return f"{x} / {x}.abs().max()"


def _non_negative(df: pd.DataFrame) -> list[str]:
    return [c for c in of_kind(df, "numeric") if bool((df[c].dropna() >= 0).all())]


class LogParams(Params):
    columns: list[str] = column_param(many=True, dtype="numeric")
    base: Literal["e", "2", "10"] = "e"
    plus_one: bool = Field(
        True, title="Add 1 first", description="log(1 + x), so zeros stay finite."
    )


@register
class LogTransform(Transform[LogParams]):
    name = "log_transform"
    group = "numeric"
    title = "Log transform"
    description = "Compress right-skewed values such as incomes or counts."
    params_model = LogParams

    def code(self, p: LogParams, n: Names) -> str:
        prelude, target = subset(n.out, p.columns)
        func = {"e": "np.log", "2": "np.log2", "10": "np.log10"}[p.base]
        if p.plus_one and p.base == "e":
            value = f"np.log1p({target})"
        else:
            value = f"{func}({target} + 1)" if p.plus_one else f"{func}({target})"
        return n.start() + prelude + f"{target} = {value}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        chosen = _non_negative(df)
        return {"columns": chosen[:3], "base": "10"} if chosen else None


class PowerParams(Params):
    columns: list[str] = column_param(many=True, dtype="numeric")
    power: float = Field(0.5, description="0.5 is a square root, 2 a square.")
    keep_sign: bool = Field(
        False, title="Keep the sign", description="Apply to |x| and restore the sign."
    )


@register
class PowerTransform(Transform[PowerParams]):
    name = "power_transform"
    group = "numeric"
    title = "Power transform"
    description = "Raise values to a power, e.g. a square root to tame skew."
    params_model = PowerParams

    def code(self, p: PowerParams, n: Names) -> str:
        prelude, target = subset(n.out, p.columns)
        if p.keep_sign:
            value = f"np.sign({target}) * {target}.abs() ** {p.power!r}"
        else:
            value = f"{target} ** {p.power!r}"
        return n.start() + prelude + f"{target} = {value}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        return {"columns": numeric[-2:], "power": 0.5, "keep_sign": True} if numeric else None


class BinParams(Params):
    column: str = column_param(dtype="numeric")
    bins: int = Field(5, ge=2, le=1000, title="Number of bins")
    strategy: Literal["uniform", "quantile"] = "uniform"
    new_column: str | None = Field(None, description="Default: '<column>_bin'.")


@register
class BinNumeric(Transform[BinParams]):
    name = "bin_numeric"
    group = "numeric"
    title = "Bin values"
    description = "Cut a number into equal-width or equal-frequency bins (bin index 0…n-1)."
    params_model = BinParams

    def code(self, p: BinParams, n: Names) -> str:
        source = col(n.out, p.column)
        target = col(n.out, p.new_column or f"{p.column}_bin")
        if p.strategy == "uniform":
            value = f"pd.cut({source}, bins={p.bins}, labels=False)"
        else:
            value = f'pd.qcut({source}, q={p.bins}, labels=False, duplicates="drop")'
        return n.start() + f"{target} = {value}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        return {"column": numeric[0], "bins": 4, "strategy": "quantile"} if numeric else None
