"""Response models of ``/home``: the Studio home (see ``jupyter_mlstudio/home.py``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from pydantic import Field

from ..home import ActivityKind, ActivityResource, HomeSnapshot, RunningKind
from .common_models import ResponseModel


class ProcessUsage(ResponseModel):
    cpu_percent: float = Field(description="CPU use of the process tree; 100 is one busy core.")
    memory_bytes: int = Field(description="Resident memory of the process tree.")
    processes: int = Field(description="Live processes measured (with children, workers).")


class TrialProgress(ResponseModel):
    done: int = Field(description="Ended trials: completed, pruned or failed.")
    max_trials: int
    running: int
    best_value: float | None = Field(description="Best objective value so far.")
    objective: str = Field(description="The metric the tuning job optimizes.")


class RunningItem(ResponseModel):
    kind: RunningKind
    id: str = Field(
        description="A job's or tuning job's id, or an endpoint's name: what their routes take."
    )
    name: str
    status: str
    detail: str = Field(
        description="The job kind, the model versions an endpoint serves, or the tuning strategy."
    )
    started_at: datetime | None
    host: str | None
    pid: int | None
    usage: ProcessUsage | None = Field(
        description="Null when the process is not on the server's host, not started or gone."
    )
    trials: TrialProgress | None = Field(description="Tuning jobs only: their trials so far.")


class ActivityTarget(ResponseModel):
    resource: ActivityResource
    id: str = Field(description="Run, job or tuning job id, endpoint name, or model name.")
    version: int | None = Field(description="The model version (model-version only).")


class ActivityItem(ResponseModel):
    kind: ActivityKind
    at: datetime
    title: str
    detail: str
    target: ActivityTarget


class HomeConfiguration(ResponseModel):
    store_uri: str = Field(description="Metadata store URL with any password hidden.")
    store_backend: str
    artifact_uri: str = Field(description="Artifact location with any password hidden.")
    executor: str
    dask_address: str
    max_concurrent_jobs: int | None
    home: str
    versions: dict[str, str] = Field(description="Python and library versions in use.")


class Home(ResponseModel):
    running: list[RunningItem] = Field(description="Live jobs, endpoints and tuning jobs.")
    activity: list[ActivityItem] = Field(description="Recent activity, newest first.")
    configuration: HomeConfiguration
    generated_at: datetime

    @classmethod
    def from_snapshot(cls, snapshot: HomeSnapshot) -> Home:
        return cls.model_validate(dataclasses.asdict(snapshot))
