"""Closed-loop clients keep one batch: requests queued while the model runs go with the
next requests of the connections just answered, instead of alternating half batches
(two "trains" that cost twice the model's calls: after a scale-out on 2 cores, 1.3-1.4
ms of CPU per request instead of 0.8, and the p99 with it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import numpy as np

from jupyter_mlstudio.serving.batching import Batcher
from jupyter_mlstudio.serving.schema import Part

CLIENTS = 8
PREDICT_SECONDS = 0.03  # the model's call, whatever the rows (a forest's is mostly overhead)


def _mean_batch(think: float) -> float:
    """CLIENTS connections, each sending its next request ``think`` seconds after its
    answer, as wrk's do; the mean rows per model call once the start has settled."""
    sizes: list[int] = []
    inflight = 0

    def run(parts: Sequence[Part]) -> list[float]:
        time.sleep(PREDICT_SECONDS)
        return [1.0 for _ in parts]

    async def client(batcher: Batcher[float], index: int) -> None:
        nonlocal inflight
        await asyncio.sleep(index * 2 * PREDICT_SECONDS / CLIENTS)  # connections trickle in
        for _ in range(12):
            inflight += 1  # the request is read: in flight until its answer is written
            await batcher.submit(Part(1, np.ones((1, 1))))
            inflight -= 1
            await asyncio.sleep(think)

    async def main() -> None:
        batcher: Batcher[float] = Batcher(
            run,
            max_rows=64,
            max_wait=0.01,
            idle=lambda: CLIENTS - inflight,  # connections without a request in flight
            on_batch=sizes.append,
            name="trains",
        )
        try:
            await asyncio.gather(*(client(batcher, i) for i in range(CLIENTS)))
        finally:
            batcher.close()

    asyncio.run(main())
    settled = sizes[4:-4]
    return sum(settled) / len(settled)


def test_answered_connections_join_the_waiting_requests() -> None:
    # the next request comes at once (the answered handlers must finish before the
    # batcher asks which connections are idle) or a millisecond later (within max_wait)
    for think in (0.0, 0.001):
        assert _mean_batch(think) > 0.75 * CLIENTS, think
