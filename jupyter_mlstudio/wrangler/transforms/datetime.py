"""Dates and times: parse, extract parts, cyclic (sin/cos) encoding, time differences."""

from __future__ import annotations

from typing import Any, Literal, get_args

import pandas as pd
from pydantic import Field, model_validator

from ..codegen import Names, col, lit
from .base import ColumnParts, InPlaceColumns, Params, Transform, column_param, of_kind, register


class ParseParams(Params):
    columns: list[str] = column_param(many=True)
    format: str | None = Field(None, description="strftime format, e.g. %Y-%m-%d (default: infer).")
    utc: bool = Field(False, title="Convert to UTC")


@register
class ParseDatetime(InPlaceColumns[ParseParams]):
    name = "parse_datetime"
    group = "datetime"
    title = "Parse dates"
    description = "Turn text into datetimes; values that do not parse become missing (NaT)."
    params_model = ParseParams

    def value(self, p: ParseParams, x: str) -> str:
        extra = (f", format={lit(p.format)}" if p.format else "") + (", utc=True" if p.utc else "")
        return f'pd.to_datetime({x}, errors="coerce"{extra})'

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        text = of_kind(df, "text")
        return {"columns": text[:1], "format": "%Y-%m-%d"} if text else None


Part = Literal[
    "year", "quarter", "month", "day", "day_of_week", "day_of_year", "hour", "minute", "is_weekend"
]
_PERIODS: dict[str, int] = {
    "month": 12,
    "day_of_week": 7,
    "day_of_year": 366,
    "hour": 24,
    "minute": 60,
}


def _default_parts() -> list[Part]:
    return ["year", "month", "day_of_week"]


class PartsParams(Params):
    column: str = column_param(dtype="datetime")
    parts: list[Part] = Field(default_factory=_default_parts, min_length=1)


@register
class DatetimeParts(ColumnParts[PartsParams]):
    name = "datetime_parts"
    group = "datetime"
    title = "Extract date parts"
    description = "New columns with the year, month, weekday, hour … of a datetime."
    params_model = PartsParams

    def parts(self, p: PartsParams) -> list[str]:
        return list(p.parts)

    def part_value(self, source: str, part: str) -> str:
        return f"{source}.dt.day_of_week >= 5" if part == "is_weekend" else f"{source}.dt.{part}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        dates = of_kind(df, "datetime")
        return {"column": dates[0], "parts": list(get_args(Part))} if dates else None


class CyclicParams(Params):
    column: str = column_param()
    part: Literal["month", "day_of_week", "day_of_year", "hour", "minute"] | None = Field(
        None, description="For a datetime column: the part to encode."
    )
    period: float | None = Field(None, gt=0, description="For a number: its cycle length.")

    @model_validator(mode="after")
    def _one(self) -> CyclicParams:
        if (self.part is None) == (self.period is None):
            raise ValueError("give either part (for a datetime) or period (for a number)")
        return self


@register
class CyclicEncode(Transform[CyclicParams]):
    name = "cyclic_encode"
    group = "datetime"
    title = "Cyclic encoding"
    description = (
        "Encode a cyclic value (month, hour, angle) as sin/cos so December is near January."
    )
    params_model = CyclicParams
    imports = ("import numpy as np",)

    def code(self, p: CyclicParams, n: Names) -> str:
        source = col(n.out, p.column)
        stem = p.column
        period: float = p.period or 1.0
        if p.part is not None:
            source, period, stem = f"{source}.dt.{p.part}", _PERIODS[p.part], f"{stem}_{p.part}"
        angle = f"2 * np.pi * {source} / {period!r}"
        return n.start() + (
            f"{col(n.out, stem + '_sin')} = np.sin({angle})\n"
            f"{col(n.out, stem + '_cos')} = np.cos({angle})"
        )

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        dates = of_kind(df, "datetime")
        if dates:
            return {"column": dates[0], "part": "month"}
        numeric = of_kind(df, "numeric")
        return {"column": numeric[0], "period": 10.0} if numeric else None


class DiffParams(Params):
    start: str = column_param(dtype="datetime", title="Start column")
    end: str | None = column_param(
        None, dtype="datetime", title="End column", description="Default: the reference date."
    )
    reference: str | None = Field(
        None, title="Reference date", description="A fixed date when there is no end column."
    )
    unit: Literal["days", "hours", "minutes", "seconds"] = "days"
    new_column: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one(self) -> DiffParams:
        if (self.end is None) == (self.reference is None):
            raise ValueError("give either an end column or a reference date")
        return self


_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


@register
class TimeDifference(Transform[DiffParams]):
    name = "time_difference"
    group = "datetime"
    title = "Time difference"
    description = "The time between two datetimes (or a datetime and a fixed date) as a number."
    params_model = DiffParams

    def code(self, p: DiffParams, n: Names) -> str:
        end = col(n.out, p.end) if p.end else f"pd.Timestamp({lit(p.reference)})"
        value = f"({end} - {col(n.out, p.start)}).dt.total_seconds()"
        if p.unit != "seconds":
            value += f" / {_SECONDS[p.unit]}"
        return n.start() + f"{col(n.out, p.new_column)} = {value}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        dates = of_kind(df, "datetime")
        if len(dates) >= 2:
            return {"start": dates[0], "end": dates[1], "unit": "hours", "new_column": "gap"}
        if dates:
            return {"start": dates[0], "reference": "2025-01-01", "new_column": "age_days"}
        return None
