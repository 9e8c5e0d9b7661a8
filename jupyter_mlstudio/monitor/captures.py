"""An endpoint's captured traffic in a time window, as a table of model inputs.

Capture files are read with the endpoints' own reader (``serving.capture.read_capture``)
folder by folder: the writer files records under ``<variant>/<yyyy>/<mm>/<dd>/<hh>/``
by the hour a request arrived, so a window only opens the hours it covers. Request
bodies are read back into rows by the same parsers the endpoint used
(``serving.payloads``), so a body the endpoint accepted is read the same way here: CSV,
the four MLflow JSON shapes and Open Inference Protocol v2 tensors.

Only answered requests (status 200) carry predictions and are rows of the window; the
refused ones are counted. A window without a captured row is :class:`NoData` (an
execution outcome, not an error).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import fsspec
import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError
from ..serving.capture import read_capture
from ..serving.payloads import is_json, media_type, parse_csv, parse_mlflow_json
from ..serving.schema import InputSchema, Part, PayloadError

#: Columns the window's frame adds to the features (names no feature is likely to take).
INFERENCE_ID = "inference_id"
ROW = "inference_row"
TIME = "capture_time"
PREDICTION = "prediction"
PROBABILITY_PREFIX = "probability_"


@dataclass(frozen=True)
class NoData:
    """No captured row in the window."""

    reason: str
    failed_requests: int = 0


@dataclass(frozen=True)
class CapturedWindow:
    """The rows captured in a window: model inputs and, aligned with them, the request's
    inference id, the row's position in its request, the time and the prediction
    (scalar predictions) or ``probability_<j>`` columns (a list per row)."""

    features: pd.DataFrame
    meta: pd.DataFrame  # inference_id, inference_row, capture_time, prediction?, probability_*
    requests: int
    failed_requests: int
    # what probability_<j> stands for: classes[j] (endpoints with return_probabilities)
    classes: list[Any] | None = None

    @property
    def rows(self) -> int:
        return len(self.features)

    @property
    def predictions(self) -> pd.Series | None:
        found: pd.Series | None = self.meta.get(PREDICTION)
        return found

    @property
    def probabilities(self) -> pd.DataFrame | None:
        columns = [c for c in self.meta.columns if str(c).startswith(PROBABILITY_PREFIX)]
        return self.meta[columns] if columns else None

    def frame(self) -> pd.DataFrame:
        """Features and the capture columns side by side."""
        return pd.concat([self.features, self.meta], axis=1)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _hours(start: datetime, end: datetime) -> Iterator[str]:
    hour = start.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    last = end.astimezone(timezone.utc)
    while hour < last:
        yield hour.strftime("%Y/%m/%d/%H")
        hour += timedelta(hours=1)


def _variants(fs: Any, root: str) -> list[str]:
    if not fs.exists(root):
        return []
    return sorted(
        posixpath.basename(entry["name"].rstrip("/"))
        for entry in fs.ls(root, detail=True)
        if entry.get("type") == "directory"
    )


def records_in_window(
    destination: str, start: datetime, end: datetime, *, variant: str | None = None
) -> Iterator[dict[str, Any]]:
    """The capture records of ``[start, end)`` (naive datetimes are UTC)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise InvalidArgumentError(f"The window's end ({end}) is not after its start ({start}).")
    fs, root = fsspec.core.url_to_fs(destination)
    root = root.rstrip("/")
    variants = [variant] if variant else _variants(fs, root)
    for name in variants:
        for hour in _hours(start, end):
            for record in read_capture(fs.unstrip_protocol(f"{root}/{name}/{hour}")):
                at = datetime.fromisoformat(record["time"])
                if start <= _utc(at) < end:
                    yield record


def _oip_frame(document: Mapping[str, Any], names: Sequence[str] | None) -> pd.DataFrame:
    tensors = document["inputs"]
    if len(tensors) == 1:
        tensor = tensors[0]
        shape = list(tensor.get("shape") or [])
        data = np.asarray(tensor["data"], dtype=object)
        if len(shape) == 2 and shape[1] > 1:
            width = int(shape[1])
            columns = (
                list(names)
                if names and len(names) == width
                else [f"{tensor['name']}_{j}" for j in range(width)]
            )
            return pd.DataFrame(data.reshape(-1, width).tolist(), columns=columns).infer_objects()
    by_name = {str(t["name"]): np.asarray(t["data"]).reshape(-1).tolist() for t in tensors}
    return pd.DataFrame(by_name).infer_objects()


def _is_oip(document: Any) -> bool:
    inputs = document.get("inputs") if isinstance(document, dict) else None
    return (
        isinstance(inputs, list)
        and bool(inputs)
        and all(isinstance(t, dict) and {"name", "datatype", "data"} <= t.keys() for t in inputs)
    )


def _part_frame(part: Part, schema: InputSchema) -> pd.DataFrame:
    data = part.data
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    if isinstance(data, dict):
        return pd.DataFrame(data)
    return pd.DataFrame(np.asarray(data), columns=schema.names)


def request_frame(
    request: Mapping[str, Any], schema: InputSchema, names: Sequence[str] | None = None
) -> pd.DataFrame:
    """The rows of one captured request body (``names``: the columns of header-less
    rows when the model has no signature)."""
    kind, params = media_type(request.get("content_type"))
    data = request.get("data")
    if kind in ("text/csv", "application/csv"):
        frame = _part_frame(parse_csv(str(data), schema, params.get("header")), schema)
    elif is_json(kind) and isinstance(data, dict) and _is_oip(data):
        return _oip_frame(data, names or schema.names or None)
    else:
        frame = _part_frame(parse_mlflow_json(data, schema), schema)
    numbered = list(frame.columns) == list(range(frame.shape[1]))
    if names and schema.free and numbered and len(names) == frame.shape[1]:
        frame.columns = pd.Index(list(names))
    return frame


def request_records(
    request: Mapping[str, Any], schema: InputSchema, names: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The rows of one captured request as records. The common case, a model without a
    signature sent records, is taken as it is (building a frame per request is what
    makes reading a window slow); every other body goes through :func:`request_frame`."""
    data = request.get("data")
    if schema.free and isinstance(data, dict) and len(data) == 1:
        kind, _ = media_type(request.get("content_type"))
        ((key, value),) = data.items()
        if (
            is_json(kind)
            and key in ("dataframe_records", "instances", "inputs")
            and isinstance(value, list)
            and value
            and all(isinstance(r, dict) for r in value)
            and not _is_oip(data)
        ):
            return [{str(k): v for k, v in r.items()} for r in value]
    frame = request_frame(request, schema, names)
    records: list[dict[str, Any]] = frame.to_dict(orient="records")
    return records


def _predictions(response: Any) -> list[Any] | None:
    if not isinstance(response, dict):
        return None
    if isinstance(response.get("predictions"), list):
        return list(response["predictions"])
    outputs = response.get("outputs")
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict):
        output = outputs[0]
        values = np.asarray(output.get("data", []), dtype=object)
        shape = output.get("shape") or []
        if len(shape) == 2 and shape[1] > 1:
            return [list(row) for row in values.reshape(-1, int(shape[1]))]
        return values.reshape(-1).tolist()
    return None


def response_probabilities(response: Any) -> tuple[list[list[float]], list[Any]] | None:
    """The ``predict_proba`` rows and their classes in a captured answer of an endpoint
    deployed with ``return_probabilities``: the ``probabilities``/``classes`` of an
    ``/invocations`` answer, or the ``predict_proba`` output tensor of an OIP v2 one."""
    if not isinstance(response, dict):
        return None
    if isinstance(response.get("probabilities"), list):
        return list(response["probabilities"]), list(response.get("classes") or [])
    outputs = response.get("outputs")
    if isinstance(outputs, list):
        for output in outputs:
            if isinstance(output, dict) and output.get("name") == "predict_proba":
                shape = output.get("shape") or []
                width = int(shape[1]) if len(shape) == 2 else 1
                values = np.asarray(output.get("data", []), dtype=float).reshape(-1, width)
                classes = (output.get("parameters") or {}).get("classes") or []
                return values.tolist(), list(classes)
    return None


def read_window(
    destination: str,
    start: datetime,
    end: datetime,
    *,
    variant: str | None = None,
    signature_inputs: Sequence[Mapping[str, Any]] | None = None,
    feature_names: Sequence[str] | None = None,
) -> CapturedWindow | NoData:
    """The rows an endpoint captured in ``[start, end)`` under ``destination``.

    ``signature_inputs`` (the model version's signature) types the columns as the
    endpoint did; ``feature_names`` (e.g. the baseline's) names the columns of
    header-less rows of a model without one.
    """
    schema = InputSchema(list(signature_inputs or []), feature_names=True)
    rows: list[dict[str, Any]] = []
    meta: dict[str, list[Any]] = {INFERENCE_ID: [], ROW: [], TIME: []}
    outputs: list[Any] = []  # one per row: a prediction, a list of probabilities or None
    probabilities: list[list[float] | None] = []  # one per row (return_probabilities)
    classes: list[Any] | None = None
    requests = failed = 0
    for record in records_in_window(destination, start, end, variant=variant):
        requests += 1
        response = record.get("response") or {}
        if response.get("status") != 200:
            failed += 1
            continue
        try:
            found = request_records(record.get("request") or {}, schema, feature_names)
        except (PayloadError, ValueError, TypeError, KeyError):
            failed += 1  # a body this code cannot read back: counted, not fatal
            continue
        count = len(found)
        rows += found
        meta[INFERENCE_ID] += [str(record["inference_id"])] * count
        meta[ROW] += range(count)
        meta[TIME] += [record["time"]] * count
        predictions = _predictions(response.get("data"))
        outputs += (
            predictions if predictions is not None and len(predictions) == count else [None] * count
        )
        found_probabilities = response_probabilities(response.get("data"))
        if found_probabilities is not None and len(found_probabilities[0]) == count:
            probabilities += found_probabilities[0]
            classes = classes or found_probabilities[1] or None
        else:
            probabilities += [None] * count
    if not rows:
        where = f" of variant {variant!r}" if variant else ""
        return NoData(
            f"No captured row{where} between {_utc(start):%Y-%m-%d %H:%M:%S} and "
            f"{_utc(end):%Y-%m-%d %H:%M:%S} UTC ({requests} captured requests, {failed} "
            "without an answer).",
            failed_requests=failed,
        )
    features = pd.DataFrame.from_records(rows)
    meta_frame = pd.DataFrame(meta)
    meta_frame[TIME] = pd.to_datetime(meta_frame[TIME], utc=True, format="ISO8601")
    # probability_<j>: the endpoint's own probabilities (return_probabilities) where it
    # answered them, else an output that is a list per row
    rows_probabilities = [
        p if p is not None else (o if isinstance(o, list) else None)
        for o, p in zip(outputs, probabilities, strict=True)
    ]
    if any(p is not None for p in rows_probabilities):
        width = max(len(p) for p in rows_probabilities if p is not None)
        for j in range(width):
            meta_frame[f"{PROBABILITY_PREFIX}{j}"] = [
                p[j] if p is not None and j < len(p) else None for p in rows_probabilities
            ]
    if any(o is not None and not isinstance(o, list) for o in outputs):
        meta_frame[PREDICTION] = pd.Series(
            [None if isinstance(o, list) else o for o in outputs], dtype=object
        ).infer_objects()
    return CapturedWindow(features, meta_frame, requests, failed, classes)
