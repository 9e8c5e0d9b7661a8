"""Row operations: filter by expression, sort, de-duplicate, sample, shuffle."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from ..codegen import Names, kwargs, lit
from .base import Params, Transform, column_param, of_kind, register


class FilterParams(Params):
    expression: str = Field(
        min_length=1,
        description="A pandas query, e.g. `age >= 18 and city == 'Paris'`; quote odd column"
        " names with backticks.",
    )


@register
class FilterRows(Transform[FilterParams]):
    name = "filter_rows"
    group = "rows"
    title = "Filter rows"
    description = "Keep the rows where an expression is true."
    params_model = FilterParams

    def code(self, p: FilterParams, n: Names) -> str:
        return f"{n.out} = {n.inp}.query({lit(p.expression)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        if not numeric:
            return None
        name = numeric[0]
        return {"expression": f"`{name}` > {float(df[name].median())!r}"}


class SortParams(Params):
    columns: list[str] = column_param(many=True)
    ascending: bool = True
    missing: Literal["last", "first"] = Field("last", title="Missing values")


@register
class SortRows(Transform[SortParams]):
    name = "sort_rows"
    group = "rows"
    title = "Sort rows"
    description = "Order rows by one or more columns (stable, so ties keep their order)."
    params_model = SortParams

    def code(self, p: SortParams, n: Names) -> str:
        args = [lit(p.columns)]
        if not p.ascending:
            args.append("ascending=False")
        if p.missing != "last":
            args.append('na_position="first"')
        args.append('kind="stable"')
        return f"{n.out} = {n.inp}.sort_values({', '.join(args)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"columns": [str(df.columns[1]), str(df.columns[0])], "ascending": False}


class DedupParams(Params):
    columns: list[str] | None = column_param(
        None, many=True, description="Compare only these columns (default: all)."
    )
    keep: Literal["first", "last", "none"] = "first"


@register
class DropDuplicates(Transform[DedupParams]):
    name = "drop_duplicates"
    group = "rows"
    title = "Remove duplicates"
    description = "Drop repeated rows, keeping the first, the last or none of each group."
    params_model = DedupParams

    def code(self, p: DedupParams, n: Names) -> str:
        keep = {"first": None, "none": False}.get(p.keep, p.keep)
        args = kwargs(subset=p.columns or None, keep=keep)
        return f"{n.out} = {n.inp}.drop_duplicates({args})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"columns": [str(df.columns[-1])], "keep": "last"}


class SampleParams(Params):
    n: int | None = Field(None, ge=1, title="Number of rows")
    fraction: float | None = Field(
        None, gt=0, le=1, title="Share of rows", description="Instead of a number of rows."
    )
    seed: int = 0

    @model_validator(mode="after")
    def _one(self) -> SampleParams:
        if (self.n is None) == (self.fraction is None):
            raise ValueError("give either n or fraction")
        return self


@register
class SampleRows(Transform[SampleParams]):
    name = "sample_rows"
    group = "rows"
    title = "Sample rows"
    description = "Keep a random subset of rows (reproducible with the seed)."
    params_model = SampleParams

    def code(self, p: SampleParams, n: Names) -> str:
        size = f"n={p.n}" if p.n is not None else f"frac={p.fraction!r}"
        return f"{n.out} = {n.inp}.sample({size}, random_state={p.seed})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"fraction": 0.5, "seed": 7}


class ShuffleParams(Params):
    seed: int = 0
    reset_index: bool = Field(
        False, title="Renumber the rows", description="Number the rows 0…n-1 again."
    )


@register
class ShuffleRows(Transform[ShuffleParams]):
    name = "shuffle_rows"
    group = "rows"
    title = "Shuffle rows"
    description = "Put rows in a random order (reproducible with the seed)."
    params_model = ShuffleParams

    def code(self, p: ShuffleParams, n: Names) -> str:
        code = f"{n.out} = {n.inp}.sample(frac=1, random_state={p.seed})"
        return code + (".reset_index(drop=True)" if p.reset_index else "")

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"seed": 3, "reset_index": True}
