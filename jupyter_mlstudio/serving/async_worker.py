"""The endpoint process's side of asynchronous inference: a thread of the supervisor
works the endpoint's queue (``endpoints/async_inference.py``) by POSTing each payload to
its own ``/invocations`` (so async requests get the same validation, batching, capture
and metrics as synchronous ones). Killing the endpoint process stops the work; the
leases of what it held run out and the next process takes those requests again."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from typing import Any

from ..config import StudioConfig
from ..endpoints.async_inference import AsyncInferenceQueue, AsyncRequest, process_queue
from ..store.db import Database
from .config import EndpointConfig

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
            detail = exc.read().decode("utf-8", "replace")[:2000]
            raise RuntimeError(f"The model answered {exc.code}: {detail}") from None

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
        if self._db is not None:
            self._db.dispose()
