"""The supervisor of one tuning job: a thread that runs its trials as training jobs.

It asks optuna for trials up to the parallel limit and submits each as a training job;
on every poll it feeds each running trial's logged objective per step back to optuna as
intermediate values, stops the job of a trial optuna prunes (the job service ends its
process group) and records Pruned with the step, tells optuna how each trial's job
ended, and ends the tuning job at its limits. Everything it needs to carry on is in the
tuning store and the study, so a new supervisor adopts the trials of a dead one.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..errors import MLStudioError, NotFoundError
from ..jobs.entities import COMPLETED as JOB_COMPLETED
from ..jobs.entities import Job
from ..jobs.specs import TrainingSpec
from .entities import COMPLETED, FAILED, STOPPED, STOPPING, TRIAL_TAG, TUNING_JOB_TAG, TrialCounts
from .spec import parse_tuning_spec, trial_training_spec
from .study import (
    distributions,
    journal_path,
    journal_storage,
    open_study,
    to_hyperparameters,
)
from .trials import (
    FAILURE_ATTR,
    JOB_ID_ATTR,
    JOB_NAME_ATTR,
    PRUNED_STEP_ATTR,
    PRUNED_STEP_TAG,
    RETRY_OF_ATTR,
    RUN_ID_ATTR,
    TRIAL_STATE_TAG,
    best_job_trial,
    consecutive_failures,
    count_trials,
)

if TYPE_CHECKING:
    from .service import TuningService

log = logging.getLogger(__name__)


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
class Outcome:
    status: str
    reason: str | None = None
    message: str | None = None


class Driver(threading.Thread):
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
        # its own storage: the supervisor writes while readers use the service's
        self.study = open_study(
            self.spec, journal_storage(journal_path(service.config.home, job_id))
        )
        self.dists = distributions(self.spec)
        self.watches: dict[int, _Watch] = {}
        self.recorded: tuple[TrialCounts, float | None, int | None] | None = None
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
                self._finish(Outcome(FAILED, f"The tuning supervisor failed: {exc}"))

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

    def _step(self) -> Outcome | None:
        job = self.service.store.get(self.job_id)
        if job.is_terminal:  # ended elsewhere (e.g. stopped while nobody drove it)
            self.halt.set()
            return None
        if job.status == STOPPING:
            self._stop_trials("the tuning job was stopped")
            return Outcome(STOPPED, message="Stopped on request.")
        for watch in list(self.watches.values()):
            self._follow(watch)
        trials = self.study.get_trials(deepcopy=False)
        limits = self.spec.limits
        failures, last = consecutive_failures(trials)
        if failures >= limits.max_consecutive_failures:
            self._stop_trials("the tuning job failed")
            why = last.user_attrs.get(FAILURE_ATTR, "no reason given") if last else ""
            return Outcome(
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
                return Outcome(
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
            return Outcome(COMPLETED, message=f"Ran all {self.max_trials} trials.")
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
        return self.service.jobs.submit(spec, parent_run_id=parent_run_id, tags=tags)

    def _follow(self, watch: _Watch) -> None:
        jobs, runs = self.service.jobs, self.service.experiments
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
            history = self.service.experiments.get_metric_history(watch.run_id, objective.metric)
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
            self.service.experiments.log_batch(run_id, tags=tags)

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
        self._finish(Outcome(STOPPED, message="Stopped on request."))

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
        value = best.values[0] if best is not None else None
        number = best.number if best is not None else None
        if (counts, value, number) == self.recorded:
            return  # one write per change, not per poll
        self.service.store.record_progress(self.job_id, counts, best_value=value, best_trial=number)
        self.recorded = (counts, value, number)

    def _finish(self, outcome: Outcome) -> None:
        trials = self.study.get_trials(deepcopy=False)
        self._record(trials, count_trials(trials))
        ended = self.service.store.finish(
            self.job_id, outcome.status, outcome.reason, outcome.message
        )
        self.service.end_parent_run(ended)
