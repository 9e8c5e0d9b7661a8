"""Function trials (the notebook fast path): optuna's optimize loop in this process, each
trial a child run of the tuning job's parent run, pruned and failing trials recorded."""

from __future__ import annotations

from typing import Any

import optuna

from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.entities import TRIAL_TAG
from jupyter_mlstudio.tuning.service import TuningService


def test_function_trials_are_tracked_like_job_trials(studio: Studio, tuning: TuningService) -> None:
    def parabola(params: dict[str, Any]) -> float:
        return float((params["x"] - 2) ** 2 + (0 if params["kind"] == "a" else 1))

    done = tuning.tune_function(
        parabola,
        space={
            "x": {"type": "continuous", "min_value": -5, "max_value": 5},
            "kind": {"type": "categorical", "values": ["a", "b"]},
        },
        n_trials=12,
        direction="minimize",
        name="parabola",
        experiment="fn-tests",
        random_seed=0,
    )
    assert done.status == "Completed" and done.status_message == "Ran 12 trials."
    assert done.counts.completed == 12 and done.best_value is not None
    trials = tuning.trials(done.id)
    assert done.best_value == min(t.value for t in trials if t.value is not None)
    runs = studio.experiments.search_runs([done.experiment_id], filter=None).items  # type: ignore[list-item]
    children = [r for r in runs if r.parent_run_id == done.parent_run_id]
    assert len(children) == 12
    by_number = {int(r.tags[TRIAL_TAG]): r for r in children}
    for trial in trials:
        run = by_number[trial.number]
        assert run.status == "FINISHED" and run.id == trial.run_id
        assert float(run.params["x"]) == trial.params["x"]
        assert run.metrics["objective"] == trial.value
    assert studio.experiments.get_run(done.parent_run_id).status == "FINISHED"  # type: ignore[arg-type]
    # optuna's importances, and the trials a page at a time
    assert set(tuning.importances(done.id)) == {"x", "kind"}
    first = tuning.list_trials(done.id, max_items=5)
    rest = tuning.list_trials(done.id, max_items=10, next_token=first.next_token)
    assert [t.number for t in first.items + rest.items] == list(range(12))
    assert rest.next_token is None
    assert tuning.list_trials(done.id, state="Pruned").items == []


def test_pruned_and_failing_function_trials(studio: Studio, tuning: TuningService) -> None:
    def curve(params: dict[str, Any], trial: optuna.Trial) -> float:
        value = 0.0
        for step in range(6):
            value = params["level"] * (step + 1)
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return value

    done = tuning.tune_function(
        curve,
        space={"level": {"type": "categorical", "values": [1, 5, 10]}},
        n_trials=10,
        direction="minimize",
        early_stopping="Auto",
        enqueue=[{"level": 1}, {"level": 1}, {"level": 1}, {"level": 10}, {"level": 10}],
    )
    trials = tuning.trials(done.id)
    pruned = [t for t in trials if t.state == "Pruned"]
    assert [t.number for t in pruned][:2] == [3, 4], trials  # the median rule stops 10s
    assert done.counts.pruned == len(pruned)
    run = studio.experiments.get_run(pruned[0].run_id)  # type: ignore[arg-type]
    assert run.status == "KILLED" and run.tags["mlstudio.tuning.state"] == "Pruned"
    assert run.tags["mlstudio.tuning.pruned_step"] == str(pruned[0].pruned_step)
    history = studio.experiments.get_metric_history(run.id, "objective")
    assert [m.step for m in history] == list(range(pruned[0].pruned_step + 1))  # type: ignore[operator]

    def broken(params: dict[str, Any]) -> float:
        raise ValueError(f"no data for {params['x']:.1f}")

    failed = tuning.tune_function(
        broken, space={"x": {"type": "continuous", "min_value": 0, "max_value": 1}}, n_trials=20
    )
    assert failed.status == "Failed" and failed.counts.started == 5
    assert (failed.failure_reason or "").startswith(
        "5 trials failed in a row (max_consecutive_failures is 5); the last, trial 4: "
        "ValueError: no data for"
    )
