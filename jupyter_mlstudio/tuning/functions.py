"""Function trials: the notebook fast path, ``study.optimize`` in this process with the
tracking of job trials.

Each trial calls the user's function (``fn(params)``, ``fn(params, trial)`` to report
intermediate values and be pruned, or optuna's own ``fn(trial)`` when no search space
is given) and becomes a child run of the tuning job's parent run, tagged with its number,
with the sampled values as params and the objective (per step when reported) as its
metric. Per trial that is three writes to the run store (create, one batch, end); the
study itself is the same journal as job trials'.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial

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


def run_function_trials(
    service: TuningService,
    job: TuningJob,
    spec: TuningJobSpec,
    study: optuna.Study,
    fn: Callable[..., Any],
) -> TuningJob:
    from .trials import (
        FAILURE_ATTR,
        PRUNED_STEP_ATTR,
        PRUNED_STEP_TAG,
        RUN_ID_ATTR,
        TRIAL_STATE_TAG,
        best_job_trial,
        consecutive_failures,
        count_trials,
    )

    store, runs = service.store, service.runs
    store.mark_running(job.id)
    dists = distributions(spec)
    arity = _positional_arity(fn)
    metric = spec.objective.metric
    assert job.experiment_id is not None
    limits = spec.limits
    outcome: dict[str, str | None] = {"status": COMPLETED, "reason": None, "message": None}
    last_progress = [0.0]

    def objective(trial: optuna.Trial) -> float | Sequence[float]:
        run = runs.create_run(
            job.experiment_id,  # type: ignore[arg-type]
            name=f"{job.name}-{trial.number:03d}",
            parent_run_id=job.parent_run_id,
            tags={TRIAL_TAG: str(trial.number), TUNING_JOB_TAG: job.id},
        )
        trial.set_user_attr(RUN_ID_ATTR, run.id)
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
            reported = study._storage.get_trial(trial._trial_id).intermediate_values
            if reported:
                trial.set_user_attr(PRUNED_STEP_ATTR, max(reported))
                tags[PRUNED_STEP_TAG] = max(reported)
            raise
        except Exception as exc:
            trial.set_user_attr(FAILURE_ATTR, f"{type(exc).__name__}: {exc}")
            tags["mlstudio.failure"] = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            now = time.time()
            reported = study._storage.get_trial(trial._trial_id).intermediate_values
            metrics = [Metric(metric, v, step, now) for step, v in sorted(reported.items())]
            if values is not None:
                names = [o.metric for o in spec.objectives()]
                last_step = max(reported, default=-1) + 1 if reported else 0
                metrics += [
                    Metric(n, v, last_step, now)
                    for n, v in zip(names, values, strict=False)
                    if math.isfinite(v)
                ]
            with contextlib.suppress(MLStudioError):
                runs.log_batch(
                    run.id,
                    metrics=metrics,
                    params=to_hyperparameters(spec, trial.params),
                    tags=tags | {TRIAL_STATE_TAG: state},
                )
                runs.end_run(run.id, status)

    def after_each(study: optuna.Study, trial: FrozenTrial) -> None:
        trials = study.get_trials(deepcopy=False)
        failures, last = consecutive_failures(trials)
        if failures >= limits.max_consecutive_failures:
            why = last.user_attrs.get(FAILURE_ATTR, "no reason given") if last else ""
            outcome["status"] = FAILED
            outcome["reason"] = (
                f"{failures} trials failed in a row (max_consecutive_failures is "
                f"{limits.max_consecutive_failures}); the last, trial "
                f"{last.number if last else '?'}: {why}"
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
        _record(trials)

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
            callbacks=[after_each],
        )
    except BaseException:
        outcome.update(status=STOPPED, message="Interrupted.")
        raise
    finally:
        trials = study.get_trials(deepcopy=False)
        _record(trials)
        if outcome["status"] == COMPLETED and outcome["message"] is None:
            outcome["message"] = f"Ran {count_trials(trials).started} trials."
        ended = store.finish(
            job.id, outcome["status"] or COMPLETED, outcome["reason"], outcome["message"]
        )
        service.end_parent_run(ended)
    return ended
