"""Stopping a tuning job, its max runtime, and two objectives (NSGA-II), with real jobs."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.service import TuningService

SLOW_SCRIPT = """
import argparse
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
args, _ = parser.parse_known_args()
for epoch in range(20):
    print(f"loss={1 / (epoch + 1 + args.lr):.5f}", flush=True)
    time.sleep(0.5)
"""

TWO_METRICS_SCRIPT = """
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, default=0.5)
args, _ = parser.parse_known_args()
print(f"quality={args.x:.5f} cost={args.x ** 2:.5f}")
"""


def slow_spec(entry: Path, **changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "training": {"entry_point": str(entry), "experiment": "tuning-tests"},
        "search_space": {"lr": {"type": "continuous", "min_value": 0.001, "max_value": 0.1}},
        "objective": {"metric": "loss", "regex": r"loss=([0-9.]+)", "direction": "Minimize"},
    }
    return spec | changes


def _wait_running(tuning: TuningService, job_id: str, n: int) -> None:
    deadline = time.monotonic() + 60
    while tuning.get(job_id).counts.running < n:
        assert time.monotonic() < deadline, "the trials never ran"
        time.sleep(0.1)


def test_stop_ends_the_running_trials_and_their_processes(
    studio: Studio,
    tuning: TuningService,
    script: Callable[[str, str], Path],
    group_gone: Callable[[int], bool],
) -> None:
    entry = script("slow.py", SLOW_SCRIPT)
    created = tuning.create(slow_spec(entry, limits={"max_trials": 4, "max_parallel_trials": 2}))
    _wait_running(tuning, created.id, 2)
    tuning.stop(created.id)
    done = tuning.wait(created.id, timeout=60)
    assert (done.status, done.status_message) == ("Stopped", "Stopped on request.")
    trials = tuning.trials(done.id)
    assert len(trials) == 2  # no trial started after the stop
    for trial in trials:
        assert trial.state == "Failed"
        assert trial.failure_reason == "Stopped: the tuning job was stopped."
        job = studio.jobs.get(trial.job_id)  # type: ignore[arg-type]
        assert job.status == "Stopped" and job.pid is not None and group_gone(job.pid)
    assert studio.experiments.get_run(done.parent_run_id).status == "KILLED"  # type: ignore[arg-type]


def test_max_runtime_stops_starting_and_stops_the_running_trial(
    studio: Studio, tuning: TuningService, script: Callable[[str, str], Path]
) -> None:
    entry = script("slow.py", SLOW_SCRIPT)
    created = tuning.create(slow_spec(entry, limits={"max_trials": 4, "max_runtime_seconds": 1.5}))
    done = tuning.wait(created.id, timeout=60)
    assert (done.status, done.status_message) == ("Completed", "Reached the max runtime of 1.5 s.")
    assert done.ended_at is not None and done.started_at is not None
    assert (done.ended_at - done.started_at).total_seconds() < 15
    (trial,) = tuning.trials(done.id)
    assert trial.failure_reason == "Stopped: the max runtime of 1.5 s was reached."


def test_two_objectives_search_the_pareto_front(
    tuning: TuningService, script: Callable[[str, str], Path]
) -> None:
    entry = script("two.py", TWO_METRICS_SCRIPT)
    created = tuning.create(
        {
            "training": {"entry_point": str(entry)},
            "search_space": {"x": {"type": "continuous", "min_value": 0.0, "max_value": 1.0}},
            "objective": {"metric": "quality", "regex": r"quality=([0-9.]+)"},
            "second_objective": {
                "metric": "cost",
                "regex": r"cost=([0-9.]+)",
                "direction": "Minimize",
            },
            "limits": {"max_trials": 4, "max_parallel_trials": 2},
            "random_seed": 1,
        }
    )
    done = tuning.wait(created.id, timeout=120)
    assert done.status == "Completed" and done.counts.completed == 4
    assert done.best_value is None  # two objectives have a front, not one best
    trials = tuning.trials(done.id)
    for trial in trials:
        x = trial.params["x"]
        assert trial.values == [round(x, 5), round(x**2, 5)]
    # quality up means cost up: every trial is on the front
    assert len(tuning.pareto_front(done.id)) == 4
    assert type(tuning.study(done.id).sampler).__name__ == "NSGAIISampler"
