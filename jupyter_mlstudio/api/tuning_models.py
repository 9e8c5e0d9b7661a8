"""Request and response models of ``/tuning-jobs``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field

from ..jobs.specs import NAME_PATTERN
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from ..tuning.entities import TuningJob as TuningJobEntity
from ..tuning.spec import Direction, Strategy, TuningJobSpec, TuningLimits
from .common_models import QueryModel, RequestModel, ResponseModel
from .job_models import TrainingJobCreate

if TYPE_CHECKING:  # these import optuna, which the server loads only once tuning is used
    from ..tuning.trials import TrialInfo as TrialInfoEntity
    from ..tuning.warm_start import WarmStartReport as WarmStartReportEntity

TuningJobStatus = Literal["Pending", "Running", "Completed", "Failed", "Stopping", "Stopped"]
TrialState = Literal["Running", "Completed", "Pruned", "Failed", "Waiting"]


class TuningJobCreate(TuningJobSpec):
    """A tuning job: a base training job (built-in algorithm or script), the search
    space, the objective, the strategy and the limits. Paths in ``training`` are
    relative to the server's root folder. ``function`` is for the SDK only (function
    trials run in the caller's process): a request with it is refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SageMakerTuningJobCreate(RequestModel):
    """A tuning job from SageMaker's ``HyperParameterTuningJobConfig``."""

    config: dict[str, Any] = Field(
        description="A HyperParameterTuningJobConfig (ParameterRanges, "
        "HyperParameterTuningJobObjective, Strategy, ResourceLimits, "
        "TrainingJobEarlyStoppingType, RandomSeed, StrategyConfig) or a whole "
        "CreateHyperParameterTuningJob request holding one (HyperParameterTuningJobName "
        "and WarmStartConfig are read too). Fields without an equivalent are ignored and "
        "listed in the response."
    )
    training: TrainingJobCreate = Field(
        description="The base training job (SageMaker's TrainingJobDefinition has no "
        "equivalent here)."
    )
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    warm_start: list[str] | None = Field(
        default=None, description="Earlier tuning jobs (names or ids); overrides WarmStartConfig."
    )


class TuningJobClone(RequestModel):
    """What to change in the copy; everything else is the source's spec."""

    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    warm_start_from_source: bool = Field(
        default=False, description="Warm-start the copy from the source tuning job's trials."
    )
    warm_start: list[str] | None = Field(
        default=None, description="Earlier tuning jobs (names or ids) to warm-start from."
    )
    limits: TuningLimits | None = None
    strategy: Strategy | None = None


class ObjectiveInfo(ResponseModel):
    metric: str
    direction: Direction


class TrialCounts(ResponseModel):
    """Trials this tuning job ran (warm-start trials are not counted)."""

    max_trials: int
    started: int
    done: int = Field(description="Ended trials: completed, pruned or failed.")
    running: int
    completed: int
    pruned: int
    failed: int


class TuningJob(ResponseModel):
    id: str
    name: str
    status: TuningJobStatus
    spec: TuningJobSpec = Field(description="What the tuning job runs; enough to run it again.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None
    parent_run_id: str | None = Field(description="The run whose child runs are the trials.")
    experiment_id: str | None
    strategy: Strategy
    objectives: list[ObjectiveInfo] = Field(description="One, or two (a Pareto front).")
    progress: TrialCounts
    best_value: float | None = Field(description="Best objective value so far (one objective).")
    best_trial: int | None = Field(description="Number of the best trial so far.")
    failure_reason: str | None
    status_message: str | None = Field(description="Why it ended, or what the warm start did.")

    @classmethod
    def from_entity(cls, job: TuningJobEntity) -> TuningJob:
        spec = _spec_of(job)
        counts = job.counts
        end = job.ended_at
        duration = (end - job.started_at).total_seconds() if end and job.started_at else None
        return cls(
            id=job.id,
            name=job.name,
            status=job.status,
            spec=spec,
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            ended_at=job.ended_at,
            duration_seconds=duration,
            parent_run_id=job.parent_run_id,
            experiment_id=job.experiment_id,
            strategy=spec.strategy,
            objectives=[
                ObjectiveInfo(metric=o.metric, direction=o.direction) for o in spec.objectives()
            ],
            progress=TrialCounts(
                max_trials=spec.limits.max_trials,
                started=counts.started,
                done=counts.done,
                running=counts.running,
                completed=counts.completed,
                pruned=counts.pruned,
                failed=counts.failed,
            ),
            best_value=job.best_value,
            best_trial=job.best_trial,
            failure_reason=job.failure_reason,
            status_message=job.status_message,
        )


_SPECS: OrderedDict[str, TuningJobSpec] = OrderedDict()
_SPECS_KEPT = 4096
_specs_lock = threading.Lock()


def _spec_of(job: TuningJobEntity) -> TuningJobSpec:
    """The tuning job's spec, parsed once per tuning job (a spec never changes, and its
    validation checks every range against the algorithm: milliseconds per job, too many
    for a list refreshed on every trial's end)."""
    with _specs_lock:
        spec = _SPECS.get(job.id)
        if spec is not None:
            _SPECS.move_to_end(job.id)
            return spec
    spec = TuningJobSpec.model_validate(job.spec)
    with _specs_lock:
        _SPECS[job.id] = spec
        while len(_SPECS) > _SPECS_KEPT:
            _SPECS.popitem(last=False)
    return spec


class SageMakerTuningJobCreated(ResponseModel):
    tuning_job: TuningJob
    ignored_fields: list[str] = Field(
        description="Fields of the SageMaker config that have no equivalent (dotted paths)."
    )


class TuningJobList(ResponseModel):
    items: list[TuningJob]
    next_token: str | None = None


class TuningJobListQuery(QueryModel):
    status: TuningJobStatus | None = None
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class TrialInfo(ResponseModel):
    number: int
    state: TrialState
    params: dict[str, Any] = Field(description="The sampled hyperparameters.")
    value: float | None = Field(description="The (first) objective's value.")
    values: list[float] | None = Field(description="Every objective's value.")
    intermediate_values: dict[str, float] = Field(
        description="Step → objective value reported at that step."
    )
    tuning_job_id: str
    job_id: str | None = Field(description="The trial's training job.")
    job_name: str | None
    run_id: str | None = Field(description="The trial's run (a child of the tuning job's run).")
    pruned_step: int | None = Field(description="The step at which a pruned trial was stopped.")
    failure_reason: str | None
    warm_start: bool = Field(description="Copied from an earlier tuning job (not run here).")
    warm_start_from: str | None = Field(description="The earlier tuning job's name.")
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None

    @classmethod
    def from_entity(cls, tuning_job_id: str, trial: TrialInfoEntity) -> TrialInfo:
        start, end = trial.started_at, trial.ended_at
        return cls(
            number=trial.number,
            state=trial.state,
            params=dict(trial.params),
            value=trial.value,
            values=list(trial.values) if trial.values is not None else None,
            intermediate_values={str(k): v for k, v in sorted(trial.intermediate_values.items())},
            tuning_job_id=tuning_job_id,
            job_id=trial.job_id,
            job_name=trial.job_name,
            run_id=trial.run_id,
            pruned_step=trial.pruned_step,
            failure_reason=trial.failure_reason,
            warm_start=trial.warm_start_from is not None,
            warm_start_from=trial.warm_start_from,
            started_at=start,
            ended_at=end,
            duration_seconds=(end - start).total_seconds() if start and end else None,
        )


class TrialList(ResponseModel):
    items: list[TrialInfo]
    total: int = Field(description="Trials matching the filter, on every page.")
    next_token: str | None = None


class TrialListQuery(QueryModel):
    state: TrialState | None = None
    sort_by: Literal["number", "value"] = Field(
        default="number",
        description="value: by the (first) objective, best first unless order is given; "
        "trials without a value last.",
    )
    order: Literal["asc", "desc"] | None = Field(
        default=None, description="Default: number ascending, value best first."
    )
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class ParetoFront(ResponseModel):
    objectives: list[ObjectiveInfo]
    items: list[TrialInfo] = Field(
        description="The trials no other trial beats on every objective (with one "
        "objective: the best trial)."
    )


class ParamImportance(ResponseModel):
    param: str
    importance: float


class Importances(ResponseModel):
    items: list[ParamImportance] = Field(
        description="optuna's hyperparameter importances (fANOVA), most important first; "
        "empty until two trials completed."
    )
    completed_trials: int = Field(description="Trials of this tuning job that completed.")


class WarmStartReport(ResponseModel):
    sources: list[str] = Field(description="The tuning jobs it was asked to warm-start from.")
    added: dict[str, int] = Field(description="Earlier tuning job → trials added.")
    skipped: dict[str, str] = Field(description="Earlier tuning job → why none were added.")
    mapped: dict[str, str] = Field(description="Hyperparameter → how its values were mapped.")
    dropped: dict[str, str] = Field(description="Hyperparameter → why its values were dropped.")
    trials_without_params: int
    summary: str

    @classmethod
    def from_entity(
        cls, sources: list[str], report: WarmStartReportEntity | None
    ) -> WarmStartReport:
        if report is None:
            return cls(
                sources=sources,
                added={},
                skipped={},
                mapped={},
                dropped={},
                trials_without_params=0,
                summary="No warm start." if not sources else "Nothing added.",
            )
        return cls(sources=sources, summary=report.summary(), **report.as_dict())
