"""Trials as the tuning service records and shows them: the optuna user attributes and
run tags it writes, one trial as tables show it, and the counts and best trial of a
tuning job computed from its study."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from .entities import TrialCounts
from .spec import TuningJobSpec
from .study import to_hyperparameters
from .warm_start import WARM_START_ATTR

# optuna user attributes of a job trial
JOB_NAME_ATTR = "job_name"
JOB_ID_ATTR = "job_id"
RUN_ID_ATTR = "run_id"
PRUNED_STEP_ATTR = "pruned_step"
FAILURE_ATTR = "failure_reason"
RETRY_OF_ATTR = "retry_of"
TRIAL_STATE_TAG = "mlstudio.tuning.state"
PRUNED_STEP_TAG = "mlstudio.tuning.pruned_step"


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


TRIAL_STATES: tuple[str, ...] = ("Running", "Completed", "Pruned", "Failed", "Waiting")


def trial_state_name(trial: FrozenTrial) -> str:
    return _STATE_NAMES.get(trial.state, trial.state.name.title())


def is_job_trial(trial: FrozenTrial) -> bool:
    """A trial this tuning job ran (or started): not a warm-start one, not still queued."""
    return trial.state != TrialState.WAITING and WARM_START_ATTR not in trial.user_attrs


def trial_info(
    spec: TuningJobSpec, trial: FrozenTrial, study_attrs: Mapping[str, Any] | None = None
) -> TrialInfo:
    """One trial; ``study_attrs`` (the study's user attributes) give the runs of function
    trials, recorded after the trial finished."""
    attrs = trial.user_attrs
    run_id = attrs.get(RUN_ID_ATTR) or function_run_id(study_attrs or {}, trial.number)
    return TrialInfo(
        number=trial.number,
        state=trial_state_name(trial),
        params=to_hyperparameters(spec, trial.params),
        values=list(trial.values) if trial.values is not None else None,
        intermediate_values=dict(trial.intermediate_values),
        job_id=attrs.get(JOB_ID_ATTR),
        job_name=attrs.get(JOB_NAME_ATTR),
        run_id=run_id,
        pruned_step=attrs.get(PRUNED_STEP_ATTR),
        failure_reason=attrs.get(FAILURE_ATTR),
        warm_start_from=attrs.get(WARM_START_ATTR),
        started_at=trial.datetime_start,
        ended_at=trial.datetime_complete,
    )


# Function trials' runs, as study user attributes: one attribute per block of trial
# numbers (``run_ids:<number // RUN_IDS_BLOCK>`` → {"<number>": run id}), written a block
# at a time, not one journal write per trial.
RUN_IDS_BLOCK = 100


def run_ids_key(number: int) -> str:
    return f"{RUN_ID_ATTR}s:{number // RUN_IDS_BLOCK}"


def function_run_id(study_attrs: Mapping[str, Any], number: int) -> str | None:
    """The run of function trial ``number`` (``run_id:<number>``: studies written before
    the blocks)."""
    block = study_attrs.get(run_ids_key(number))
    found = block.get(str(number)) if isinstance(block, dict) else None
    return found or study_attrs.get(f"{RUN_ID_ATTR}:{number}")


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
