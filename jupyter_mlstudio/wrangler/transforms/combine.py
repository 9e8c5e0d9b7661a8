"""Combining frames: joins (including semi and anti), concatenation, group-by."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from ..codegen import Names, col, is_identifier, lit
from .base import Params, Transform, column_param, of_kind, register


class JoinParams(Params):
    on: list[str] = column_param(
        many=True, title="Join on", description="Key columns present on both sides."
    )
    how: Literal["inner", "left", "right", "outer", "semi", "anti"] = "inner"
    suffix: str = Field("_right", description="Added to right-hand columns whose names clash.")


@register
class Join(Transform[JoinParams]):
    name = "join"
    group = "combine"
    title = "Join"
    description = (
        "Match rows of two frames on key columns. Semi keeps left rows that have a match,"
        " anti the ones that do not."
    )
    params_model = JoinParams
    ports = ("df", "right")

    def column_refs(self, p: JoinParams) -> list[tuple[int, str, Any]]:
        return [(port, c, "any") for port in (0, 1) for c in p.on]

    def code(self, p: JoinParams, n: Names) -> str:
        left, right = n.inputs
        if p.how in ("semi", "anti"):
            if len(p.on) == 1:
                match = f"{col(left, p.on[0])}.isin({col(right, p.on[0])})"
            else:
                keys = lit(p.on)
                match = f"{left}.set_index({keys}).index.isin({right}.set_index({keys}).index)"
            return f"{n.out} = {left}[{'~' if p.how == 'anti' else ''}{match}]"
        return (
            f"{n.out} = {left}.merge({right}, on={lit(p.on)}, how={lit(p.how)},"
            f' suffixes=("", {lit(p.suffix)}))'
        )

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"on": ["id"], "how": "left"} if "id" in df.columns else None


class ConcatParams(Params):
    ignore_index: bool = Field(
        True, title="Renumber the rows", description="Number the rows 0…n-1 again."
    )
    join: Literal["outer", "inner"] = Field("outer", description="inner keeps shared columns.")


@register
class Concatenate(Transform[ConcatParams]):
    name = "concatenate"
    group = "combine"
    title = "Concatenate"
    description = "Stack the rows of two frames (columns matched by name)."
    params_model = ConcatParams
    ports = ("df", "other")

    def code(self, p: ConcatParams, n: Names) -> str:
        args = ", ignore_index=True" if p.ignore_index else ""
        args += ', join="inner"' if p.join == "inner" else ""
        return f"{n.out} = pd.concat([{n.inputs[0]}, {n.inputs[1]}]{args})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"ignore_index": True, "join": "inner"}


Agg = Literal["mean", "median", "sum", "min", "max", "count", "nunique", "std", "first", "last"]


class Aggregation(BaseModel):
    column: str
    function: Agg = "mean"
    name: str | None = Field(None, description="Default: '<column>_<function>'.")

    def output(self) -> str:
        return self.name or f"{self.column}_{self.function}"


class GroupByParams(Params):
    by: list[str] = column_param(many=True, title="Group by")
    aggregations: list[Aggregation] = Field(min_length=1)
    dropna: bool = Field(
        True, title="Drop missing keys", description="Leave out rows whose key is missing."
    )


@register
class GroupByAggregate(Transform[GroupByParams]):
    name = "group_by"
    group = "combine"
    title = "Group by and aggregate"
    description = "One row per key with aggregates such as the mean, count or sum."
    params_model = GroupByParams

    def column_refs(self, p: GroupByParams) -> list[tuple[int, str, Any]]:
        return [(0, c, "any") for c in [*p.by, *(a.column for a in p.aggregations)]]

    def code(self, p: GroupByParams, n: Names) -> str:
        pairs = [(a.output(), f"({lit(a.column)}, {lit(a.function)})") for a in p.aggregations]
        if all(is_identifier(name) for name, _ in pairs):
            agg = ", ".join(f"{name}={spec}" for name, spec in pairs)
        else:
            agg = "**{" + ", ".join(f"{lit(name)}: {spec}" for name, spec in pairs) + "}"
        drop = "" if p.dropna else ", dropna=False"
        return f"{n.out} = {n.inp}.groupby({lit(p.by)}, as_index=False{drop}).agg({agg})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        keys = [c for c in df.columns if c != "id" and df[c].nunique() <= 12]
        if not numeric or not keys:
            return None
        return {
            "by": [str(keys[0])],
            "aggregations": [
                {"column": numeric[0], "function": "mean"},
                {"column": numeric[-1], "function": "max", "name": "largest value"},
                {"column": str(df.columns[0]), "function": "count", "name": "rows"},
            ],
        }
