"""Creating, driving, stopping and reading tuning jobs: the one API the SDK, the magics
and the REST handlers share.

A tuning job is a row in the tuning store, a parent run, and an optuna study (its
trials). Each trial is a training job submitted through the job service, whose run is a
child of the parent run, tagged with the trial number. A supervisor thread per tuning
job (``driver.py``) asks optuna for trials up to the parallel limit, feeds each
trial's logged objective per step back as intermediate values, stops (prunes) the jobs
optuna gives up on, tells optuna how each trial ended and ends the tuning job at its
limits. Everything it needs to carry on is in the store and the study, so a restarted
server adopts the tuning jobs whose owner died (:meth:`TuningService.resume`).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import optuna
from optuna.trial import TrialState

from ..config import StudioConfig
from ..errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
)
from ..experiments.run_entities import Metric
from ..jobs.entities import Job
from ..jobs.specs import DEFAULT_EXPERIMENT, TrainingSpec
from ..jobs.store import JobStore
from ..processes import pid_alive, this_host
from ..statuses import RUN_STATUS_OF
from ..store.pagination import DEFAULT_MAX_ITEMS, Page, PageWindow
from .driver import Driver
from .entities import (
    ACTIVE_TUNING_STATUSES,
    FAILED,
    STOPPED,
    STOPPING,
    TUNING_JOB_TAG,
    TrialCounts,
    TuningJob,
)
from .spec import TuningJobSpec, from_sagemaker, parse_tuning_spec
from .store import TuningStore
from .study import (
    check_strategy,
    distributions,
    journal_path,
    journal_storage,
    open_study,
    to_optuna_params,
)
from .trials import TRIAL_STATES, TrialInfo, best_job_trial, trial_info, trial_state_name
from .warm_start import WARM_START_ATTR, WarmStartReport, fit_value, warm_start

if TYPE_CHECKING:
    from ..experiments.service import ExperimentService

# how often a tuning supervisor looks at its trials: a trial's end waits this long to be
# seen, so it is part of every trial's overhead (0.5 s was most of it); a look is a few
# small queries
POLL_INTERVAL = 0.1
STORAGES_KEPT = 32  # study storages kept open for reads (the tuning jobs looked at last)


class TrialJobs(Protocol):
    """What the tuning service needs of the job service."""

    @property
    def store(self) -> JobStore: ...

    def submit(
        self,
        spec: TrainingSpec,
        *,
        parent_run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Job: ...

    def stop(self, job_id: str) -> Job: ...

    def get(self, job_id: str) -> Job: ...


@dataclass(frozen=True)
class TrialPage(Page[TrialInfo]):
    """A page of trials and how many trials match on every page."""

    total: int = 0


def _relative_paths(training: dict[str, Any], base: Path) -> dict[str, Any]:
    """A stored training spec's absolute paths under ``base`` made relative to it again
    (as a request gives them); any other path is left for the root check to refuse."""

    def relative(value: Any) -> Any:
        if not isinstance(value, str) or not Path(value).is_absolute():
            return value
        path, root = Path(value).resolve(), base.resolve()
        return str(path.relative_to(root)) if path.is_relative_to(root) else value

    out = dict(training)
    for key in ("entry_point", "source_dir", "working_dir"):
        out[key] = relative(out.get(key))
    channels = out.get("channels")
    if isinstance(channels, dict):
        out["channels"] = {name: relative(source) for name, source in channels.items()}
    return out


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
    """Tuning jobs over the job service, the experiments service and the tuning store.

    ``poll_interval`` is how often a supervisor looks at its trials (seconds).
    """

    def __init__(
        self,
        *,
        jobs: TrialJobs,
        experiments: ExperimentService,
        store: TuningStore,
        config: StudioConfig,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.jobs = jobs
        self.experiments = experiments
        self.store = store
        self.config = config
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._drivers: dict[str, Driver] = {}
        self._closed = False
        self._storages: OrderedDict[str, optuna.storages.BaseStorage] = OrderedDict()

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

        experiment = self.experiments.experiment(experiment_name or DEFAULT_EXPERIMENT)
        parent = self.experiments.create_run(
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
            self.experiments.end_run(parent.id, "FAILED")
            self.experiments.delete_run(parent.id)
            raise
        self.experiments.log_batch(
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
        study = open_study(parsed, self.storage_of(job.id), create=True)
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
        callbacks: Sequence[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]] = (),
    ) -> TuningJob:
        """Function trials in this process, like ``study.optimize``, tracked like job
        trials (a tuning job, a parent run, a child run per trial). See ``functions.py``.
        ``callbacks`` are optuna's, called after each trial (e.g. a progress bar)."""
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
        return run_function_trials(
            self, job, parse_tuning_spec(job.spec), study, fn, callbacks=callbacks
        )

    def _earlier(self, ref: str) -> tuple[str, TuningJobSpec, optuna.Study]:
        try:
            earlier = self._find(ref)
        except NotFoundError:
            raise InvalidArgumentError(f"warm_start: no tuning job named {ref!r}.") from None
        spec = parse_tuning_spec(earlier.spec)
        return earlier.name, spec, open_study(spec, self.storage_of(earlier.id))

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

    def storage_of(self, tuning_job_id: str) -> optuna.storages.BaseStorage:
        """The study storage of a tuning job, kept open for the next read: a journal
        storage replays the whole file when opened and only new lines afterwards
        (thread-safe; each supervisor has its own)."""
        with self._lock:
            storage = self._storages.pop(tuning_job_id, None)
            if storage is None:
                storage = journal_storage(journal_path(self.config.home, tuning_job_id))
            self._storages[tuning_job_id] = storage  # most recent last
            while len(self._storages) > STORAGES_KEPT:
                self._storages.popitem(last=False)
            return storage

    # -- controlling -------------------------------------------------------------------
    def stop(self, ref: str) -> TuningJob:
        """Ask a tuning job to stop: its running trials are stopped and it ends Stopped."""
        job = self.store.request_stop(self._find(ref).id)
        if job.status == STOPPED:
            self.end_parent_run(job)
            return job
        with self._lock:
            driver = self._drivers.get(job.id)
        if driver is not None and driver.is_alive():
            return self.store.get(job.id)  # our supervisor sees the request and ends it
        elsewhere = job.owner_host not in (None, this_host())
        owner_alive = job.owner_pid not in (None, os.getpid()) and pid_alive(job.owner_pid)
        if elsewhere or owner_alive or job.spec.get("function"):
            return self.store.get(job.id)  # its owner's supervisor (or loop) ends it
        Driver(self, job.id).stop_now()  # nobody drives it (its owner died): end it now
        return self.store.get(job.id)

    def clone(
        self,
        ref: str,
        name: str | None = None,
        *,
        start: bool = True,
        warm_start_from_source: bool = False,
        base_dir: Path | None = None,
        within_base: bool = False,
        **changes: Any,
    ) -> TuningJob:
        """A new tuning job with the same spec (a new name unless given), with
        ``changes`` to its top-level fields (e.g. ``warm_start=[ref]``);
        ``warm_start_from_source`` adds the source's trials to the warm start. Function
        trials cannot be cloned: the function lives in the caller's process.

        ``within_base`` (the REST API) checks the copied paths as a new request's: a
        source created by the SDK may read files outside ``base_dir``, its copy may not."""
        original = self._find(ref)
        if original.spec.get("function"):
            raise InvalidArgumentError(
                "A tuning job of function trials cannot be cloned; call tune_function again."
            )
        if warm_start_from_source:
            # the source's own warm start is in its trials already (recursive)
            changes["warm_start"] = [*changes.get("warm_start", []), original.name]
        spec = original.spec | {"name": name} | changes
        if within_base and base_dir is not None and isinstance(spec.get("training"), dict):
            spec["training"] = _relative_paths(spec["training"], base_dir)
        return self.create(spec, base_dir=base_dir, within_base=within_base, start=start)

    def create_from_sagemaker(
        self,
        config: Mapping[str, Any],
        training: TrainingSpec | Mapping[str, Any],
        *,
        base_dir: Path | None = None,
        within_base: bool = False,
        start: bool = True,
        **overrides: Any,
    ) -> tuple[TuningJob, list[str]]:
        """A tuning job from SageMaker's ``HyperParameterTuningJobConfig`` (or a whole
        ``CreateHyperParameterTuningJob`` request) and the base training spec; returns it
        and the SageMaker fields that were ignored."""
        try:
            spec, ignored = from_sagemaker(config, training, **overrides)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # a config of the wrong shape (a range without Name, a list that is a string…)
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise InvalidArgumentError(
                f"config is not a HyperParameterTuningJobConfig: {what}"
            ) from None
        job = self.create(spec, base_dir=base_dir, within_base=within_base, start=start)
        return job, ignored

    def wait(self, ref: str, timeout: float | None = None, poll: float = 0.25) -> TuningJob:
        job_id = self._find(ref).id
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.store.get(job_id)
            if job.is_terminal:
                with self._lock:
                    driver = self._drivers.get(job_id)
                if driver is not None:  # let it finish its last writes
                    # join(inf) overflows: no deadline is join(None)
                    driver.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
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
                self.end_parent_run(ended)
            elif job.status == STOPPING:
                Driver(self, job.id).stop_now()
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
            driver = Driver(self, job_id, resumed=resumed)
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
        return open_study(parse_tuning_spec(job.spec), self.storage_of(job.id))

    def _read(self, ref: str) -> tuple[TuningJobSpec, optuna.Study, dict[str, Any]]:
        job = self._find(ref)
        study = self.study(job.id)
        return parse_tuning_spec(job.spec), study, study.user_attrs

    def trials(self, ref: str, *, include_warm_start: bool = True) -> list[TrialInfo]:
        spec, study, attrs = self._read(ref)
        return [
            trial_info(spec, t, attrs)
            for t in study.get_trials(deepcopy=False)
            if include_warm_start or WARM_START_ATTR not in t.user_attrs
        ]

    def list_trials(
        self,
        ref: str,
        *,
        state: str | None = None,
        sort_by: str = "number",
        descending: bool | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> TrialPage:
        """One page of trials, optionally of one state (Running, Completed, Pruned, Failed,
        Waiting), by trial number (ascending unless ``descending``) or by the first
        objective's value (best first unless ``descending`` says otherwise; trials
        without a value last). ``total`` counts the trials of that state on every page."""
        window = PageWindow.of(max_items, next_token)
        if state is not None and state not in TRIAL_STATES:
            raise InvalidArgumentError(f"state must be one of {', '.join(TRIAL_STATES)}.")
        if sort_by not in ("number", "value"):
            raise InvalidArgumentError("sort_by must be number or value.")
        spec, study, attrs = self._read(ref)
        trials = [
            t
            for t in study.get_trials(deepcopy=False)
            if state is None or trial_state_name(t) == state
        ]
        if sort_by == "value":
            if descending is None:
                descending = spec.objective.direction == "Maximize"
            valued = sorted(
                (t for t in trials if t.values),
                key=lambda t: (t.values[0], t.number),
                reverse=descending,
            )
            trials = valued + [t for t in trials if not t.values]
        elif descending:
            trials.reverse()
        page, token = window.slice(trials)
        return TrialPage(
            items=[trial_info(spec, t, attrs) for t in page],
            next_token=token,
            total=len(trials),
        )

    def best_trial(self, ref: str) -> TrialInfo | None:
        spec, study, attrs = self._read(ref)
        best = best_job_trial(spec, study.get_trials(deepcopy=False))
        return trial_info(spec, best, attrs) if best is not None else None

    def pareto_front(self, ref: str) -> list[TrialInfo]:
        """The trials no other trial beats on both objectives (two objectives)."""
        spec, study, attrs = self._read(ref)
        return [trial_info(spec, t, attrs) for t in study.best_trials]

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

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(id, updated, created) of the tuning jobs changed since ``since``; a trial
        ending moves its tuning job's time (the supervisor records the counts)."""
        return self.store.changed_since(since)

    # -- used by the driver ------------------------------------------------------------
    def end_parent_run(self, job: TuningJob) -> None:
        if job.parent_run_id is None:
            return
        with contextlib.suppress(MLStudioError):
            run = self.experiments.get_run(job.parent_run_id)
            if job.best_value is not None:
                metric = parse_tuning_spec(job.spec).objective.metric
                self.experiments.log_batch(
                    run.id,
                    metrics=[Metric(key=f"best:{metric}", value=job.best_value)],
                    tags={"mlstudio.tuning.best_trial": job.best_trial},
                )
            if run.status == "RUNNING":
                self.experiments.end_run(run.id, RUN_STATUS_OF.get(job.status, "FINISHED"))

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
