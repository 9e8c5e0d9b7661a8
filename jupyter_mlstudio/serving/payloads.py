"""Request bodies of the two wire protocols, read into validated :class:`Part` s.

- SageMaker's ``POST /invocations``: ``text/csv`` (header row optional: without one the
  values are in signature order; ``header=present|absent`` in the content type decides
  when given) or JSON in the four shapes MLflow's scoring server takes —
  ``dataframe_split`` ``{"columns": [...], "data": [[...]]}``, ``dataframe_records``
  ``[{...}]``, ``instances`` and ``inputs`` (a list of rows, a list of records, or an
  object of columns).
- Open Inference Protocol v2 ``infer``: typed tensors, one per column (shape ``[n]`` or
  ``[n, 1]``) or a single 2-D tensor ``[n, columns]`` in signature order; as JSON
  ``data`` or, with the binary tensor data extension (what ``tritonclient`` sends by
  default), as raw little-endian bytes after a JSON header of
  ``Inference-Header-Content-Length`` bytes (``parameters.binary_data_size`` per tensor).
"""

from __future__ import annotations

import csv
import io
import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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
HEADER_LENGTH = "Inference-Header-Content-Length"
# binary tensor data: little-endian, row major, no padding (BYTES: see _bytes_elements)
_BINARY_DTYPES = {
    "BOOL": "|b1",
    "UINT8": "|u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "INT8": "|i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
}


@dataclass(frozen=True)
class InferRequest:
    part: Part
    id: str | None
    document: Any  # as captured: binary tensors decoded into their "data"
    binary_output: bool  # the binary tensor data extension asked for the output


def parse_infer(
    body: bytes,
    content_type: str | None,
    schema: InputSchema,
    header_length: str | None = None,
) -> InferRequest:
    """An ``infer`` body: JSON, or (the binary tensor data extension) a JSON header of
    ``header_length`` bytes followed by the inputs' raw data in the inputs' order."""
    kind, _ = media_type(content_type)
    if header_length is None:
        if not is_json(kind):
            raise PayloadError(415, f"Unsupported content type {kind!r}: send application/json.")
        header, binary = body, b""
    else:  # any content type, as Triton's server takes (the spec shows octet-stream)
        size = _header_length(header_length, len(body))
        header, binary = body[:size], body[size:]
    document = decode_json(header)
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise bad_request("The body must be an object with 'inputs': a list of tensors.")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise bad_request("'id' must be a string.")
    binary_output = _flag(_parameters(document, "The request"), "binary_data_output")
    outputs = document.get("outputs")
    if outputs is not None and not isinstance(outputs, list):
        raise bad_request("'outputs' must be a list of requested outputs.")
    for output in outputs or []:
        name = output.get("name") if isinstance(output, dict) else None
        if name != "predict":
            raise bad_request(f"Unknown output {name!r}: this model has the output 'predict'.")
        parameters = _parameters(output, f"Output {name!r}")
        if "binary_data" in parameters:  # the output's own choice overrides the request's
            binary_output = _flag(parameters, "binary_data")
    reader = _BinaryReader(binary, header_length is not None)
    tensors = [_tensor(t, i, reader) for i, t in enumerate(document["inputs"])]
    if not tensors:
        raise bad_request("'inputs' has no tensors.")
    reader.check_consumed()
    if reader.used:
        document = _decoded(document, tensors)
    return InferRequest(_tensors_to_part(tensors, schema), request_id, document, binary_output)


def _header_length(value: str, body_size: int) -> int:
    try:
        size = int(value.strip())
    except ValueError:
        size = -1
    if not 0 < size <= body_size:
        raise bad_request(
            f"{HEADER_LENGTH}: {value!r} is not the length of the JSON header (the body has "
            f"{body_size} bytes)."
        )
    return size


def _parameters(owner: dict[str, Any], what: str) -> dict[str, Any]:
    parameters = owner.get("parameters")
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise bad_request(f"{what}: 'parameters' must be an object.")
    return parameters


def _flag(parameters: dict[str, Any], key: str) -> bool:
    value = parameters.get(key, False)
    if not isinstance(value, bool):
        raise bad_request(f"Parameter {key!r} must be true or false, not {value!r}.")
    return value


class _BinaryReader:
    """The binary section of a request body, handed out tensor by tensor."""

    def __init__(self, data: bytes, allowed: bool) -> None:
        self.data = data
        self.allowed = allowed
        self.offset = 0
        self.used = False

    def take(self, name: str, size: Any) -> bytes:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise bad_request(
                f"Tensor {name!r}: 'binary_data_size' must be a non-negative integer."
            )
        if not self.allowed:
            raise bad_request(
                f"Tensor {name!r} has 'binary_data_size' but the request has no "
                f"{HEADER_LENGTH} header to say where its binary data starts."
            )
        end = self.offset + size
        if end > len(self.data):
            raise bad_request(
                f"Tensor {name!r}: 'binary_data_size' {size} goes past the end of the body "
                f"({len(self.data) - self.offset} bytes of binary data left)."
            )
        chunk = self.data[self.offset : end]
        self.offset = end
        self.used = True
        return chunk

    def check_consumed(self) -> None:
        if self.offset != len(self.data):
            raise bad_request(
                f"The body has {len(self.data)} bytes after the JSON header but the inputs' "
                f"'binary_data_size' add up to {self.offset}."
            )


@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: list[int]
    values: list[Any]


def _tensor(raw: Any, index: int, reader: _BinaryReader) -> _Tensor:
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
    parameters = _parameters(raw, f"Tensor {name!r}")
    count = math.prod(shape)
    if "binary_data_size" in parameters:
        if "data" in raw:
            raise bad_request(f"Tensor {name!r} has both 'data' and 'binary_data_size'.")
        chunk = reader.take(name, parameters["binary_data_size"])
        return _Tensor(name, shape, _binary_values(name, datatype, chunk, count))
    data = raw.get("data")
    if not isinstance(data, list):
        raise bad_request(f"Tensor {name!r}: 'data' must be a list.")
    values = _flatten(data)
    if len(values) != count:
        raise bad_request(
            f"Tensor {name!r}: shape {shape} holds {count} values but 'data' has {len(values)}."
        )
    return _Tensor(name, shape, values)


def _binary_values(name: str, datatype: str, chunk: bytes, count: int) -> list[Any]:
    if datatype == "BYTES":
        strings = _bytes_elements(name, chunk)
        if len(strings) != count:
            raise bad_request(
                f"Tensor {name!r}: its shape holds {count} values but its binary data has "
                f"{len(strings)} strings."
            )
        return strings
    dtype = np.dtype(_BINARY_DTYPES[datatype])
    if len(chunk) != count * dtype.itemsize:
        raise bad_request(
            f"Tensor {name!r}: {count} {datatype} values take {count * dtype.itemsize} "
            f"bytes; 'binary_data_size' is {len(chunk)}."
        )
    values: list[Any] = np.frombuffer(chunk, dtype=dtype).tolist()
    return values


def _bytes_elements(name: str, chunk: bytes) -> list[Any]:
    """BYTES elements: each a 4-byte little-endian unsigned length, then that many bytes
    (read as UTF-8 text: the models take strings)."""
    values: list[Any] = []
    offset = 0
    while offset < len(chunk):
        if offset + 4 > len(chunk):
            raise bad_request(f"Tensor {name!r}: its BYTES data ends inside a length prefix.")
        (length,) = struct.unpack_from("<I", chunk, offset)
        offset += 4
        if offset + length > len(chunk):
            raise bad_request(
                f"Tensor {name!r}: element {len(values)} says {length} bytes but only "
                f"{len(chunk) - offset} are left."
            )
        try:
            values.append(chunk[offset : offset + length].decode("utf-8"))
        except UnicodeDecodeError:
            raise bad_request(
                f"Tensor {name!r}: element {len(values)} is not UTF-8 text."
            ) from None
        offset += length
    return values


def _decoded(document: dict[str, Any], tensors: list[_Tensor]) -> dict[str, Any]:
    """The request as JSON (for data capture): binary tensors with their values as data."""
    inputs = []
    for raw, tensor in zip(document["inputs"], tensors, strict=True):
        parameters = dict(raw.get("parameters") or {})
        if parameters.pop("binary_data_size", None) is None:
            inputs.append(raw)
            continue
        item = {**raw, "data": tensor.values}
        if parameters:
            item["parameters"] = parameters
        else:
            item.pop("parameters", None)
        inputs.append(item)
    return {**document, "inputs": inputs}


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


def encode_output(values: list[Any], datatype: str) -> bytes:
    """An output tensor's values (flat, row major) as binary tensor data."""
    if datatype == "BYTES":
        chunks = []
        for value in values:
            raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
            chunks.append(struct.pack("<I", len(raw)))
            chunks.append(raw)
        return b"".join(chunks)
    return np.asarray(values, dtype=np.dtype(_BINARY_DTYPES[datatype])).tobytes()
