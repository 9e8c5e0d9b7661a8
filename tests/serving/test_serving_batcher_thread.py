"""The batcher's predict thread: batches run off the event loop, a failing batch is
retried request by request, and closing never leaves a request waiting."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from jupyter_mlstudio.serving.batching import Batcher
from jupyter_mlstudio.serving.schema import Part


def _part(value: float, rows: int = 1) -> Part:
    return Part(rows, np.full((rows, 1), value))


def test_batches_run_on_one_thread_and_merge() -> None:
    threads: set[str] = set()
    sizes: list[int] = []

    def run(parts: Sequence[Part]) -> list[float]:
        threads.add(threading.current_thread().name)
        return [float(p.data.sum()) for p in parts]

    async def main() -> list[float]:
        batcher: Batcher[float] = Batcher(
            run, max_rows=8, max_wait=0.05, idle=lambda: 1, on_batch=sizes.append, name="t"
        )
        try:
            return await asyncio.gather(*(batcher.submit(_part(i)) for i in range(20)))
        finally:
            batcher.close()

    assert asyncio.run(main()) == [float(i) for i in range(20)]
    assert len(threads) == 1 and threads.pop().startswith("mlstudio-t")  # not the loop's
    assert sum(sizes) == 20 and max(sizes) <= 8 and len(sizes) < 20


def test_a_bad_request_fails_alone() -> None:
    def run(parts: Sequence[Part]) -> list[float]:
        if any(np.isnan(p.data).any() for p in parts):
            raise ValueError("NaN")
        return [float(p.data.sum()) for p in parts]

    async def main() -> list[object]:
        batcher: Batcher[float] = Batcher(run, max_rows=8, max_wait=0.05, name="bad")
        try:
            return await asyncio.gather(
                batcher.submit(_part(1.0)),
                batcher.submit(_part(float("nan"))),
                batcher.submit(_part(3.0)),
                return_exceptions=True,
            )
        finally:
            batcher.close()

    first, bad, third = asyncio.run(main())
    assert (first, third) == (1.0, 3.0)
    assert isinstance(bad, ValueError)


def test_close_fails_waiting_requests_instead_of_hanging() -> None:
    started, release = threading.Event(), threading.Event()

    def run(parts: Sequence[Part]) -> list[float]:
        started.set()
        release.wait(5)
        return [1.0 for _ in parts]

    async def main() -> tuple[object, object]:
        batcher: Batcher[float] = Batcher(run, max_rows=1, max_wait=0, name="slow")
        first = asyncio.ensure_future(batcher.submit(_part(1.0)))
        second = asyncio.ensure_future(batcher.submit(_part(2.0)))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        batcher.close()  # the running batch finishes; the next one fails
        release.set()
        done = await asyncio.wait_for(
            asyncio.gather(first, second, return_exceptions=True), timeout=5
        )
        after = await asyncio.gather(batcher.submit(_part(3.0)), return_exceptions=True)
        return done, after[0]

    (first, second), after = asyncio.run(main())
    assert first == 1.0
    assert isinstance(second, RuntimeError)
    assert isinstance(after, RuntimeError)


@pytest.mark.parametrize("rows", [1, 5])
def test_rows_count_toward_max_rows(rows: int) -> None:
    sizes: list[int] = []

    async def main() -> None:
        batcher: Batcher[float] = Batcher(
            lambda parts: [0.0] * len(parts), max_rows=5, max_wait=0.05, on_batch=sizes.append
        )
        try:
            await asyncio.gather(*(batcher.submit(_part(0.0, rows)) for _ in range(5)))
        finally:
            batcher.close()

    asyncio.run(main())
    assert max(sizes) <= 5 and sum(sizes) == 5 * rows


def test_a_fast_model_is_not_waited_for_longer_than_a_call() -> None:
    """A lone request with an idle connection waits for company at most as long as a
    model call takes: a request joining later would save no more than one call."""

    def run(parts: Sequence[Part]) -> list[float]:
        return [float(p.data.sum()) for p in parts]

    async def main() -> float:
        batcher: Batcher[float] = Batcher(run, max_rows=8, max_wait=2.0, idle=lambda: 1)
        try:
            await batcher.run_alone([_part(0.0)])  # the warm-up call: its cost is known
            started = time.monotonic()
            assert await batcher.submit(_part(2.0)) == 2.0
            return time.monotonic() - started
        finally:
            batcher.close()

    assert asyncio.run(main()) < 1.0  # max_wait (2 s) without the bound


def test_batchers_can_share_a_predict_thread() -> None:
    """A multi-model endpoint's models share their worker's predict threads; closing one
    model's batcher leaves the others' thread alone."""
    threads: set[str] = set()

    def run(parts: Sequence[Part]) -> list[float]:
        threads.add(threading.current_thread().name)
        return [float(p.data.sum()) for p in parts]

    shared = ThreadPoolExecutor(1, thread_name_prefix="shared-predict")

    async def main() -> list[float]:
        first: Batcher[float] = Batcher(run, max_rows=4, max_wait=0.0, executor=shared)
        second: Batcher[float] = Batcher(run, max_rows=4, max_wait=0.0, executor=shared)
        answers = await asyncio.gather(
            *(b.submit(_part(i)) for i in range(6) for b in (first, second))
        )
        first.close()
        answers.append(await second.submit(_part(9.0)))  # the thread still runs
        second.close()
        return answers

    try:
        answers = asyncio.run(main())
        assert answers == [float(i) for i in range(6) for _ in range(2)] + [9.0]
        assert threads and all(t.startswith("shared-predict") for t in threads)
        assert shared.submit(lambda: 1).result(timeout=5) == 1  # not shut down by close()
    finally:
        shared.shutdown()
