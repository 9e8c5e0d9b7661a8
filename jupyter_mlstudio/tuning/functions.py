"""Function trials: the notebook fast path, ``study.optimize`` in this process with the
tracking of job trials.

Each trial calls the user's function (``fn(params)``, ``fn(params, trial)`` to report
intermediate values and be pruned, or optuna's own ``fn(trial)`` when no search space
is given) and becomes a child run of the tuning job's parent run, tagged with its number,
with the sampled values as params and the objective (per step when reported) as its
metric. The optimize loop only queues each finished trial: a background thread writes the
runs of the trials handed over every ``WRITE_EVERY`` seconds in one transaction
(``RunStore.record_runs``), and the loop records their ids in the study, a block of trial
numbers per attribute, once per ``PROGRESS_EVERY`` seconds with the counts. So tracking
adds no journal write per trial and one database transaction per batch; the study itself
is the same journal as job trials'.
"""

from __future__ import annotations

import inspect
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial, TrialState

from ..errors import MLStudioError
from ..experiments.run_entities import Metric, RunRecord
from .entities import COMPLETED, FAILED, STOPPED, STOPPING, TRIAL_TAG, TUNING_JOB_TAG, TuningJob
from .spec import TuningJobSpec
from .study import distributions, to_hyperparameters

if TYPE_CHECKING:
    from .service import TuningService

# Seconds between progress writes (counts, best value, the trials' run ids; and the
# stop-request read), and how long the run writer gathers trials into one transaction.
# Each write costs a trial's worth of time on a busy disk: with cheap trials, writing
# per trial roughly doubled the time per trial (benchmarks/tuning.py).
PROGRESS_EVERY = 1.0
WRITE_EVERY = 0.5


def suggest(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    assert isinstance(dist, FloatDistribution)
    return trial.suggest_float(name, dist.low, dist.high, log=dist.log)


def _positional_arity(fn: Callable[..., Any]) -> int:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return 2
    return sum(1 for p in parameters if p.kind in kinds)


@dataclass
class _FinishedTrial:
    number: int
    run: RunRecord


class _RunWriter(threading.Thread):
    """Writes the finished trials' child runs off the optimize loop, so the run store's
    writes do not slow the trials: the loop ``add``s each trial to a list handed over at
    most every ``WRITE_EVERY`` seconds (waking this thread per trial cost the loop a
    thread switch each), and each list is one transaction. ``take_run_ids`` hands the
    runs written so far to the loop, which records them in the study a block at a time.
    ``close`` hands over the rest and drains it."""

    def __init__(self, service: TuningService, job: TuningJob) -> None:
        super().__init__(name=f"mlstudio-tuning-runs-{job.id[:8]}", daemon=True)
        self.runs = service.experiments
        self.job = job
        self.queue: queue.Queue[list[_FinishedTrial] | None] = queue.Queue()
        self._pending: list[_FinishedTrial] = []  # the loop's, not yet handed over
        self._handed_at = time.monotonic()
        self._lock = threading.Lock()
        self._run_ids: dict[int, str] = {}
        self.start()

    def add(self, trial: _FinishedTrial) -> None:
        """Called by the optimize loop (only) for each finished trial."""
        self._pending.append(trial)
        now = time.monotonic()
        if now - self._handed_at >= WRITE_EVERY:
            self.queue.put(self._pending)
            self._pending, self._handed_at = [], now

    def run(self) -> None:
        while (trials := self.queue.get()) is not None:
            self._write(trials)

    def _write(self, trials: list[_FinishedTrial]) -> None:
        """Every trial queued so far, in one transaction (one by one if it is refused, so
        one bad value does not lose the others' runs)."""
        job = self.job
        try:
            ids = self.runs.record_runs(
                job.experiment_id or "",
                [t.run for t in trials],
                parent_run_id=job.parent_run_id,
            )
        except MLStudioError:
            if len(trials) == 1:
                return
            for trial in trials:
                self._write([trial])
            return
        with self._lock:
            self._run_ids.update((t.number, run_id) for t, run_id in zip(trials, ids, strict=True))

    def take_run_ids(self) -> dict[int, str]:
        """The runs written since the last call (trial number → run id)."""
        with self._lock:
            taken, self._run_ids = self._run_ids, {}
        return taken

    def close(self) -> None:
        if self._pending:
            self.queue.put(self._pending)
            self._pending = []
        self.queue.put(None)
        self.join()


class _RunIds:
    """The study's record of the function trials' runs: a trial that has finished takes
    no attribute, so they are study attributes, one per block of trial numbers, each
    written once per progress step instead of one journal write per trial."""

    def __init__(self, study: optuna.Study, writer: _RunWriter) -> None:
        self.study = study
        self.writer = writer
        self.blocks: dict[str, dict[str, str]] = {}

    def save(self) -> None:
        from .trials import run_ids_key

        changed = set()
        for number, run_id in self.writer.take_run_ids().items():
            key = run_ids_key(number)
            self.blocks.setdefault(key, {})[str(number)] = run_id
            changed.add(key)
        for key in sorted(changed):
            self.study.set_user_attr(key, self.blocks[key])


def run_function_trials(
    service: TuningService,
    job: TuningJob,
    spec: TuningJobSpec,
    study: optuna.Study,
    fn: Callable[..., Any],
    *,
    callbacks: Sequence[Callable[[optuna.Study, FrozenTrial], None]] = (),
) -> TuningJob:
    from .trials import (
        FAILURE_ATTR,
        PRUNED_STEP_ATTR,
        PRUNED_STEP_TAG,
        TRIAL_STATE_TAG,
        best_job_trial,
        count_trials,
    )

    store = service.store
    store.mark_running(job.id)
    dists = distributions(spec)
    arity = _positional_arity(fn)
    metric = spec.objective.metric
    limits = spec.limits
    outcome: dict[str, str | None] = {"status": COMPLETED, "reason": None, "message": None}
    last_progress = [0.0]
    writer = _RunWriter(service, job)
    run_ids = _RunIds(study, writer)
    common_tags = {TUNING_JOB_TAG: job.id}

    def objective(trial: optuna.Trial) -> float | Sequence[float]:
        status, state, values = "FAILED", "Failed", None
        tags: dict[str, Any] = {}
        started = time.time()
        params: dict[str, Any] | None = None
        try:
            if dists:
                sampled = {name: suggest(trial, name, d) for name, d in dists.items()}
                params = to_hyperparameters(spec, sampled)
                result = fn(params, trial) if arity >= 2 else fn(params)
            else:
                result = fn(trial)
            values = [float(v) for v in (result if isinstance(result, (list, tuple)) else [result])]
            status, state = "FINISHED", "Completed"
            return values[0] if len(values) == 1 else values
        except optuna.TrialPruned:
            status, state = "KILLED", "Pruned"
            steps = trial._cached_frozen_trial.intermediate_values
            if steps:
                trial.set_user_attr(PRUNED_STEP_ATTR, max(steps))
                tags[PRUNED_STEP_TAG] = max(steps)
            raise
        except Exception as exc:
            trial.set_user_attr(FAILURE_ATTR, f"{type(exc).__name__}: {exc}")
            tags["mlstudio.failure"] = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            now = time.time()
            # what the function reported, as the trial keeps it (no storage read)
            reported = dict(trial._cached_frozen_trial.intermediate_values)
            metrics = [Metric(metric, v, step, now) for step, v in sorted(reported.items())]
            if values is not None:
                names = [o.metric for o in spec.objectives()]
                last_step = max(reported) + 1 if reported else 0
                metrics += [
                    Metric(n, v, last_step, now)
                    for n, v in zip(names, values, strict=False)
                    if math.isfinite(v)
                ]
            if params is None or len(params) != len(dists):  # fn(trial) suggested its own
                params = to_hyperparameters(spec, trial.params)
            writer.add(
                _FinishedTrial(
                    trial.number,
                    RunRecord(
                        name=f"{job.name}-{trial.number:03d}",
                        status=status,
                        start_time=datetime.fromtimestamp(started, timezone.utc),
                        end_time=datetime.fromtimestamp(now, timezone.utc),
                        tags=common_tags
                        | tags
                        | {TRIAL_TAG: str(trial.number), TRIAL_STATE_TAG: state},
                        params=params,
                        metrics=tuple(metrics),
                    ),
                )
            )

    failed_in_a_row = [0]

    def after_each(study: optuna.Study, trial: FrozenTrial) -> None:
        # counted from the trial just ended: no read of the whole study per trial
        failed_in_a_row[0] = failed_in_a_row[0] + 1 if trial.state == TrialState.FAIL else 0
        if failed_in_a_row[0] >= limits.max_consecutive_failures:
            why = trial.user_attrs.get(FAILURE_ATTR, "no reason given")
            outcome["status"] = FAILED
            outcome["reason"] = (
                f"{failed_in_a_row[0]} trials failed in a row (max_consecutive_failures is "
                f"{limits.max_consecutive_failures}); the last, trial {trial.number}: {why}"
            )
            study.stop()
            return
        now = time.monotonic()
        if now - last_progress[0] < PROGRESS_EVERY:
            return
        last_progress[0] = now
        if store.get(job.id).status == STOPPING:
            outcome["status"] = STOPPED
            study.stop()
        _record(study.get_trials(deepcopy=False))
        run_ids.save()

    def _record(trials: list[FrozenTrial]) -> None:
        best = best_job_trial(spec, trials)
        store.record_progress(
            job.id,
            count_trials(trials),
            best_value=best.values[0] if best is not None else None,
            best_trial=best.number if best is not None else None,
        )

    try:
        study.optimize(
            objective,
            n_trials=limits.max_trials,
            timeout=limits.max_runtime_seconds,
            catch=(Exception,),
            callbacks=[after_each, *callbacks],
        )
    except BaseException:
        outcome.update(status=STOPPED, message="Interrupted.")
        raise
    finally:
        writer.close()  # every trial's run written before the tuning job ends
        run_ids.save()
        trials = study.get_trials(deepcopy=False)
        _record(trials)
        if outcome["status"] == COMPLETED and outcome["message"] is None:
            outcome["message"] = f"Ran {count_trials(trials).started} trials."
        ended = store.finish(
            job.id, outcome["status"] or COMPLETED, outcome["reason"], outcome["message"]
        )
        service.end_parent_run(ended)
    return ended
