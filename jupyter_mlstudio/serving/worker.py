"""One worker process of an endpoint, forked by the supervisor (or, with
``worker_start="spawn"``, started as::

    python -m jupyter_mlstudio.serving.worker --spec <worker.json> --slot N \\
        --fds <listening socket fds> --ready-fd <pipe fd>

). It loads every variant's model once (hash- and trust-checked through the registry),
serves HTTP on the listening sockets it inherited (shared with the other workers: the
kernel hands each new connection to one of them), reports ``{"ready": true}`` (or the
error that stopped it) on the pipe, and on SIGTERM stops accepting, finishes the
requests it has (up to ``drain_seconds``), writes out captured data and exits. It also
exits when the supervisor is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream

from ..errors import MLStudioError
from .config import EndpointConfig
from .metrics import NOT_ACCEPTING, MetricsFile

log = logging.getLogger("jupyter_mlstudio.serving")

KEEP_ALIVE_GRACE = 1.0  # seconds a draining worker keeps idle keep-alive connections
MAX_BUFFER = 64 * 1024 * 1024  # bytes a connection's read buffer holds


class WorkerSpec(BaseModel):
    """What the supervisor hands every worker (versions pinned, paths resolved)."""

    config: EndpointConfig
    metrics_file: str
    capture_destination: str | None = None
    supervisor_pid: int


def error_message(exc: BaseException) -> str:
    if isinstance(exc, MLStudioError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def _report(fd: int, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, (json.dumps(message) + "\n").encode())
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jupyter_mlstudio.serving.worker")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--slot", type=int, required=True)
    parser.add_argument("--fds", required=True, help="listening socket fds, comma-separated")
    parser.add_argument("--ready-fd", type=int, required=True)
    args = parser.parse_args(argv)
    fds = [int(fd) for fd in args.fds.split(",") if fd]
    try:
        spec = WorkerSpec.model_validate_json(Path(args.spec).read_text())
    except (OSError, ValueError) as exc:
        _report(args.ready_fd, {"ready": False, "error": error_message(exc)})
        return 1
    return run_worker(spec, args.slot, fds, args.ready_fd)


def run_worker(spec: WorkerSpec, slot: int, fds: list[int], ready_fd: int) -> int:
    """The worker's whole life (spawned by ``main``, or forked by the supervisor)."""
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"%(asctime)s worker {slot} [{os.getpid()}] %(levelname)s %(message)s",
        force=True,
    )
    logging.getLogger("jupyter_mlstudio").setLevel(logging.INFO)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    from .warmup import freeze_inherited

    freeze_inherited()  # the inherited heap out of the collector's walks (warmup.py)
    try:
        from .variants import load_variants

        variants = load_variants(spec.config)
        from .shadow import load_shadow

        shadow = load_shadow(spec.config)  # None without a shadow variant
        features = None
        if spec.config.features:  # this process opens the online store itself
            from .features import FeatureLookup

            features = FeatureLookup.open(spec.config.features)
    except Exception as exc:
        log.error("Could not start: %s", error_message(exc))
        _report(ready_fd, {"ready": False, "error": error_message(exc)})
        return 1
    asyncio.run(_serve(spec, slot, fds, ready_fd, variants, features, shadow))
    return 0


async def _serve(
    spec: WorkerSpec,
    slot: int,
    fds: list[int],
    ready_fd: int,
    variants: list[Any],
    features: Any = None,
    shadow: Any = None,
) -> None:
    from .capture import CaptureWriter
    from .config import drain_limit
    from .handlers import make_app
    from .variants import Endpoint

    config = spec.config
    metrics_file = MetricsFile.open(Path(spec.metrics_file))
    slot_writer = metrics_file.writer(slot)
    capture = None
    if config.capture.enabled and spec.capture_destination:
        capture = CaptureWriter(
            spec.capture_destination,
            endpoint=config.name,
            worker=f"w{slot}-{os.getpid()}",
            file_format=config.capture.format,
            rotate_bytes=config.capture.rotate_bytes,
            rotate_seconds=config.capture.rotate_seconds,
            on_written=slot_writer.captured,
        )
    endpoint = Endpoint(config, variants, metrics_file, slot, capture, features=features)
    if config.multi_model is not None:  # models loaded on demand (serving/multi_model.py)
        from .multi_model import ModelCache

        endpoint.models = ModelCache.open(endpoint, spec.metrics_file, slot)
    if shadow is not None:  # the shadow variant's thread (serving/shadow.py)
        from ..config import StudioConfig
        from .shadow import start_runner

        artifacts = StudioConfig.resolve().artifact_uri
        worker = f"w{slot}-{os.getpid()}"
        endpoint.shadow = start_runner(config, shadow, slot_writer, worker, artifacts)
    # the handlers stream bodies in and keep at most max_payload_bytes; a larger one is
    # read through up to the drain limit and answered 413 (see handlers.BaseHandler)
    app_server = _Server(
        make_app(endpoint),
        max_body_size=drain_limit(config.max_payload_bytes),
        max_buffer_size=MAX_BUFFER,
        idle_connection_timeout=300,
    )
    app_server.metrics, app_server.slot = metrics_file, slot
    server: Any = app_server
    if _fast_http():  # the hot path without tornado, the rest to it (serving/fast_http.py)
        from .fast_http import FastServer

        app_server.publishes = False  # its connections are the front's socket pairs
        server = FastServer(endpoint, app_server, metrics_file, slot, MAX_BUFFER)
    endpoint.open_connections = lambda: server.open_connections
    # warm before taking any connection, then freeze the models (serving/warmup.py)
    from .warmup import settle, warm_up

    warm = await warm_up(endpoint)
    frozen = settle()
    log.info("Warmed up (%d example rows, %.0f ms); %d objects frozen.", *warm, frozen)
    listeners = [_Listener(server, socket.socket(fileno=fd)) for fd in fds]
    metrics_file.set_connections(slot, 0)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watchdog = loop.create_task(_watch_parent(spec.supervisor_pid, stop))
    _report(ready_fd, {"ready": True, "pid": os.getpid(), "slot": slot})
    log.info(
        "Serving %s", ", ".join(f"{v.name}={v.version.name}:{v.version.version}" for v in variants)
    )

    await stop.wait()
    watchdog.cancel()
    await _drain(server, listeners, endpoint, config.drain_seconds)
    if capture is not None:
        capture.close()
    if endpoint.shadow is not None:
        endpoint.shadow.close()
    endpoint.close()
    metrics_file.close()
    log.info("Stopped.")


async def _watch_parent(supervisor_pid: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(1.0)
        if os.getppid() != supervisor_pid:
            log.warning("The supervisor is gone; stopping.")
            stop.set()


def _fast_http() -> bool:
    try:
        from .fast_http import enabled
    except ImportError:  # no httptools: tornado serves every route
        return False
    return enabled()


class _Server(HTTPServer):
    """Tornado's HTTP server, publishing its number of open connections."""

    metrics: MetricsFile
    slot: int
    open_connections = 0
    draining = False  # then the slot stays NOT_ACCEPTING whatever closes
    publishes = True  # False behind fast_http.FastServer (which publishes)

    def accept(self, connection: socket.socket, address: Any) -> None:
        self.handle_stream(IOStream(connection, max_buffer_size=self.max_buffer_size), address)

    def handle_stream(self, stream: IOStream, address: Any) -> None:
        self.open_connections += 1
        if self.publishes:
            self.metrics.set_connections(self.slot, self.open_connections)
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self.open_connections -= 1
        if self.open_connections >= 0 and not self.draining and self.publishes:
            self.metrics.set_connections(self.slot, self.open_connections)
        super().on_close(server_conn)


class _Listener:
    """Accepts connections on the socket shared with the other workers.

    The kernel wakes every worker for a new connection and the first to call ``accept``
    gets it, which favours whichever is on a CPU already: long-lived keep-alive
    connections could pile up on one worker while another idles. So a worker accepts one
    connection per wake-up, and one holding more connections than the least busy other
    worker (plus one) first leaves the socket to the others for a few milliseconds (then
    takes the next connection whatever the counts, so nothing waits long).
    """

    def __init__(self, server: Any, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.server = server
        self.sock = sock
        self.loop = IOLoop.current()
        self._resumed = False
        self._closed = False
        self.loop.add_handler(sock, self._ready, IOLoop.READ)

    def _ready(self, fd: Any, events: int) -> None:
        delay = 0.0 if self._resumed else self._yield_for()
        self._resumed = False
        if delay > 0:
            self.loop.remove_handler(self.sock)
            self.loop.call_later(delay, self._resume)
            return
        try:
            connection, address = self.sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker took it
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                log.warning("Out of file descriptors: %s", exc)
                return
            raise
        self.server.accept(connection, address)

    def _yield_for(self) -> float:
        fewest = self.server.metrics.fewest_connections(self.server.slot)
        if fewest is None:
            return 0.0
        excess = self.server.open_connections - fewest - 1
        return min(0.02, 0.002 * excess) if excess > 0 else 0.0

    def _resume(self) -> None:
        if not self._closed:
            self._resumed = True
            self.loop.add_handler(self.sock, self._ready, IOLoop.READ)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(KeyError, ValueError):
                self.loop.remove_handler(self.sock)
            self.sock.close()


async def _drain(server: Any, listeners: list[_Listener], endpoint: Any, seconds: float) -> None:
    """Stop accepting (the other workers keep the shared socket), let in-flight requests
    finish, then close the idle keep-alive connections."""
    for listener in listeners:
        listener.close()
    server.draining = True
    server.metrics.set_connections(server.slot, NOT_ACCEPTING)
    endpoint.draining = True
    deadline = time.monotonic() + seconds
    while endpoint.inflight > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    # a keep-alive client may be about to send its next request on a connection whose
    # last answer left before the drain: give such connections a moment, so that request
    # is answered (with "Connection: close") instead of meeting a closed socket
    grace_end = min(deadline, time.monotonic() + KEEP_ALIVE_GRACE)
    while (server.open_connections > 0 or endpoint.inflight > 0) and time.monotonic() < grace_end:
        await asyncio.sleep(0.01)
    while endpoint.inflight > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(server.close_all_connections(), timeout=1.0)


if __name__ == "__main__":
    sys.exit(main())
