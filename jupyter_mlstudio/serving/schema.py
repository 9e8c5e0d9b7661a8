"""A model's input signature as the server enforces it.

Each request's rows are checked against the signature (missing or unexpected columns,
values that cannot become the column's type) and cast, on the event loop, into a
``Part``: a 2-D array when every column has the same numeric type (the common case and
the cheap one), otherwise one array per column. A batch of parts becomes the model's
input in one go (:meth:`InputSchema.model_input`), on the predict thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..registry.format import ANY_DTYPE

# Open Inference Protocol v2 tensor types by NumPy dtype name, and back.
_OIP_BY_DTYPE = {
    "bool": "BOOL",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "float16": "FP16",
    "float32": "FP32",
    "float64": "FP64",
}
OIP_DATATYPES = frozenset([*_OIP_BY_DTYPE.values(), "BYTES"])


class PayloadError(Exception):
    """A request the server refuses: the status (4xx) and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> PayloadError:
    return PayloadError(400, message)


def oip_datatype(dtype: Any) -> str:
    """The OIP v2 tensor type of a NumPy/pandas dtype (strings, objects, dates: BYTES)."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        return "BYTES"
    return _OIP_BY_DTYPE.get(name, "BYTES")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # as the signature states it (a pandas dtype name)
    # "f" float, "i" integer, "b" bool, "M" datetime, "O" text and anything else, "A" any:
    # values as they come (a signature inferred from an estimator that may take text)
    kind: str
    numpy: np.dtype[Any]


def _column(name: str, dtype: str) -> Column:
    lowered = dtype.lower()
    if lowered == ANY_DTYPE:
        return Column(name, dtype, "A", np.dtype(object))
    try:
        np_dtype = np.dtype(lowered)
    except TypeError:
        np_dtype = np.dtype(object)
    kind = np_dtype.kind
    if lowered.startswith("datetime64"):
        return Column(name, dtype, "M", np.dtype("datetime64[ns]"))
    if kind == "u":
        kind = "i"
    if kind not in ("f", "i", "b"):
        return Column(name, dtype, "O", np.dtype(object))
    return Column(name, dtype, kind, np_dtype)


class Part:
    """One request's validated rows, ready to be concatenated with others."""

    __slots__ = ("data", "rows")

    def __init__(self, rows: int, data: Any) -> None:
        self.rows = rows
        self.data = data  # 2-D ndarray | {column: 1-D ndarray} | DataFrame (no signature)


class InputSchema:
    """Validates and casts request rows for one model; builds its batched input."""

    def __init__(self, signature_inputs: Sequence[Mapping[str, Any]], feature_names: bool) -> None:
        self.columns = [
            _column(str(c["name"]), str(c.get("dtype", "object"))) for c in signature_inputs
        ]
        self.names = [c.name for c in self.columns]
        self.name_set = frozenset(self.names)
        self.by_name = {c.name: c for c in self.columns}
        dtypes = {c.numpy for c in self.columns}
        kinds = {c.kind for c in self.columns}
        # one numeric dtype for every column: rows are cast as one 2-D array
        self.uniform: np.dtype[Any] | None = (
            next(iter(dtypes)) if len(dtypes) == 1 and kinds <= {"f", "i"} else None
        )
        # a model fitted on a plain array gets a plain array (no feature-name warnings)
        self.feature_names = feature_names or self.uniform is None

    @property
    def free(self) -> bool:
        """No signature was recorded: take the columns the request names, unchecked."""
        return not self.columns

    # -- request shapes → parts -------------------------------------------------------
    def from_rows(self, rows: Sequence[Any], columns: Sequence[str] | None = None) -> Part:
        """Rows of values, in ``columns`` order (default: the signature's order)."""
        if not isinstance(rows, list):
            raise bad_request("Expected a list of rows.")
        if self.free:
            return self.from_frame(pd.DataFrame(rows, columns=list(columns) if columns else None))
        if columns is not None and list(columns) != self.names:
            order = self._order_of(columns)
            width = len(columns)
            self._check_widths(rows, width)
            rows = [[row[j] for j in order] for row in rows]
        width = len(self.names)
        if not rows:
            raise bad_request("The request has no rows.")
        if self.uniform is not None:
            try:
                array = np.asarray(rows, dtype=np.float64)
            except (ValueError, TypeError, OverflowError):
                array = None
            if array is not None and array.shape == (len(rows), width):
                return Part(len(rows), self._finish_uniform(array))
        self._check_widths(rows, width)
        return self.from_columns_in_order([list(c) for c in zip(*rows, strict=True)], len(rows))

    def from_records(self, records: Sequence[Any]) -> Part:
        """``[{column: value}, ...]``."""
        if not isinstance(records, list):
            raise bad_request("Expected a list of records (objects mapping column to value).")
        if self.free:
            if not all(isinstance(r, dict) for r in records):
                raise bad_request("Every record must be an object mapping column to value.")
            return self.from_frame(pd.DataFrame.from_records(records))
        names, wanted = self.names, self.name_set
        rows = []
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                raise bad_request(f"Record {i} is not an object mapping column to value.")
            if record.keys() != wanted:
                self._mismatch(record.keys())
            rows.append([record[c] for c in names])
        return self.from_rows(rows)

    def from_columns(self, columns: Mapping[str, Any]) -> Part:
        """``{column: [values]}`` (a single value per column is one row)."""
        if self.free:
            try:
                return self.from_frame(pd.DataFrame(_column_lists(columns)))
            except ValueError as exc:
                raise bad_request(f"The columns do not make a table: {exc}") from None
        if columns.keys() != self.name_set:
            self._mismatch(columns.keys())
        lists = _column_lists(columns)
        lengths = {len(v) for v in lists.values()}
        if len(lengths) > 1:
            sizes = ", ".join(f"{k!r}: {len(v)}" for k, v in lists.items())
            raise bad_request(f"The columns have different lengths ({sizes}).")
        rows = lengths.pop()
        return self.from_columns_in_order([lists[n] for n in self.names], rows)

    def from_columns_in_order(self, values: Sequence[Sequence[Any]], rows: int) -> Part:
        if rows == 0:
            raise bad_request("The request has no rows.")
        cast = [_cast(column, v, rows) for column, v in zip(self.columns, values, strict=True)]
        if self.uniform is not None:
            return Part(rows, self._finish_uniform(np.column_stack(cast)))
        return Part(rows, dict(zip(self.names, cast, strict=True)))

    # -- parts → model input (on the predict thread) ---------------------------------
    def model_array(self, parts: Sequence[Part]) -> np.ndarray[Any, Any] | None:
        """The parts' rows as one 2-D array in ``names`` order, for a signature with one
        numeric dtype; ``None`` otherwise."""
        if self.uniform is None or self.free:
            return None
        arrays = [p.data for p in parts]
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    def model_input(self, parts: Sequence[Part]) -> Any:
        if self.free:
            frames = [p.data for p in parts]
            return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        array = self.model_array(parts)
        if array is not None:
            if not self.feature_names:
                return array
            return pd.DataFrame(array, columns=self.names, copy=False)
        if len(parts) == 1:
            data = parts[0].data
        else:
            data = {n: np.concatenate([p.data[n] for p in parts]) for n in self.names}
        frame = pd.DataFrame(data, copy=False)
        for column in self.columns:
            if column.kind == "A":  # numbers as numbers (also from CSV text), text as text
                frame[column.name] = _as_they_come(frame[column.name])
        return frame

    # -- helpers ------------------------------------------------------------------------
    def _finish_uniform(self, array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        assert self.uniform is not None
        if self.uniform.kind == "f":
            return array if array.dtype == self.uniform else array.astype(self.uniform)
        if array.dtype.kind in ("i", "u"):
            return array.astype(self.uniform, copy=False)
        bad = ~np.isfinite(array) | (array != np.trunc(array))
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            column = self.columns[col]
            raise bad_request(
                f"Column {column.name!r} expects {column.dtype} values; row {row} has "
                f"{_shown(array[row, col].item())}, which is not a whole number."
            )
        return array.astype(self.uniform)

    def _order_of(self, columns: Sequence[str]) -> list[int]:
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise bad_request("'columns' must be a list of column names.")
        if len(set(columns)) != len(columns):
            repeated = sorted({c for c in columns if columns.count(c) > 1})
            raise bad_request(f"Column {_names(repeated)} is given more than once.")
        if set(columns) != self.name_set:
            self._mismatch(columns)
        position = {c: j for j, c in enumerate(columns)}
        return [position[n] for n in self.names]

    def _check_widths(self, rows: Sequence[Any], width: int) -> None:
        for i, row in enumerate(rows):
            if not isinstance(row, list | tuple):
                raise bad_request(f"Row {i} is not a list of values.")
            if len(row) != width:
                raise bad_request(
                    f"Row {i} has {len(row)} values; the model takes {width} columns "
                    f"({_names(self.names[:5])}{', ...' if width > 5 else ''})."
                )

    def _mismatch(self, given: Iterable[str]) -> None:
        given = list(given)
        missing = [n for n in self.names if n not in set(given)]
        extra = [g for g in given if g not in self.name_set]
        if missing:
            noun = "column" if len(missing) == 1 else "columns"
            them = "it" if len(missing) == 1 else "them"
            unexpected = f" (and {_names(str(e) for e in extra)} is not one)" if extra else ""
            raise bad_request(
                f"Missing {noun} {_names(missing)}: the model needs {them}{unexpected}."
            )
        noun = "column" if len(extra) == 1 else "columns"
        them = "it" if len(extra) == 1 else "them"
        raise bad_request(
            f"Unexpected {noun} {_names(str(e) for e in extra)}: the model does not take {them}."
        )

    def from_frame(self, frame: pd.DataFrame) -> Part:
        """A table as it is (only for a model without a signature)."""
        if len(frame) == 0:
            raise bad_request("The request has no rows.")
        return Part(len(frame), frame)


def _as_they_come(values: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(values)
    except (ValueError, TypeError):
        return values.infer_objects()


def _column_lists(columns: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {str(k): (list(v) if isinstance(v, list | tuple) else [v]) for k, v in columns.items()}


def _cast(column: Column, values: Sequence[Any], rows: int) -> np.ndarray[Any, Any]:
    """One column's values as its type; a ``PayloadError`` names the column otherwise."""
    kind = column.kind
    if kind in ("f", "i"):
        try:
            array = np.asarray(values, dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            array = _floats_one_by_one(column, values)
        if array.shape != (rows,):
            array = _floats_one_by_one(column, values)
        if kind == "f":
            return array.astype(column.numpy, copy=False)
        bad = ~np.isfinite(array) | (array != np.trunc(array))
        if bad.any():
            row = int(np.argmax(bad))
            raise bad_request(
                f"Column {column.name!r} expects {column.dtype} values; row {row} has "
                f"{_shown(values[row])}, which is not a whole number."
            )
        return array.astype(column.numpy)
    if kind == "b":
        return np.array([_boolean(column, i, v) for i, v in enumerate(values)], dtype=bool)
    if kind == "M":
        try:
            return np.asarray(pd.to_datetime(list(values), format="mixed"), dtype="datetime64[ns]")
        except (ValueError, TypeError, OverflowError):
            for i, value in enumerate(values):
                try:
                    pd.to_datetime([value], format="mixed")
                except (ValueError, TypeError, OverflowError):
                    raise bad_request(
                        f"Column {column.name!r} expects dates and times; row {i} has "
                        f"{_shown(value)}."
                    ) from None
            raise bad_request(f"Column {column.name!r} expects dates and times.") from None
    result = np.empty(rows, dtype=object)
    for i, value in enumerate(values):
        if isinstance(value, list | dict):
            raise bad_request(
                f"Column {column.name!r} expects {column.dtype} values; row {i} has "
                f"{_shown(value)}."
            )
        keep = value is None or isinstance(value, str) or kind == "A"
        result[i] = value if keep else str(value)
    return result


def _floats_one_by_one(column: Column, values: Sequence[Any]) -> np.ndarray[Any, Any]:
    """The slow path: empty text and null are missing values; anything else not a number
    is an error naming the column and the row."""
    result = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        if value is None or value == "":
            result[i] = math.nan
            continue
        if isinstance(value, bool | int | float | str):
            try:
                result[i] = float(value)
                continue
            except (ValueError, OverflowError):
                pass
        raise bad_request(
            f"Column {column.name!r} expects {column.dtype} values; row {i} has {_shown(value)}."
        )
    return result


_TRUE = frozenset(["true", "1", "yes", "t", "y"])
_FALSE = frozenset(["false", "0", "no", "f", "n"])


def _boolean(column: Column, row: int, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise bad_request(
        f"Column {column.name!r} expects true or false; row {row} has {_shown(value)}."
    )
