"""Pipelines, executions and step executions as the rest of the studio sees them:
immutable snapshots, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# An execution's lifecycle (SageMaker Pipelines' names).
EXECUTING = "Executing"
STOPPING = "Stopping"
STOPPED = "Stopped"
FAILED = "Failed"
SUCCEEDED = "Succeeded"
EXECUTION_STATUSES = (EXECUTING, STOPPING, STOPPED, FAILED, SUCCEEDED)
ACTIVE_EXECUTION_STATUSES = frozenset({EXECUTING, STOPPING})
TERMINAL_EXECUTION_STATUSES = frozenset({STOPPED, FAILED, SUCCEEDED})

# A step's.
QUEUED = "Queued"
RUNNING = "Running"
CACHED = "Cached"
STEP_SUCCEEDED = "Succeeded"
STEP_FAILED = "Failed"
SKIPPED = "Skipped"
STEP_STOPPED = "Stopped"
STEP_STATUSES = (QUEUED, RUNNING, CACHED, STEP_SUCCEEDED, STEP_FAILED, SKIPPED, STEP_STOPPED)
DONE_STEP_STATUSES = frozenset({CACHED, STEP_SUCCEEDED, SKIPPED})
TERMINAL_STEP_STATUSES = frozenset({CACHED, STEP_SUCCEEDED, STEP_FAILED, SKIPPED, STEP_STOPPED})


@dataclass(frozen=True)
class Pipeline:
    id: str
    name: str
    description: str
    latest_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PipelineVersion:
    pipeline_id: str
    version: int
    document: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class StepExecution:
    execution_id: str
    name: str
    type: str
    status: str
    attempts: int = 0
    job_id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    cache_key: str | None = None
    cache_source: str | None = None  # the execution whose result a Cached step reused
    error: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    not_before: datetime | None = None  # a retry waits until then
    updated_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STEP_STATUSES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class Execution:
    id: str
    pipeline_id: str
    pipeline_name: str
    version: int
    status: str
    parameters: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    failure_reason: str | None = None
    base_dir: str | None = None
    owner_host: str | None = None
    owner_pid: int | None = None
    retry_of: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_EXECUTION_STATUSES
