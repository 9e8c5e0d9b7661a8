"""The preview a data grid shows: the first rows of a node's output plus, per column,
a small distribution (histogram counts for numbers and dates, top values otherwise).

Summaries are computed over the whole sample output, not only the rows shown, so the
column header describes the sample the flow works on.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

HISTOGRAM_BINS = 10
TOP_K = 5


class _Wire(BaseModel):
    """Sent to the editor as is: fields with defaults are always present, so the
    OpenAPI schema (and the generated TypeScript) marks them required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Histogram(_Wire):
    edges: list[float | str]  # bins + 1 edges; ISO strings for dates
    counts: list[int]


class TopValue(_Wire):
    value: str
    count: int


class ColumnSummary(_Wire):
    name: str
    dtype: str
    kind: Literal["numeric", "datetime", "boolean", "text", "other"]
    missing: int
    distinct: int
    histogram: Histogram | None = None
    top: list[TopValue] | None = None


class Preview(_Wire):
    """JSON-ready: ``rows`` holds lists in ``columns`` order, missing values as null."""

    node: str
    output: str
    columns: list[ColumnSummary]
    rows: list[list[Any]]
    index: list[Any]
    total_rows: int
    sample_note: str | None = None


def _kind(series: pd.Series) -> Literal["numeric", "datetime", "boolean", "text", "other"]:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "text"
    return "other"


def summarize(series: pd.Series, name: str) -> ColumnSummary:
    kind = _kind(series)
    present = series.dropna()
    try:
        distinct = int(present.nunique())
    except TypeError:  # unhashable cells (lists from custom code)
        distinct = -1
    summary = ColumnSummary(
        name=name,
        dtype=str(series.dtype),
        kind=kind,
        missing=int(len(series) - len(present)),
        distinct=distinct,
    )
    if kind == "numeric" and len(present):
        values = present.to_numpy(dtype="float64", na_value=np.nan)
        values = values[np.isfinite(values)]
        if len(values):
            counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
            summary.histogram = Histogram(edges=[float(e) for e in edges], counts=counts.tolist())
    elif kind == "datetime" and len(present):
        stamps = present.to_numpy().astype("datetime64[ns]").astype("int64")
        counts, edges = np.histogram(stamps, bins=HISTOGRAM_BINS)
        iso = [pd.Timestamp(int(e)).isoformat() for e in edges]
        summary.histogram = Histogram(edges=list(iso), counts=counts.tolist())
    elif distinct >= 0:
        top = present.astype(str).value_counts().head(TOP_K)
        summary.top = [TopValue(value=str(v), count=int(c)) for v, c in top.items()]
    return summary


def build_preview(
    frame: pd.DataFrame, *, node: str, output: str, rows: int, sample_note: str | None = None
) -> Preview:
    head = frame.head(rows)
    # pandas' JSON writer turns NaN/NaT into null and dates into ISO strings, fast
    table = json.loads(head.to_json(orient="split", date_format="iso", default_handler=str))
    return Preview(
        node=node,
        output=output,
        columns=[summarize(frame.iloc[:, i], str(c)) for i, c in enumerate(frame.columns)],
        rows=table["data"],
        index=table["index"],
        total_rows=len(frame),
        sample_note=sample_note,
    )
