"""Asynchronous inference acceptance (issue 20): a real endpoint process works the
durable queue in the store through its own /invocations.

Delivery is at-least-once: a request whose worker is killed mid-flight runs again once
its lease lapses, and since predictions are deterministic the rewritten output is the
same (idempotent); none is lost.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from serving_helpers import X

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.endpoints.async_inference import (
    AsyncInferenceQueue,
    AsyncRequest,
    AsyncStatus,
)
from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess
from jupyter_mlstudio.store.db import Database


@pytest.fixture(scope="module")
def queue(serving_home: Path) -> Iterator[AsyncInferenceQueue]:
    studio = StudioConfig.resolve(home=serving_home)
    db = Database(studio.store_uri)
    yield AsyncInferenceQueue(db, studio.artifact_uri)
    db.dispose()


def _payload(seed: int, target_bytes: int) -> tuple[bytes, pd.DataFrame]:
    """A CSV of shuffled copies of the data, about ``target_bytes`` long."""
    one = len(X.to_csv(index=False, header=False).encode())
    copies = max(1, target_bytes // one)
    frame = pd.concat([X] * copies, ignore_index=True).sample(frac=1.0, random_state=seed)
    return frame.to_csv(index=False, header=False).encode(), frame


def _wait_all_done(queue: AsyncInferenceQueue, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        states = [queue.get(i).status for i in ids]
        if all(s in (AsyncStatus.COMPLETED, AsyncStatus.FAILED) for s in states):
            return
        assert time.monotonic() < deadline, f"not done: {states.count(AsyncStatus.QUEUED)} queued"
        time.sleep(0.2)


def _max_overlap(requests: list[AsyncRequest]) -> int:
    events = []
    for r in requests:
        assert r.started_at is not None and r.ended_at is not None
        events += [(r.started_at, 1), (r.ended_at, -1)]
    running = peak = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # ends before starts
        running += step
        peak = max(peak, running)
    return peak


def _start(serving_env: dict[str, str], workdir: Path, **config: Any) -> EndpointProcess:
    return EndpointProcess(
        EndpointConfig.model_validate(config), env=serving_env, workdir=workdir
    ).start(timeout=120)


def test_fifty_five_megabyte_requests_with_concurrency_two(
    serving_env: dict[str, str], cancer_model: Any, queue: AsyncInferenceQueue, tmp_path: Path
) -> None:
    payloads = [_payload(seed, 5 * 1024 * 1024) for seed in range(5)]
    expected = [cancer_model.predict(frame).tolist() for _, frame in payloads]
    ids = [
        queue.enqueue("async-fifty", payload=payloads[i % 5][0], content_type="text/csv").id
        for i in range(50)
    ]
    endpoint = _start(
        serving_env,
        tmp_path / "run",
        name="async-fifty",
        variants=[{"model": "cancer-rf", "version": 1, "instances": 2}],
        async_config={"max_concurrent_invocations": 2},
    )
    try:
        _wait_all_done(queue, ids, timeout=80)
        # the same payload sent synchronously answers the same
        assert endpoint.predict(payloads[0][0], "text/csv") == expected[0]
    finally:
        endpoint.stop()
    done = [queue.get(i) for i in ids]
    assert [r.status for r in done] == [AsyncStatus.COMPLETED] * 50, [r.error for r in done]
    for i, r in enumerate(done):
        assert json.loads(queue.result(r.id))["predictions"] == expected[i % 5]
        assert r.attempts == 1
    assert _max_overlap(done) == 2  # both slots used, never more


def test_kill_9_mid_queue_loses_nothing(
    serving_env: dict[str, str], cancer_model: Any, queue: AsyncInferenceQueue, tmp_path: Path
) -> None:
    payloads = [_payload(seed, 1024 * 1024) for seed in range(4)]
    expected = [cancer_model.predict(frame).tolist() for _, frame in payloads]
    ids = [
        queue.enqueue("async-kill", payload=payloads[i % 4][0], content_type="text/csv").id
        for i in range(24)
    ]
    config: dict[str, Any] = {
        "name": "async-kill",
        "variants": [{"model": "cancer-rf", "version": 1}],
        "async_config": {"max_concurrent_invocations": 2, "lease_seconds": 2},
    }
    endpoint = _start(serving_env, tmp_path / "one", **config)
    try:
        deadline = time.monotonic() + 60
        while len(queue.list("async-kill", status=AsyncStatus.COMPLETED)) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(endpoint.pid, signal.SIGKILL)  # the supervisor and its workers
        endpoint.process.wait(10)
    finally:
        endpoint.stop(timeout=5)
    left = [r for r in queue.list("async-kill") if r.status is not AsyncStatus.COMPLETED]
    assert left, "the queue was empty before the kill: the test proves nothing"
    held = {r.id for r in left if r.status is AsyncStatus.IN_PROGRESS}
    again = _start(serving_env, tmp_path / "two", **config)
    try:
        _wait_all_done(queue, ids, timeout=60)
    finally:
        again.stop()
    done = [queue.get(i) for i in ids]
    assert [r.status for r in done] == [AsyncStatus.COMPLETED] * 24, [r.error for r in done]
    for i, r in enumerate(done):
        assert json.loads(queue.result(r.id))["predictions"] == expected[i % 4]
        # at-least-once: what the killed process held ran again, nothing else did
        assert r.attempts == (2 if r.id in held else 1)
    assert np.all([r.ended_at is not None for r in done])
