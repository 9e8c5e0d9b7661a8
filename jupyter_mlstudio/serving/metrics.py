"""Per-variant counters shared by an endpoint's worker processes.

The supervisor creates one small memory-mapped file; each worker owns a *slot* in it
(its own rows of 64-bit counters, one row per variant plus one for requests that reached
no variant) and is the only process writing there — no locks. Any worker answering
``GET /metrics`` sums every slot, so the figures cover the whole endpoint and are live.
A worker restarted by the supervisor takes over its predecessor's slot, so counters keep
growing across restarts.

Latency is kept as a histogram of geometric buckets (15 % wide, from 0.1 ms to two
minutes), so p50/p90/p99 come from the merged histogram; batch sizes as power-of-two
buckets; the online feature lookup time of each request (``features=[...]``) as a
second latency histogram.
"""

from __future__ import annotations

import math
import mmap
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = 0x4D4C53_4D455452  # "MLSMETR"
HEADER = 4  # magic, slots, rows, fields
SLOT_HEADER = 4  # pid, started (ms since the epoch), starts, open connections
NOT_ACCEPTING = -1  # the connections cell of a slot whose worker is gone or draining

LATENCY_FIRST_US = 100.0
LATENCY_RATIO = 1.15
LATENCY_BUCKETS = 104  # [0, 0.1 ms), then 15 %-wide buckets up to ~2 min, then overflow
BATCH_BUCKETS = 22  # 1, 2, 3-4, 5-8, ..., > 2**20

(
    REQUESTS,
    ERRORS_4XX,
    ERRORS_5XX,
    LATENCY_SUM_US,
    LATENCY_MAX_US,
    BATCHES,
    BATCH_ROWS,
    BATCH_MAX,
    CAPTURED,
    CAPTURE_DROPPED,
) = range(10)
LATENCY0 = 10
BATCH0 = LATENCY0 + LATENCY_BUCKETS
# online feature lookups (endpoints deployed with features=[...]): count, sum, max, buckets
LOOKUPS = BATCH0 + BATCH_BUCKETS
LOOKUP_SUM_US = LOOKUPS + 1
LOOKUP_MAX_US = LOOKUPS + 2
LOOKUP0 = LOOKUPS + 3
FIELDS = LOOKUP0 + LATENCY_BUCKETS

_LOG_RATIO = math.log(LATENCY_RATIO)


def latency_bucket(us: float) -> int:
    if us < LATENCY_FIRST_US:
        return 0
    return min(LATENCY_BUCKETS - 1, 1 + int(math.log(us / LATENCY_FIRST_US) / _LOG_RATIO))


def latency_bounds_ms(bucket: int) -> tuple[float, float]:
    """[low, high) of a latency bucket, in milliseconds."""
    if bucket == 0:
        return 0.0, LATENCY_FIRST_US / 1000
    low = LATENCY_FIRST_US * LATENCY_RATIO ** (bucket - 1) / 1000
    return low, low * LATENCY_RATIO


def batch_bucket(size: int) -> int:
    return min(BATCH_BUCKETS - 1, max(0, (size - 1).bit_length()))


def batch_bucket_label(bucket: int) -> str:
    if bucket <= 1:
        return str(bucket + 1)
    if bucket == BATCH_BUCKETS - 1:
        return f">{2 ** (bucket - 1)}"
    return f"{2 ** (bucket - 1) + 1}-{2**bucket}"


class MetricsFile:
    """The shared counters: ``create`` in the supervisor, ``open`` in each worker."""

    def __init__(self, path: Path, handle: mmap.mmap, slots: int, rows: int) -> None:
        self.path = path
        self.slots = slots
        self.rows = rows
        self._mmap = handle
        self._cells = memoryview(handle).cast("q")

    @staticmethod
    def _size(slots: int, rows: int) -> int:
        return 8 * (HEADER + slots * SLOT_HEADER + slots * rows * FIELDS)

    @classmethod
    def create(cls, path: Path, slots: int, rows: int) -> MetricsFile:
        size = cls._size(slots, rows)
        with open(path, "wb") as handle:
            handle.truncate(size)
        metrics = cls._map(path, slots, rows)
        for index, value in enumerate((MAGIC, slots, rows, FIELDS)):
            metrics._cells[index] = value
        return metrics

    @classmethod
    def open(cls, path: Path) -> MetricsFile:
        header = np.fromfile(path, dtype=np.int64, count=HEADER)
        if len(header) != HEADER or header[0] != MAGIC or header[3] != FIELDS:
            raise ValueError(f"{path} is not an endpoint metrics file of this version.")
        return cls._map(path, int(header[1]), int(header[2]))

    @classmethod
    def _map(cls, path: Path, slots: int, rows: int) -> MetricsFile:
        fd = os.open(path, os.O_RDWR)
        try:
            handle = mmap.mmap(fd, cls._size(slots, rows))
        finally:
            os.close(fd)
        return cls(path, handle, slots, rows)

    def close(self) -> None:
        self._cells.release()
        self._mmap.close()

    # -- slots ----------------------------------------------------------------------------
    def _slot_base(self, slot: int) -> int:
        return HEADER + slot * SLOT_HEADER

    def mark_started(self, slot: int, pid: int) -> None:
        """The supervisor records which process owns a slot now."""
        base = self._slot_base(slot)
        self._cells[base] = pid
        self._cells[base + 1] = int(time.time() * 1000)
        self._cells[base + 2] += 1
        self._cells[base + 3] = NOT_ACCEPTING  # until it listens

    def mark_stopped(self, slot: int) -> None:
        """The slot's worker is gone for good (scaled in): not listed among the workers
        any more; its counters stay in the totals."""
        base = self._slot_base(slot)
        self._cells[base + 3] = NOT_ACCEPTING
        self._cells[base] = 0

    def set_connections(self, slot: int, count: int) -> None:
        """A worker's open connections (``NOT_ACCEPTING`` once it is gone or draining)."""
        self._cells[self._slot_base(slot) + 3] = count

    def accepting(self, slot: int) -> bool:
        """Whether the slot's worker still takes new connections."""
        return bool(self._cells[self._slot_base(slot) + 3] >= 0)

    def fewest_connections(self, except_slot: int) -> int | None:
        """The fewest open connections of the other accepting workers."""
        counts = [
            self._cells[self._slot_base(s) + 3]
            for s in range(self.slots)
            if s != except_slot and self._cells[self._slot_base(s)]
        ]
        accepting = [c for c in counts if c >= 0]
        return min(accepting) if accepting else None

    def writer(self, slot: int) -> SlotWriter:
        return SlotWriter(
            self._cells, HEADER + self.slots * SLOT_HEADER + slot * self.rows * FIELDS
        )

    # -- reading --------------------------------------------------------------------------
    def snapshot(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(slot headers ``[slots, 4]``, counters ``[slots, rows, FIELDS]``), copied."""
        everything = np.frombuffer(self._mmap, dtype=np.int64).copy()
        start = HEADER + self.slots * SLOT_HEADER
        headers = everything[HEADER:start].reshape(self.slots, SLOT_HEADER)
        counters = everything[start:].reshape(self.slots, self.rows, FIELDS)
        return headers, counters


class SlotWriter:
    """A worker's own counters. Only its event-loop thread (and, for the capture counter,
    its capture thread) writes; each cell has one writer."""

    def __init__(self, cells: memoryview, base: int) -> None:
        self._cells = cells
        self._base = base

    def request(self, row: int, status: int, seconds: float) -> None:
        cells = self._cells
        at = self._base + row * FIELDS
        us = int(seconds * 1e6)
        cells[at + REQUESTS] += 1
        if status >= 500:
            cells[at + ERRORS_5XX] += 1
        elif status >= 400:
            cells[at + ERRORS_4XX] += 1
        cells[at + LATENCY_SUM_US] += us
        if us > cells[at + LATENCY_MAX_US]:
            cells[at + LATENCY_MAX_US] = us
        cells[at + LATENCY0 + latency_bucket(us)] += 1

    def batch(self, row: int, size: int) -> None:
        cells = self._cells
        at = self._base + row * FIELDS
        cells[at + BATCHES] += 1
        cells[at + BATCH_ROWS] += size
        if size > cells[at + BATCH_MAX]:
            cells[at + BATCH_MAX] = size
        cells[at + BATCH0 + batch_bucket(size)] += 1

    def lookup(self, row: int, seconds: float) -> None:
        """One request's online feature lookup took ``seconds``."""
        cells = self._cells
        at = self._base + row * FIELDS
        us = int(seconds * 1e6)
        cells[at + LOOKUPS] += 1
        cells[at + LOOKUP_SUM_US] += us
        if us > cells[at + LOOKUP_MAX_US]:
            cells[at + LOOKUP_MAX_US] = us
        cells[at + LOOKUP0 + latency_bucket(us)] += 1

    def captured(self, row: int) -> None:
        self._cells[self._base + row * FIELDS + CAPTURED] += 1

    def capture_dropped(self, row: int) -> None:
        self._cells[self._base + row * FIELDS + CAPTURE_DROPPED] += 1


def percentile_ms(buckets: np.ndarray[Any, Any], q: float, max_ms: float) -> float | None:
    """The ``q``-quantile from latency bucket counts: the geometric middle of the bucket
    it falls in (at most 7.5 % off), never above the largest value seen."""
    total = int(buckets.sum())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    bucket = int(np.searchsorted(np.cumsum(buckets), rank))
    low, high = latency_bounds_ms(bucket)
    middle = math.sqrt(low * high) if low > 0 else high / 2
    return round(min(middle, max_ms), 3)


def summarize(counters: np.ndarray[Any, Any]) -> dict[str, Any]:
    """Counters summed (maxima: the largest) over the first axis of ``[n, FIELDS]``."""
    total = counters.sum(axis=0)
    maxima = counters.max(axis=0) if len(counters) else total
    requests = int(total[REQUESTS])
    max_ms = float(maxima[LATENCY_MAX_US]) / 1000
    latency = total[LATENCY0:BATCH0]
    batches = int(total[BATCHES])
    return {
        "requests": requests,
        "errors": {"4xx": int(total[ERRORS_4XX]), "5xx": int(total[ERRORS_5XX])},
        "latency_ms": {
            "count": requests,
            "mean": round(float(total[LATENCY_SUM_US]) / requests / 1000, 3) if requests else None,
            "p50": percentile_ms(latency, 0.50, max_ms),
            "p90": percentile_ms(latency, 0.90, max_ms),
            "p99": percentile_ms(latency, 0.99, max_ms),
            "max": round(max_ms, 3) if requests else None,
            "histogram": [
                {"le": round(latency_bounds_ms(i)[1], 3), "count": int(n)}
                for i, n in enumerate(latency)
                if n
            ],
        },
        "batch_size": {
            "batches": batches,
            "rows": int(total[BATCH_ROWS]),
            "mean": round(float(total[BATCH_ROWS]) / batches, 2) if batches else None,
            "max": int(maxima[BATCH_MAX]),
            "histogram": {
                batch_bucket_label(i): int(n) for i, n in enumerate(total[BATCH0:LOOKUPS]) if n
            },
        },
        "capture": {"captured": int(total[CAPTURED]), "dropped": int(total[CAPTURE_DROPPED])},
        "feature_lookup_ms": _timing(
            int(total[LOOKUPS]),
            float(total[LOOKUP_SUM_US]),
            float(maxima[LOOKUP_MAX_US]) / 1000,
            total[LOOKUP0:FIELDS],
        ),
    }


def _timing(
    count: int, sum_us: float, max_ms: float, buckets: np.ndarray[Any, Any]
) -> dict[str, Any]:
    return {
        "count": count,
        "mean": round(sum_us / count / 1000, 3) if count else None,
        "p50": percentile_ms(buckets, 0.50, max_ms),
        "p90": percentile_ms(buckets, 0.90, max_ms),
        "p99": percentile_ms(buckets, 0.99, max_ms),
        "max": round(max_ms, 3) if count else None,
    }


def endpoint_metrics(
    metrics: MetricsFile, endpoint: str, variants: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The JSON of ``GET /metrics``: per variant, requests that reached none, totals and
    the worker slots. ``variants``: one dict of static facts per variant, in row order."""
    headers, counters = metrics.snapshot()
    result: dict[str, Any] = {"endpoint": endpoint, "time": time.time(), "variants": {}}
    for row, facts in enumerate(variants):
        result["variants"][facts["name"]] = {**facts, **summarize(counters[:, row, :])}
    unrouted = summarize(counters[:, len(variants), :])
    result["unrouted"] = {"requests": unrouted["requests"], "errors": unrouted["errors"]}
    # the variants' rows and the unrouted one (not a shadow variant's, after them)
    served = counters[:, : len(variants) + 1, :]
    result["totals"] = {
        key: value
        for key, value in summarize(served.reshape(-1, FIELDS)).items()
        if key in ("requests", "errors", "latency_ms")
    }
    result["totals"]["latency_ms"].pop("histogram")
    result["workers"] = [
        {
            "slot": slot,
            "pid": int(headers[slot, 0]),
            "started": int(headers[slot, 1]) / 1000,
            "starts": int(headers[slot, 2]),
            "requests": int(counters[slot, :, REQUESTS].sum()),
        }
        for slot in range(metrics.slots)
        if headers[slot, 0]
    ]
    return result
