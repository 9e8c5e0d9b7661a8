"""Shrink a long metric series for charts without hiding its extremes.

The series is cut into equal buckets; each keeps its minimum and maximum value (in step
order), and the first and last points are always kept, so spikes and the final value
survive however far a 1,000,000-point series is reduced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .run_entities import Metric
from .run_store import RunStore


def downsample(points: Sequence[Metric], max_points: int) -> list[Metric]:
    if max_points < 3:
        raise ValueError("max_points must be at least 3")
    if len(points) <= max_points:
        return list(points)
    first, last, middle = points[0], points[-1], points[1:-1]
    buckets = max(1, (max_points - 2) // 2)
    size = len(middle) / buckets
    kept: list[Metric] = [first]
    for b in range(buckets):
        chunk = middle[int(b * size) : int((b + 1) * size)]
        if not chunk:
            continue
        finite = [p for p in chunk if not math.isnan(p.value)]
        if not finite:
            kept.append(chunk[0])
            continue
        low = min(finite, key=lambda p: p.value)
        high = max(finite, key=lambda p: p.value)
        kept.extend(sorted({id(low): low, id(high): high}.values(), key=chunk.index))
    kept.append(last)
    return kept


@dataclass(frozen=True)
class MetricSeries:
    run_id: str
    key: str
    points: list[Metric]  # downsampled
    total: int  # points logged

    @property
    def downsampled(self) -> bool:
        return len(self.points) < self.total


def metric_histories(
    runs: RunStore, run_ids: Sequence[str], keys: Sequence[str], max_points: int
) -> list[MetricSeries]:
    """Each run's series for each key it logged, downsampled to ``max_points``."""
    result = []
    for run_id in run_ids:
        for key in keys:
            points = runs.get_metric_history(run_id, key)
            if points:
                result.append(
                    MetricSeries(run_id, key, downsample(points, max_points), len(points))
                )
    return result
