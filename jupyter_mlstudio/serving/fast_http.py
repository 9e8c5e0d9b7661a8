"""The worker's HTTP front: an ``asyncio.Protocol`` with httptools' parser that answers
the hot path itself and hands every other request to the tornado app.

A tornado ``RequestHandler`` costs 0.13-0.16 ms of event-loop CPU per request before any
work (``benchmarks/serving_http_floor.py``), more than parsing, batching and metrics
together: at 64 connections that, not ``predict``, held the endpoint under half of the
in-process limit. So every connection of a worker is read here:

* ``POST /invocations`` (variants without inference code, not a multi-model endpoint,
  authorized, no ``Expect`` header, a body within ``max_payload_bytes``) is parsed,
  batched, predicted and answered here, with what ``handlers.InvocationsHandler`` does
  around it: the inference id, ``X-Target-Variant``, online features, data capture, the
  shadow copy, the metrics and the error shapes and log lines;
* ``GET /ping`` is answered here;
* anything else — ``/metrics``, ``/v2``, ``/async-invocations``, multi-model routes, code
  models, 401s, oversized declared bodies, ``Expect: 100-continue`` — goes to the same
  tornado application as before, through an in-process socket pair per connection (the
  request re-sent as parsed, the answer relayed back as it streams), so those routes
  behave as they did.

Answers leave in request order (pipelined requests may finish out of order: each has
a slot in the connection's queue). Requests to tornado go one at a time per
connection, so its answers can be relayed without splitting them. Flow control goes
both ways (a large body to tornado pauses reading the client while the socket pair is
full, a slow client pauses reading tornado's answer).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections import deque
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

import httptools
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

from .capture import CaptureRecord, sampled
from .config import drain_limit, too_large_message
from .handlers import _CODES, INFERENCE_ID, _csv_cell, _json
from .metrics import MetricsFile
from .payloads import HEADER_LENGTH, media_type, parse_invocation
from .schema import PayloadError
from .shadow import ShadowCopy
from .variants import Endpoint, LoadedVariant, rejected_input

log = logging.getLogger("jupyter_mlstudio.serving")

MAX_HEADER_BYTES = 65536  # tornado's default max_header_size
IDLE_TIMEOUT = 300.0  # seconds an idle keep-alive connection stays open (as tornado's)
HIGH_WATER = 4 * 1024 * 1024  # bytes queued for tornado before the client is paused


def enabled() -> bool:
    """Whether workers serve through this front (``MLSTUDIO_SERVING_HTTP=tornado``
    turns it off: every request then goes to tornado's server directly)."""
    import os

    return os.environ.get("MLSTUDIO_SERVING_HTTP", "fast").lower() != "tornado"


class _Headers(dict[str, str]):
    """Request headers with lower-case names; ``get`` in any case (as tornado's)."""

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, key.lower(), default)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_date_cache: tuple[int, bytes] = (0, b"")


def _date() -> bytes:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode())
    return _date_cache[1]


def _response(
    status: int,
    body: bytes,
    content_type: bytes,
    headers: list[tuple[str, str]],
    close: bool,
    keep_alive_header: bool,
) -> bytes:
    phrase = HTTPStatus(status).phrase
    lines = [
        b"HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
        % (status, phrase.encode(), _date(), content_type, len(body))
    ]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n".encode("latin-1", "replace"))
    if close:
        lines.append(b"Connection: close\r\n")
    elif keep_alive_header:  # an HTTP/1.0 client that asked for keep-alive
        lines.append(b"Connection: Keep-Alive\r\n")
    lines.append(b"\r\n")
    lines.append(body)
    return b"".join(lines)


class FastServer:
    """The connections of one worker (what ``worker._Listener`` hands accepted sockets
    to, and what ``worker._drain`` drains)."""

    def __init__(
        self,
        endpoint: Endpoint,
        tornado_server: HTTPServer,
        metrics: MetricsFile,
        slot: int,
        max_buffer_size: int,
    ) -> None:
        self.endpoint = endpoint
        self.tornado = tornado_server
        self.metrics = metrics
        self.slot = slot
        self.max_buffer_size = max_buffer_size
        self.open_connections = 0
        self.draining = False
        self.connections: set[HttpConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # /invocations here: every variant is batched (no inference code) and requests
        # do not name models (multi-model endpoints route through tornado)
        self.fast_invocations = endpoint.models is None and all(
            v.code is None and v.batcher is not None for v in endpoint.variants
        )
        self.limit = endpoint.config.max_payload_bytes
        self.drain_limit = drain_limit(self.limit)
        self._loop = asyncio.get_running_loop()
        self._sweeper = self._loop.call_later(IDLE_TIMEOUT / 10, self._sweep)

    def accept(self, sock: socket.socket, address: Any) -> None:
        self.keep(self._loop.create_task(self._connect(sock, address)))

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a task until it ends (the loop keeps only weak references)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, sock: socket.socket, address: Any) -> None:
        try:
            await self._loop.connect_accepted_socket(lambda: HttpConnection(self, address), sock)
        except OSError as exc:
            log.warning("Could not take a connection: %s", exc)
            sock.close()

    def opened(self, connection: HttpConnection) -> None:
        self.connections.add(connection)
        self.open_connections += 1
        self.metrics.set_connections(self.slot, self.open_connections)

    def closed(self, connection: HttpConnection) -> None:
        if connection in self.connections:
            self.connections.discard(connection)
            self.open_connections -= 1
            if not self.draining:
                self.metrics.set_connections(self.slot, self.open_connections)

    def _sweep(self) -> None:
        """Close keep-alive connections idle for ``IDLE_TIMEOUT``."""
        cutoff = time.monotonic() - IDLE_TIMEOUT
        for connection in list(self.connections):
            if not connection.slots and connection.last_active < cutoff:
                connection.close()
        self._sweeper = self._loop.call_later(IDLE_TIMEOUT / 10, self._sweep)

    async def close_all_connections(self) -> None:
        self._sweeper.cancel()
        for connection in list(self.connections):
            connection.close()
        await self.tornado.close_all_connections()
        while self.connections:
            await asyncio.sleep(0.01)


class _Slot:
    """One request's place in its connection's answer order."""

    __slots__ = ("chunks", "close", "done")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.done = False
        self.close = False


class HttpConnection(asyncio.Protocol):
    """One client connection: parses requests, answers them in order."""

    def __init__(self, server: FastServer, address: Any) -> None:
        self.server = server
        self.endpoint = server.endpoint
        self.address = address
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.slots: deque[_Slot] = deque()
        self.closing = False  # no more requests are read
        self.last_active = time.monotonic()
        self.upstream: _Upstream | None = None
        self._url = b""
        self._method = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_bytes = 0
        self._request: _Invocation | _Ping | _Proxied | None = None
        self._pauses: set[str] = set()
        self._eof = False

    # -- asyncio ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.slots.clear()
        request, self._request = self._request, None
        if isinstance(request, _Invocation):  # its body never came: not in flight
            request.lost()
        self.server.closed(self)
        if self.upstream is not None:
            self.upstream.close()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last_active = time.monotonic()
        try:
            while True:
                try:
                    self.parser.feed_data(data)
                    break
                except httptools.HttpParserUpgrade as exc:
                    # an "Upgrade" the server does not take (no 101 is sent): the
                    # request was answered as any other; the bytes after it are HTTP too
                    offset = exc.args[0] if exc.args else len(data)
                    data = data[offset:]
                    if not data or self.closing:
                        break
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _Refused):
                self._refuse(cause.status, cause.message)
            else:
                log.error("Request handling failed", exc_info=cause or exc)
                self._refuse(500, f"Internal error: {type(cause).__name__}: {cause}")
        except httptools.HttpParserError as exc:
            self._refuse(400, f"Malformed HTTP request: {exc}")

    def eof_received(self) -> bool | None:
        """A client that half-closed still gets the answers it asked for."""
        self.closing = True
        if not self.slots or self._request is not None:
            return None  # closes (a request cut off in the middle is not answered)
        self._eof = True
        return True

    def pause_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.resume_reading()

    def pause(self, reason: str) -> None:
        if not self._pauses and self.transport is not None:
            self.transport.pause_reading()
        self._pauses.add(reason)

    def resume(self, reason: str) -> None:
        if reason in self._pauses:
            self._pauses.discard(reason)
            if not self._pauses and self.transport is not None and not self.closing:
                self.transport.resume_reading()

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    # -- httptools callbacks ---------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._method = b""
        self._headers = []
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._grow(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        self._grow(len(name) + len(value) + 4)

    def _grow(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            raise _Refused(431, f"The request's headers exceed {MAX_HEADER_BYTES} bytes.")

    def on_headers_complete(self) -> None:
        parser = self.parser
        self._method = method = parser.get_method()
        url = self._url
        path = url.split(b"?", 1)[0]
        headers = _Headers(
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in self._headers
        )
        slot = _Slot()
        keep_alive = parser.should_keep_alive()
        version = parser.get_http_version()
        request: _Invocation | _Ping | _Proxied | None = None
        if path == b"/invocations" and method == b"POST" and self.server.fast_invocations:
            request = _Invocation.accept(self, slot, headers, keep_alive, version)
        elif path == b"/ping" and method == b"GET" and "expect" not in headers:
            request = _Ping(self, slot, headers, keep_alive, version)
        if request is None:
            request = _Proxied(self, slot, method, url, self._headers, version, headers, keep_alive)
        self.slots.append(slot)  # (nothing is sent for it before this)
        self._request = request

    def on_body(self, body: bytes) -> None:
        if self._request is not None:
            self._request.body(body)

    def on_message_complete(self) -> None:
        request, self._request = self._request, None
        if request is not None:
            request.complete()

    # -- answers ---------------------------------------------------------------------------
    def send(self, slot: _Slot, data: bytes, *, done: bool = False, close: bool = False) -> None:
        """Write ``data`` for ``slot`` (at once when it is the oldest, else later)."""
        if close:
            slot.close = True
        if self.slots and self.slots[0] is slot:
            if data and self.transport is not None:
                self.transport.write(data)
            if done:
                slot.done = True
                self._advance()
            return
        if data:
            slot.chunks.append(data)
        if done:
            slot.done = True

    def _advance(self) -> None:
        """The oldest slot is done: next ones' buffered answers out, in order."""
        slots = self.slots
        while slots and slots[0].done:
            finished = slots.popleft()
            if finished.close:
                self.close()
                slots.clear()
                return
            if slots:
                following = slots[0]
                if following.chunks and self.transport is not None:
                    self.transport.write(b"".join(following.chunks))
                following.chunks = []
        if not slots and self._eof:
            self.close()
        self.last_active = time.monotonic()

    def _refuse(self, status: int, message: str) -> None:
        """A request that cannot be read on: the error, then the connection closes."""
        self.closing = True
        method = self._method.decode("latin-1") or "-"
        path = self._url.decode("latin-1", "replace")[:200] or "-"
        log.warning("request failed: %d %s %s: %s", status, method, path, message)
        request, self._request = self._request, None
        if request is not None:
            request.refuse(status, message)
            return
        slot = _Slot()
        self.slots.append(slot)
        self.send(slot, _error(status, message, None), done=True, close=True)


def _error(status: int, message: str, inference_id: str | None) -> bytes:
    body = _json({"error": {"code": _CODES.get(status, "ERROR"), "message": message}})
    return _response(status, body, b"application/json", _id_header(inference_id), True, False)


def _id_header(given: str | None) -> list[tuple[str, str]]:
    return [("X-Inference-Id", given if given and INFERENCE_ID.match(given) else uuid.uuid4().hex)]


class _Ping:
    """``GET /ping``: the health check (public, not counted)."""

    def __init__(
        self,
        connection: HttpConnection,
        slot: _Slot,
        headers: _Headers,
        keep_alive: bool,
        version: str,
    ) -> None:
        self.connection = connection
        self.slot = slot
        self.headers = headers
        self.keep_alive = keep_alive
        self.version = version

    def body(self, chunk: bytes) -> None:
        pass

    def refuse(self, status: int, message: str) -> None:
        self.connection.send(self.slot, _error(status, message, None), done=True, close=True)

    def complete(self) -> None:
        endpoint = self.connection.endpoint
        close = endpoint.draining or not self.keep_alive
        body = _json({"status": "Healthy", "endpoint": endpoint.name})
        answer = _response(
            200,
            body,
            b"application/json",
            _id_header(self.headers.get("x-inference-id")),
            close,
            self.version == "1.0",
        )
        self.connection.send(self.slot, answer, done=True, close=close)


class _Invocation:
    """``POST /invocations`` answered here: what ``handlers.InvocationsHandler`` and
    ``BaseHandler`` do, without tornado."""

    @classmethod
    def accept(
        cls,
        connection: HttpConnection,
        slot: _Slot,
        headers: _Headers,
        keep_alive: bool,
        version: str,
    ) -> _Invocation | None:
        """The request, or ``None`` when tornado should have it (its 401, 413 at once,
        ``100 Continue``)."""
        server = connection.server
        if "expect" in headers or not server.endpoint.authorized(headers):
            return None
        declared = headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > server.limit:
                    return None
            except ValueError:
                return None
        return cls(connection, slot, headers, keep_alive, version)

    def __init__(
        self,
        connection: HttpConnection,
        slot: _Slot,
        headers: _Headers,
        keep_alive: bool,
        version: str,
    ) -> None:
        self.connection = connection
        self.server = connection.server
        self.endpoint = endpoint = connection.endpoint
        self.slot = slot
        self.headers = headers
        self.keep_alive = keep_alive
        self.version = version
        self.started = time.time()
        self.clock = time.perf_counter()
        given = headers.get("x-inference-id")
        self.inference_id = given if given and INFERENCE_ID.match(given) else uuid.uuid4().hex
        self.variant: LoadedVariant | None = None
        self.chunks: list[bytes] = []
        self.received = 0
        self.too_large = False
        self.answered = False
        self.extra: list[tuple[str, str]] = [("X-Inference-Id", self.inference_id)]
        self.capture: list[Any] | None = None  # [content type, request, response]
        self.shadow: list[Any] | None = None  # [content type, body, response]
        endpoint.inflight += 1

    def body(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.too_large:
            if self.received > self.server.drain_limit:  # not read through: at once
                raise _Refused(413, too_large_message(self.received, self.server.limit))
            return
        if self.received > self.server.limit:
            self.too_large = True
            self.chunks.clear()
            return
        self.chunks.append(chunk)

    def lost(self) -> None:
        """The client went away before its body was in."""
        if not self.answered:
            self.answered = True
            self.endpoint.inflight -= 1

    def refuse(self, status: int, message: str) -> None:
        """Broken off while its body was read (too large to read through, malformed)."""
        self.fail(status, message, close=True)
        self._finished()

    def complete(self) -> None:
        if self.too_large:
            self.fail(413, too_large_message(self.received, self.server.limit))
            self._finished()
            return
        self.server.keep(asyncio.get_running_loop().create_task(self.run()))

    async def run(self) -> None:
        try:
            await self._invoke()
        except Exception as exc:  # a bug here: a 500, never a hung request
            log.exception("The invocation failed")
            self.fail(500, f"Internal error: {type(exc).__name__}: {exc}")
        finally:
            self._finished()

    async def _invoke(self) -> None:
        endpoint = self.endpoint
        headers = self.headers
        content_type = headers.get("content-type", "")
        try:
            self.variant = variant = endpoint.choose(headers.get("x-target-variant"))
            self.extra.append(("X-Invoked-Variant", variant.name))
            raw = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
            self.chunks = []
            shadow = endpoint.shadow
            if shadow is not None and shadow.wants(self.inference_id):
                self.shadow = [content_type, raw, None]
            if endpoint.capture is not None and sampled(
                self.inference_id, endpoint.config.capture.sampling_percent
            ):
                self.capture = [content_type, raw.decode("utf-8", "replace"), None]
            part, document = parse_invocation(raw, content_type, variant.schema)
            if self.capture is not None:
                self.capture[1] = document
        except PayloadError as exc:
            self.fail(exc.status, exc.message)
            return
        lookup = endpoint.features
        if lookup is not None:  # the model input from the request and the online store
            started = time.perf_counter()
            try:
                part, document = await lookup.assemble(part, variant.model_schema)
            except PayloadError as exc:
                self.fail(exc.status, exc.message)
                return
            finally:
                endpoint.metrics.lookup(variant.row, time.perf_counter() - started)
            if self.capture is not None:
                self.capture[1] = document
        assert variant.batcher is not None
        try:
            predictions = await variant.batcher.submit(part)
        except Exception as exc:
            if rejected_input(exc):
                self.fail(400, f"The model rejected the input: {type(exc).__name__}: {exc}")
                return
            log.error(
                "Variant %s failed on request %s: %s: %s",
                variant.name,
                self.inference_id,
                type(exc).__name__,
                exc,
            )
            self.fail(500, f"The model failed: {type(exc).__name__}: {exc}")
            return
        body: dict[str, Any] = {"predictions": predictions.values}
        if predictions.probabilities is not None:  # return_probabilities
            body["probabilities"] = predictions.probabilities
            body["classes"] = variant.classes
        self._captured_response(body)
        accept, _ = media_type(headers.get("accept"))
        if accept == "text/csv":
            text = "".join(f"{_csv_cell(v)}\n" for v in predictions.values)
            self.answer(200, text.encode(), b"text/csv")
            return
        self.answer(200, _json(body), b"application/json")

    def _captured_response(self, response: Any) -> None:
        if self.shadow is not None:
            self.shadow[2] = response
        if self.capture is not None:
            self.capture[2] = response

    def fail(self, status: int, message: str, close: bool = False) -> None:
        if self.answered:
            return
        body = {"error": {"code": _CODES.get(status, "ERROR"), "message": message}}
        self._captured_response(body)
        log.warning(  # one line per failed request, for the endpoint view's "recent errors"
            "request failed: %d POST /invocations: %s",
            status,
            message.replace("\n", " ")[:500],
        )
        self.answer(status, _json(body), b"application/json", close)

    def answer(self, status: int, body: bytes, content_type: bytes, close: bool = False) -> None:
        if self.answered:
            return
        self.answered = True
        self.status = status
        endpoint = self.endpoint
        variant = self.variant
        row = variant.row if variant is not None else endpoint.unrouted_row
        # counted before the answer leaves: a client reading /metrics next sees it
        endpoint.metrics.request(row, status, time.perf_counter() - self.clock)
        close = close or endpoint.draining or not self.keep_alive
        response = _response(status, body, content_type, self.extra, close, self.version == "1.0")
        self.connection.send(self.slot, response, done=True, close=close)

    def _finished(self) -> None:
        """After the answer: inflight, the shadow copy and the capture (``on_finish``)."""
        endpoint = self.endpoint
        endpoint.inflight -= 1
        variant = self.variant
        if variant is None or not self.answered:
            return
        status = self.status
        latency = time.perf_counter() - self.clock
        if self.shadow is not None and endpoint.shadow is not None:
            content_type, raw, response = self.shadow
            endpoint.shadow.submit(
                ShadowCopy(
                    self.inference_id,
                    self.started,
                    "invocations",
                    content_type,
                    raw,
                    self.headers.get(HEADER_LENGTH),
                    self.headers.get("accept", ""),
                    variant,
                    status,
                    response,
                    1000 * latency,
                )
            )
        if self.capture is not None and endpoint.capture is not None:
            content_type, request, response = self.capture
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


class _Proxied:
    """A request for the tornado app: re-sent as parsed on the connection's socket pair."""

    def __init__(
        self,
        connection: HttpConnection,
        slot: _Slot,
        method: bytes,
        url: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        version: str,
        headers: _Headers,
        keep_alive: bool,
    ) -> None:
        self.connection = connection
        self.slot = slot
        slot.close = not keep_alive  # tornado closes its side after it too
        self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        head = [b"%s %s HTTP/%s\r\n" % (method, url, version.encode())]
        head.extend(b"%s: %s\r\n" % (name, value) for name, value in raw_headers)
        head.append(b"\r\n")
        if connection.upstream is None:
            connection.upstream = _Upstream(connection)
        self.upstream = connection.upstream
        self.request = self.upstream.begin(slot, method == b"HEAD")
        self.upstream.send(self.request, b"".join(head))

    def body(self, chunk: bytes) -> None:
        if self.chunked:  # dechunked by the parser: chunked again
            chunk = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        self.upstream.send(self.request, chunk)

    def refuse(self, status: int, message: str) -> None:
        answering = self.request.answering
        self.upstream.close()
        error = b"" if answering else _error(status, message, None)
        self.connection.send(self.slot, error, done=True, close=True)

    def complete(self) -> None:
        if self.chunked:
            self.upstream.send(self.request, b"0\r\n\r\n")
        self.request.sent = True


class _Outgoing:
    """A request for tornado: its bytes (held until the ones before it are answered)."""

    __slots__ = (
        "answering",
        "chunks",
        "done",
        "head",
        "interim",
        "keep",
        "parser",
        "sent",
        "size",
        "slot",
    )

    def __init__(self, slot: _Slot, head: bool) -> None:
        self.slot = slot
        self.head = head  # a HEAD request: its answer has no body
        self.chunks: list[bytes] = []
        self.size = 0
        self.sent = False  # the whole request is queued
        self.parser: Any = None
        self.interim = False  # the answer being read is a 1xx
        self.done = False
        self.answering = False  # tornado's answer has begun
        self.keep = False  # tornado keeps the connection after its answer


class _Upstream(asyncio.Protocol):
    """The connection's socket pair to the tornado server, one request at a time."""

    def __init__(self, client: HttpConnection) -> None:
        self.client = client
        self.queue: deque[_Outgoing] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._connected = False
        ours, theirs = socket.socketpair()
        server = client.server
        stream = IOStream(theirs, max_buffer_size=server.max_buffer_size)
        address = client.address if isinstance(client.address, tuple) else ("127.0.0.1", 0)
        server.tornado.handle_stream(stream, address)
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(loop.connect_accepted_socket(lambda: self, ours))

    # -- requests out ------------------------------------------------------------------------
    def begin(self, slot: _Slot, head: bool) -> _Outgoing:
        request = _Outgoing(slot, head)
        self.queue.append(request)
        if len(self.queue) == 1:
            self._start(request)
        return request

    def _start(self, request: _Outgoing) -> None:
        request.parser = httptools.HttpResponseParser(_AnswerReader(self, request))

    def send(self, request: _Outgoing, data: bytes) -> None:
        if self.closed or not data:
            return
        if self.transport is not None and self.queue and self.queue[0] is request:
            self.transport.write(data)
            return
        request.chunks.append(data)
        request.size += len(data)
        if request.size > HIGH_WATER:
            self.client.pause("upstream-queue")

    def _flush(self) -> None:
        if self.transport is None or not self.queue:
            return
        request = self.queue[0]
        if request.chunks:
            self.transport.write(b"".join(request.chunks))
            request.chunks = []
            request.size = 0
        self.client.resume("upstream-queue")

    # -- asyncio ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.closed:
            transport.close()
            return
        self._flush()

    def data_received(self, data: bytes) -> None:
        if not self.queue:
            return  # nothing asked: tornado has nothing to say
        request = self.queue[0]
        request.answering = True
        self.client.send(request.slot, data)
        try:
            request.parser.feed_data(data)
        except httptools.HttpParserError:
            log.error("Could not read the tornado app's answer; closing the connection.")
            self.client.send(request.slot, b"", done=True, close=True)
            self.close()
            return
        if request.done:
            self._answered()

    def _answered(self) -> None:
        request = self.queue.popleft()
        self.client.send(request.slot, b"", done=True, close=not request.keep)
        if not request.keep:
            self.close()
            return
        if self.queue:
            self._start(self.queue[0])
            self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.transport = None
        self.client.resume("upstream-queue")
        self.client.resume("upstream-write")
        while self.queue:  # tornado closed: what it answered is all the client gets
            request = self.queue.popleft()
            self.client.send(request.slot, b"", done=True, close=True)
        if self.client.upstream is self:
            self.client.upstream = None

    def pause_writing(self) -> None:
        self.client.pause("upstream-write")

    def resume_writing(self) -> None:
        self.client.resume("upstream-write")

    def pause_reading(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None:
            self.transport.resume_reading()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class _AnswerReader:
    """httptools callbacks for one tornado answer: where it ends."""

    def __init__(self, upstream: _Upstream, request: _Outgoing) -> None:
        self.upstream = upstream
        self.request = request

    def on_headers_complete(self) -> None:
        request = self.request
        status = request.parser.get_status_code()
        request.interim = 100 <= status < 200
        request.keep = request.parser.should_keep_alive()  # (reset once the answer is in)
        if request.head and not request.interim:
            request.done = True  # no body follows an answer to HEAD

    def on_message_complete(self) -> None:
        request = self.request
        if request.interim:  # "100 Continue": the answer itself follows
            request.interim = False
            return
        request.done = True
