"""Adaptive batching: concurrent requests of one worker merged into one ``predict``.

Requests queue per variant. One drain task takes up to ``max_rows`` rows at a time and
runs the model on a thread (the event loop keeps accepting and parsing meanwhile), then
hands each request its own slice of the predictions. Under load the queue fills while
the model runs, so batches grow with the traffic by themselves. Before dispatching, the
drain waits for more only until ``max_wait`` after the oldest queued request arrived or,
if later, after the previous batch was answered (the connections just answered send
their next requests then: they join those that queued meanwhile instead of alternating
with them in half batches, which cost twice the model's calls), and only while some of
the worker's connections have no request in flight: an HTTP/1.1 connection carries one
request at a time, so when every connection is waiting for an answer nothing more can
come, and waiting would only add latency. Nor does it wait longer than a model call
takes (its recent round trip through the predict thread): a request that joins later
saves at most one such call, so a longer wait costs more than it can save. A fast model
(a compiled forest answers one row in about 0.2 ms) hardly waits at all, which matters
most behind a multi-model endpoint, where two requests for one model seldom meet.

A failing batch is retried request by request, so one bad request gets its error and
the others their predictions.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .schema import Part

T = TypeVar("T")


@dataclass
class _Queued:
    part: Part
    future: asyncio.Future[Any]
    arrived: float


class Batcher(Generic[T]):
    def __init__(
        self,
        run: Callable[[Sequence[Part]], list[T]],
        *,
        max_rows: int,
        max_wait: float,
        idle: Callable[[], int] = lambda: 1,
        on_batch: Callable[[int], None] = lambda size: None,
        name: str = "predict",
        executor: ThreadPoolExecutor | None = None,
    ) -> None:
        """``run(parts)`` returns one result per part (on the predict thread); ``idle()``
        counts the worker's connections without a request in flight (that may send one
        soon); ``on_batch(rows)`` is told every model call's size (on the event loop);
        ``executor``: a predict thread shared with other batchers (not closed here)."""
        self._run = run
        self._max_rows = max_rows
        self._max_wait = max_wait
        self._idle = idle
        self._on_batch = on_batch
        self._queue: deque[_Queued] = deque()
        self._rows = 0
        self._drainer: asyncio.Task[None] | None = None
        self._filled: asyncio.Future[None] | None = None
        self._free_at = 0.0  # when the last batch's answers were handed out
        # what a model call costs, round trip through the thread (a moving average; none
        # measured yet: max_wait)
        self._call_seconds: float | None = None
        self._owns_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix=f"mlstudio-{name}")

    async def submit(self, part: Part) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Queued(part, future, time.monotonic()))
        self._rows += part.rows
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        elif self._filled is not None and (self._rows >= self._max_rows or self._idle() <= 0):
            _set_unless_done(self._filled)  # full, or nothing more can come: go now
        return await future

    async def run_alone(self, parts: Sequence[Part]) -> list[T]:
        """``run(parts)`` on the predict thread, outside the queue and ``on_batch`` (a
        worker's warm-up, serving/warmup.py: it starts and warms that very thread)."""
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        results = await loop.run_in_executor(self._executor, self._run, parts)
        self._timed(time.monotonic() - started)
        return results

    def _timed(self, seconds: float) -> None:
        last = self._call_seconds
        self._call_seconds = seconds if last is None else last + 0.2 * (seconds - last)

    def close(self) -> None:
        if self._owns_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    # -- the drain task ----------------------------------------------------------------
    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                await self._maybe_wait(loop)
                batch = self._take()
                started = time.monotonic()
                try:
                    outcomes, sizes = await loop.run_in_executor(
                        self._executor, self._execute, [q.part for q in batch]
                    )
                except Exception as exc:  # the executor is shut down: fail, never hang
                    outcomes, sizes = [(False, exc)] * len(batch), []
                self._timed(time.monotonic() - started)
                for size in sizes:
                    self._on_batch(size)
                for queued, (ok, value) in zip(batch, outcomes, strict=True):
                    if queued.future.done():  # the client went away
                        continue
                    if ok:
                        queued.future.set_result(value)
                    else:
                        queued.future.set_exception(value)
                # let the answered requests finish first: until then they count as in
                # flight, and idle() would say nothing more can come
                await asyncio.sleep(0)
                self._free_at = time.monotonic()
        finally:
            self._drainer = None

    async def _maybe_wait(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._max_wait <= 0 or self._rows >= self._max_rows or self._idle() <= 0:
            return
        # counted from when the model came free too: requests queued during a batch go
        # with the next requests of the connections just answered, not in a half batch
        # of their own (two half batches alternating cost twice the model's calls)
        start = max(self._queue[0].arrived, self._free_at)
        wait = self._max_wait if self._call_seconds is None else self._call_seconds
        remaining = start + min(self._max_wait, wait) - time.monotonic()
        if remaining <= 0:
            return
        waiter: asyncio.Future[None] = loop.create_future()
        self._filled = waiter
        timer = loop.call_later(remaining, _set_unless_done, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._filled = None

    def _take(self) -> list[_Queued]:
        batch = [self._queue.popleft()]
        rows = batch[0].part.rows
        while self._queue and rows + self._queue[0].part.rows <= self._max_rows:
            queued = self._queue.popleft()
            rows += queued.part.rows
            batch.append(queued)
        self._rows -= rows
        return batch

    # -- on the predict thread ------------------------------------------------------------
    def _execute(self, parts: list[Part]) -> tuple[list[tuple[bool, Any]], list[int]]:
        """(per part: (True, result) or (False, exception); the row counts of the model
        calls made)."""
        rows = sum(p.rows for p in parts)
        try:
            results = self._run(parts)
        except Exception as exc:
            if len(parts) == 1:
                return [(False, exc)], [rows]
        else:
            return [(True, r) for r in results], [rows]
        outcomes: list[tuple[bool, Any]] = []
        sizes = [rows]
        for part in parts:  # find the bad request(s): each alone
            sizes.append(part.rows)
            try:
                outcomes.append((True, self._run([part])[0]))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes, sizes


def _set_unless_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
