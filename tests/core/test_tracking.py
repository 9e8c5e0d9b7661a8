"""``mls.start_run`` and friends: the SDK users log from."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import jupyter_mlstudio as mls


def test_context_manager_logs_and_finishes() -> None:
    with mls.start_run("churn", name="rf", tags={"team": "growth"}) as run:
        assert mls.active_run() is run
        run.log_params({"n_estimators": 200, "criterion": "gini"})
        for step in range(5):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        run.log_metrics({"auc": 0.91, "acc": 0.88})
    assert mls.active_run() is None
    got = mls.get_run(run.id)
    assert got.status == "FINISHED" and got.end_time is not None
    assert dict(got.params) == {"n_estimators": "200", "criterion": "gini"}
    assert got.metrics["loss"] == pytest.approx(0.2)
    assert got.metrics["auc"] == 0.91
    assert got.tags["team"] == "growth"
    history = mls.studio().experiments.get_metric_history(run.id, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4]
    assert mls.get_experiment("churn").id == got.experiment_id


def test_exception_marks_run_failed() -> None:
    def train() -> str:
        with mls.start_run("e") as run:
            run.log_metric("m", 1.0)
            raise RuntimeError(run.id)

    with pytest.raises(RuntimeError) as info:
        train()
    got = mls.get_run(str(info.value))
    assert got.status == "FAILED"
    assert got.metrics["m"] == 1.0  # queued metrics were flushed before ending


def test_nested_runs_and_guard() -> None:
    with mls.start_run("e") as parent:
        with pytest.raises(mls.InvalidArgumentError, match="nested=True"):
            mls.start_run("e")
        with mls.start_run("e", nested=True) as child:
            assert mls.active_run() is child
        assert mls.get_run(child.id).parent_run_id == parent.id
        assert mls.active_run() is parent


def test_logging_does_not_wait_for_the_database() -> None:
    with mls.start_run("speed") as run:
        start = time.perf_counter()
        for i in range(5000):
            run.log_metric("x", float(i), step=i)
        queued = time.perf_counter() - start
        run.flush()
    # queueing 5,000 values is far quicker than writing them one by one would be (tens of
    # seconds on SQLite); the bound leaves room for a loaded machine
    assert queued < 3.0
    assert len(mls.studio().experiments.get_metric_history(run.id, "x")) == 5000


def test_bad_metric_fails_at_the_call() -> None:
    with mls.start_run("e") as run, pytest.raises(mls.InvalidArgumentError):
        run.log_metric("m", "not a number")  # type: ignore[arg-type]


def test_conflicting_param_fails_at_the_call() -> None:
    with mls.start_run("e") as run:
        run.log_param("lr", 0.1)
        with pytest.raises(mls.ConflictError):
            run.log_param("lr", 0.2)


def test_search_runs_returns_frame_and_list() -> None:
    for i in range(3):
        with mls.start_run("grid", name=f"r{i}") as run:
            run.log_param("i", i)
            run.log_metric("score", float(i))
    frame = mls.search_runs("grid")
    assert len(frame) == 3
    assert {"run_id", "name", "metrics.score", "params.i"} <= set(frame.columns)
    runs = mls.search_runs("grid", output="list")
    assert [r.name for r in runs] == ["r2", "r1", "r0"]  # newest first


def test_search_runs_empty_experiment_has_columns() -> None:
    mls.create_experiment("empty")
    assert list(mls.search_runs("empty").columns)[:2] == ["run_id", "experiment_id"]


SCRIPT = textwrap.dedent(
    """
    import jupyter_mlstudio as mls
    run = mls.start_run("exit")
    run.log_metric("m", 3.0)
    print(run.id)
    """
)
KILLED = textwrap.dedent(
    """
    import os, jupyter_mlstudio as mls
    run = mls.start_run("exit")
    run.log_metric("m", 3.0)
    run.flush()
    print(run.id, flush=True)
    os._exit(9)  # dies without any clean-up, like a killed kernel
    """
)


def test_open_run_is_finished_and_flushed_at_exit(mlstudio_home: Path) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    got = mls.get_run(out.stdout.strip())
    assert got.status == "FINISHED"
    assert got.metrics["m"] == 3.0


CRASH = textwrap.dedent(
    """
    import jupyter_mlstudio as mls
    run = mls.start_run("exit")
    run.log_metric("m", 1.0)
    print(run.id, flush=True)
    raise ValueError("training blew up")
    """
)


def test_open_run_of_a_crashing_script_is_failed(mlstudio_home: Path) -> None:
    out = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, text=True)
    assert out.returncode == 1 and "training blew up" in out.stderr
    got = mls.get_run(out.stdout.strip())
    assert got.status == "FAILED"
    assert got.metrics["m"] == 1.0


def test_run_of_a_killed_process_is_failed_by_the_next_start(mlstudio_home: Path) -> None:
    out = subprocess.run([sys.executable, "-c", KILLED], capture_output=True, text=True)
    run_id = out.stdout.strip()
    assert mls.get_run(run_id).status == "RUNNING"
    mls.studio()._dead_runs_checked = False  # as if this were a new process
    with mls.start_run("exit"):
        pass
    assert mls.get_run(run_id).status == "FAILED"


def test_previewed_artifacts_get_the_suffix_the_ui_previews_by() -> None:
    import pandas as pd

    class Figure:
        def to_json(self) -> str:
            return '{"data": []}'

    with mls.start_run("artifacts") as run:
        assert run.log_figure(Figure(), "loss") == "loss.plotly.json"
        assert run.log_figure(Figure(), "auc.plotly.json") == "auc.plotly.json"
        assert run.log_table(pd.DataFrame({"a": [1, 2]}), "preds") == "preds.csv"
        assert run.log_table(pd.DataFrame({"a": [1]}), "top.csv") == "top.csv"
        with pytest.raises(mls.InvalidArgumentError, match="log_table takes a pandas DataFrame"):
            run.log_table([1, 2], "x")
        names = {a.path for a in run.artifacts.list()}
    assert {"loss.plotly.json", "auc.plotly.json", "preds.csv", "top.csv"} <= names


@pytest.mark.parametrize("kind", ["Param", "Tag"])
def test_too_long_param_and_tag_values_are_refused_with_their_limit(kind: str) -> None:
    from jupyter_mlstudio.experiments import run_entities

    check = run_entities.param_value if kind == "Param" else run_entities.tag_value
    limit = getattr(run_entities, f"{kind.upper()}_VALUE_MAX_LENGTH")
    assert check("k", 1.5) == "1.5" and check("k", True) == "True"
    assert check("k", "x" * limit) == "x" * limit
    with pytest.raises(mls.InvalidArgumentError) as info:
        check("k", "x" * (limit + 1))
    assert str(info.value) == f"{kind} 'k' is {limit + 1} characters long; the limit is {limit}."
