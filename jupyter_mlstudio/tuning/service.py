"""Creating, driving, stopping and reading tuning jobs: the one API the SDK, the magics
and the REST handlers share.

A tuning job is a row in the tuning store, a parent run, and an optuna study (its
trials). Each trial is a training job submitted through the job service, whose run is a
child of the parent run, tagged with the trial number. A supervisor thread per tuning
job (:class:`_Driver`) asks optuna for trials up to the parallel limit, feeds each
trial's logged objective per step back as intermediate values, stops (prunes) the jobs
optuna gives up on, tells optuna how each trial ended and ends the tuning job at its
limits. Everything it needs to carry on is in the store and the study, so a restarted
server adopts the tuning jobs whose owner died (:meth:`TuningService.resume`).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..config import StudioConfig
from ..errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
)
from ..experiments.run_entities import Metric
from ..experiments.run_store import RunStore
from ..experiments.store import ExperimentStore
from ..jobs.entities import COMPLETED as JOB_COMPLETED
from ..jobs.entities import Job
from ..jobs.specs import DEFAULT_EXPERIMENT, TrainingSpec
from ..jobs.store import JobStore
from ..processes import pid_alive, this_host
from ..store.pagination import DEFAULT_MAX_ITEMS, Page
from .entities import (
    ACTIVE_TUNING_STATUSES,
    COMPLETED,
    FAILED,
    STOPPED,
    STOPPING,
    TRIAL_TAG,
    TUNING_JOB_TAG,
    TrialCounts,
    TuningJob,
)
from .spec import TuningJobSpec, parse_tuning_spec, trial_training_spec
from .store import TuningStore
from .study import (
    check_strategy,
    distributions,
    journal_path,
    journal_storage,
    open_study,
    to_hyperparameters,
    to_optuna_params,
)
from .warm_start import WARM_START_ATTR, WarmStartReport, fit_value, warm_start

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.5
# optuna user attributes of a job trial
JOB_NAME_ATTR = "job_name"
JOB_ID_ATTR = "job_id"
RUN_ID_ATTR = "run_id"
PRUNED_STEP_ATTR = "pruned_step"
FAILURE_ATTR = "failure_reason"
RETRY_OF_ATTR = "retry_of"
TRIAL_STATE_TAG = "mlstudio.tuning.state"
PRUNED_STEP_TAG = "mlstudio.tuning.pruned_step"
# how a tuning job's outcome maps onto its parent run
_RUN_STATUS = {COMPLETED: "FINISHED", FAILED: "FAILED", STOPPED: "KILLED"}


class TrialJobs(Protocol):
    """What the tuning service needs of the job service."""

    @property
    def store(self) -> JobStore: ...

    def submit(self, spec: TrainingSpec) -> Job: ...

    def stop(self, job_id: str) -> Job: ...

    def get(self, job_id: str) -> Job: ...


@dataclass(frozen=True)
class TrialInfo:
    """One trial as lists and tables show it."""

    number: int
    state: str  # Running | Completed | Pruned | Failed | Waiting
    params: dict[str, Any]
    values: list[float] | None
    intermediate_values: dict[int, float]
    job_id: str | None = None
    job_name: str | None = None
    run_id: str | None = None
    pruned_step: int | None = None
    failure_reason: str | None = None
    warm_start_from: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def value(self) -> float | None:
        return self.values[0] if self.values else None


_STATE_NAMES = {
    TrialState.RUNNING: "Running",
    TrialState.COMPLETE: "Completed",
    TrialState.PRUNED: "Pruned",
    TrialState.FAIL: "Failed",
    TrialState.WAITING: "Waiting",
}


def is_job_trial(trial: FrozenTrial) -> bool:
    """A trial this tuning job ran (or started): not a warm-start one, not still queued."""
    return trial.state != TrialState.WAITING and WARM_START_ATTR not in trial.user_attrs


def trial_info(spec: TuningJobSpec, trial: FrozenTrial) -> TrialInfo:
    attrs = trial.user_attrs
    return TrialInfo(
        number=trial.number,
        state=_STATE_NAMES.get(trial.state, trial.state.name.title()),
        params=to_hyperparameters(spec, trial.params),
        values=list(trial.values) if trial.values is not None else None,
        intermediate_values=dict(trial.intermediate_values),
        job_id=attrs.get(JOB_ID_ATTR),
        job_name=attrs.get(JOB_NAME_ATTR),
        run_id=attrs.get(RUN_ID_ATTR),
        pruned_step=attrs.get(PRUNED_STEP_ATTR),
        failure_reason=attrs.get(FAILURE_ATTR),
        warm_start_from=attrs.get(WARM_START_ATTR),
        started_at=trial.datetime_start,
        ended_at=trial.datetime_complete,
    )


def count_trials(trials: Sequence[FrozenTrial]) -> TrialCounts:
    mine = [t for t in trials if is_job_trial(t)]

    def n(state: TrialState) -> int:
        return sum(1 for t in mine if t.state == state)

    return TrialCounts(
        started=len(mine),
        running=n(TrialState.RUNNING),
        completed=n(TrialState.COMPLETE),
        pruned=n(TrialState.PRUNED),
        failed=n(TrialState.FAIL),
    )


def best_job_trial(spec: TuningJobSpec, trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
    """The best completed trial this job ran (single objective; None for two)."""
    if spec.second_objective is not None:
        return None
    done = [t for t in trials if is_job_trial(t) and t.state == TrialState.COMPLETE and t.values]
    if not done:
        return None
    pick = max if spec.objective.direction == "Maximize" else min
    return pick(done, key=lambda t: t.values[0])


def consecutive_failures(trials: Sequence[FrozenTrial]) -> tuple[int, FrozenTrial | None]:
    """How many of the most recently ended job trials failed in a row, and the last one."""
    ended = sorted(
        (t for t in trials if is_job_trial(t) and t.state.is_finished() and t.datetime_complete),
        key=lambda t: (t.datetime_complete, t.number),
    )
    count = 0
    for trial in reversed(ended):
        if trial.state != TrialState.FAIL:
            break
        count += 1
    return count, (ended[-1] if count else None)


def _default_name(spec: TuningJobSpec) -> str:
    training = spec.training
    if training is None:
        stem = (spec.function or "function").rsplit(".", 1)[-1]
    else:
        stem = training.algorithm or Path(training.entry_point or "train").stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "tuning"
    # short: trial job names add "-NNN"
    return f"{stem[:60]}-tune-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"


class TuningService:
    """Tuning jobs over the job service, the run and experiment stores and the tuning store.

    ``poll_interval`` is how often a supervisor looks at its trials (seconds).
    """

    def __init__(
        self,
        *,
        jobs: TrialJobs,
        runs: RunStore,
        experiments: ExperimentStore,
        store: TuningStore,
        config: StudioConfig,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.jobs = jobs
        self.runs = runs
        self.experiments = experiments
        self.store = store
        self.config = config
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._drivers: dict[str, _Driver] = {}
        self._closed = False
        parameters = inspect.signature(jobs.submit).parameters
        # the job service links a trial's run to the parent run when it can (see report)
        self._submit_links_parent = "parent_run_id" in parameters

    # -- creating ----------------------------------------------------------------------
    def create(
        self,
        spec: TuningJobSpec | Mapping[str, Any],
        *,
        base_dir: Path | None = None,
        within_base: bool = False,
        start: bool = True,
    ) -> TuningJob:
        """Validate, store and start a tuning job. Raises ``InvalidArgumentError`` for
        bad input (nothing is created then) and ``AlreadyExistsError`` for a taken name."""
        from ..jobs.service import check_spec, relative_message, resolve_paths

        parsed = parse_tuning_spec(spec)
        if parsed.training is None:
            raise InvalidArgumentError(
                "A tuning job of training-job trials needs a 'training' spec "
                "(function trials run with tune_function)."
            )
        base = base_dir or Path.cwd()
        try:
            training = check_spec(resolve_paths(parsed.training, base, within=within_base))
        except InvalidArgumentError as exc:
            message = relative_message(exc.message, base) if within_base else exc.message
            raise InvalidArgumentError(f"training: {message}") from None
        assert isinstance(training, TrainingSpec)
        # keep the fixed hyperparameters as given (check_spec fills every default in)
        fixed = {k: v for k, v in training.hyperparameters.items() if k in parsed.hyperparameters}
        parsed = parsed.model_copy(
            update={"training": training.model_copy(update={"hyperparameters": fixed})}
        )
        source = training.algorithm or Path(training.entry_point or "").name
        job, _ = self._register(parsed, training.experiment, source)
        if start:
            self._start_driver(job.id)
        return self.store.get(job.id)

    def _register(
        self, parsed: TuningJobSpec, experiment_name: str | None, source: str
    ) -> tuple[TuningJob, optuna.Study]:
        """Check what is left to check, then create the parent run, the tuning job (Pending)
        and its study, with the warm-start and enqueued trials in it."""
        check_strategy(parsed)
        name = parsed.name or _default_name(parsed)
        if self.store.name_taken(name):
            raise AlreadyExistsError(f"A tuning job named {name!r} already exists.")
        earlier = [self._earlier(ref) for ref in parsed.warm_start]
        enqueued = [self._check_enqueued(parsed, params) for params in parsed.enqueue]

        experiment = self._experiment(experiment_name or DEFAULT_EXPERIMENT)
        parent = self.runs.create_run(
            experiment.id,
            name=name,
            tags={"mlstudio.job_kind": "tuning", "mlstudio.source": source},
        )
        stored = parsed.model_copy(update={"name": name}).model_dump(mode="json")
        try:
            job = self.store.create(
                name=name,
                spec=stored,
                parent_run_id=parent.id,
                experiment_id=experiment.id,
                owner_host=this_host(),
                owner_pid=os.getpid(),
            )
        except MLStudioError:
            self.runs.end_run(parent.id, "FAILED")
            self.runs.delete_run(parent.id)
            raise
        self.runs.log_batch(
            parent.id,
            params={
                "strategy": parsed.strategy,
                "objective": parsed.objective.metric,
                "direction": parsed.objective.direction,
                "max_trials": parsed.limits.max_trials,
                "max_parallel_trials": parsed.limits.max_parallel_trials,
                "early_stopping": parsed.early_stopping,
            },
            tags={TUNING_JOB_TAG: job.id},
        )
        study = open_study(parsed, self._storage(job.id), create=True)
        if earlier:
            report = warm_start(study, parsed, earlier)
            study.set_user_attr("warm_start", report.as_dict())
            self.store.record_progress(
                job.id, TrialCounts(), best_value=None, best_trial=None, message=report.summary()
            )
        for params in enqueued:
            study.enqueue_trial(params, skip_if_exists=False)
        return job, study

    def tune_function(
        self,
        fn: Callable[..., Any],
        *,
        space: Mapping[str, Any] | None = None,
        n_trials: int = 10,
        direction: str = "Maximize",
        metric: str = "objective",
        name: str | None = None,
        experiment: str | None = None,
        strategy: str = "Bayesian",
        early_stopping: str = "Off",
        timeout: float | None = None,
        random_seed: int | None = None,
        warm_start: Sequence[str] = (),
        enqueue: Sequence[Mapping[str, Any]] = (),
    ) -> TuningJob:
        """Function trials in this process, like ``study.optimize``, tracked like job
        trials (a tuning job, a parent run, a child run per trial). See ``functions.py``."""
        from .functions import run_function_trials

        data: dict[str, Any] = {
            "name": name,
            "function": getattr(fn, "__qualname__", repr(fn))[:500],
            "search_space": dict(space or {}),
            "objective": {"metric": metric, "direction": direction},
            "strategy": strategy,
            "early_stopping": early_stopping,
            "limits": {"max_trials": n_trials, "max_runtime_seconds": timeout},
            "random_seed": random_seed,
            "warm_start": list(warm_start),
            "enqueue": [dict(p) for p in enqueue],
        }
        parsed = parse_tuning_spec(data)
        job, study = self._register(parsed, experiment, parsed.function or "function")
        return run_function_trials(self, job, parse_tuning_spec(job.spec), study, fn)

    def _earlier(self, ref: str) -> tuple[str, TuningJobSpec, optuna.Study]:
        try:
            earlier = self._find(ref)
        except NotFoundError:
            raise InvalidArgumentError(f"warm_start: no tuning job named {ref!r}.") from None
        spec = parse_tuning_spec(earlier.spec)
        return earlier.name, spec, open_study(spec, self._storage(earlier.id))

    def _check_enqueued(self, spec: TuningJobSpec, params: Mapping[str, Any]) -> dict[str, Any]:
        unknown = [k for k in params if k not in spec.search_space]
        if unknown:
            raise InvalidArgumentError(
                f"enqueue: {', '.join(repr(k) for k in unknown)} not in the search space"
            )
        dists = distributions(spec)
        out: dict[str, Any] = {}
        for key, value in to_optuna_params(spec, dict(params)).items():
            fitted = fit_value(key, value, dists[key])
            if fitted is None:
                raise InvalidArgumentError(
                    f"enqueue: {key}={params[key]!r} is outside its range in the search space"
                )
            out[key] = fitted[0]
        return out

    def _find(self, ref: str) -> TuningJob:
        try:
            return self.store.get_by_name(ref)
        except NotFoundError:
            return self.store.get(ref)

    def _experiment(self, name: str) -> Any:
        try:
            return self.experiments.get_experiment_by_name(name)
        except NotFoundError:
            try:
                return self.experiments.create_experiment(name)
            except AlreadyExistsError:
                return self.experiments.get_experiment_by_name(name)

    def _storage(self, tuning_job_id: str) -> optuna.storages.BaseStorage:
        return journal_storage(journal_path(self.config.home, tuning_job_id))

    # -- controlling -------------------------------------------------------------------
    def stop(self, ref: str) -> TuningJob:
        """Ask a tuning job to stop: its running trials are stopped and it ends Stopped."""
        job = self.store.request_stop(self._find(ref).id)
        if job.status == STOPPED:
            self._end_parent_run(job)
            return job
        with self._lock:
            driver = self._drivers.get(job.id)
        if driver is not None and driver.is_alive():
            return self.store.get(job.id)  # our supervisor sees the request and ends it
        elsewhere = job.owner_host not in (None, this_host())
        owner_alive = job.owner_pid not in (None, os.getpid()) and pid_alive(job.owner_pid)
        if elsewhere or owner_alive or job.spec.get("function"):
            return self.store.get(job.id)  # its owner's supervisor (or loop) ends it
        _Driver(self, job.id).stop_now()  # nobody drives it (its owner died): end it now
        return self.store.get(job.id)

    def wait(self, ref: str, timeout: float | None = None, poll: float = 0.25) -> TuningJob:
        job_id = self._find(ref).id
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.store.get(job_id)
            if job.is_terminal:
                with self._lock:
                    driver = self._drivers.get(job_id)
                if driver is not None:  # let it finish its last writes
                    driver.join(timeout=max(0.0, (deadline or math.inf) - time.monotonic()))
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(
                    f"Tuning job {job.name!r} is still {job.status} after {timeout} s."
                )
            time.sleep(poll)

    def resume(self) -> list[str]:
        """Adopt the unfinished tuning jobs of this host whose owner process died (a
        server restart); returns their ids."""
        adopted = []
        host, me = this_host(), os.getpid()
        for job in self.store.in_statuses(ACTIVE_TUNING_STATUSES):
            if job.owner_host not in (None, host):
                continue  # another machine's: it adopts its own
            if job.owner_pid == me or (job.owner_pid is not None and pid_alive(job.owner_pid)):
                continue
            if not self.store.claim_owner(
                job.id, host=host, pid=me, previous=(job.owner_host, job.owner_pid)
            ):
                continue
            if job.spec.get("function"):
                # function trials ran in the process that died; nothing can resume them
                ended = self.store.finish(
                    job.id, FAILED, "The process running its function trials ended."
                )
                self._end_parent_run(ended)
            elif job.status == STOPPING:
                _Driver(self, job.id).stop_now()
            else:
                self._start_driver(job.id, resumed=True)
            adopted.append(job.id)
        return adopted

    def _start_driver(self, job_id: str, *, resumed: bool = False) -> None:
        with self._lock:
            if self._closed:
                return
            current = self._drivers.get(job_id)
            if current is not None and current.is_alive():
                return
            driver = _Driver(self, job_id, resumed=resumed)
            self._drivers[job_id] = driver
            driver.start()

    def close(self) -> None:
        """Stop the supervisor threads (the tuning jobs carry on at the next ``resume``)."""
        with self._lock:
            self._closed = True
            drivers = list(self._drivers.values())
        for driver in drivers:
            driver.halt.set()
        for driver in drivers:
            driver.join(timeout=10)

    # -- reading -----------------------------------------------------------------------
    def get(self, ref: str) -> TuningJob:
        return self._find(ref)

    def spec(self, ref: str) -> TuningJobSpec:
        return parse_tuning_spec(self._find(ref).spec)

    def study(self, ref: str) -> optuna.Study:
        """The tuning job's real optuna study (for optuna's visualizations). Read it;
        its supervisor is the one writer while it runs."""
        job = self._find(ref)
        return open_study(parse_tuning_spec(job.spec), self._storage(job.id))

    def trials(self, ref: str, *, include_warm_start: bool = True) -> list[TrialInfo]:
        job = self._find(ref)
        spec = parse_tuning_spec(job.spec)
        trials = self.study(job.id).get_trials(deepcopy=False)
        return [
            trial_info(spec, t)
            for t in trials
            if include_warm_start or WARM_START_ATTR not in t.user_attrs
        ]

    def best_trial(self, ref: str) -> TrialInfo | None:
        job = self._find(ref)
        spec = parse_tuning_spec(job.spec)
        best = best_job_trial(spec, self.study(job.id).get_trials(deepcopy=False))
        return trial_info(spec, best) if best is not None else None

    def pareto_front(self, ref: str) -> list[TrialInfo]:
        """The trials no other trial beats on both objectives (two objectives)."""
        job = self._find(ref)
        spec = parse_tuning_spec(job.spec)
        return [trial_info(spec, t) for t in self.study(job.id).best_trials]

    def importances(self, ref: str) -> dict[str, float]:
        """optuna's hyperparameter importances (fANOVA) over the completed trials; empty
        until two trials completed."""
        study = self.study(ref)
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(completed) < 2:
            return {}
        try:
            return dict(optuna.importance.get_param_importances(study))
        except (RuntimeError, ValueError):  # e.g. every trial has the same value
            return {}

    def warm_start_report(self, ref: str) -> WarmStartReport | None:
        data = self.study(ref).user_attrs.get("warm_start")
        return WarmStartReport(**data) if data else None

    # -- used by the driver ------------------------------------------------------------
    def _end_parent_run(self, job: TuningJob) -> None:
        if job.parent_run_id is None:
            return
        with contextlib.suppress(MLStudioError):
            run = self.runs.get_run(job.parent_run_id)
            if job.best_value is not None:
                metric = parse_tuning_spec(job.spec).objective.metric
                self.runs.log_batch(
                    run.id,
                    metrics=[Metric(key=f"best:{metric}", value=job.best_value)],
                    tags={"mlstudio.tuning.best_trial": job.best_trial},
                )
            if run.status == "RUNNING":
                self.runs.end_run(run.id, _RUN_STATUS.get(job.status, "FINISHED"))

    # defined last: in the class body, ``list`` would shadow the builtin in annotations
    def list(
        self,
        *,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[TuningJob]:
        return self.store.list_tuning_jobs(
            status=status, max_items=max_items, next_token=next_token
        )


@dataclass
class _Watch:
    """A running trial's job as its supervisor follows it."""

    trial_id: int
    number: int
    job_id: str
    run_id: str | None
    last_step: int = -1
    pruned_step: int | None = None
    stop_reason: str | None = None


@dataclass
class _Outcome:
    status: str
    reason: str | None = None
    message: str | None = None


class _Driver(threading.Thread):
    """The supervisor of one tuning job (a daemon thread)."""

    def __init__(self, service: TuningService, job_id: str, *, resumed: bool = False) -> None:
        super().__init__(name=f"mlstudio-tuning-{job_id[:8]}", daemon=True)
        self.service = service
        self.job_id = job_id
        self.resumed = resumed
        self.halt = threading.Event()
        job = service.store.get(job_id)
        self.name_ = job.name
        self.spec = parse_tuning_spec(job.spec)
        self.study = open_study(self.spec, service._storage(job_id))
        self.dists = distributions(self.spec)
        self.watches: dict[int, _Watch] = {}
        self.max_trials = self.spec.limits.max_trials
        if self.spec.strategy == "Grid":  # a grid is done once every point ran
            points = math.prod(
                len(getattr(r, "values", ())) for r in self.spec.search_space.values()
            )
            self.max_trials = min(self.max_trials, points)

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:
            log.exception("tuning job %s: supervisor failed", self.job_id)
            with contextlib.suppress(Exception):
                self._stop_trials("the tuning supervisor failed")
                self._finish(_Outcome(FAILED, f"The tuning supervisor failed: {exc}"))

    def _run(self) -> None:
        store = self.service.store
        if not store.mark_running(self.job_id) and store.get(self.job_id).is_terminal:
            return
        self._adopt()
        while not self.halt.is_set():
            try:
                outcome = self._step()
            except MLStudioError as exc:  # a busy database must not end the tuning job
                log.warning("tuning job %s: %s", self.job_id, exc)
                outcome = None
            if outcome is not None:
                self._finish(outcome)
                return
            self.halt.wait(self.service.poll_interval)

    def _step(self) -> _Outcome | None:
        job = self.service.store.get(self.job_id)
        if job.is_terminal:  # ended elsewhere (e.g. stopped while nobody drove it)
            self.halt.set()
            return None
        if job.status == STOPPING:
            self._stop_trials("the tuning job was stopped")
            return _Outcome(STOPPED, message="Stopped on request.")
        for watch in list(self.watches.values()):
            self._follow(watch)
        trials = self.study.get_trials(deepcopy=False)
        limits = self.spec.limits
        failures, last = consecutive_failures(trials)
        if failures >= limits.max_consecutive_failures:
            self._stop_trials("the tuning job failed")
            why = last.user_attrs.get(FAILURE_ATTR, "no reason given") if last else ""
            return _Outcome(
                FAILED,
                f"{failures} trials failed in a row (max_consecutive_failures is "
                f"{limits.max_consecutive_failures}); the last, trial "
                f"{last.number if last else '?'}: {why}",
            )
        if limits.max_runtime_seconds is not None and job.started_at is not None:
            elapsed = (datetime.now(timezone.utc) - job.started_at).total_seconds()
            if elapsed > limits.max_runtime_seconds:
                self._stop_trials(
                    f"the max runtime of {limits.max_runtime_seconds:g} s was reached"
                )
                return _Outcome(
                    COMPLETED,
                    message=f"Reached the max runtime of {limits.max_runtime_seconds:g} s.",
                )
        started = count_trials(trials).started
        while (
            len(self.watches) < limits.max_parallel_trials
            and started < self.max_trials
            and not self.halt.is_set()
        ):
            self._start_trial()
            started += 1
        trials = self.study.get_trials(deepcopy=False)
        counts = count_trials(trials)
        self._record(trials, counts)
        if counts.started >= self.max_trials and not self.watches:
            return _Outcome(COMPLETED, message=f"Ran all {self.max_trials} trials.")
        return None

    # -- trials ------------------------------------------------------------------------
    def _start_trial(self) -> None:
        trial = self.study.ask(fixed_distributions=self.dists)
        name = f"{self.name_}-{trial.number:03d}"
        trial.set_user_attr(JOB_NAME_ATTR, name)  # before submit: a restart finds the job
        params = to_hyperparameters(self.spec, trial.params)
        job = self.service.store.get(self.job_id)
        try:
            job_spec = trial_training_spec(self.spec, params, name)
            submitted = self._submit(job_spec, job.parent_run_id, trial.number)
        except MLStudioError as exc:
            self._tell_failed(trial._trial_id, f"The trial's job was refused: {exc.message}")
            return
        trial.set_user_attr(JOB_ID_ATTR, submitted.id)
        trial.set_user_attr(RUN_ID_ATTR, submitted.run_id)
        self.watches[trial.number] = _Watch(
            trial._trial_id, trial.number, submitted.id, submitted.run_id
        )

    def _submit(self, spec: TrainingSpec, parent_run_id: str | None, number: int) -> Job:
        tags = {TRIAL_TAG: str(number), TUNING_JOB_TAG: self.job_id}
        submit: Any = self.service.jobs.submit
        if self.service._submit_links_parent:
            return submit(spec, parent_run_id=parent_run_id, tags=tags)  # type: ignore[no-any-return]
        job: Job = submit(spec)
        if job.run_id is not None:
            # the job service cannot link the run yet: name the parent in a tag
            parent = {"mlstudio.parent_run_id": parent_run_id} if parent_run_id else {}
            with contextlib.suppress(MLStudioError):
                self.service.runs.log_batch(job.run_id, tags=tags | parent)
        return job

    def _follow(self, watch: _Watch) -> None:
        jobs, runs = self.service.jobs, self.service.runs
        job = jobs.get(watch.job_id)
        metric = self.spec.objective.metric
        # intermediate values (one objective: optuna keeps none for two) feed the pruner
        # and the intermediate-values plot
        if watch.run_id and self.spec.second_objective is None and watch.pruned_step is None:
            history = runs.get_metric_history(watch.run_id, metric)
            fresh = [m for m in history if m.step > watch.last_step and math.isfinite(m.value)]
            trial = optuna.Trial(self.study, watch.trial_id)
            for point in fresh:
                trial.report(point.value, point.step)
                watch.last_step = point.step
            if fresh and self.spec.prunes and not job.is_terminal and trial.should_prune():
                watch.pruned_step = watch.last_step
                self.study._storage.set_trial_user_attr(
                    watch.trial_id, PRUNED_STEP_ATTR, watch.pruned_step
                )
                with contextlib.suppress(MLStudioError):
                    jobs.stop(watch.job_id)
                return
        if not job.is_terminal:
            return
        self.watches.pop(watch.number, None)
        if job.status == JOB_COMPLETED:
            values = self._objective_values(watch)
            if values is None:
                self._tell_failed(
                    watch.trial_id,
                    f"The trial's job completed without logging the objective metric "
                    f"{', '.join(repr(o.metric) for o in self.spec.objectives())}.",
                    watch.run_id,
                )
            else:
                self._tell(watch.trial_id, values=values)
                self._tag_run(watch.run_id, "Completed")
        elif watch.pruned_step is not None:
            self._tell(watch.trial_id, state=TrialState.PRUNED)
            self._tag_run(watch.run_id, "Pruned", watch.pruned_step)
        else:
            reason = (
                watch.stop_reason or job.failure_reason or f"The trial's job ended {job.status}."
            )
            self._tell_failed(watch.trial_id, reason, watch.run_id)

    def _objective_values(self, watch: _Watch) -> list[float] | None:
        if watch.run_id is None:
            return None
        values = []
        for objective in self.spec.objectives():
            history = self.service.runs.get_metric_history(watch.run_id, objective.metric)
            finite = [m for m in history if math.isfinite(m.value)]
            if not finite:
                return None
            values.append(finite[-1].value)
        return values

    def _tell_failed(self, trial_id: int, reason: str, run_id: str | None = None) -> None:
        self.study._storage.set_trial_user_attr(trial_id, FAILURE_ATTR, reason)
        self._tell(trial_id, state=TrialState.FAIL)
        self._tag_run(run_id, "Failed")

    def _tell(
        self, trial_id: int, *, values: list[float] | None = None, state: TrialState | None = None
    ) -> None:
        trial = optuna.Trial(self.study, trial_id)
        try:
            self.study.tell(trial, values, state=state)
        except RuntimeError:
            # GridSampler calls study.stop() after the last point, which optuna allows
            # only inside optimize(); the trial is recorded before that, and the grid's
            # end is max_trials here
            if self.spec.strategy != "Grid":
                raise

    def _tag_run(self, run_id: str | None, state: str, step: int | None = None) -> None:
        if run_id is None:
            return
        tags: dict[str, Any] = {TRIAL_STATE_TAG: state}
        if step is not None:
            tags[PRUNED_STEP_TAG] = step
        with contextlib.suppress(MLStudioError):
            self.service.runs.log_batch(run_id, tags=tags)

    def _stop_trials(self, why: str) -> None:
        """Stop every running trial job and fail its trial with ``why``."""
        for watch in list(self.watches.values()):
            watch.stop_reason = f"Stopped: {why}."
            with contextlib.suppress(MLStudioError):
                self.service.jobs.stop(watch.job_id)
        deadline = time.monotonic() + 30
        while self.watches and time.monotonic() < deadline:
            for watch in list(self.watches.values()):
                if self.service.jobs.get(watch.job_id).is_terminal:
                    self.watches.pop(watch.number)
                    self._tell_failed(watch.trial_id, watch.stop_reason or why, watch.run_id)
            if self.watches:
                time.sleep(0.1)

    def stop_now(self) -> None:
        """End a tuning job nobody drives: stop its trials' jobs and finish it Stopped."""
        self._adopt()
        self._stop_trials("the tuning job was stopped")
        self._finish(_Outcome(STOPPED, message="Stopped on request."))

    # -- restart -----------------------------------------------------------------------
    def _adopt(self) -> None:
        """Follow the trials that were running when the previous supervisor ended; fail
        the ones whose job was lost (and queue them again once if ``retry_failed``)."""
        for trial in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            attrs = trial.user_attrs
            job_id = attrs.get(JOB_ID_ATTR)
            job: Job | None = None
            try:
                if job_id is not None:
                    job = self.service.jobs.get(job_id)
                elif JOB_NAME_ATTR in attrs:  # stopped between submit and recording it
                    job = self.service.jobs.store.get_job_by_name(attrs[JOB_NAME_ATTR])
            except NotFoundError:
                job = None
            if job is None:
                self._lost(trial, "The trial was lost in a restart before its job started.")
                continue
            if job_id is None:
                self.study._storage.set_trial_user_attr(trial._trial_id, JOB_ID_ATTR, job.id)
                self.study._storage.set_trial_user_attr(trial._trial_id, RUN_ID_ATTR, job.run_id)
            watch = _Watch(trial._trial_id, trial.number, job.id, job.run_id)
            watch.last_step = max(trial.intermediate_values, default=-1)
            watch.pruned_step = attrs.get(PRUNED_STEP_ATTR)
            if job.is_terminal and job.status != JOB_COMPLETED and watch.pruned_step is None:
                self._lost(trial, f"Lost in a restart: {job.failure_reason or job.status}", job)
                continue
            self.watches[trial.number] = watch

    def _lost(self, trial: FrozenTrial, reason: str, job: Job | None = None) -> None:
        self._tell_failed(trial._trial_id, reason, job.run_id if job else None)
        if self.spec.retry_failed and RETRY_OF_ATTR not in trial.user_attrs:
            self.study.enqueue_trial(
                trial.params, user_attrs={RETRY_OF_ATTR: trial.number}, skip_if_exists=False
            )

    # -- ending ------------------------------------------------------------------------
    def _record(self, trials: Sequence[FrozenTrial], counts: TrialCounts) -> None:
        best = best_job_trial(self.spec, trials)
        self.service.store.record_progress(
            self.job_id,
            counts,
            best_value=best.values[0] if best is not None else None,
            best_trial=best.number if best is not None else None,
        )

    def _finish(self, outcome: _Outcome) -> None:
        trials = self.study.get_trials(deepcopy=False)
        self._record(trials, count_trials(trials))
        ended = self.service.store.finish(
            self.job_id, outcome.status, outcome.reason, outcome.message
        )
        self.service._end_parent_run(ended)


__all__ = ["TrialInfo", "TuningService", "best_job_trial", "count_trials"]
