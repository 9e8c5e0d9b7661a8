"""Background batching of metric writes, so logging never makes training wait.

A ``MetricWriter`` owns one daemon thread that takes queued metrics and writes them with
``RunStore.log_batch`` every ``FLUSH_INTERVAL`` seconds or ``BATCH_SIZE`` values,
whichever comes first. Write errors are kept and raised by the next ``flush()``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict

from ..errors import MLStudioError
from .run_entities import Metric
from .run_store import RunStore

FLUSH_INTERVAL = 0.2
BATCH_SIZE = 1_000
_FLUSH = object()  # queued by flush(): write what is batched now instead of waiting


class MetricWriter:
    """One background thread that writes queued metrics in batches."""

    def __init__(self, runs: RunStore) -> None:
        self._runs = runs
        self._queue: queue.Queue[tuple[str, Metric] | object | None] = queue.Queue()
        self._errors: list[MLStudioError] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="mlstudio-metrics", daemon=True)
        self._thread.start()

    def put(self, run_id: str, item: Metric) -> None:
        self._queue.put((run_id, item))

    def flush(self) -> None:
        """Block until everything queued so far is written; re-raise a write error."""
        self._queue.put(_FLUSH)  # ends the writer's batching wait at once
        self._queue.join()
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            raise errors[0]

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._queue.task_done()
                return
            if first is _FLUSH:
                self._queue.task_done()
                continue
            batch: list[tuple[str, Metric]] = [first]  # type: ignore[list-item]
            deadline = time.monotonic() + FLUSH_INTERVAL
            stop = False
            markers = 0
            while len(batch) < BATCH_SIZE:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    markers += 1
                    break
                if item is _FLUSH:
                    markers += 1
                    break
                batch.append(item)  # type: ignore[arg-type]
            self._write(batch)
            for _ in range(len(batch) + markers):
                self._queue.task_done()
            if stop:
                return

    def _write(self, batch: list[tuple[str, Metric]]) -> None:
        by_run: dict[str, list[Metric]] = defaultdict(list)
        for run_id, item in batch:
            by_run[run_id].append(item)
        for run_id, metrics in by_run.items():
            try:
                self._runs.log_batch(run_id, metrics=metrics)
            except MLStudioError as exc:
                with self._lock:
                    self._errors.append(exc)
