"""Tuning jobs' edges with real jobs: bad input creates nothing, failing trials fail the
tuning job with the reason, warm start across a changed space, and a kill -9 of the
process driving a tuning job, after which a new one adopts it and finishes it with
exactly max_trials trials."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.service import TuningService
from jupyter_mlstudio.tuning.store import SqlTuningStore

QUICK_SCRIPT = """
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--dropout", type=float, default=0.0)
args, _ = parser.parse_known_args()
print(f"score={args.lr * 10 + args.batch / 100 - args.layers / 10 - args.dropout:.6f}")
"""

SILENT_SCRIPT = """
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.parse_known_args()
print("trained, but forgot to print the metric")
"""

SLOW_SCRIPT = """
import argparse
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
args, _ = parser.parse_known_args()
for epoch in range(4):
    time.sleep(1.0)
    print(f"loss={1 / (epoch + 1 + args.lr):.5f}", flush=True)
"""


def script_spec(entry: Path, **changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "training": {"entry_point": str(entry), "experiment": "tuning-tests"},
        "search_space": {"lr": {"type": "continuous", "min_value": 0.001, "max_value": 0.1}},
        "objective": {"metric": "score", "regex": r"score=([-0-9.]+)", "direction": "Maximize"},
        "limits": {"max_trials": 2},
    }
    return spec | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"limits": {"max_trials": 1, "max_parallel_trials": 2}}, "max_parallel_trials (2)"),
        ({"warm_start": ["never-ran"]}, "warm_start: no tuning job named 'never-ran'"),
        ({"enqueue": [{"lr": 5.0}]}, "enqueue: lr=5.0 is outside its range"),
        ({"enqueue": [{"momentum": 0.9}]}, "enqueue: 'momentum' not in the search space"),
        (
            {"training": {"entry_point": "/nowhere/train.py"}},
            "training: entry_point: /nowhere/train.py does not exist",
        ),
    ],
)
def test_bad_input_creates_nothing(
    studio: Studio,
    tuning: TuningService,
    script: Callable[[str, str], Path],
    changes: dict[str, Any],
    message: str,
) -> None:
    entry = script("train.py", QUICK_SCRIPT)
    with pytest.raises(InvalidArgumentError) as caught:
        tuning.create(script_spec(entry, **changes))
    assert message in caught.value.message
    assert tuning.list().items == []
    assert studio.experiments.list_experiments().items == [] or all(
        studio.stores.runs.count_runs([e.id]) == 0
        for e in studio.experiments.list_experiments().items
    )
    assert not (studio.config.home / "tuning").exists()


def test_builtin_target_column_is_checked_before_anything_runs(
    tuning: TuningService, cancer_csv: Path
) -> None:
    with pytest.raises(InvalidArgumentError, match="target: column 'label' is not in the"):
        tuning.create(
            {
                "training": {
                    "algorithm": "random-forest-classifier",
                    "channels": {"train": str(cancer_csv)},
                    "target": "label",
                },
                "search_space": {
                    "n_estimators": {"type": "integer", "min_value": 2, "max_value": 5}
                },
                "objective": {"metric": "validation:accuracy"},
            }
        )


def test_trials_that_never_report_the_objective_fail_the_tuning_job(
    studio: Studio, tuning: TuningService, script: Callable[[str, str], Path]
) -> None:
    entry = script("silent.py", SILENT_SCRIPT)
    created = tuning.create(
        script_spec(entry, limits={"max_trials": 6, "max_consecutive_failures": 2})
    )
    done = tuning.wait(created.id, timeout=120)
    assert done.status == "Failed"
    assert done.failure_reason is not None
    assert done.failure_reason.startswith(
        "2 trials failed in a row (max_consecutive_failures is 2); the last, trial 1: "
        "The trial's job completed without logging the objective metric 'score'."
    )
    assert (done.counts.started, done.counts.failed) == (2, 2)  # no third trial
    trials = tuning.trials(done.id)
    assert [t.state for t in trials] == ["Failed", "Failed"]
    run = studio.experiments.get_run(trials[0].run_id)  # type: ignore[arg-type]
    assert run.tags["mlstudio.tuning.state"] == "Failed"
    assert studio.experiments.get_run(created.parent_run_id).status == "FAILED"  # type: ignore[arg-type]


def test_warm_start_across_a_changed_space(
    tuning: TuningService, script: Callable[[str, str], Path]
) -> None:
    entry = script("quick.py", QUICK_SCRIPT)
    first = tuning.create(
        script_spec(
            entry,
            name="first",
            search_space={
                "lr": {"type": "continuous", "min_value": 0.001, "max_value": 0.1},
                "batch": {"type": "categorical", "values": [16, 32]},
                "layers": {"type": "integer", "min_value": 1, "max_value": 3},
            },
            limits={"max_trials": 3},
            enqueue=[{"lr": 0.002, "batch": 16}, {"lr": 0.05, "batch": 32}],
        )
    )
    assert tuning.wait(first.id, timeout=120).status == "Completed"
    earlier = tuning.trials(first.id)
    assert [t.params["lr"] for t in earlier[:2]] == [0.002, 0.05]

    # a clone of the first with a changed space, warm-started from it
    second = tuning.clone(
        "first",
        name="second",
        **script_spec(
            entry,
            enqueue=[],
            search_space={
                # lr's range moved: 0.002 is outside it now, 0.05 still inside
                "lr": {"type": "continuous", "min_value": 0.01, "max_value": 1.0},
                "batch": {"type": "integer", "min_value": 8, "max_value": 64},  # was categorical
                "dropout": {"type": "continuous", "min_value": 0.0, "max_value": 0.5},  # new
            },  # layers is gone
            limits={"max_trials": 2},
            warm_start=["first"],
        ),
    )
    assert tuning.spec(second.id).training == tuning.spec(first.id).training
    report = tuning.warm_start_report(second.id)
    assert report is not None
    assert report.added == {"first": 3}
    assert report.mapped == {"batch": "categorical → integer"}
    assert report.dropped["layers"] == "not in the new search space"
    assert report.dropped["lr"].startswith("1 value(s) outside the new range (0.002")
    assert "warm-started with 3 trial(s) from first" in (second.status_message or "")

    done = tuning.wait(second.id, timeout=120)
    assert done.status == "Completed"
    assert done.counts.started == 2  # warm-start trials are not this job's trials
    trials = tuning.trials(second.id)
    warm = [t for t in trials if t.warm_start_from]
    assert [t.warm_start_from for t in warm] == ["first#0", "first#1", "first#2"]
    assert warm[0].params == {"batch": 16}  # lr 0.002 dropped, layers dropped
    assert warm[1].params == {"lr": 0.05, "batch": 32}
    assert [t.value for t in warm] == [t.value for t in earlier]
    assert len([t for t in trials if t.job_id]) == 2

    # recursive: a third warm-starts from the second, whose study holds the first's trials
    third = tuning.clone("second", name="third", warm_start=["second"], start=False)
    report = tuning.warm_start_report(third.id)
    assert report is not None and report.added == {"second": 5}


DRIVER = """
import json, sys, time
from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.service import TuningService
from jupyter_mlstudio.tuning.store import SqlTuningStore

studio = Studio(StudioConfig.resolve())
service = TuningService(jobs=studio.jobs, experiments=studio.experiments,
                        store=SqlTuningStore(studio.db), config=studio.config, poll_interval=0.1)
service.create(json.loads(sys.argv[1]))
time.sleep(600)
"""


def test_kill_9_of_the_driving_process_then_resume(
    studio: Studio,
    script: Callable[[str, str], Path],
    tmp_path: Path,
    group_gone: Callable[[int], bool],
) -> None:
    entry = script("slow.py", SLOW_SCRIPT)
    spec = script_spec(
        entry,
        name="restart",
        objective={"metric": "loss", "regex": r"loss=([0-9.]+)", "direction": "Minimize"},
        limits={"max_trials": 3, "max_parallel_trials": 2},
        retry_failed=True,
        random_seed=3,
    )
    server = subprocess.Popen([sys.executable, "-c", DRIVER, json.dumps(spec)], cwd=tmp_path)
    store = SqlTuningStore(studio.db)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # both trials submitted and both their processes started
            started = [j for j in studio.stores.jobs.jobs_in({"Running"}) if j.pid is not None]
            if store.name_taken("restart") and len(started) == 2:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the two first trials never ran")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    job = store.get_by_name("restart")
    assert job.status == "Running"
    # one trial's process dies with the server; the other lives on, unwatched
    running = studio.stores.jobs.jobs_in({"Running"})
    assert len(running) == 2
    lost, kept = running[0], running[1]
    assert lost.pid is not None
    os.killpg(lost.pid, signal.SIGKILL)
    time.sleep(0.3)

    # the new server: its executor reconciles the jobs, its tuning service the tuning job
    studio.jobs.executor.reconcile()
    service = TuningService(
        jobs=studio.jobs,
        experiments=studio.experiments,
        store=store,
        config=studio.config,
        poll_interval=0.1,
    )
    try:
        assert service.resume() == [job.id]
        done = service.wait(job.id, timeout=120)
    finally:
        service.close()
    trials = service.trials(job.id)
    assert done.status == "Completed", (done.failure_reason, trials)
    assert done.counts.started == 3  # exactly max_trials, the retry among them
    by_job = {t.job_id: t for t in trials}
    assert by_job[kept.id].state == "Completed"
    lost_trial = by_job[lost.id]
    assert lost_trial.state == "Failed"
    assert (lost_trial.failure_reason or "").startswith("Lost in a restart:")
    retry = trials[2]
    assert retry.state == "Completed" and retry.params == lost_trial.params
    assert len(studio.stores.jobs.jobs_in({"Pending", "Running", "Stopping"})) == 0
    for trial in trials:  # no orphan process of any trial
        pid = studio.jobs.get(trial.job_id).pid  # type: ignore[arg-type]
        assert pid is not None and group_gone(pid)
