"""Records checked against a feature group's schema: the one conversion from what users
hand in (a DataFrame, a dict) to typed Arrow columns, used by ingestion and
``put_record`` alike, so offline and online stores always get the same values.

Types are strict: a string where a number belongs, a number in a string feature or a
fraction in an integral one is refused with the column and the first offending row.
Timestamps may be datetimes (naive ones are taken as UTC) or ISO-8601 text; they are
stored as UTC without a zone (Parquet ``timestamp[us]``), and come back UTC-aware.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..errors import InvalidArgumentError
from .entities import FeatureDefinition, FeatureGroup

if TYPE_CHECKING:
    import pandas as pd

INT64_LIMIT = 2**63
ARROW_TYPES: dict[str, pa.DataType] = {
    "integral": pa.int64(),
    "fractional": pa.float64(),
    "string": pa.string(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us"),
}


def arrow_schema(group: FeatureGroup) -> pa.Schema:
    return pa.schema([pa.field(f.name, ARROW_TYPES[f.type]) for f in group.features])


def check_columns(group: FeatureGroup, columns: Sequence[object]) -> None:
    """Every feature and nothing else: unknown and missing columns are refused."""
    names = [str(c) for c in columns]
    expected = group.feature_names
    unknown = [c for c in names if c not in expected]
    missing = [f for f in expected if f not in names]
    if len(set(names)) != len(names):
        raise InvalidArgumentError("The data has the same column more than once.")
    if unknown:
        raise InvalidArgumentError(
            f"Unknown column(s) for feature group {group.ref}: {', '.join(unknown)} "
            f"(its features are {', '.join(expected)})."
        )
    if missing:
        raise InvalidArgumentError(
            f"Missing column(s) for feature group {group.ref}: {', '.join(missing)}."
        )


def frame_to_table(group: FeatureGroup, frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table in the group's schema, or ``InvalidArgumentError``."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgumentError("Records to ingest must be a pandas DataFrame.")
    check_columns(group, list(frame.columns))
    arrays = [convert_column(group, f, frame[f.name]) for f in group.features]
    table = pa.Table.from_arrays(arrays, schema=arrow_schema(group))
    for key in (group.record_identifier, group.event_time_feature):
        nulls = table.column(key).null_count
        if nulls:
            position = table.column(key).is_null().to_pylist().index(True)
            what = "record identifier" if key == group.record_identifier else "event time"
            raise InvalidArgumentError(
                f"The {what} {key!r} is empty in {nulls} row(s) (first: row "
                f"{frame.index[position]!r}); every record needs one."
            )
    return table


def convert_column(
    group: FeatureGroup,
    feature: FeatureDefinition,
    series: pd.Series,
    *,
    owner: str | None = None,
) -> pa.Array:
    import pandas as pd
    from pandas.api import types as ptypes

    def refuse(detail: str, mask: Any = None) -> InvalidArgumentError:
        where = ""
        if mask is not None and bool(mask.any()):
            position = int(mask.to_numpy().nonzero()[0][0])
            row, value = _plain(series.index[position]), _plain(series.iloc[position])
            where = f" (first at row {row!r}: {value!r})"
        whose = owner or f"feature group {group.ref}"
        return InvalidArgumentError(
            f"Column {feature.name!r} of {whose} is {feature.type}, but {detail}{where}."
        )

    present = series.notna()
    dtype = series.dtype
    if feature.type == "timestamp":
        if ptypes.is_datetime64_any_dtype(dtype):
            values = series
            if getattr(dtype, "tz", None) is None:
                values = values.dt.tz_localize("UTC")
        elif ptypes.is_numeric_dtype(dtype) or ptypes.is_bool_dtype(dtype):
            raise refuse(f"the data holds {dtype} values")
        else:
            texts = series.map(lambda v: isinstance(v, str) or _is_datetime(v) or _missing(v))
            if not texts.all():
                raise refuse("it holds values that are neither dates nor text", ~texts)
            values = pd.to_datetime(series, utc=True, errors="coerce", format="mixed")
            if (values.isna() & present).any():
                raise refuse("some values are not dates", values.isna() & present)
        naive = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
        return pa.array(naive, type=pa.timestamp("us"), from_pandas=True)
    if feature.type == "boolean":
        if ptypes.is_bool_dtype(dtype):
            return pa.array(series, type=pa.bool_(), from_pandas=True)
        ok = series.map(lambda v: isinstance(v, bool) or _missing(v))
        if not _is_object(dtype) or not ok.all():
            raise refuse(f"the data holds {dtype} values", ~ok if _is_object(dtype) else None)
        return pa.array(series.astype(object).where(present, None), type=pa.bool_())
    if feature.type == "string":
        if isinstance(dtype, pd.StringDtype) or _is_object(dtype):
            ok = series.map(lambda v: isinstance(v, str) or _missing(v))
            if not ok.all():
                raise refuse("it holds values that are not text", ~ok)
            return pa.array(series.astype(object).where(present, None), type=pa.string())
        raise refuse(f"the data holds {dtype} values")
    # numbers
    if ptypes.is_bool_dtype(dtype):
        raise refuse("the data holds booleans")
    if ptypes.is_numeric_dtype(dtype):
        numbers = series
    elif _is_object(dtype):
        ok = series.map(lambda v: _missing(v) or (_number(v)))
        if not ok.all():
            raise refuse("it holds values that are not numbers", ~ok)
        numbers = pd.to_numeric(series.where(present, None))
    else:
        raise refuse(f"the data holds {dtype} values")
    if feature.type == "fractional":
        return pa.array(numbers.astype("float64"), type=pa.float64(), from_pandas=True)
    # integral features are 64-bit: a larger number (Python int, uint64) is refused here
    # rather than failing in the cast below
    if _is_object(numbers.dtype) or ptypes.is_unsigned_integer_dtype(numbers.dtype):
        too_big = numbers.map(lambda v: _number(v) and not -INT64_LIMIT <= v < INT64_LIMIT)
        if too_big.any():
            raise refuse("it holds numbers beyond 64 bits", too_big)
    if ptypes.is_integer_dtype(numbers.dtype):
        return pa.array(numbers, type=pa.int64(), from_pandas=True)
    floats = numbers.astype("float64")
    whole = floats.map(lambda v: math.isnan(v) or (math.isfinite(v) and float(v).is_integer()))
    if not whole.all():
        raise refuse("it holds fractions", ~whole)
    too_big = floats.map(lambda v: not math.isnan(v) and not -INT64_LIMIT <= v < INT64_LIMIT)
    if too_big.any():
        raise refuse("it holds numbers beyond 64 bits", too_big)
    return pa.array(floats.astype("Int64"), type=pa.int64(), from_pandas=True)


def _is_object(dtype: object) -> bool:
    """numpy's object dtype (pandas' ``str`` dtype also says kind "O")."""
    import numpy as np

    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _plain(value: object) -> object:
    """numpy scalars as Python values, for messages."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or _is_nat(value)


def _is_nat(value: object) -> bool:
    import pandas as pd

    return value is pd.NaT


def _is_datetime(value: object) -> bool:
    import datetime as dt

    return isinstance(value, dt.datetime | dt.date)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
