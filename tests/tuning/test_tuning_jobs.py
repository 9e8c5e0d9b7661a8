"""Tuning jobs whose trials are real training jobs: a built-in algorithm with parallel
trials, and an unchanged script-mode script tuned with Hyperband whose bad trials are
stopped (their processes gone) and recorded as Pruned at the step they reached."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.entities import TRIAL_TAG
from jupyter_mlstudio.tuning.service import TuningService

# A SageMaker script-mode script, unchanged: argparse hyperparameters, its metric printed.
EPOCHS_SCRIPT = """
import argparse
import math
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=9)
args, _ = parser.parse_known_args()
for epoch in range(args.epochs):
    # the closer lr is to 0.01, the lower the loss
    loss = (1 + abs(math.log10(args.lr) + 2)) / (epoch + 1)
    print(f"epoch={epoch} val_loss={loss:.5f}", flush=True)
    time.sleep(0.3)
"""


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    level = peak = 0
    for _, change in events:
        level += change
        peak = max(peak, level)
    return peak


def test_builtin_algorithm_bayesian_with_two_parallel_trials(
    studio: Studio, tuning: TuningService, cancer_csv: Path
) -> None:
    created = tuning.create(
        {
            "name": "rf-tune",
            "training": {
                "algorithm": "random-forest-classifier",
                "channels": {"train": str(cancer_csv)},
                "target": "target",
                "hyperparameters": {"random_state": 1},
                "experiment": "tuning-tests",
            },
            "search_space": {
                "n_estimators": {"type": "integer", "min_value": 2, "max_value": 20},
                "max_depth": {"type": "integer", "min_value": 1, "max_value": 4},
                "criterion": {"type": "categorical", "values": ["gini", "entropy"]},
            },
            "objective": {"metric": "validation:accuracy", "direction": "Maximize"},
            "strategy": "Bayesian",
            "early_stopping": "Auto",
            "limits": {"max_trials": 4, "max_parallel_trials": 2},
            "random_seed": 7,
        }
    )
    assert created.parent_run_id is not None
    done = tuning.wait(created.id, timeout=180)
    trials = tuning.trials(done.id)
    assert done.status == "Completed", (done.failure_reason, trials)
    assert done.counts.as_dict() == {
        "started": 4,
        "running": 0,
        "completed": 4,
        "pruned": 0,
        "failed": 0,
    }
    assert done.status_message == "Ran all 4 trials."
    values = [t.value for t in trials]
    assert all(v is not None and 0.5 < v <= 1 for v in values)
    assert done.best_value == max(v for v in values if v is not None)
    best = tuning.best_trial(done.id)
    assert best is not None and best.number == done.best_trial

    jobs = [studio.jobs.get(t.job_id) for t in trials if t.job_id]
    assert [j.name for j in jobs] == [f"rf-tune-{n:03d}" for n in range(4)]
    # never more than max_parallel_trials at once
    spans = [(j.started_at.timestamp(), j.ended_at.timestamp()) for j in jobs]  # type: ignore[union-attr]
    assert _max_overlap(spans) <= 2
    for trial, job in zip(trials, jobs, strict=True):
        assert job.status == "Completed"
        run = studio.experiments.get_run(job.run_id)  # type: ignore[arg-type]
        # a trial's run: the sampled values as params, the trial number as a tag
        assert run.tags[TRIAL_TAG] == str(trial.number)
        assert run.tags["mlstudio.tuning.state"] == "Completed"
        assert run.params["n_estimators"] == str(trial.params["n_estimators"])
        assert run.params["criterion"] == trial.params["criterion"]
        assert run.params["random_state"] == "1"  # the fixed hyperparameter
        assert run.parent_run_id == created.parent_run_id
    parent = studio.experiments.get_run(created.parent_run_id)
    assert parent.status == "FINISHED"
    assert parent.metrics["best:validation:accuracy"] == done.best_value
    # the real optuna study, for optuna's own plots and importances
    study = tuning.study(done.id)
    assert len(study.trials) == 4 and study.best_value == done.best_value
    assert set(tuning.importances(done.id)) <= {"n_estimators", "max_depth", "criterion"}


def test_script_mode_hyperband_prunes_bad_trials_and_kills_them(
    studio: Studio,
    tuning: TuningService,
    script: Callable[[str, str], Path],
    group_gone: Callable[[int], bool],
) -> None:
    entry = script("train.py", EPOCHS_SCRIPT)
    created = tuning.create(
        {
            "name": "hb",
            "training": {"entry_point": str(entry), "experiment": "tuning-tests"},
            "search_space": {
                "lr": {"type": "continuous", "min_value": 1e-4, "max_value": 1.0},
            },
            "objective": {
                "metric": "val_loss",
                "regex": r"val_loss=([0-9.]+)",
                "direction": "Minimize",
            },
            "strategy": "Hyperband",
            "max_resource": 9,
            "limits": {"max_trials": 5, "max_parallel_trials": 2},
            # two good trials first, then bad ones: Hyperband stops those (trial numbers
            # 0-4 share one bracket of optuna's, whose first rung is at step 3)
            "enqueue": [{"lr": 0.01}, {"lr": 0.012}, {"lr": 0.9}, {"lr": 0.8}, {"lr": 0.95}],
        }
    )
    done = tuning.wait(created.id, timeout=180)
    trials = tuning.trials(done.id)
    assert done.status == "Completed", (done.failure_reason, trials)
    assert [t.params["lr"] for t in trials] == [0.01, 0.012, 0.9, 0.8, 0.95]
    pruned = [t for t in trials if t.state == "Pruned"]
    assert done.counts.pruned == len(pruned) and done.counts.started == 5
    best = trials[0]  # the best ran all 9 epochs; its value is the last one
    assert best.state == "Completed" and sorted(best.intermediate_values) == list(range(9))
    assert best.value == best.intermediate_values[8] == done.best_value
    # every bad trial was stopped at the first rung it reached behind the best
    assert [t.number for t in pruned if t.params["lr"] >= 0.8] == [2, 3, 4], trials
    for trial in pruned:
        assert trial.pruned_step is not None and trial.pruned_step < 8
        job = studio.jobs.get(trial.job_id)  # type: ignore[arg-type]
        assert job.status == "Stopped"
        # its whole process group is gone (the runner ends the job just before it exits)
        assert job.pid is not None and group_gone(job.pid)
        run = studio.experiments.get_run(job.run_id)  # type: ignore[arg-type]
        assert run.status == "KILLED"
        assert run.tags["mlstudio.tuning.state"] == "Pruned"
        assert run.tags["mlstudio.tuning.pruned_step"] == str(trial.pruned_step)
        # it was stopped early: fewer epochs in its log than a full run
        history = studio.experiments.get_metric_history(job.run_id, "val_loss")  # type: ignore[arg-type]
        assert len(history) < 9
