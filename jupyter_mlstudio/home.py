"""The Studio home: one pane of glass over the whole studio.

Three read-only views gathered from the services it is given (jobs, endpoints,
experiments, registry, tuning) and the configuration:

- **running now** — jobs that are queued or running and endpoints that are starting,
  serving or updating, with the CPU and memory of their processes (a job's process and
  its children; an endpoint's supervisor and its workers); tuning jobs in progress with
  their trials done out of the maximum and the best value so far;
- **recent activity** — runs started and ended, model versions registered and approved
  or rejected, endpoints deployed or failed, jobs that failed, tuning jobs that ended:
  newest first, each with what a client needs to open it (resource kind and id);
- **configuration** — the store, artifact location and executor in use (passwords
  masked), the home folder and the library versions.

Nothing here writes; Stop buttons use the jobs' and endpoints' own operations.
"""

from __future__ import annotations

import contextlib
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from .config import StudioConfig
from .endpoints.entities import Endpoint, EndpointStatus
from .errors import NotFoundError
from .jobs.entities import FAILED, PENDING, RUNNING, STOPPING, Job
from .processes import same_process_alive, this_host
from .statuses import COMPLETED, STOPPED
from .store.db import redact_uri

if TYPE_CHECKING:
    from .endpoints.service import EndpointService
    from .experiments.service import ExperimentService
    from .jobs.service import JobService
    from .registry.service import Registry
    from .tuning.entities import TuningJob
    from .tuning.service import TuningService

RunningKind = Literal["job", "endpoint", "tuning-job"]
ActivityKind = Literal[
    "run-started",
    "run-finished",
    "run-failed",
    "run-stopped",
    "model-version-registered",
    "model-version-approved",
    "model-version-rejected",
    "endpoint-deployed",
    "endpoint-updated",
    "endpoint-failed",
    "job-failed",
    "tuning-job-completed",
    "tuning-job-failed",
    "tuning-job-stopped",
]
ActivityResource = Literal["run", "job", "model-version", "endpoint", "tuning-job"]

# Endpoint statuses in which a process serves or is being started.
LIVE_ENDPOINT_STATUSES = (
    EndpointStatus.CREATING,
    EndpointStatus.IN_SERVICE,
    EndpointStatus.UPDATING,
)
# Job statuses shown as running now (Stopping: its processes are still there).
LIVE_JOB_STATUSES = (RUNNING, STOPPING, PENDING)
# Seconds between the two CPU-time readings a CPU percentage is computed from.
CPU_SAMPLE_SECONDS = 0.25
ACTIVITY_LIMIT = 30
# Libraries whose versions the configuration lists, when installed.
VERSIONED_PACKAGES = (
    "jupyter_mlstudio",
    "jupyterlab",
    "jupyter_server",
    "scikit-learn",
    "pandas",
    "sqlalchemy",
    "fsspec",
    "distributed",
)
MASK = "***"


@dataclass(frozen=True)
class ProcessUsage:
    """CPU and memory of one process tree, summed over its live processes."""

    cpu_percent: float  # 100 = one core busy
    memory_bytes: int  # resident set size
    processes: int


@dataclass(frozen=True)
class TrialProgress:
    """How far a tuning job got: ended trials out of the maximum, the best value so far."""

    done: int  # completed, pruned or failed
    max_trials: int
    running: int
    best_value: float | None
    objective: str  # the (first) objective's metric


@dataclass(frozen=True)
class RunningItem:
    kind: RunningKind
    id: str  # a job's or tuning job's id; an endpoint's name (what its routes take)
    name: str
    status: str
    detail: str  # the job kind, the endpoint's model versions, or the tuning strategy
    started_at: datetime | None
    host: str | None
    pid: int | None
    usage: ProcessUsage | None  # None: not on this host, not started, or gone
    trials: TrialProgress | None = None  # tuning jobs only


@dataclass(frozen=True)
class ActivityTarget:
    """What an activity item opens: a run or job by id, an endpoint by name, a model
    version by model name and version."""

    resource: ActivityResource
    id: str
    version: int | None = None


@dataclass(frozen=True)
class ActivityItem:
    kind: ActivityKind
    at: datetime
    title: str
    detail: str
    target: ActivityTarget


@dataclass(frozen=True)
class HomeConfiguration:
    store_uri: str  # password masked
    store_backend: str
    artifact_uri: str  # password masked
    executor: str
    dask_address: str
    max_concurrent_jobs: int | None
    home: str
    versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HomeSnapshot:
    running: list[RunningItem]
    activity: list[ActivityItem]
    configuration: HomeConfiguration
    generated_at: datetime


# -- configuration --------------------------------------------------------------------
def mask_password(uri: str) -> str:
    """``uri`` with the password of its user info (``user:password@host``) replaced."""
    try:
        parts = urlsplit(uri)
        password = parts.password
    except ValueError:
        return uri
    if not password:
        return uri
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{hostinfo}"))


def library_versions(packages: Iterable[str] = VERSIONED_PACKAGES) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


def configuration(config: StudioConfig, store_backend: str) -> HomeConfiguration:
    """The settings in use, safe to show: no password leaves this function."""
    return HomeConfiguration(
        store_uri=mask_password(redact_uri(config.store_uri)),
        store_backend=store_backend,
        artifact_uri=mask_password(config.artifact_uri),
        executor=config.job_executor,
        dask_address=mask_password(config.dask_address),
        max_concurrent_jobs=config.max_concurrent_jobs,
        home=str(config.home),
        versions=library_versions(),
    )


# -- process usage --------------------------------------------------------------------
def sample_usage(
    pids: Sequence[int], seconds: float = CPU_SAMPLE_SECONDS
) -> dict[int, ProcessUsage]:
    """CPU and memory of each process and all its descendants.

    CPU is measured over one ``seconds`` window shared by all processes, so a call
    takes that long once, however many processes it measures. Processes that are gone
    (or not ours to read) are left out.
    """
    import psutil

    trees: dict[int, list[psutil.Process]] = {}
    for pid in dict.fromkeys(pids):
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for process in tree:
            with contextlib.suppress(psutil.Error):
                process.cpu_percent(None)  # the first reading: the window starts here
        trees[pid] = tree
    if trees and seconds > 0:
        time.sleep(seconds)
    usage: dict[int, ProcessUsage] = {}
    for pid, tree in trees.items():
        cpu, memory, alive = 0.0, 0, 0
        for process in tree:
            try:
                with process.oneshot():
                    if process.status() == psutil.STATUS_ZOMBIE:
                        continue
                    cpu += process.cpu_percent(None)
                    memory += process.memory_info().rss
                alive += 1
            except psutil.Error:
                continue
        if alive:
            usage[pid] = ProcessUsage(round(cpu, 1), memory, alive)
    return usage


# -- the home -------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StudioHome:
    """Reads through the services it is given; holds no state of its own."""

    jobs: JobService
    endpoints: EndpointService
    experiments: ExperimentService
    registry: Registry
    config: StudioConfig
    store_backend: str
    # A getter: the tuning service is built on first use (only processes that tune
    # import optuna); without it the home shows no tuning jobs.
    tuning: Callable[[], TuningService] | None = None
    cpu_sample_seconds: float = CPU_SAMPLE_SECONDS

    def snapshot(self, activity_limit: int = ACTIVITY_LIMIT) -> HomeSnapshot:
        return HomeSnapshot(
            running=self.running(),
            activity=self.activity(activity_limit),
            configuration=self.configuration(),
            generated_at=datetime.now(timezone.utc),
        )

    def configuration(self) -> HomeConfiguration:
        return configuration(self.config, self.store_backend)

    # -- running now -------------------------------------------------------------------
    def running(self) -> list[RunningItem]:
        """Live jobs (running first, then queued), live endpoints and tuning jobs in
        progress, with the usage of the processes of jobs and endpoints on this host (a
        tuning job's trials are jobs of their own)."""
        host = this_host()
        jobs = [
            job
            for status in LIVE_JOB_STATUSES
            for job in self.jobs.list(status=status, max_items=1000).items
        ]
        endpoints = [
            endpoint
            for status in LIVE_ENDPOINT_STATUSES
            for endpoint in self.endpoints.list_endpoints(status=status.value, max_items=1000).items
        ]
        local_pids = [
            job.pid
            for job in jobs
            if job.pid is not None
            and job.host == host
            and same_process_alive(job.pid, job.process_start)
        ] + [e.pid for e in endpoints if e.pid is not None and e.host == host]
        usage = sample_usage(local_pids, self.cpu_sample_seconds)
        return (
            [_job_item(job, usage) for job in jobs]
            + [_endpoint_item(endpoint, usage) for endpoint in endpoints]
            + [_tuning_item(job) for job in self._tuning_jobs(LIVE_JOB_STATUSES, 1000)]
        )

    def _tuning_jobs(self, statuses: Iterable[str], limit: int) -> list[TuningJob]:
        if self.tuning is None:
            return []
        service = self.tuning()
        return [
            job for status in statuses for job in service.list(status=status, max_items=limit).items
        ]

    # -- recent activity ---------------------------------------------------------------
    def activity(self, limit: int = ACTIVITY_LIMIT) -> list[ActivityItem]:
        """What happened lately across the studio, newest first."""
        items = [
            *self._run_activity(limit),
            *self._model_activity(limit),
            *self._endpoint_activity(limit),
            *self._job_activity(limit),
            *self._tuning_activity(limit),
        ]
        items.sort(key=lambda item: item.at, reverse=True)
        return items[:limit]

    def _run_activity(self, limit: int) -> list[ActivityItem]:
        experiments = self.experiments.list_experiments(max_items=1000).items
        if not experiments:
            return []
        names = {e.id: e.name for e in experiments}
        runs = self.experiments
        started = runs.search_runs(list(names), max_items=limit).items
        ended = runs.search_runs(list(names), order_by=["end_time DESC"], max_items=limit).items
        items: list[ActivityItem] = []
        for run in started:
            items.append(
                ActivityItem(
                    "run-started",
                    _utc(run.start_time),
                    f"Run {run.name} started",
                    names.get(run.experiment_id, ""),
                    ActivityTarget("run", run.id),
                )
            )
        for run in ended:
            if run.end_time is None or run.status == "RUNNING":
                continue
            kind, verb = _RUN_ENDINGS.get(run.status, ("run-finished", "finished"))
            reason = run.tags.get("mlstudio.failure", "")
            items.append(
                ActivityItem(
                    kind,
                    _utc(run.end_time),
                    f"Run {run.name} {verb}",
                    reason or names.get(run.experiment_id, ""),
                    ActivityTarget("run", run.id),
                )
            )
        return items

    def _model_activity(self, limit: int) -> list[ActivityItem]:
        registry = self.registry
        run_names: dict[str, str | None] = {}
        items: list[ActivityItem] = []
        # Groups changed last hold the newest versions and approvals.
        for group in registry.list_groups(max_items=min(limit, 100)).items:
            for version in registry.list_versions(group.name)[:limit]:
                target = ActivityTarget("model-version", version.name, version.version)
                label = f"{version.name} v{version.version}"
                run_name = self._run_name(version.source_run_id, run_names)
                source = f"from run {run_name}" if run_name else ""
                items.append(
                    ActivityItem(
                        "model-version-registered",
                        _utc(version.created_at),
                        f"Model {label} registered",
                        source or version.flavor,
                        target,
                    )
                )
                for event in version.approvals:
                    if event.to_status in _APPROVAL_KINDS:
                        kind, verb = _APPROVAL_KINDS[event.to_status]
                        items.append(
                            ActivityItem(
                                kind,
                                _utc(event.at),
                                f"Model {label} {verb}",
                                event.comment or (f"by {event.actor}" if event.actor else ""),
                                target,
                            )
                        )
        return items

    def _run_name(self, run_id: str | None, known: dict[str, str | None]) -> str | None:
        """A run's name (``known`` caches the lookups of one call); None if it is gone."""
        if run_id is None:
            return None
        if run_id not in known:
            try:
                known[run_id] = self.experiments.get_run(run_id).name
            except NotFoundError:
                known[run_id] = None
        return known[run_id]

    def _endpoint_activity(self, limit: int) -> list[ActivityItem]:
        items: list[ActivityItem] = []
        for endpoint in self.endpoints.list_endpoints(max_items=limit).items:
            target = ActivityTarget("endpoint", endpoint.name)
            models = _variants(endpoint)
            items.append(
                ActivityItem(
                    "endpoint-deployed",
                    _utc(endpoint.created_at),
                    f"Endpoint {endpoint.name} deployed",
                    models,
                    target,
                )
            )
            if endpoint.status == EndpointStatus.FAILED:
                items.append(
                    ActivityItem(
                        "endpoint-failed",
                        _utc(endpoint.updated_at),
                        f"Endpoint {endpoint.name} failed",
                        endpoint.failure_reason or models,
                        target,
                    )
                )
            elif endpoint.generation > 1:
                items.append(
                    ActivityItem(
                        "endpoint-updated",
                        _utc(endpoint.updated_at),
                        f"Endpoint {endpoint.name} updated",
                        models,
                        target,
                    )
                )
        return items

    def _job_activity(self, limit: int) -> list[ActivityItem]:
        return [
            ActivityItem(
                "job-failed",
                _utc(job.ended_at or job.updated_at),
                f"Job {job.name} failed",
                job.failure_reason or job.kind,
                ActivityTarget("job", job.id),
            )
            for job in self.jobs.list(status=FAILED, max_items=limit).items
        ]

    def _tuning_activity(self, limit: int) -> list[ActivityItem]:
        items: list[ActivityItem] = []
        for job in self._tuning_jobs(_TUNING_ENDINGS, limit):
            kind, verb = _TUNING_ENDINGS[job.status]
            best = "" if job.best_value is None else f"best {job.best_value:.4g}"
            items.append(
                ActivityItem(
                    kind,
                    _utc(job.ended_at or job.updated_at),
                    f"Tuning job {job.name} {verb}",
                    job.failure_reason or best or job.status_message or "",
                    ActivityTarget("tuning-job", job.id),
                )
            )
        return items


_TUNING_ENDINGS: dict[str, tuple[ActivityKind, str]] = {
    COMPLETED: ("tuning-job-completed", "completed"),
    FAILED: ("tuning-job-failed", "failed"),
    STOPPED: ("tuning-job-stopped", "stopped"),
}
_RUN_ENDINGS: dict[str, tuple[ActivityKind, str]] = {
    "FINISHED": ("run-finished", "finished"),
    "FAILED": ("run-failed", "failed"),
    "KILLED": ("run-stopped", "stopped"),
}
_APPROVAL_KINDS: dict[str, tuple[ActivityKind, str]] = {
    "Approved": ("model-version-approved", "approved"),
    "Rejected": ("model-version-rejected", "rejected"),
}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _variants(endpoint: Endpoint) -> str:
    return ", ".join(f"{v.model} v{v.version}" for v in endpoint.variants)


def _job_item(job: Job, usage: dict[int, ProcessUsage]) -> RunningItem:
    return RunningItem(
        kind="job",
        id=job.id,
        name=job.name,
        status=job.status,
        detail=job.kind,
        started_at=_utc(job.started_at) if job.started_at else None,
        host=job.host,
        pid=job.pid,
        usage=usage.get(job.pid) if job.pid is not None else None,
    )


def _endpoint_item(endpoint: Endpoint, usage: dict[int, ProcessUsage]) -> RunningItem:
    return RunningItem(
        kind="endpoint",
        id=endpoint.name,
        name=endpoint.name,
        status=endpoint.status.value,
        detail=_variants(endpoint),
        started_at=_utc(endpoint.created_at),
        host=endpoint.host,
        pid=endpoint.pid,
        usage=usage.get(endpoint.pid) if endpoint.pid is not None else None,
    )


def _tuning_item(job: TuningJob) -> RunningItem:
    from .tuning.spec import parse_tuning_spec  # pydantic only, no optuna

    spec = parse_tuning_spec(job.spec)
    counts = job.counts
    return RunningItem(
        kind="tuning-job",
        id=job.id,
        name=job.name,
        status=job.status,
        detail=spec.strategy,
        started_at=_utc(job.started_at) if job.started_at else None,
        host=job.owner_host,
        pid=None,  # the tuning job's own loop runs in a server or kernel, not a process
        usage=None,
        trials=TrialProgress(
            done=counts.done,
            max_trials=spec.limits.max_trials,
            running=counts.running,
            best_value=job.best_value,
            objective=spec.objective.metric,
        ),
    )
