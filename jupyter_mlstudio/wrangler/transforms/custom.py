"""Formula columns and the two escape hatches: custom pandas code and custom SQL."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field

from ..codegen import Names, col, is_identifier, lit
from .base import Params, Transform, code_param, of_kind, register


class FormulaParams(Params):
    new_column: str = Field(min_length=1)
    expression: str = Field(
        min_length=1, description="A pandas expression over columns, e.g. `weight / height**2`."
    )


@register
class Formula(Transform[FormulaParams]):
    name = "formula"
    group = "formula"
    title = "New column from a formula"
    description = "Compute a column from others with arithmetic and comparisons."
    params_model = FormulaParams

    def code(self, p: FormulaParams, n: Names) -> str:
        return n.start() + f"{col(n.out, p.new_column)} = {n.out}.eval({lit(p.expression)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        if len(numeric) < 2:
            return None
        return {"new_column": "ratio", "expression": f"`{numeric[0]}` / (`{numeric[1]}` + 1)"}


def _bind(code: str, n: Names, frame: str) -> str:
    """User code works on ``frame``; when the flow's variables are named otherwise, it
    becomes a function so it cannot clobber a frame another branch still needs."""
    body = code.strip("\n")
    if n.inp == frame and n.out == frame:
        return body
    indented = "\n".join(f"    {line}" if line.strip() else "" for line in body.splitlines())
    return (
        f"def custom_step({frame}):\n{indented}\n    return {frame}\n\n\n"
        f"{n.out} = custom_step({n.inp}.copy())"
    )


class CustomCodeParams(Params):
    code: str = code_param(
        "python", "Python that reads and rebinds `df`; pandas is `pd`, numpy is `np`."
    )


@register
class CustomPandas(Transform[CustomCodeParams]):
    name = "custom_pandas"
    group = "custom"
    title = "Custom pandas code"
    description = "Any pandas code on `df` for what the built-in transforms do not cover."
    params_model = CustomCodeParams
    imports = ("import numpy as np",)

    def code(self, p: CustomCodeParams, n: Names) -> str:
        return _bind(p.code, n, "df")

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"code": 'df = df.head(50)\ndf["n_missing"] = df.isna().sum(axis=1)'}


class CustomSqlParams(Params):
    query: str = code_param(
        "sql", "DuckDB SQL over the current frame, e.g. SELECT * FROM df WHERE x > 0."
    )
    table: str = Field(
        "df", title="Table name", description="The name the query uses for the current frame."
    )


@register
class CustomSql(Transform[CustomSqlParams]):
    name = "custom_sql"
    group = "custom"
    title = "Custom SQL (DuckDB)"
    description = "Transform the frame with a SQL query run by DuckDB."
    params_model = CustomSqlParams
    imports = ("import duckdb",)

    def code(self, p: CustomSqlParams, n: Names) -> str:
        return f"{n.out} = duckdb.query_df({n.inp}, {lit(p.table)}, {lit(p.query)}).df()"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        numeric = of_kind(df, "numeric")
        if not numeric:
            return None
        name = numeric[0] if is_identifier(numeric[0]) else f'"{numeric[0]}"'
        return {
            "query": f"SELECT *, {name} * 2 AS doubled FROM frame ORDER BY id",  # noqa: S608
            "table": "frame",
        }
