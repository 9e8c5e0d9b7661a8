"""Background batching of metric writes, so logging never makes training wait.

A ``MetricWriter`` owns one daemon thread that takes queued metrics and writes them with
``RunStore.log_batch`` every ``FLUSH_INTERVAL`` seconds or ``BATCH_SIZE`` values,
whichever comes first. Write errors are kept and raised by the next ``flush()``.

The thread is started on the first ``put`` and may be stopped and started again:
- ``close()`` writes what is queued and stops the thread; a later ``put`` starts a new
  one, so a run handle that outlives its studio still logs and ends;
- in a forked child the parent's thread does not exist: every writer forgets the
  parent's queue (the parent writes those values) and starts its own thread on demand;
- when no thread can run (interpreter shutdown) or the thread died, the caller writes.
``flush()`` therefore never waits for a thread that is not there.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import weakref
from collections import defaultdict

from .run_entities import Metric
from .run_store import RunStore

FLUSH_INTERVAL = 0.2
BATCH_SIZE = 1_000
_FLUSH_POLL = 0.5  # how often a waiting flush() checks that the thread is still alive


class _Flush:
    """Queued by flush(): write what is batched now, then signal the waiting caller."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_Item = tuple[str, Metric] | _Flush | None  # None stops the thread

_writers: weakref.WeakSet[MetricWriter] = weakref.WeakSet()


class MetricWriter:
    """One background thread that writes queued metrics in batches."""

    def __init__(self, runs: RunStore) -> None:
        self._runs = runs
        self._reset()
        _writers.add(self)

    def _reset(self) -> None:
        """Fresh per-process state: empty queue, no thread, no errors."""
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._errors: list[Exception] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, run_id: str, item: Metric) -> None:
        if self._thread is None and not self._start():
            self._write([(run_id, item)])  # no thread can run: write it here
            self._raise_errors()
            return
        self._queue.put((run_id, item))

    def flush(self) -> None:
        """Block until everything queued so far is written; re-raise a write error."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            marker = _Flush()
            self._queue.put(marker)  # ends the writer's batching wait at once
            while not marker.done.wait(_FLUSH_POLL):
                if not thread.is_alive():
                    break
        self._drain_if_no_thread()
        self._raise_errors()

    def close(self) -> None:
        """Write what is queued and stop the thread (a later ``put`` starts another)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)
        self._drain_if_no_thread()

    # -- the thread ----------------------------------------------------------------------
    def _start(self) -> bool:
        with self._lock:
            if self._thread is not None:
                return True
            thread = threading.Thread(target=self._loop, name="mlstudio-metrics", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # "can't create new thread at interpreter shutdown"
                return False
            self._thread = thread
            return True

    def _drain_if_no_thread(self) -> None:
        """Write what is left in the queue when no live thread will (it died or was
        stopped while values were still being put)."""
        with self._lock:
            thread = self._thread
            if thread is not None and thread.is_alive():
                return
            self._thread = None
            batch: list[tuple[str, Metric]] = []
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, _Flush):
                    item.done.set()
                elif item is not None:
                    batch.append(item)
        for start in range(0, len(batch), BATCH_SIZE):
            self._write(batch[start : start + BATCH_SIZE])

    def _raise_errors(self) -> None:
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            raise errors[0]

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            if isinstance(first, _Flush):
                first.done.set()
                continue
            batch: list[tuple[str, Metric]] = [first]
            deadline = time.monotonic() + FLUSH_INTERVAL
            stop = False
            marker: _Flush | None = None
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
                    break
                if isinstance(item, _Flush):
                    marker = item
                    break
                batch.append(item)
            self._write(batch)
            if marker is not None:
                marker.done.set()
            if stop:
                return

    def _write(self, batch: list[tuple[str, Metric]]) -> None:
        by_run: dict[str, list[Metric]] = defaultdict(list)
        for run_id, item in batch:
            by_run[run_id].append(item)
        for run_id, metrics in by_run.items():
            try:
                self._runs.log_batch(run_id, metrics=metrics)
            except Exception as exc:  # kept for flush(); the thread must survive any error
                with self._lock:
                    self._errors.append(exc)


def _after_fork_in_child() -> None:
    # The parent's thread does not exist here and its queue (and locks) may be mid-use:
    # start over. Values queued before the fork are the parent's to write.
    for writer in list(_writers):
        writer._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
