"""Jobs as the rest of the studio sees them: immutable snapshots, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..statuses import (
    ACTIVE_STATUSES,
    COMPLETED,
    FAILED,
    PENDING,
    RUN_STATUS_OF,
    RUNNING,
    STATUSES,
    STOPPED,
    STOPPING,
    TERMINAL_STATUSES,
)

JobKind = Literal["training", "processing", "batch-transform"]
JOB_KINDS: tuple[str, ...] = ("training", "processing", "batch-transform")

# A job's lifecycle is the one every piece of long work kept as a row has.
JOB_STATUSES = STATUSES
TERMINAL_JOB_STATUSES = TERMINAL_STATUSES
ACTIVE_JOB_STATUSES = ACTIVE_STATUSES

# The output of a training job whose model could not be registered (register_as): the
# reason, while the job itself stays Completed.
REGISTRATION_ERROR = "registration_error"


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    name: str
    status: str
    spec: dict[str, Any]
    executor: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    failure_reason: str | None = None
    progress: float | None = None
    progress_message: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None
    experiment_id: str | None = None
    artifact_uri: str = ""
    host: str | None = None
    pid: int | None = None
    process_start: float | None = None
    owner_host: str | None = None
    owner_pid: int | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES

    @property
    def registration_error(self) -> str | None:
        """Why ``register_as`` did not register the model (the job still completed)."""
        return self.outputs.get(REGISTRATION_ERROR)

    @property
    def log_uri(self) -> str:
        return f"{self.artifact_uri}/log.txt"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at or self.updated_at
        return max(0.0, (end - self.started_at).total_seconds())


__all__ = [
    "ACTIVE_JOB_STATUSES",
    "COMPLETED",
    "FAILED",
    "JOB_KINDS",
    "JOB_STATUSES",
    "PENDING",
    "REGISTRATION_ERROR",
    "RUNNING",
    "RUN_STATUS_OF",
    "STOPPED",
    "STOPPING",
    "TERMINAL_JOB_STATUSES",
    "Job",
    "JobKind",
]
