"""Autoscaling and scale to zero of an endpoint's worker pool.

Target tracking as SageMaker's Application Auto Scaling does it for a production
variant: a variant keeps between ``min_instances`` and ``max_instances`` workers, as
many as its traffic needs for ``target_invocations_per_instance`` requests per worker
per minute (SageMaker's ``SageMakerVariantInvocationsPerInstance``), or for the
workers' average CPU to stay at ``target_cpu_percent``. After a scale-out, another one
waits ``scale_out_cooldown`` seconds; a scale-in waits ``scale_in_cooldown`` seconds
after any scaling. The traffic is averaged over the last ``window_seconds``.

Every worker of an endpoint serves every variant (see the package docstring), so the
pool holds the variants' instances added up: a variant scaling out by one adds one
worker to the pool. The supervisor applies the counts: new workers start on free metric
slots and serve before anything stops; a worker scaled in drains like an old generation
after a rolling update (it stops accepting and finishes its requests).

Scale to zero (SageMaker serverless inference): with ``scale_to_zero_after`` seconds
without a request, the supervisor drains every worker and keeps the listening socket;
the kernel queues the next connection, the supervisor sees the socket readable, forks
workers again (from itself, libraries imported: fast) and one of them answers it. The
time from that connection to its answer is the cold start.

The decision (:func:`decide`) is a pure function; :class:`Autoscaler` keeps the
metric window, the cooldown clocks, the instance count over time and the state file
(``autoscaling.json`` beside the shared metrics file) that ``/metrics`` and the Jupyter
server read. Nothing here imports tornado.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

STATE_FILE = "autoscaling.json"
HISTORY_POINTS = 720  # the instance count over time kept (one point per change or 5 s)
HISTORY_EVERY = 5.0
STATE_EVERY = 1.0  # seconds between state file writes while nothing changes


class AutoscalingConfig(BaseModel):
    """A variant's target-tracking policy (``min``/``max`` are accepted for the counts)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    min_instances: int = Field(
        default=1, ge=1, le=64, validation_alias=AliasChoices("min_instances", "min")
    )
    max_instances: int = Field(
        default=4, ge=1, le=64, validation_alias=AliasChoices("max_instances", "max")
    )
    # requests per worker per minute (SageMakerVariantInvocationsPerInstance)
    target_invocations_per_instance: float | None = Field(default=None, gt=0)
    target_cpu_percent: float | None = Field(default=None, gt=0, le=100)
    scale_out_cooldown: float = Field(default=60.0, ge=0, le=86400)
    scale_in_cooldown: float = Field(default=300.0, ge=0, le=86400)
    window_seconds: float = Field(default=60.0, ge=1, le=3600)

    @model_validator(mode="after")
    def _consistent(self) -> AutoscalingConfig:
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min ({self.min_instances}) must not be above max ({self.max_instances})."
            )
        targets = (self.target_invocations_per_instance, self.target_cpu_percent)
        if all(t is None for t in targets):
            raise ValueError(
                "Give a target: target_invocations_per_instance (requests per instance per "
                "minute) or target_cpu_percent."
            )
        if all(t is not None for t in targets):
            raise ValueError(
                "Give one target: target_invocations_per_instance or target_cpu_percent."
            )
        return self

    def clamp(self, count: int) -> int:
        return max(self.min_instances, min(self.max_instances, count))


@dataclass(frozen=True)
class Observation:
    """A variant's metric over the window: requests per minute and the pool's mean
    CPU percent per worker (None when not measured yet)."""

    invocations_per_minute: float
    cpu_percent: float | None = None


@dataclass
class Clock:
    """When a variant last scaled out and in (monotonic seconds; None: never)."""

    last_out: float | None = None
    last_in: float | None = None


def target_count(policy: AutoscalingConfig, current: int, seen: Observation) -> int:
    """The instance count that brings the metric to the policy's target (clamped)."""
    if policy.target_invocations_per_instance is not None:
        wanted = math.ceil(seen.invocations_per_minute / policy.target_invocations_per_instance)
    elif seen.cpu_percent is None:
        wanted = current
    else:
        assert policy.target_cpu_percent is not None
        # the metric is the mean per worker: at n workers the pool's CPU spreads over n
        wanted = math.ceil(current * seen.cpu_percent / policy.target_cpu_percent - 1e-9)
    return policy.clamp(wanted)


def decide(
    policy: AutoscalingConfig, current: int, seen: Observation, clock: Clock, now: float
) -> int:
    """The count a variant should have now: the target count, unless a cooldown holds
    the change back (SageMaker's rules: a scale-out waits ``scale_out_cooldown`` after
    the previous scale-out; a scale-in waits ``scale_in_cooldown`` after any scaling).
    A count outside [min, max] (a changed policy) is brought inside at once."""
    if current != policy.clamp(current):
        return policy.clamp(current)
    wanted = target_count(policy, current, seen)
    if wanted > current:
        if clock.last_out is not None and now - clock.last_out < policy.scale_out_cooldown:
            return current
        return wanted
    if wanted < current:
        last = max((t for t in (clock.last_out, clock.last_in) if t is not None), default=None)
        if last is not None and now - last < policy.scale_in_cooldown:
            return current
        return wanted
    return current


@dataclass
class _Variant:
    name: str
    policy: AutoscalingConfig | None
    count: int
    clock: Clock = field(default_factory=Clock)


class Autoscaler:
    """The supervisor's bookkeeping: feed it the per-variant request counters and the
    workers' CPU time with :meth:`observe`, ask :meth:`desired` for the pool size."""

    def __init__(
        self,
        variants: Sequence[tuple[str, int, AutoscalingConfig | None]],
        scale_to_zero_after: float | None,
        state_dir: Path | None,
        now: float | None = None,
    ) -> None:
        now = time.monotonic() if now is None else now
        self.variants = [
            _Variant(name, policy, policy.clamp(count) if policy else count)
            for name, count, policy in variants
        ]
        self.scale_to_zero_after = scale_to_zero_after
        self.state_path = state_dir / STATE_FILE if state_dir is not None else None
        self._samples: deque[tuple[float, list[int]]] = deque()
        self._cpu: deque[tuple[float, float]] = deque()
        self._cpu_seen: dict[int, tuple[float, float]] = {}
        self._last_total: int | None = None
        self.last_request = now  # monotonic time the request counters last moved
        self.scaled_to_zero = False
        self.cold_starts = 0
        self.last_cold_start: float | None = None  # seconds
        self.last_cold_start_at: float | None = None  # wall clock
        self._waking_since: float | None = None
        self._wake_total = 0
        self.history: deque[tuple[float, int]] = deque(maxlen=HISTORY_POINTS)
        self.instances = 0  # serving workers, as the supervisor last said
        self._written = 0.0
        self._dirty = True
        self.observations: dict[str, Observation] = {}

    @property
    def enabled(self) -> bool:
        return self.scale_to_zero_after is not None or any(v.policy for v in self.variants)

    @property
    def floor(self) -> int:
        """The pool size when every variant is at its minimum (what a wake-up starts)."""
        return sum(v.policy.min_instances if v.policy else v.count for v in self.variants)

    @property
    def uses_cpu(self) -> bool:
        return any(v.policy and v.policy.target_cpu_percent is not None for v in self.variants)

    @property
    def waking_up(self) -> bool:
        """Between a connection at zero and its answer (the cold start)."""
        return self._waking_since is not None

    def adopt(self, before: Autoscaler) -> None:
        """Carry the history, cold starts and current counts over from ``before``."""
        self.history = before.history
        self.instances = before.instances
        self.cold_starts = before.cold_starts
        self.last_cold_start = before.last_cold_start
        self.last_cold_start_at = before.last_cold_start_at

    @property
    def total(self) -> int:
        return 0 if self.scaled_to_zero else sum(v.count for v in self.variants)

    def reset_window(self) -> None:
        """Forget the samples (the counters started again: a new generation)."""
        self._samples.clear()
        self._cpu.clear()
        self._cpu_seen.clear()
        self._last_total = None

    def set_counts(self, counts: Mapping[str, int]) -> None:
        for variant in self.variants:
            if variant.name in counts:
                count = counts[variant.name]
                variant.count = variant.policy.clamp(count) if variant.policy else count

    # -- the metric -------------------------------------------------------------------
    def observe(
        self, now: float, requests: Sequence[int], cpu_seconds: Mapping[int, float]
    ) -> None:
        """``requests``: each variant's request counter (row order); ``cpu_seconds``:
        each serving worker's CPU time so far, by pid."""
        total = int(sum(requests))
        if self._last_total is None or total != self._last_total:
            if self._last_total is not None:
                self.last_request = now
            self._last_total = total
        self._samples.append((now, list(requests)))
        percents = []
        for pid, seconds in cpu_seconds.items():
            before = self._cpu_seen.get(pid)
            if before is not None and now > before[0]:
                percents.append(100.0 * (seconds - before[1]) / (now - before[0]))
            self._cpu_seen[pid] = (now, seconds)
        for pid in set(self._cpu_seen) - set(cpu_seconds):
            del self._cpu_seen[pid]
        if percents:
            self._cpu.append((now, sum(percents) / len(percents)))
        horizon = max((v.policy.window_seconds for v in self.variants if v.policy), default=60.0)
        while len(self._samples) > 2 and now - self._samples[1][0] >= horizon:
            self._samples.popleft()
        while self._cpu and now - self._cpu[0][0] > horizon:
            self._cpu.popleft()
        if self._waking_since is not None and total > self._wake_total:
            self.last_cold_start = round(now - self._waking_since, 4)
            self.last_cold_start_at = time.time()
            self._waking_since = None
            self._dirty = True

    def observation(self, row: int, window: float, now: float) -> Observation | None:
        """The variant's metric over the last ``window`` seconds (None: under 1 s of data)."""
        if not self._samples:
            return None
        latest_time, latest = self._samples[-1]
        start = next(((t, r) for t, r in self._samples if now - t <= window), self._samples[0])
        span = latest_time - start[0]
        if span < 1.0:
            return None
        rate = (latest[row] - start[1][row]) * 60.0 / span
        cpu = [p for t, p in self._cpu if now - t <= window]
        return Observation(rate, sum(cpu) / len(cpu) if cpu else None)

    # -- the decision -----------------------------------------------------------------
    def desired(self, now: float) -> int:
        """The pool size wanted now (0: scale to zero); moves the cooldown clocks."""
        if self.scaled_to_zero:
            return 0
        if (
            self.scale_to_zero_after is not None
            and self._waking_since is None
            and now - self.last_request >= self.scale_to_zero_after
        ):
            return 0
        for row, variant in enumerate(self.variants):
            if variant.policy is None:
                continue
            seen = self.observation(row, variant.policy.window_seconds, now)
            if seen is None:
                continue
            self.observations[variant.name] = seen
            count = decide(variant.policy, variant.count, seen, variant.clock, now)
            if count > variant.count:
                variant.clock.last_out = now
            elif count < variant.count:
                variant.clock.last_in = now
            if count != variant.count:
                variant.count = count
                self._dirty = True
        return self.total

    def went_to_zero(self, now: float) -> None:
        self.scaled_to_zero = True
        self._dirty = True

    def waking(self, now: float, requests_so_far: int) -> None:
        """A connection came while at zero: the workers start; the cold start runs
        until the request counters move."""
        self.scaled_to_zero = False
        self.cold_starts += 1
        self._waking_since = now
        self._wake_total = requests_so_far
        self.last_request = now
        for variant in self.variants:
            if variant.policy is not None:
                variant.count = variant.policy.min_instances
                variant.clock = Clock(last_out=now)
        self._dirty = True

    # -- what others read ---------------------------------------------------------------
    def record(self, instances: int, now_wall: float | None = None) -> None:
        """The serving workers now (the supervisor calls this as they change)."""
        now_wall = time.time() if now_wall is None else now_wall
        if (
            instances != self.instances
            or not self.history
            or (now_wall - self.history[-1][0] >= HISTORY_EVERY)
        ):
            if instances != self.instances:
                self._dirty = True
            self.instances = instances
            self.history.append((round(now_wall, 3), instances))

    def state(self, now: float) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "instances": self.instances,
            "desired": self.total,
            "min": self.floor,
            "scaled_to_zero": self.scaled_to_zero,
            "scale_to_zero_after": self.scale_to_zero_after,
            "idle_seconds": round(max(0.0, now - self.last_request), 3),
            "cold_starts": self.cold_starts,
            "last_cold_start_seconds": self.last_cold_start,
            "last_cold_start_at": self.last_cold_start_at,
            "variants": {
                v.name: {
                    "instances": v.count,
                    "policy": v.policy.model_dump() if v.policy else None,
                    "invocations_per_minute": _rounded(
                        self.observations[v.name].invocations_per_minute
                        if v.name in self.observations
                        else None
                    ),
                    "cpu_percent": _rounded(
                        self.observations[v.name].cpu_percent
                        if v.name in self.observations
                        else None
                    ),
                }
                for v in self.variants
            },
            "history": [list(point) for point in self.history],
            "time": time.time(),
        }

    def write_state(self, now: float, extra: Mapping[str, Any] | None = None) -> None:
        """The state file, atomically, when something changed or once a second."""
        if self.state_path is None or (not self._dirty and now - self._written < STATE_EVERY):
            return
        document = self.state(now)
        if extra:
            document.update(extra)
        temporary = self.state_path.with_name(f".{STATE_FILE}.tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(document))
            os.replace(temporary, self.state_path)
        self._written = now
        self._dirty = False


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def read_state(folder: Path) -> dict[str, Any] | None:
    """The autoscaling state an endpoint's supervisor wrote in ``folder`` (its runtime
    folder), or None."""
    try:
        data = json.loads((folder / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def with_autoscaling(
    variants: Sequence[Mapping[str, Any]],
    autoscaling: Mapping[str, Any] | bool | None,
    *,
    merge: bool = False,
) -> list[dict[str, Any]]:
    """The variants (config dicts) with the policy ``autoscaling`` set on each: at deploy
    on those without one of their own; at an update (``merge``) merged into each one's
    current policy. ``False`` removes the policies; None changes nothing."""
    result = []
    for variant in variants:
        changed = dict(variant)
        if autoscaling is False:
            changed.pop("autoscaling", None)
        elif isinstance(autoscaling, Mapping):
            current = changed.get("autoscaling")
            if merge and isinstance(current, Mapping):
                changed["autoscaling"] = {**_named(current), **_named(autoscaling)}
            elif merge or current is None:
                changed["autoscaling"] = dict(autoscaling)
        result.append(changed)
    return result


def _named(policy: Mapping[str, Any]) -> dict[str, Any]:
    """A policy with ``min``/``max`` spelled as the fields are (so merges replace them)."""
    names = {"min": "min_instances", "max": "max_instances"}
    return {names.get(key, key): value for key, value in policy.items()}


def keep_policies(
    variants: Sequence[Mapping[str, Any]], before: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """New variants keep the policy of the variant of the same name they replace unless
    they give one (``"autoscaling": None`` removes it)."""
    policies = {v.get("name", "primary"): v.get("autoscaling") for v in before}
    return [
        dict(v)
        if "autoscaling" in v or not policies.get(v.get("name", "primary"))
        else {**v, "autoscaling": policies[v.get("name", "primary")]}
        for v in variants
    ]
