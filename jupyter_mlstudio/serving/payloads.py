"""Request bodies of the two wire protocols, read into validated :class:`Part` s.

- SageMaker's ``POST /invocations``: ``text/csv`` (header row optional: without one the
  values are in signature order; ``header=present|absent`` in the content type decides
  when given) or JSON in the four shapes MLflow's scoring server takes —
  ``dataframe_split`` ``{"columns": [...], "data": [[...]]}``, ``dataframe_records``
  ``[{...}]``, ``instances`` and ``inputs`` (a list of rows, a list of records, or an
  object of columns).
- Open Inference Protocol v2 ``infer``: typed tensors, one per column (shape ``[n]`` or
  ``[n, 1]``) or a single 2-D tensor ``[n, columns]`` in signature order.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .schema import OIP_DATATYPES, InputSchema, Part, PayloadError, bad_request

JSON_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
SUPPORTED_TYPES = "application/json or text/csv"


def media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """``"text/csv; header=present"`` → ``("text/csv", {"header": "present"})``."""
    if not header:
        return "", {}
    main, *params = header.split(";")
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), parsed


def is_json(kind: str) -> bool:
    return kind in ("", "application/json") or kind.endswith("+json")


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise bad_request(f"The body is not valid JSON: {exc}") from None


def decode_text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad_request(f"The body is not UTF-8 text: {exc}") from None


# -- SageMaker / MLflow ------------------------------------------------------------------
def parse_invocation(
    body: bytes, content_type: str | None, schema: InputSchema
) -> tuple[Part, Any]:
    """The rows of an ``/invocations`` body, and the body as captured (JSON or text)."""
    kind, params = media_type(content_type)
    if kind in ("text/csv", "application/csv"):
        text = decode_text(body)
        return parse_csv(text, schema, params.get("header")), text
    if is_json(kind):
        document = decode_json(body)
        return parse_mlflow_json(document, schema), document
    raise PayloadError(415, f"Unsupported content type {kind!r}: send {SUPPORTED_TYPES}.")


def parse_csv(text: str, schema: InputSchema, header: str | None = None) -> Part:
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as exc:
        raise bad_request(f"The body is not valid CSV: {exc}") from None
    if not rows:
        raise bad_request("The CSV body has no rows.")
    has_header = header == "present" or (header != "absent" and _looks_like_header(rows[0], schema))
    if schema.free:  # no signature: let pandas type the columns, as read_csv would
        try:
            frame = pd.read_csv(io.StringIO(text), header=0 if has_header else None)
        except (ValueError, pd.errors.ParserError) as exc:
            raise bad_request(f"The body is not valid CSV: {exc}") from None
        return schema.from_frame(frame)
    if has_header:
        columns = [c.strip() for c in rows[0]]
        return schema.from_rows(rows[1:], columns)
    return schema.from_rows(rows)


def _looks_like_header(first: Sequence[str], schema: InputSchema) -> bool:
    fields = [f.strip() for f in first]
    if schema.free:
        return not all(_is_number(f) for f in fields)
    return any(f in schema.name_set for f in fields)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text == ""
    return True


def parse_mlflow_json(document: Any, schema: InputSchema) -> Part:
    keys = [k for k in JSON_FORMATS if isinstance(document, dict) and k in document]
    if len(keys) != 1:
        found = "" if not isinstance(document, dict) else f" (found: {', '.join(keys)})"
        raise bad_request(
            "The JSON body must be an object with exactly one of the keys "
            f"{', '.join(JSON_FORMATS)}{found}."
        )
    key = keys[0]
    value = document[key]
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise bad_request(
                "'dataframe_split' must be an object with 'data' (a list of rows) and "
                "optionally 'columns'."
            )
        columns = value.get("columns")
        if columns is not None and not isinstance(columns, list):
            raise bad_request("'dataframe_split.columns' must be a list of column names.")
        return schema.from_rows(value["data"], columns)
    if key == "dataframe_records":
        return schema.from_records(value)
    return _instances(key, value, schema)


def _instances(key: str, value: Any, schema: InputSchema) -> Part:
    if isinstance(value, dict):
        return schema.from_columns(value)
    if not isinstance(value, list):
        raise bad_request(f"{key!r} must be a list of rows or records, or an object of columns.")
    if not value:
        raise bad_request("The request has no rows.")
    if all(isinstance(v, dict) for v in value):
        return schema.from_records(value)
    if all(isinstance(v, list) for v in value):
        return schema.from_rows(value)
    if len(schema.names) == 1 and not any(isinstance(v, list | dict) for v in value):
        return schema.from_rows([[v] for v in value])
    raise bad_request(
        f"{key!r} must hold rows (lists of values) or records (objects), not a mixture."
    )


# -- Open Inference Protocol v2 ----------------------------------------------------------
@dataclass(frozen=True)
class InferRequest:
    part: Part
    id: str | None
    document: Any


def parse_infer(body: bytes, content_type: str | None, schema: InputSchema) -> InferRequest:
    kind, _ = media_type(content_type)
    if not is_json(kind):
        raise PayloadError(415, f"Unsupported content type {kind!r}: send application/json.")
    document = decode_json(body)
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise bad_request("The body must be an object with 'inputs': a list of tensors.")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise bad_request("'id' must be a string.")
    for output in document.get("outputs") or []:
        name = output.get("name") if isinstance(output, dict) else None
        if name != "predict":
            raise bad_request(f"Unknown output {name!r}: this model has the output 'predict'.")
    tensors = [_tensor(t, i) for i, t in enumerate(document["inputs"])]
    if not tensors:
        raise bad_request("'inputs' has no tensors.")
    return InferRequest(_tensors_to_part(tensors, schema), request_id, document)


@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: list[int]
    values: list[Any]


def _tensor(raw: Any, index: int) -> _Tensor:
    if not isinstance(raw, dict):
        raise bad_request(f"Input {index} is not a tensor object.")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise bad_request(f"Input {index} has no 'name'.")
    shape = raw.get("shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise bad_request(f"Tensor {name!r}: 'shape' must be a list of non-negative integers.")
    datatype = raw.get("datatype")
    if datatype not in OIP_DATATYPES:
        raise bad_request(
            f"Tensor {name!r}: unknown datatype {datatype!r} "
            f"(one of {', '.join(sorted(OIP_DATATYPES))})."
        )
    data = raw.get("data")
    if not isinstance(data, list):
        raise bad_request(f"Tensor {name!r}: 'data' must be a list.")
    values = _flatten(data)
    if len(values) != math.prod(shape):
        raise bad_request(
            f"Tensor {name!r}: shape {shape} holds {math.prod(shape)} values but 'data' has "
            f"{len(values)}."
        )
    return _Tensor(name, shape, values)


def _flatten(data: list[Any]) -> list[Any]:
    if not data or not isinstance(data[0], list):
        return data
    flat: list[Any] = []
    for item in data:
        if isinstance(item, list):
            flat.extend(_flatten(item))
        else:
            flat.append(item)
    return flat


def _tensors_to_part(tensors: list[_Tensor], schema: InputSchema) -> Part:
    first = tensors[0]
    if len(tensors) == 1 and len(first.shape) == 2 and first.name not in schema.name_set:
        rows, width = first.shape
        values = first.values
        return schema.from_rows([values[i * width : (i + 1) * width] for i in range(rows)])
    columns: dict[str, list[Any]] = {}
    for tensor in tensors:
        if len(tensor.shape) > 2 or (len(tensor.shape) == 2 and tensor.shape[1] != 1):
            raise bad_request(
                f"Tensor {tensor.name!r} has shape {tensor.shape}: a column tensor has shape "
                "[rows] or [rows, 1]; a table is one tensor of shape [rows, columns]."
            )
        if tensor.name in columns:
            raise bad_request(f"Tensor {tensor.name!r} is given more than once.")
        columns[tensor.name] = tensor.values
    return schema.from_columns(columns)
