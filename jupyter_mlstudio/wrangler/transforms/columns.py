"""Manage columns: drop, keep, rename, duplicate, reorder, cast type."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field

from ..codegen import Names, col, lit
from .base import Params, Transform, column_param, of_kind, register


class ColumnsParams(Params):
    columns: list[str] = column_param(many=True)


@register
class DropColumns(Transform[ColumnsParams]):
    name = "drop_columns"
    group = "columns"
    title = "Drop columns"
    description = "Remove columns the model must not see (identifiers, leaks, free text)."
    params_model = ColumnsParams

    def code(self, p: ColumnsParams, n: Names) -> str:
        return f"{n.out} = {n.inp}.drop(columns={lit(p.columns)})"

    def sklearn(self, p: ColumnsParams, columns: Any) -> Any:
        return "drop"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"columns": [str(c) for c in df.columns[1:3]]}


@register
class KeepColumns(Transform[ColumnsParams]):
    name = "keep_columns"
    group = "columns"
    title = "Keep columns"
    description = "Keep only the listed columns, in the listed order."
    params_model = ColumnsParams

    def code(self, p: ColumnsParams, n: Names) -> str:
        return f"{n.out} = {n.inp}[{lit(p.columns)}]"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"columns": [str(c) for c in df.columns[:4]][::-1]}


class RenameParams(Params):
    mapping: dict[str, str] = Field(min_length=1, description="Old name → new name.")


@register
class RenameColumns(Transform[RenameParams]):
    name = "rename_columns"
    group = "columns"
    title = "Rename columns"
    description = "Give columns clearer names."
    params_model = RenameParams

    def column_refs(self, p: RenameParams) -> list[tuple[int, str, Any]]:
        return [(0, c, "any") for c in p.mapping]

    def code(self, p: RenameParams, n: Names) -> str:
        return f"{n.out} = {n.inp}.rename(columns={lit(p.mapping)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"mapping": {str(c): f"{c}_renamed" for c in df.columns[1:3]}}


class DuplicateParams(Params):
    column: str = column_param()
    new_column: str = Field(min_length=1)


@register
class DuplicateColumn(Transform[DuplicateParams]):
    name = "duplicate_column"
    group = "columns"
    title = "Duplicate column"
    description = "Copy a column, e.g. to keep the raw value next to a transformed one."
    params_model = DuplicateParams

    def code(self, p: DuplicateParams, n: Names) -> str:
        return n.start() + f"{col(n.out, p.new_column)} = {col(n.out, p.column)}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"column": str(df.columns[1]), "new_column": f"{df.columns[1]}_copy"}


class ReorderParams(Params):
    columns: list[str] = column_param(many=True, description="Columns to move, in order.")
    position: Literal["first", "last"] = "first"


@register
class ReorderColumns(Transform[ReorderParams]):
    name = "reorder_columns"
    group = "columns"
    title = "Reorder columns"
    description = "Move columns to the front or the back; the others keep their order."
    params_model = ReorderParams

    def code(self, p: ReorderParams, n: Names) -> str:
        moved = lit(p.columns)
        rest = f"[c for c in {n.inp}.columns if c not in {moved}]"
        order = f"{moved} + {rest}" if p.position == "first" else f"{rest} + {moved}"
        return f"{n.out} = {n.inp}[{order}]"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"columns": [str(df.columns[-1]), str(df.columns[2])], "position": "first"}


CastTarget = Literal[
    "int64", "float64", "float32", "str", "bool", "category", "Int64", "Float64", "boolean"
]


class CastParams(Params):
    columns: list[str] = column_param(many=True)
    dtype: CastTarget = Field("float64", title="New type")


@register
class CastType(Transform[CastParams]):
    name = "cast_type"
    group = "columns"
    title = "Change type"
    description = "Cast columns to another type (nullable Int64 keeps missing values)."
    params_model = CastParams

    def code(self, p: CastParams, n: Names) -> str:
        return f"{n.out} = {n.inp}.astype({lit(dict.fromkeys(p.columns, p.dtype))})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        return {"columns": numeric[:3], "dtype": "float32"} if numeric else None
