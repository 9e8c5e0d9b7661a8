"""Monitors, their executions and alerts: immutable snapshots the store returns.

A monitor watches one source (an endpoint's captured traffic, or a table such as a
batch-transform output) with one kind of check against a baseline, on a schedule. Each
run is an execution: a processing job over a window, ending Completed,
CompletedWithViolations, NoData or Failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args
from urllib.parse import urlparse

from ..errors import InvalidArgumentError

MonitorKind = Literal["data-quality", "model-quality"]
MONITOR_KINDS: tuple[str, ...] = get_args(MonitorKind)

MonitorStatus = Literal["Scheduled", "Stopped"]

ExecutionStatus = Literal[
    "Pending", "InProgress", "Completed", "CompletedWithViolations", "NoData", "Failed"
]
ACTIVE_EXECUTION_STATUSES = ("Pending", "InProgress")
TERMINAL_EXECUTION_STATUSES = ("Completed", "CompletedWithViolations", "NoData", "Failed")

NAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$")


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidArgumentError(
            f"A monitor name is 1-63 letters, digits, '.', '_' or '-' (first a letter or "
            f"digit), not {name!r}."
        )
    return name


def check_kind(kind: str) -> MonitorKind:
    if kind not in MONITOR_KINDS:
        raise InvalidArgumentError(
            f"A monitor's kind is one of {', '.join(MONITOR_KINDS)}, not {kind!r}."
        )
    return kind  # type: ignore[return-value]


def check_webhook_url(url: str | None) -> str | None:
    if url is None or url == "":
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidArgumentError(f"The alert webhook is an http(s) URL, not {url!r}.")
    return url


@dataclass(frozen=True)
class AlertSettings:
    """Where violations are sent: a webhook (a JSON POST signed with HMAC-SHA256 of
    ``secret`` when one is set) and a pipeline to start (kept for the Pipelines
    component)."""

    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    pipeline: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "webhook_url": self.webhook_url,
            "webhook_secret": self.webhook_secret,
            "pipeline": self.pipeline,
        }


@dataclass(frozen=True)
class Monitor:
    id: str
    name: str
    kind: MonitorKind
    # what is watched: an endpoint's captured traffic, or a table (file or folder)
    endpoint: str | None
    data_path: str | None
    baseline: str  # a folder (or fsspec URL) with the baseline's files
    schedule: str | None  # "rate(1 hour)", "cron(0 * * * ? *)" or a 5-field cron
    # drift options (data quality) or problem_type / offset_seconds (model quality)
    options: dict[str, Any]
    alert: AlertSettings
    status: MonitorStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Execution:
    id: str
    monitor_id: str
    scheduled_time: datetime
    window_start: datetime
    window_end: datetime
    status: ExecutionStatus
    created_at: datetime
    updated_at: datetime
    violations: int = 0
    output: str | None = None  # the folder with constraint_violations.json, report.json
    failure_reason: str | None = None
    job_id: str | None = None
    manual: bool = False  # run_now, not the schedule

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_EXECUTION_STATUSES


@dataclass(frozen=True)
class Alert:
    """A violation notice: what the server shows as a JupyterLab notification."""

    id: int
    monitor_id: str
    execution_id: str
    created_at: datetime
    message: str
    violations: int
    webhook_status: str | None = None  # "200", or why the POST failed; None: no webhook
