"""Function trials: the notebook fast path, ``study.optimize`` in this process with the
tracking of job trials.

Each trial calls the user's function (``fn(params)``, ``fn(params, trial)`` to report
intermediate values and be pruned, or optuna's own ``fn(trial)`` when no search space
is given) and becomes a child run of the tuning job's parent run, tagged with its number,
with the sampled values as params and the objective (per step when reported) as its
metric. Those runs are written by a background thread (three run-store writes a trial:
create, one batch, end), so they do not slow the optimize loop; the study itself is the
same journal as job trials'.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from ..experiments.run_entities import Metric
from .entities import COMPLETED, FAILED, STOPPED, STOPPING, TRIAL_TAG, TUNING_JOB_TAG, TuningJob
from .spec import TuningJobSpec
from .study import distributions, to_hyperparameters

if TYPE_CHECKING:
    from .service import TuningService

PROGRESS_EVERY = 0.5  # seconds between progress writes (and stop-request reads)


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
    trial_id: int
    number: int
    params: dict[str, Any]
    metrics: list[Metric]
    tags: dict[str, Any]
    status: str


class _RunWriter(threading.Thread):
    """Writes each finished trial's child run (create, one batch, end) off the optimize
    loop, so the run store's writes do not slow the trials; ``close`` drains it."""

    def __init__(self, service: TuningService, job: TuningJob, study: optuna.Study) -> None:
        super().__init__(name=f"mlstudio-tuning-runs-{job.id[:8]}", daemon=True)
        self.runs = service.experiments
        self.job = job
        self.study = study
        self.queue: queue.Queue[_FinishedTrial | None] = queue.Queue()
        self.start()

    def run(self) -> None:
        from .trials import RUN_ID_ATTR

        while (item := self.queue.get()) is not None:
            with contextlib.suppress(MLStudioError):
                run = self.runs.create_run(
                    self.job.experiment_id or "",
                    name=f"{self.job.name}-{item.number:03d}",
                    parent_run_id=self.job.parent_run_id,
                    tags={TRIAL_TAG: str(item.number), TUNING_JOB_TAG: self.job.id} | item.tags,
                )
                # a finished trial takes no attribute: the study maps numbers to runs
                self.study.set_user_attr(f"{RUN_ID_ATTR}:{item.number}", run.id)
                self.runs.log_batch(run.id, metrics=item.metrics, params=item.params)
                self.runs.end_run(run.id, item.status)

    def close(self) -> None:
        self.queue.put(None)
        self.join()


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
    writer = _RunWriter(service, job, study)

    def objective(trial: optuna.Trial) -> float | Sequence[float]:
        status, state, values = "FAILED", "Failed", None
        tags: dict[str, Any] = {}
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
            writer.queue.put(
                _FinishedTrial(
                    trial._trial_id,
                    trial.number,
                    to_hyperparameters(spec, trial.params),
                    metrics,
                    tags | {TRIAL_STATE_TAG: state},
                    status,
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
        trials = study.get_trials(deepcopy=False)
        _record(trials)
        if outcome["status"] == COMPLETED and outcome["message"] is None:
            outcome["message"] = f"Ran {count_trials(trials).started} trials."
        ended = store.finish(
            job.id, outcome["status"] or COMPLETED, outcome["reason"], outcome["message"]
        )
        service.end_parent_run(ended)
    return ended
