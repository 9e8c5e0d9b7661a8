"""The Studio home over a real studio: a real job process tree and a real endpoint (a
supervisor and its workers) measured with psutil, activity from real runs, model
versions and a failed job, and the configuration with its passwords masked."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.home import (
    RunningItem,
    StudioHome,
    TrialProgress,
    configuration,
    mask_password,
)
from jupyter_mlstudio.jobs.entities import ACTIVE_JOB_STATUSES
from jupyter_mlstudio.studio import Studio

# Burns a core in a child process while the parent waits: CPU and two processes.
BUSY = textwrap.dedent(
    """\
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    print("busy", flush=True)
    try:
        time.sleep(600)
    finally:
        child.kill()
    """
)


@pytest.fixture
def studio() -> Iterator[Studio]:
    studio = Studio(StudioConfig.resolve(max_concurrent_jobs=2))
    yield studio
    for job in studio.jobs.store.jobs_in(ACTIVE_JOB_STATUSES):
        if job.pid is not None:  # a failed test must not leave a busy loop behind
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(job.pid, signal.SIGKILL)
    for endpoint in studio.endpoints.store.all():
        studio.endpoints.delete(endpoint.name)
    studio.close()


def _wait(predicate: object, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _item(items: list[RunningItem], kind: str, item_id: str) -> RunningItem:
    matches = [item for item in items if item.kind == kind and item.id == item_id]
    assert len(matches) == 1, items
    return matches[0]


def test_running_jobs_and_endpoints_with_their_process_usage(
    studio: Studio, tmp_path: Path
) -> None:
    script = tmp_path / "busy.py"
    script.write_text(BUSY)
    job = studio.jobs.submit_data({"kind": "processing", "code": str(script), "name": "busy"})
    log = Path(studio.jobs.get(job.id).log_uri.removeprefix("file://"))
    _wait(lambda: log.exists() and "busy" in log.read_text(), "the job to start its child")

    x, y = load_iris(return_X_y=True, as_frame=True)
    studio.registry.register(LogisticRegression(max_iter=500).fit(x, y), "iris", input_example=x)
    endpoint = studio.endpoints.deploy("iris-live", model="iris", instances=2, timeout=120)
    assert endpoint.status.value == "InService", endpoint.failure_reason

    home = studio.home
    running = home.running()
    job_item = _item(running, "job", job.id)
    assert (job_item.name, job_item.status, job_item.detail) == ("busy", "Running", "processing")
    assert job_item.usage is not None and job_item.started_at is not None
    # the runner and the busy child: the child's loop is counted with the job
    assert job_item.usage.processes >= 2
    assert job_item.usage.cpu_percent > 5  # a busy loop; low bound: the machine may be loaded
    assert job_item.usage.memory_bytes > 10 * 2**20

    endpoint_item = _item(running, "endpoint", "iris-live")
    assert (endpoint_item.status, endpoint_item.detail) == ("InService", "iris v1")
    assert endpoint_item.usage is not None
    assert endpoint_item.usage.processes >= 3  # the supervisor and its two workers
    assert endpoint_item.usage.memory_bytes > 50 * 2**20

    # Stop through the services the Stop buttons call: both leave "running now"
    studio.jobs.stop(job.id)
    studio.endpoints.delete("iris-live")
    _wait(lambda: studio.jobs.get(job.id).is_terminal, "the job to stop")
    assert [item for item in home.running() if item.kind == "job"] == []
    assert [item for item in home.running() if item.kind == "endpoint"] == []


def test_activity_lists_runs_versions_and_failures_newest_first(
    studio: Studio, tmp_path: Path
) -> None:
    experiment = studio.experiments.create_experiment("churn")
    run = studio.experiments.create_run(experiment.id, name="baseline")
    studio.experiments.end_run(run.id, "FINISHED")
    x, y = load_iris(return_X_y=True, as_frame=True)
    version = studio.registry.register(LogisticRegression(max_iter=500).fit(x, y), "churn-model")
    studio.registry.store.set_approval("churn-model", version.version, "Approved", "good", "ana")
    script = tmp_path / "fails.py"
    script.write_text("raise SystemExit('no rows')\n")
    job = studio.jobs.submit_data({"kind": "processing", "code": str(script), "name": "fails"})
    assert studio.jobs.wait(job.id, timeout=90).status == "Failed"

    activity = studio.home.activity()
    assert [a.at for a in activity] == sorted((a.at for a in activity), reverse=True)
    ours = [
        (a.kind, a.target.resource, a.target.id, a.target.version)
        for a in activity
        if a.target.id in (run.id, "churn-model", job.id)
    ]
    assert ours == [
        ("job-failed", "job", job.id, None),
        ("model-version-approved", "model-version", "churn-model", 1),
        ("model-version-registered", "model-version", "churn-model", 1),
        ("run-finished", "run", run.id, None),
        ("run-started", "run", run.id, None),
    ]
    titles = {a.kind: a for a in activity if a.target.id in (run.id, "churn-model")}
    assert titles["run-finished"].title == "Run baseline finished"
    assert titles["run-finished"].detail == "churn"  # the experiment
    assert titles["model-version-registered"].title == "Model churn-model v1 registered"
    assert titles["model-version-registered"].detail == "sklearn"  # not from a run
    failed = next(a for a in activity if a.kind == "job-failed")
    assert failed.title == "Job fails failed" and "no rows" in failed.detail
    # the job's own run is there too, with the job's name
    assert any(a.kind == "run-failed" and a.title == "Run fails failed" for a in activity)
    assert len(studio.home.activity(limit=2)) == 2


# Script-mode trials: the score is read from the output.
TRIAL = textwrap.dedent(
    """\
    import argparse, time
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float)
    parser.parse_known_args()
    time.sleep({sleep})
    print({output!r})
    """
)


def _tuning_spec(entry: Path, name: str, **limits: int) -> dict[str, object]:
    return {
        "name": name,
        "training": {"entry_point": str(entry), "experiment": "home-tuning"},
        "search_space": {"lr": {"type": "continuous", "min_value": 0.001, "max_value": 0.1}},
        "objective": {"metric": "score", "regex": r"score=([-0-9.]+)", "direction": "Maximize"},
        "limits": {"max_parallel_trials": 1, **limits},
    }


def test_tuning_jobs_run_on_the_home_and_their_endings_are_activity(
    studio: Studio, tmp_path: Path
) -> None:
    def trial(name: str, sleep: float, output: str) -> Path:
        path = tmp_path / name
        path.write_text(TRIAL.format(sleep=sleep, output=output))
        return path

    home = studio.home
    tuning = studio.tuning
    sleepy = tuning.create(_tuning_spec(trial("sleepy.py", 120, "score=1"), "sleepy", max_trials=3))

    def trial_running() -> bool:
        items = [i for i in home.running() if i.kind == "tuning-job" and i.id == sleepy.id]
        return bool(items) and items[0].trials is not None and items[0].trials.running == 1

    _wait(trial_running, "the tuning job's first trial to run")
    running = home.running()
    item = _item(running, "tuning-job", sleepy.id)
    assert (item.name, item.status, item.detail) == ("sleepy", "Running", "Bayesian")
    assert item.trials == TrialProgress(
        done=0, max_trials=3, running=1, best_value=None, objective="score"
    )
    assert item.usage is None and item.started_at is not None
    # its trial is a training job of its own, with its process measured
    assert [i.detail for i in running if i.kind == "job"] == ["training"]

    # Stop, as the home's Stop button does: the tuning job leaves "running now"
    tuning.stop(sleepy.id)
    _wait(lambda: tuning.get(sleepy.id).is_terminal, "the tuning job to stop")
    _wait(lambda: home.running() == [], "the stopped trial to end")

    quick = tuning.create(_tuning_spec(trial("quick.py", 0, "score=0.5"), "quick", max_trials=1))
    assert tuning.wait(quick.id, timeout=120).status == "Completed"
    silent = tuning.create(
        _tuning_spec(
            trial("silent.py", 0, "no score"), "silent", max_trials=2, max_consecutive_failures=1
        )
    )
    assert tuning.wait(silent.id, timeout=120).status == "Failed"

    activity = home.activity()
    ours = [
        (a.kind, a.title, a.target.resource, a.target.id)
        for a in activity
        if a.target.resource == "tuning-job"
    ]
    assert ours == [
        ("tuning-job-failed", "Tuning job silent failed", "tuning-job", silent.id),
        ("tuning-job-completed", "Tuning job quick completed", "tuning-job", quick.id),
        ("tuning-job-stopped", "Tuning job sleepy stopped", "tuning-job", sleepy.id),
    ]
    details = {a.kind: a.detail for a in activity if a.target.resource == "tuning-job"}
    assert details["tuning-job-completed"] == "best 0.5"
    assert "failed in a row" in details["tuning-job-failed"]


def test_configuration_masks_passwords(tmp_path: Path) -> None:
    config = StudioConfig(
        home=tmp_path,
        store_uri="postgresql+psycopg://alice:s3cr%40t@db.example:5432/mlstudio",
        artifact_uri="s3://AKIAKEY:topsecret@bucket/artifacts",
        job_executor="dask",
        dask_address="tcp://scheduler:8786",
    )
    shown = configuration(config, "postgresql")
    text = repr(shown)
    assert "s3cr" not in text and "topsecret" not in text
    assert shown.store_uri == "postgresql+psycopg://alice:***@db.example:5432/mlstudio"
    assert shown.artifact_uri == "s3://AKIAKEY:***@bucket/artifacts"
    assert (shown.executor, shown.dask_address, shown.home) == (
        "dask",
        "tcp://scheduler:8786",
        str(tmp_path),
    )
    assert shown.versions["jupyter_mlstudio"] and shown.versions["python"]
    # URLs without a password are shown as they are
    assert mask_password("file:///home/me/artifacts") == "file:///home/me/artifacts"
    assert mask_password("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_the_home_needs_only_the_services_it_reads(tmp_path: Path) -> None:
    """Built from its collaborators, without a Studio: what it shows comes from them."""
    config = StudioConfig.resolve()
    with contextlib.closing(Studio(config)) as source:
        experiment = source.experiments.create_experiment("solo")
        run = source.experiments.create_run(experiment.id, name="r")
        home = StudioHome(
            jobs=source.jobs,
            endpoints=source.endpoints,
            experiments=source.experiments,
            registry=source.registry,
            config=config,
            store_backend="sqlite",
            cpu_sample_seconds=0,
        )
        snapshot = home.snapshot()
    assert snapshot.running == []
    assert [(a.kind, a.target.id) for a in snapshot.activity] == [("run-started", run.id)]
    assert snapshot.configuration.store_backend == "sqlite"
    assert snapshot.configuration.home == str(config.home)
