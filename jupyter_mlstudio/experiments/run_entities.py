"""Run domain objects and the rules logged values obey."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..errors import InvalidArgumentError

RUN_STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")
TERMINAL_STATUSES = ("FINISHED", "FAILED", "KILLED")
LIFECYCLES = ("active", "deleted", "all")  # "all" only as a search choice
KEY_MAX_LENGTH = 250
PARAM_VALUE_MAX_LENGTH = 6_000
TAG_VALUE_MAX_LENGTH = 5_000
RUN_NAME_MAX_LENGTH = 256
MAX_BATCH = 10_000  # metrics + params + tags in one log_batch call


@dataclass(frozen=True)
class Metric:
    key: str
    value: float  # NaN allowed
    step: int = 0
    timestamp: float = field(default_factory=time.time)  # seconds since the epoch


@dataclass(frozen=True)
class Run:
    """A snapshot of one run: its attributes, params, tags and latest metric values."""

    id: str
    experiment_id: str
    name: str
    status: str
    parent_run_id: str | None
    start_time: datetime
    end_time: datetime | None
    lifecycle: str
    artifact_uri: str
    params: Mapping[str, str]
    tags: Mapping[str, str]
    metrics: Mapping[str, float]

    def __post_init__(self) -> None:
        for name in ("params", "tags", "metrics"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


@dataclass(frozen=True)
class RunRecord:
    """A finished run stored whole (``RunStore.record_runs``): what a run created, logged
    to and ended with separate calls would hold, e.g. a function trial's run."""

    name: str
    status: str  # FINISHED | FAILED | KILLED
    start_time: datetime
    end_time: datetime
    tags: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: tuple[Metric, ...] = ()


def validate_key(key: object, what: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidArgumentError(f"{what} names must be non-empty strings; got {key!r}.")
    if len(key) > KEY_MAX_LENGTH:
        raise InvalidArgumentError(
            f"{what} name {key[:40]!r}… is longer than {KEY_MAX_LENGTH} characters."
        )
    if any(ord(ch) < 32 for ch in key):
        raise InvalidArgumentError(f"{what} name {key!r} contains control characters.")
    return key


def _stored_text(what: str, key: str, value: object, limit: int) -> str:
    """Params and tags are stored as text: numbers and booleans are written the way Python
    prints them; longer than ``limit`` is refused."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        raise InvalidArgumentError(
            f"{what} {key!r} is {len(text)} characters long; the limit is {limit}."
        )
    return text


def param_value(key: str, value: object) -> str:
    return _stored_text("Param", key, value, PARAM_VALUE_MAX_LENGTH)


def tag_value(key: str, value: object) -> str:
    return _stored_text("Tag", key, value, TAG_VALUE_MAX_LENGTH)


def metric(key: object, value: object, step: object = 0, timestamp: object = None) -> Metric:
    name = validate_key(key, "Metric")
    if isinstance(value, bool) or not isinstance(value, int | float):
        # numpy scalars and other numbers convert through float()
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"Metric {name!r} must be a number; got {value!r}.") from exc
    else:
        number = float(value)
    if isinstance(step, bool) or not isinstance(step, int | str | float):
        raise InvalidArgumentError(f"Metric {name!r}: step must be an integer.")
    try:
        step_number = int(step)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"Metric {name!r}: step must be an integer.") from exc
    ts = time.time() if timestamp is None else timestamp
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
        raise InvalidArgumentError(f"Metric {name!r}: timestamp must be seconds since the epoch.")
    return Metric(key=name, value=number, step=step_number, timestamp=float(ts))


def validate_status(status: Any) -> str:
    if not isinstance(status, str) or status.upper() not in RUN_STATUSES:
        raise InvalidArgumentError(
            f"Run status must be one of {', '.join(RUN_STATUSES)}; got {status!r}."
        )
    return status.upper()


def validate_run_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError("Run names must be non-empty strings.")
    if len(name) > RUN_NAME_MAX_LENGTH:
        raise InvalidArgumentError(f"Run names are limited to {RUN_NAME_MAX_LENGTH} characters.")
    return name.strip()
