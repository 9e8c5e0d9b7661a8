"""Tuning jobs as the rest of the studio sees them: immutable snapshots, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..statuses import (
    ACTIVE_STATUSES,
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    STATUSES,
    STOPPED,
    STOPPING,
    TERMINAL_STATUSES,
)

# A tuning job's lifecycle is the one every piece of long work kept as a row has.
TUNING_STATUSES = STATUSES
TERMINAL_TUNING_STATUSES = TERMINAL_STATUSES
ACTIVE_TUNING_STATUSES = ACTIVE_STATUSES

# The tag on each trial's run (and the optuna trial's user attribute) with its number.
TRIAL_TAG = "mlstudio.tuning.trial"
TUNING_JOB_TAG = "mlstudio.tuning.job_id"


@dataclass(frozen=True)
class TrialCounts:
    """How many trial jobs of a tuning job are in each state (warm-start trials excluded)."""

    started: int = 0
    running: int = 0
    completed: int = 0
    pruned: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        """Ended trials: completed, pruned or failed."""
        return self.completed + self.pruned + self.failed

    def as_dict(self) -> dict[str, int]:
        return {
            "started": self.started,
            "running": self.running,
            "completed": self.completed,
            "pruned": self.pruned,
            "failed": self.failed,
        }


@dataclass(frozen=True)
class TuningJob:
    id: str
    name: str
    status: str
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    counts: TrialCounts
    parent_run_id: str | None = None
    experiment_id: str | None = None
    best_value: float | None = None
    best_trial: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    failure_reason: str | None = None
    status_message: str | None = None
    owner_host: str | None = None
    owner_pid: int | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_TUNING_STATUSES


__all__ = [
    "ACTIVE_TUNING_STATUSES",
    "COMPLETED",
    "FAILED",
    "PENDING",
    "RUNNING",
    "STOPPED",
    "STOPPING",
    "TERMINAL_TUNING_STATUSES",
    "TRIAL_TAG",
    "TUNING_JOB_TAG",
    "TUNING_STATUSES",
    "TrialCounts",
    "TuningJob",
]
