"""Categorical encodings: one-hot, ordinal, rare-category grouping, value mapping."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from ..codegen import Names, col, lit
from .base import InPlaceColumns, Params, Transform, column_param, of_kind, register


def _low_cardinality(df: pd.DataFrame, limit: int = 12) -> list[str]:
    text = of_kind(df, "text")
    candidates = text or [c for c in of_kind(df, "numeric") if df[c].nunique() <= limit]
    return [c for c in candidates if df[c].nunique() <= limit]


class OneHotParams(Params):
    columns: list[str] = column_param(many=True)
    dummy_na: bool = Field(
        False,
        title="Dummy column for missing values",
        description="Add a column that is 1 where the value is missing.",
    )


@register
class OneHotEncode(Transform[OneHotParams]):
    name = "one_hot_encode"
    group = "categorical"
    title = "One-hot encode"
    description = (
        "Replace each categorical column by one 0/1 column per category (appended at the"
        " end); a missing value gets all zeros."
    )
    params_model = OneHotParams
    fittable = True

    def code(self, p: OneHotParams, n: Names) -> str:
        extra = ", dummy_na=True" if p.dummy_na else ""
        return f"{n.out} = pd.get_dummies({n.inp}, columns={lit(p.columns)}, dtype=int{extra})"

    def sklearn(self, p: OneHotParams, columns: Any) -> Any:
        if p.dummy_na:
            return None
        from sklearn.preprocessing import OneHotEncoder

        # missing values become their own category; the flow's final column selection
        # drops that "<col>_nan" column, matching get_dummies' all-zeros row
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        chosen = _low_cardinality(df)
        return {"columns": chosen[:2]} if chosen else None


class OrdinalParams(Params):
    columns: list[str] = column_param(many=True)


@register
class OrdinalEncode(InPlaceColumns[OrdinalParams]):
    name = "ordinal_encode"
    group = "categorical"
    title = "Ordinal encode"
    description = "Replace categories by integer codes in sorted order; missing becomes -1."
    params_model = OrdinalParams
    fittable = True

    def value(self, p: OrdinalParams, x: str) -> str:
        return f'{x}.astype("category").cat.codes'

    def sklearn(self, p: OrdinalParams, columns: Any) -> Any:
        from sklearn.preprocessing import OrdinalEncoder

        return OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
        )

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        chosen = _low_cardinality(df)
        return {"columns": chosen[:2]} if chosen else None


class RareParams(Params):
    column: str = column_param()
    min_frequency: float = Field(
        0.05,
        gt=0,
        lt=1,
        title="Minimum share of rows",
        description="Categories in fewer than this share of rows are replaced.",
    )
    replacement: str = "Other"


@register
class ReplaceRare(Transform[RareParams]):
    name = "replace_rare"
    group = "categorical"
    title = "Group rare categories"
    description = "Replace categories rarer than a share of rows by one label such as 'Other'."
    params_model = RareParams

    def code(self, p: RareParams, n: Names) -> str:
        c = col(n.out, p.column)
        share = f"{c}.map({c}.value_counts(normalize=True))"
        return n.start() + f"{c} = {c}.mask({share} < {p.min_frequency!r}, {lit(p.replacement)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        chosen = _low_cardinality(df, limit=50)
        return {"column": chosen[0], "min_frequency": 0.1} if chosen else None


Scalar = str | int | float | bool


class Replacement(BaseModel):
    value: Scalar
    replacement: Scalar | None


class MapParams(Params):
    column: str = column_param()
    mapping: list[Replacement] = Field(
        min_length=1, description="Value → replacement pairs; values not listed are kept."
    )


@register
class MapValues(Transform[MapParams]):
    name = "map_values"
    group = "categorical"
    title = "Map values"
    description = "Replace given values by others, e.g. to merge spellings or label classes."
    params_model = MapParams

    def code(self, p: MapParams, n: Names) -> str:
        c = col(n.out, p.column)
        mapping = {m.value: m.replacement for m in p.mapping}
        return n.start() + f"{c} = {c}.replace({lit(mapping)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        text = of_kind(df, "text")
        if not text:
            return None
        values = df[text[0]].dropna().unique()[:2]
        return {
            "column": text[0],
            "mapping": [{"value": str(v), "replacement": f"{v}!"} for v in values],
        }
