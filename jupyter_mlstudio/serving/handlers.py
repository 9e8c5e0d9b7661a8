"""The HTTP routes of an endpoint worker: SageMaker's container contract, the Open
Inference Protocol v2, and ``/metrics``.

Errors are JSON and never carry a traceback: ``{"error": {"code", "message"}}`` on the
SageMaker routes (the studio's error shape), ``{"error": message}`` on ``/v2`` (the
protocol's). Every response has an ``X-Inference-Id`` header.

Bodies are streamed in (``stream_request_body``) and kept only up to the endpoint's
``max_payload_bytes``: a larger one is read through and discarded, then answered 413 with
the limit, so that a client that sends its whole body before reading the answer gets the
413 rather than a reset connection (401 and 404 wait for the body likewise). A body
larger than ``config.drain_limit``, or one announced with ``Expect: 100-continue``, is
answered at once and its connection closed.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from asyncio import Future, get_running_loop
from collections.abc import Awaitable
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.http1connection import HTTP1Connection

from .autoscaling import read_state
from .capture import CaptureRecord, sampled
from .config import drain_limit, too_large_message
from .inference_code import HandlerError, StageError
from .metrics import endpoint_metrics
from .payloads import HEADER_LENGTH, encode_output, media_type, parse_infer, parse_invocation
from .schema import Part, PayloadError
from .shadow import ShadowCopy, ShadowRunner, shadow_metrics
from .variants import Endpoint, LoadedVariant, Predictions, rejected_input

log = logging.getLogger("jupyter_mlstudio.serving")

INFERENCE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "MODEL_ERROR",
    503: "UNAVAILABLE",
}


def _content_length(headers: Any) -> int | None:
    value = headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _json(value: Any) -> bytes:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()
    except ValueError:  # NaN or infinity among the predictions
        from ..registry.format import json_safe

        return json.dumps(json_safe(value), separators=(",", ":")).encode()


@tornado.web.stream_request_body
class BaseHandler(tornado.web.RequestHandler):
    """Auth, inference id, draining, the error shape and the per-request bookkeeping."""

    public = False  # health checks answer without the token
    counted = True  # requests, errors and latency go to the metrics
    oip = False  # the /v2 error shape

    def initialize(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.variant: LoadedVariant | None = None
        self.inference_id = ""
        self.started = time.time()
        self._inflight = False
        self._counted = False
        self._capture: tuple[str, Any, Any] | None = None  # content type, request, response
        self._chunks: list[bytes] = []
        self._received = 0
        self._too_large = False
        self._refusal: tuple[int, str] | None = None
        self._shadow: list[Any] | None = None  # [content type, body, response]: a shadow copy

    def set_default_headers(self) -> None:
        self.clear_header("Server")

    def prepare(self) -> Awaitable[None] | None:
        given = self.request.headers.get("X-Inference-Id")
        self.inference_id = given if given and INFERENCE_ID.match(given) else uuid.uuid4().hex
        self.set_header("X-Inference-Id", self.inference_id)
        endpoint = self.endpoint
        if self.counted:
            endpoint.inflight += 1
            self._inflight = True
        if endpoint.draining:
            self.set_header("Connection", "close")
            connection = self.request.connection
            if isinstance(connection, HTTP1Connection):
                connection._disconnect_on_finish = True  # finish this one, take no more
        limit = endpoint.config.max_payload_bytes
        declared = _content_length(self.request.headers)
        if not self.public and not endpoint.authorized(self.request.headers):
            self.set_header("WWW-Authenticate", 'Bearer realm="mlstudio-endpoint"')
            self.refuse(401, "This endpoint needs its token: 'Authorization: Bearer <token>'.")
        elif declared is not None and declared > limit:
            self._too_large = True
            self.refuse(413, too_large_message(declared, limit))
        return None

    def refuse(self, status: int, message: str) -> None:
        """Answer ``status`` without looking at the request, once its body is read through
        (discarded): a client that sends the whole body before reading the answer then
        reads it, and a keep-alive connection stays usable. At once (the connection then
        closes) when the client waits for a ``100 Continue`` or the body is too large."""
        if self._finished or self._refusal is not None:
            return
        declared = _content_length(self.request.headers) or 0
        waiting = self.request.headers.get("Expect", "").lower() == "100-continue"
        if waiting or declared > drain_limit(self.endpoint.config.max_payload_bytes):
            connection = self.request.connection
            if isinstance(connection, HTTP1Connection):
                connection.set_max_body_size(declared)  # no 400 of tornado's after ours
            self.fail(status, message)
            return
        self._refusal = (status, message)
        # the method tornado calls once the body is in: the refusal instead
        setattr(self, (self.request.method or "get").lower(), self._answer_refusal)

    def _answer_refusal(self, *args: Any, **kwargs: Any) -> None:
        assert self._refusal is not None
        self.fail(*self._refusal)

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._refusal is not None:
            return
        if self._too_large or self._received > self.endpoint.config.max_payload_bytes:
            self._too_large = True  # read through, kept no more
            self._chunks.clear()
            return
        self._chunks.append(chunk)

    def read_body(self) -> bytes:
        """The whole body, once received; a ``PayloadError`` 413 when over the limit."""
        if self._too_large:
            size = max(self._received, _content_length(self.request.headers) or 0)
            raise PayloadError(413, too_large_message(size, self.endpoint.config.max_payload_bytes))
        if self._chunks:
            self.request.body = b"".join(self._chunks)
            self._chunks = []
        return self.request.body

    # -- responses ---------------------------------------------------------------------
    def reply(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(_json(value))

    def fail(self, status: int, message: str) -> None:
        if self._finished:
            return
        self.clear_header("Content-Type")
        body: Any
        if self.oip:
            body = {"error": message}
        else:
            body = {"error": {"code": _CODES.get(status, "ERROR"), "message": message}}
        self.captured_response(body)
        # one line per failed request, for the endpoint view's "recent errors"
        log.warning(
            "request failed: %d %s %s: %s",
            status,
            self.request.method,
            self.request.uri,
            message.replace("\n", " ")[:500],
        )
        self.reply(body, status)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Tornado's own errors (405, unexpected exceptions): JSON, no traceback."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError):
            message = exc.reason or HTTPStatus(status_code).phrase
        elif exc is not None:
            message = f"Internal error: {type(exc).__name__}: {exc}"
        else:
            message = HTTPStatus(status_code).phrase
        self.clear()
        self.set_header("X-Inference-Id", self.inference_id or uuid.uuid4().hex)
        self.fail(status_code, message)

    def finish(self, chunk: str | bytes | dict[str, Any] | None = None) -> Future[None]:
        self._count()  # before the response leaves: a client reading /metrics next sees it
        return super().finish(chunk)

    def _count(self) -> None:
        if self.counted and not self._counted:
            self._counted = True
            variant = self.variant
            row = variant.row if variant is not None else self.endpoint.unrouted_row
            self.endpoint.metrics.request(row, self.get_status(), self.request.request_time())

    def on_finish(self) -> None:
        endpoint = self.endpoint
        if self._inflight:
            endpoint.inflight -= 1
        if not self.counted:
            return
        self._count()
        variant = self.variant
        status = self.get_status()
        if variant is not None and self._shadow is not None and endpoint.shadow is not None:
            self._copy_to_shadow(endpoint.shadow, variant, status)
        if variant is not None and self._capture is not None and endpoint.capture is not None:
            content_type, request, response = self._capture
            record = CaptureRecord(
                self.inference_id,
                self.started,
                variant.name,
                variant.version.name,
                variant.version.version,
                content_type,
                request,
                status,
                response,
                variant.row,
            )
            if not endpoint.capture.submit(record):
                endpoint.metrics.capture_dropped(variant.row)

    def _copy_to_shadow(self, shadow: ShadowRunner, variant: LoadedVariant, status: int) -> None:
        """The answered request to the shadow variant's thread (serving/shadow.py)."""
        assert self._shadow is not None
        content_type, body, response = self._shadow
        copy = ShadowCopy(
            self.inference_id,
            self.started,
            "infer" if self.oip else "invocations",
            content_type,
            body,
            self.request.headers.get(HEADER_LENGTH),
            self.request.headers.get("Accept", ""),
            variant,
            status,
            response,
            1000 * self.request.request_time(),
        )
        shadow.submit(copy)

    # -- shared steps ---------------------------------------------------------------------
    def start_capture(self, content_type: str) -> None:
        """Decide, once the variant is known, whether this request is captured (and
        copied to the shadow variant)."""
        shadow = self.endpoint.shadow
        if shadow is not None and shadow.wants(self.inference_id):
            self._shadow = [content_type, self.read_body(), None]
        capture = self.endpoint.config.capture
        if self.endpoint.capture is not None and sampled(
            self.inference_id, capture.sampling_percent
        ):
            self._capture = (content_type, self.read_body().decode("utf-8", "replace"), None)

    def captured_request(self, document: Any) -> None:
        if self._capture is not None:
            self._capture = (self._capture[0], document, self._capture[2])

    def captured_response(self, response: Any) -> None:
        if self._shadow is not None:
            self._shadow[2] = response
        if self._capture is not None:
            self._capture = (self._capture[0], self._capture[1], response)

    async def look_up_features(self, variant: LoadedVariant, part: Part) -> Part | None:
        """An endpoint deployed with ``features=[...]``: the model input assembled from
        the request and the online features (``None`` after a 4xx/503 was sent). The
        captured request is that input (what the model saw, for Model Monitor)."""
        lookup = self.endpoint.features
        if lookup is None:
            return part
        started = time.perf_counter()
        try:
            assembled, document = await lookup.assemble(part, variant.model_schema)
        except PayloadError as exc:
            self.fail(exc.status, exc.message)
            return None
        finally:
            self.endpoint.metrics.lookup(variant.row, time.perf_counter() - started)
        self.captured_request(document)
        return assembled

    async def predict(self, variant: LoadedVariant, part: Part) -> Predictions | None:
        """The variant's predictions for the part, or ``None`` after a 500 was sent."""
        assert variant.batcher is not None
        try:
            return await variant.batcher.submit(part)
        except Exception as exc:
            if rejected_input(exc):
                self.fail(400, f"The model rejected the input: {type(exc).__name__}: {exc}")
                return None
            log.error(
                "Variant %s failed on request %s: %s: %s",
                variant.name,
                self.inference_id,
                type(exc).__name__,
                exc,
            )
            self.fail(500, f"The model failed: {type(exc).__name__}: {exc}")
            return None


class NotFoundHandler(BaseHandler):
    def prepare(self) -> None:
        self.oip = self.request.path.startswith("/v2")
        super().prepare()
        self.refuse(404, f"No route {self.request.method} {self.request.path} on this endpoint.")


class PingHandler(BaseHandler):
    public = True
    counted = False

    def get(self) -> None:
        self.reply({"status": "Healthy", "endpoint": self.endpoint.name})


class InvocationsHandler(BaseHandler):
    async def post(self) -> None:
        content_type = self.request.headers.get("Content-Type", "")
        try:
            self.variant = variant = self.choose_variant()
            self.set_header("X-Invoked-Variant", variant.name)
            raw = self.read_body()
            self.start_capture(content_type)
            if variant.code is not None:
                await self.invoke_code(variant, raw, content_type)
                return
            part, document = parse_invocation(raw, content_type, variant.schema)
            self.captured_request(document)
        except PayloadError as exc:
            self.fail(exc.status, exc.message)
            return
        looked_up = await self.look_up_features(variant, part)
        if looked_up is None:
            return
        predictions = await self.predict(variant, looked_up)
        if predictions is None:
            return
        body: dict[str, Any] = {"predictions": predictions.values}
        if predictions.probabilities is not None:  # return_probabilities
            body["probabilities"] = predictions.probabilities
            body["classes"] = variant.classes
        self.captured_response(body)
        accept, _ = media_type(self.request.headers.get("Accept"))
        if accept == "text/csv":
            self.set_header("Content-Type", "text/csv")
            self.finish("".join(f"{_csv_cell(v)}\n" for v in predictions.values))
            return
        self.reply(body)

    def choose_variant(self) -> LoadedVariant:
        return self.endpoint.choose(self.request.headers.get("X-Target-Variant"))

    async def invoke_code(self, variant: LoadedVariant, raw: bytes, content_type: str) -> None:
        """A code model: the body through the script's handlers, on the variant's own
        thread, one request at a time. Not batched: input_fn may return anything, so
        requests cannot be merged into one predict_fn call. A handler's exception is
        answered with its stage and message (input_fn: 400, the others: 500), its
        traceback goes to the endpoint log."""
        code, executor = variant.code, variant.code_executor
        assert code is not None and executor is not None
        accept = self.request.headers.get("Accept", "")
        try:
            body, answered_type = await get_running_loop().run_in_executor(
                executor, code.invoke, raw, content_type, accept
            )
        except HandlerError as exc:
            self.fail(exc.status, exc.message)
            return
        except StageError as exc:
            log.error(
                "Variant %s: %s of %s failed on request %s",
                variant.name,
                exc.stage,
                code.entry,
                self.inference_id,
                exc_info=exc.cause,
            )
            status = 400 if exc.stage == "input_fn" else 500
            self.fail(status, f"The model's {exc}")
            return
        self.captured_response(body.decode("utf-8", "replace"))
        self.set_header("Content-Type", answered_type)
        self.finish(body)


def _csv_cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_csv_cell(v) for v in value)
    text = str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text


class AsyncInvocationsHandler(BaseHandler):
    """SageMaker's InvokeEndpointAsync on the endpoint's own port: the body (or the
    ``X-Amzn-SageMaker-InputLocation`` file) joins the durable queue; 202 at once with
    the inference id and the output location (``serving/async_worker.py``)."""

    counted = False  # the queued request is counted when the endpoint invokes itself

    def initialize(self, endpoint: Endpoint, runtime: Any = None) -> None:
        super().initialize(endpoint)
        self.runtime = runtime

    async def post(self) -> None:
        from ..errors import MLStudioError
        from .async_worker import FAILURE_LOCATION, OUTPUT_LOCATION

        try:
            body = self.read_body()
            request = await get_running_loop().run_in_executor(
                None,
                self.runtime.enqueue,
                body,
                self.request.headers,  # any case
            )
        except PayloadError as exc:
            self.fail(exc.status, exc.message)
            return
        except MLStudioError as exc:  # a bad location: 400; the store unreachable: 503
            self.fail(400 if exc.code.value == "INVALID_ARGUMENT" else 503, exc.message)
            return
        self.set_header("X-Inference-Id", request.id)
        self.set_header(OUTPUT_LOCATION, request.output_location)
        self.set_header(FAILURE_LOCATION, request.failure_location)
        self.reply(
            {
                "InferenceId": request.id,
                "OutputLocation": request.output_location,
                "FailureLocation": request.failure_location,
            },
            202,
        )


class MetricsHandler(BaseHandler):
    counted = False

    def get(self) -> None:
        facts = [v.facts() for v in self.endpoint.variants]
        metrics = endpoint_metrics(self.endpoint.metrics_file, self.endpoint.name, facts)
        if self.endpoint.features is not None:
            metrics["features"] = self.endpoint.features.facts()
        if self.endpoint.shadow is not None:  # serving/shadow.py
            metrics["shadow"] = shadow_metrics(self.endpoint.metrics_file, self.endpoint.shadow)
        scaling = read_state(self.endpoint.metrics_file.path.parent)  # serving/autoscaling.py
        if scaling is not None:
            metrics["autoscaling"] = scaling
        self.reply(metrics)


# -- Open Inference Protocol v2 ---------------------------------------------------------
class OipHandler(BaseHandler):
    oip = True

    def resolve(self, name: str, version: str | None) -> list[LoadedVariant] | None:
        found = self.endpoint.variants_named(name, version)
        if not found:
            served = sorted(
                {self.endpoint.name}
                | {v.name for v in self.endpoint.variants}
                | {v.version.name for v in self.endpoint.variants}
            )
            wanted = f"{name!r}" + (f" version {version}" if version else "")
            self.fail(404, f"Unknown model {wanted}: this endpoint serves {', '.join(served)}.")
            return None
        return found


class ServerLiveHandler(OipHandler):
    public = True
    counted = False

    def get(self) -> None:
        self.reply({"live": True})


class ServerReadyHandler(OipHandler):
    public = True
    counted = False

    def get(self) -> None:
        self.reply({"ready": True})


class ServerMetadataHandler(OipHandler):
    counted = False

    def get(self) -> None:
        from .. import __version__

        self.reply(
            {
                "name": "jupyter-mlstudio",
                "version": __version__,
                "extensions": ["binary_tensor_data"],
            }
        )


class ModelMetadataHandler(OipHandler):
    counted = False

    def get(self, name: str, version: str | None = None) -> None:
        found = self.resolve(name, version)
        if found is not None:
            versions = sorted({str(v.version.version) for v in found}, key=int)
            self.reply(found[0].oip_metadata(name, versions))


class ModelReadyHandler(OipHandler):
    counted = False

    def get(self, name: str, version: str | None = None) -> None:
        if self.resolve(name, version) is not None:
            self.reply({"name": name, "ready": True})


class InferHandler(OipHandler):
    async def post(self, name: str, version: str | None = None) -> None:
        found = self.resolve(name, version)
        if found is None:
            return
        content_type = self.request.headers.get("Content-Type", "")
        try:
            self.variant = variant = self.endpoint.choose(
                self.request.headers.get("X-Target-Variant"), found
            )
            self.set_header("X-Invoked-Variant", variant.name)
            body = self.read_body()
            self.start_capture(content_type)
            request = parse_infer(
                body, content_type, variant.schema, self.request.headers.get(HEADER_LENGTH)
            )
            self.captured_request(request.document)
        except PayloadError as exc:
            self.fail(exc.status, exc.message)
            return
        looked_up = await self.look_up_features(variant, request.part)
        if looked_up is None:
            return
        predictions = await self.predict(variant, looked_up)
        if predictions is None:
            return
        # (output tensor without its data, the flat data)
        outputs: list[tuple[dict[str, Any], list[Any]]] = [
            (
                {"name": "predict", "shape": predictions.shape, "datatype": predictions.datatype},
                _flat(predictions.values),
            )
        ]
        if predictions.probabilities is not None:  # return_probabilities: a second tensor
            width = len(variant.classes or [])
            outputs.append(
                (
                    {
                        "name": "predict_proba",
                        "shape": [len(predictions.probabilities), width],
                        "datatype": "FP64",
                        "parameters": {"classes": variant.classes},
                    },
                    _flat(predictions.probabilities),
                )
            )
        answer = {
            "model_name": name,
            "model_version": str(variant.version.version),
            "id": request.id or self.inference_id,
        }
        document = {**answer, "outputs": [{**o, "data": data} for o, data in outputs]}
        self.captured_response(document)
        if not request.binary_output:
            self.reply(document)
            return
        # the binary tensor data extension: the JSON header, then the outputs' raw bytes
        raws = [encode_output(data, o["datatype"]) for o, data in outputs]
        raw = b"".join(raws)
        header = _json(
            {
                **answer,
                "outputs": [
                    {**o, "parameters": {**o.get("parameters", {}), "binary_data_size": len(r)}}
                    for (o, _), r in zip(outputs, raws, strict=True)
                ],
            }
        )
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header(HEADER_LENGTH, str(len(header)))
        self.finish(header + raw)


def _flat(values: list[Any]) -> list[Any]:
    if values and isinstance(values[0], list):
        return [x for row in values for x in _flat(row)]
    return values


def make_app(endpoint: Endpoint) -> tornado.web.Application:
    versions = r"(?:/versions/([^/]+))?"
    routes: list[Any] = [
        (r"/ping", PingHandler),
        (r"/invocations", InvocationsHandler),
        (r"/metrics", MetricsHandler),
        (r"/v2", ServerMetadataHandler),
        (r"/v2/health/live", ServerLiveHandler),
        (r"/v2/health/ready", ServerReadyHandler),
        (rf"/v2/models/([^/]+){versions}", ModelMetadataHandler),
        (rf"/v2/models/([^/]+){versions}/ready", ModelReadyHandler),
        (rf"/v2/models/([^/]+){versions}/infer", InferHandler),
    ]
    if endpoint.models is not None:  # a multi-model endpoint (serving/multi_model.py)
        from .multi_model import with_model_routes

        routes = with_model_routes(routes)
    from .async_worker import RuntimeQueue

    runtime = RuntimeQueue(endpoint.config)  # the store is opened on the first request
    async_route = (r"/async-invocations", AsyncInvocationsHandler)
    return tornado.web.Application(
        [(path, handler, {"endpoint": endpoint}) for path, handler in routes]
        + [(*async_route, {"endpoint": endpoint, "runtime": runtime})],
        default_handler_class=NotFoundHandler,
        default_handler_args={"endpoint": endpoint},
        log_function=_log_request,
        compress_response=False,
        serve_traceback=False,
    )


def _log_request(handler: tornado.web.RequestHandler) -> None:
    if handler.get_status() >= 500:
        log.warning(
            "%d %s %s %.1f ms",
            handler.get_status(),
            handler.request.method,
            handler.request.uri,
            1000 * handler.request.request_time(),
        )
