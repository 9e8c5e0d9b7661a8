"""A process that used the SDK can start children that log too: fork, spawn, forkserver,
joblib's loky. Each child logs 500 metrics to its own run; every child exits 0, every
row is in the store, and nothing hangs (every wait has a timeout, so a hang fails)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import pytest
from joblib.externals.loky import get_reusable_executor

import jupyter_mlstudio as mls
from jupyter_mlstudio.processes import pid_alive
from jupyter_mlstudio.tracking import ActiveRun

CHILDREN = 4
METRICS = 500
EXPERIMENT = "fork-safety"
TIMEOUT = 180.0  # generous: 2 shared cores; the hang this guards against is for ever


def _log_in_child(home: str | None, name: str) -> int:
    """A child's work: its own run with METRICS values (``home``: configure first, for
    children that start a fresh interpreter; None: use the studio inherited by fork)."""
    if home is not None:
        mls.configure(home=home)
    with mls.start_run(EXPERIMENT, name=name) as run:
        for step in range(METRICS):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
    return os.getpid()


def _log_to_inherited_run(parent: ActiveRun, name: str) -> None:
    """Only the parent's run handle, inherited by fork: its writer must work here."""
    for step in range(METRICS):
        parent.log_metric(f"from_{name}", float(step), step=step)
    parent.flush()


@pytest.fixture
def parent(tmp_path: Path) -> Iterator[ActiveRun]:
    """The parent before it starts children: its writer thread running, pooled
    connections open, a run still open and values still queued."""
    mls.configure(home=tmp_path / "configured")
    run = mls.start_run(EXPERIMENT, name="parent")
    run.log_metric("warm", 0.0)
    run.flush()
    for step in range(2_000):
        run.log_metric("parent", float(step), step=step)  # queued, not flushed
    yield run
    if mls.active_run() is run:  # the test failed before ending it
        run.end("FAILED")


def _run_processes(method: str, target: Any, args: list[tuple[Any, ...]]) -> None:
    context = multiprocessing.get_context(method)
    processes = [context.Process(target=target, args=a) for a in args]
    for process in processes:
        process.start()
    deadline = time.monotonic() + TIMEOUT
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    hung = [p for p in processes if p.is_alive()]
    for process in hung:
        process.kill()
        process.join(10)
    assert not hung, f"{len(hung)} of {len(processes)} {method} children hung"
    assert [p.exitcode for p in processes] == [0] * len(processes)


def _assert_children_logged_everything(names: list[str]) -> None:
    studio = mls.studio()
    runs = {r.name: r for r in mls.search_runs(EXPERIMENT, output="list")}
    for name in names:
        assert runs[name].status == "FINISHED", name
        history = studio.experiments.get_metric_history(runs[name].id, "loss")
        assert [m.step for m in history] == list(range(METRICS)), name


def _end_parent(parent: ActiveRun) -> dict[str, float]:
    """Ends the parent's run; its queued values were written once (by it, not by a child)."""
    ended = parent.end()
    assert ended.status == "FINISHED"
    steps = [m.step for m in mls.studio().experiments.get_metric_history(parent.id, "parent")]
    assert steps == list(range(2_000))
    return ended.metrics


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_children_of_a_busy_parent_log_everything_and_exit(
    method: str, parent: ActiveRun, tmp_path: Path, mlstudio_home: Path
) -> None:
    # The parent's store is not $MLSTUDIO_HOME: forked children must keep the parent's
    # configuration; the others are told where it is.
    home = tmp_path / "configured"
    names = [f"{method}-{i}" for i in range(CHILDREN)]
    child_home = None if method == "fork" else str(home)
    _run_processes(method, _log_in_child, [(child_home, name) for name in names])
    _end_parent(parent)
    _assert_children_logged_everything(names)
    assert not (mlstudio_home / "mlstudio.db").exists()  # nothing went to the default store


def test_forked_children_log_to_the_parents_run_handle(parent: ActiveRun) -> None:
    names = [f"handle-{i}" for i in range(CHILDREN)]
    _run_processes("fork", _log_to_inherited_run, [(parent, name) for name in names])
    _end_parent(parent)
    for name in names:
        history = mls.studio().experiments.get_metric_history(parent.id, f"from_{name}")
        assert [m.step for m in history] == list(range(METRICS)), name


def test_joblib_loky_workers_log_everything(parent: ActiveRun, tmp_path: Path) -> None:
    home = tmp_path / "configured"
    names = [f"loky-{i}" for i in range(CHILDREN)]
    pids = joblib.Parallel(n_jobs=CHILDREN, backend="loky", timeout=TIMEOUT)(
        joblib.delayed(_log_in_child)(str(home), name) for name in names
    )
    _end_parent(parent)
    _assert_children_logged_everything(names)
    # loky keeps its workers for the next call: shut them down; they must exit promptly
    shutdown = threading.Thread(
        target=lambda: get_reusable_executor(reuse=True).shutdown(wait=True), daemon=True
    )
    shutdown.start()
    shutdown.join(TIMEOUT)
    assert not shutdown.is_alive(), "loky's workers did not exit"
    assert not [pid for pid in pids if pid_alive(pid)]
