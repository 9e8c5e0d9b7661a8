"""The endpoint process's side of asynchronous inference: a thread of the supervisor
works the endpoint's queue (``endpoints/async_inference.py``) by POSTing each payload to
its own ``/invocations`` (so async requests get the same validation, batching, capture
and metrics as synchronous ones). Killing the endpoint process stops the work; the
leases of what it held run out and the next process takes those requests again."""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import SERVER_ROOT_ENV, StudioConfig
from ..endpoints.async_inference import (
    AsyncInferenceQueue,
    AsyncRequest,
    InvocationFailed,
    process_queue,
)
from ..errors import InvalidArgumentError
from ..store.db import Database
from .config import AsyncConfig, EndpointConfig

log = logging.getLogger("jupyter_mlstudio.serving.async_worker")

INVOKE_TIMEOUT = 3600.0


def notification(request: AsyncRequest) -> dict[str, Any]:
    """The webhook body of a finished request (SageMaker's success/error notification)."""
    return {
        "event": f"AsyncInference{request.status.value}",
        "endpoint": request.endpoint,
        "inference_id": request.id,
        "status": request.status.value,
        "output_location": request.output_location,
        "failure_location": request.failure_location,
        "error": request.error,
    }


def _error_message(body: bytes) -> str:
    """The message of the endpoint's JSON error (``{"error": {"message"}}``), else the
    body's start."""
    text = body.decode("utf-8", "replace")
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return text[:2000]
    message = error.get("message") if isinstance(error, dict) else error
    return str(message or text)[:2000]


class AsyncProcessor:
    def __init__(self, config: EndpointConfig, url: str) -> None:
        assert config.async_config is not None
        self.config = config
        self.settings = config.async_config
        self.url = url.rstrip("/")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: Database | None = None

    def invoke(self, payload: bytes, content_type: str, accept: str | None) -> bytes:
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        request = urllib.request.Request(  # noqa: S310 - our own endpoint's URL
            f"{self.url}/invocations", data=payload, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=INVOKE_TIMEOUT) as response:  # noqa: S310
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            raise InvocationFailed(
                f"The model answered {exc.code}: {_error_message(exc.read())}"
            ) from None

    def _notify(self, request: AsyncRequest) -> None:
        if self.settings.notification_webhook:
            from ..monitor.service import post_webhook  # the monitor's signed webhook

            status = post_webhook(
                self.settings.notification_webhook,
                notification(request),
                self.settings.notification_secret,
            )
            log.info("async request %s: webhook %s", request.id, status)

    def start(self) -> None:
        studio = StudioConfig.resolve()
        self._db = Database(studio.store_uri)
        queue = AsyncInferenceQueue(self._db, studio.artifact_uri)

        def run() -> None:
            try:
                process_queue(
                    queue,
                    self.config.name,
                    self.invoke,
                    max_concurrent=self.settings.max_concurrent_invocations,
                    stop=self._stop,
                    lease_seconds=self.settings.lease_seconds,
                    on_done=self._notify,
                )
            except Exception:
                log.exception("Asynchronous inference stopped.")

        self._thread = threading.Thread(target=run, name="async-inference", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # still finishing a request: it disposes nothing
                return
        if self._db is not None:
            self._db.dispose()


def reconfigure(
    current: AsyncProcessor | None, config: EndpointConfig, url: str
) -> AsyncProcessor | None:
    """After a rolling update: the processor for the new config's ``async_config``
    (the current one if that did not change). A replaced processor finishes the requests
    it holds on its own threads; the new one takes the next ones."""
    if current is not None and current.settings == config.async_config:
        current.config = config  # a new token, say
        return current
    if current is not None:
        current.stop(timeout=0)
    if config.async_config is None:
        return None
    processor = AsyncProcessor(config, url)
    processor.start()
    return processor


# -- the endpoint's own POST /async-invocations (SageMaker's runtime shape) -------------
INPUT_LOCATION = "X-Amzn-SageMaker-InputLocation"
OUTPUT_LOCATION = "X-Amzn-SageMaker-OutputLocation"
FAILURE_LOCATION = "X-Amzn-SageMaker-FailureLocation"
ALLOWED_DATA_ROOTS_ENV = "MLSTUDIO_ALLOWED_DATA_ROOTS"


class RuntimeQueue:
    """What a worker's ``POST /async-invocations`` queues into: the studio's durable
    queue, opened on first use (workers are forked; no connection crosses the fork)."""

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self._queue: AsyncInferenceQueue | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> AsyncConfig | None:
        return self.config.async_config

    def queue(self) -> AsyncInferenceQueue:
        with self._lock:
            if self._queue is None:
                studio = StudioConfig.resolve()
                self._queue = AsyncInferenceQueue(Database(studio.store_uri), studio.artifact_uri)
            return self._queue

    def enqueue(self, body: bytes, headers: Mapping[str, str]) -> AsyncRequest:
        """Queue the body, or the file the ``X-Amzn-SageMaker-InputLocation`` header
        names; the content type and accept come from SageMaker's
        ``X-Amzn-SageMaker-Content-Type``/``-Accept`` or the plain headers."""
        settings = self.settings
        if settings is None:
            raise InvalidArgumentError(
                f"Endpoint {self.config.name!r} has no async_config: deploy (or update) it "
                "with async_config={'max_concurrent_invocations': ...}."
            )
        content_type = (
            headers.get("X-Amzn-SageMaker-Content-Type")
            or headers.get("Content-Type")
            or "application/json"
        )
        accept = headers.get("X-Amzn-SageMaker-Accept") or headers.get("Accept")
        if accept in ("*/*", ""):
            accept = None
        location = headers.get(INPUT_LOCATION)
        if location:
            if body:
                raise InvalidArgumentError(
                    f"Give either a request body or the {INPUT_LOCATION} header, not both."
                )
            return self.queue().enqueue(
                self.config.name,
                input_location=allowed_location(location),
                content_type=content_type,
                accept=accept,
                output_path=settings.output_path,
            )
        if not body:
            raise InvalidArgumentError(f"The request needs a body or an {INPUT_LOCATION} header.")
        return self.queue().enqueue(
            self.config.name,
            payload=body,
            content_type=content_type,
            accept=accept,
            output_path=settings.output_path,
        )


def data_roots() -> list[Path]:
    """Where the endpoint reads local input files from: the Jupyter server's root and
    allowed data roots (exported to the endpoint's environment) and a local artifact
    store."""
    roots = [os.environ.get(SERVER_ROOT_ENV, "")]
    roots += os.environ.get(ALLOWED_DATA_ROOTS_ENV, "").split(os.pathsep)
    artifacts = StudioConfig.resolve().artifact_uri
    if "://" not in artifacts or artifacts.startswith("file://"):
        roots.append(artifacts.removeprefix("file://"))
    return [Path(r).expanduser().resolve() for r in roots if r]


def allowed_location(location: str) -> str:
    """A URL as given; a local path (or ``file://`` URL) only under :func:`data_roots`."""
    if "://" in location and not location.startswith("file://"):
        return location
    raw = location.removeprefix("file://")
    try:
        path = Path(raw).expanduser().resolve()
    except (ValueError, OSError) as exc:
        raise InvalidArgumentError(f"{INPUT_LOCATION} {location!r} is not usable: {exc}") from None
    if not path.is_absolute() or not any(path.is_relative_to(r) for r in data_roots()):
        raise InvalidArgumentError(
            f"{INPUT_LOCATION} {location!r} is outside the folders this endpoint reads (the "
            "Jupyter server's root, its allowed data roots, the artifact store): send the "
            "payload as the body, or a URL."
        )
    return path.as_uri()
