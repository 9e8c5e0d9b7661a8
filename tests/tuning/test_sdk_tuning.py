"""``mls.tune``, the tuning handle and ``%mls tune``, as a notebook user types them: real
training-job trials on a CSV, the best trial registered and deployed as a real endpoint
answering over HTTP, function trials, and the messages bad input gets."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

import jupyter_mlstudio as mls
from jupyter_mlstudio.tuning.entities import TRIAL_TAG

RF = "random-forest-classifier"


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.extension_manager.load_extension("jupyter_mlstudio")
    yield ip
    ip.extension_manager.unload_extension("jupyter_mlstudio")


def test_tune_a_builtin_then_register_and_deploy_the_best_trial(
    cancer_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tuning = mls.tune(
        RF,
        space={"n_estimators": (2, 20), "max_depth": range(1, 5), "criterion": ["gini", "entropy"]},
        objective="validation:accuracy",
        max_trials=4,
        max_parallel=2,
        data=str(cancer_csv),
        target="target",
        hyperparameters={"random_state": 1},
        experiment="sdk-tuning",
        random_seed=7,
        name="cancer-rf",
    )
    done = tuning.wait(progress=True, timeout=300)
    assert done.status == "Completed", (done.failure_reason, tuning.trials())
    # the progress bar counted the trials and showed the best value
    err = capsys.readouterr().err
    assert "4/4" in err and "best validation:accuracy=" in err
    # the spec: natural Python forms became the spec's ranges; the fixed one kept apart
    spec = done.spec
    assert spec["search_space"]["n_estimators"]["type"] == "integer"
    assert spec["search_space"]["max_depth"] == {
        "type": "integer",
        "min_value": 1,
        "max_value": 4,
        "scaling": "Auto",
    }
    assert spec["search_space"]["criterion"] == {
        "type": "categorical",
        "values": ["gini", "entropy"],
    }
    assert spec["objective"]["direction"] == "Maximize"
    assert spec["training"]["hyperparameters"] == {"random_state": 1}
    assert spec["limits"]["max_parallel_trials"] == 2

    frame = tuning.trials()
    assert list(frame.columns[:3]) == ["number", "state", "value"]
    assert {"params_n_estimators", "params_max_depth", "params_criterion"} <= set(frame.columns)
    assert {"job_id", "run_id", "pruned_step", "duration"} <= set(frame.columns)
    assert list(frame["number"]) == [0, 1, 2, 3]
    assert set(frame["state"]) == {"Completed"}
    assert frame["job_id"].notna().all() and frame["run_id"].notna().all()
    assert (frame["duration"] > pd.Timedelta(0)).all()

    best = tuning.best_trial
    assert best is not None and best.value == frame["value"].max() == done.best_value
    assert f"{done.best_value:.6g}" in repr(tuning) and "4/4 trials" in repr(tuning)
    assert "Completed" in tuning._repr_html_()
    # each trial is a training job whose run is a child of the tuning job's parent run
    run = mls.get_run(best.run_id)  # type: ignore[arg-type]
    assert run.parent_run_id == done.parent_run_id and run.tags[TRIAL_TAG] == str(best.number)
    assert int(run.params["max_depth"]) == best.params["max_depth"]

    study = tuning.study
    assert isinstance(study, optuna.Study) and len(study.trials) == 4
    assert study.best_value == best.value
    assert set(tuning.importances()) <= {"n_estimators", "max_depth", "criterion"}

    assert [j.name for j in mls.list_tuning_jobs()] == ["cancer-rf"]
    assert mls.get_tuning_job("cancer-rf").id == tuning.id
    assert mls.get_tuning_job(tuning.id).name == "cancer-rf"

    # the best trial's model, registered with its job and run as lineage
    version = tuning.register_best("cancer-model")
    assert version.source_job_id == best.job_id and version.source_run_id == best.run_id
    assert version.tags["mlstudio.tuning.job"] == "cancer-rf"
    assert version.tags["mlstudio.tuning.trial"] == str(best.number)

    features = pd.read_csv(cancer_csv).drop(columns=["target"]).head(8)
    expected = mls.load_model("cancer-model", version.version).predict(features)
    endpoint = tuning.deploy_best("cancer-endpoint", model="cancer-model", timeout=120)
    try:
        assert endpoint.status == "InService"
        assert endpoint.variants[0]["model"] == "cancer-model"
        assert endpoint.variants[0]["version"] == version.version + 1  # registered again
        assert np.array_equal(endpoint.predict(features), expected)
        # and straight over HTTP, as any client calls it
        request = urllib.request.Request(
            f"{endpoint.url}/invocations",
            data=json.dumps({"dataframe_split": features.to_dict("split")}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {endpoint.token}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            answer = json.loads(response.read())
        assert answer["predictions"] == expected.tolist()
    finally:
        endpoint.delete()
    with pytest.raises(mls.NotFoundError):
        mls.get_endpoint("cancer-endpoint")


def test_function_trials_through_mls_tune(capsys: pytest.CaptureFixture[str]) -> None:
    def parabola(params: dict[str, Any]) -> float:
        return float((np.log10(params["lr"]) + 2) ** 2 + params["depth"] + (params["kind"] == "b"))

    tuning = mls.tune(
        parabola,
        space={"lr": (1e-4, 1e-1, "log"), "depth": range(0, 4), "kind": ["a", "b"]},
        n_trials=15,
        random_seed=0,
        experiment="fn-sdk",
    )
    # it ran here and now, like study.optimize, with a progress bar
    assert tuning.status == "Completed"
    assert tuning.wait(progress=False).status == "Completed"
    err = capsys.readouterr().err
    assert "15/15" in err and "best=" in err
    distributions = tuning.study.trials[0].distributions
    assert distributions["lr"] == FloatDistribution(1e-4, 1e-1, log=True)
    assert distributions["depth"] == IntDistribution(0, 3)
    assert distributions["kind"] == CategoricalDistribution(["a", "b"])
    spec = tuning.job.spec
    assert spec["objective"] == {"metric": "objective", "direction": "Minimize", "regex": None}

    frame = tuning.trials()
    assert len(frame) == 15 and set(frame["state"]) == {"Completed"}
    assert frame["job_id"].isna().all() and frame["run_id"].notna().all()
    assert tuning.best_trial is not None
    assert tuning.best_trial.value == frame["value"].min() == tuning.job.best_value
    runs = mls.search_runs("fn-sdk", output="list")
    assert sum(1 for r in runs if r.parent_run_id == tuning.job.parent_run_id) == 15
    assert set(tuning.importances()) == {"lr", "depth", "kind"}

    # a function trial's run holds no model: registering says so
    with pytest.raises(mls.InvalidArgumentError, match="has no model under model/"):
        tuning.register_best("parabola")
    # optuna's own form: fn(trial), no space; "loss" is minimized by default
    plain = mls.tune(
        lambda trial: trial.suggest_float("x", -3, 3) ** 2,
        objective="loss",
        max_trials=5,
        progress=False,
    )
    assert plain.job.spec["objective"]["direction"] == "Minimize"
    assert len(plain.trials()) == 5


def test_a_tuning_job_that_fails_raises_on_wait() -> None:
    def broken(params: dict[str, Any]) -> float:
        raise ValueError("the data file is empty")

    tuning = mls.tune(broken, space={"x": (0.0, 1.0)}, max_trials=8, progress=False)
    assert tuning.status == "Failed"
    with pytest.raises(mls.TuningFailedError, match="the data file is empty"):
        tuning.wait(progress=False)
    assert tuning.wait(progress=False, check=False).counts.failed == 5
    with pytest.raises(mls.InvalidArgumentError, match="no completed trial yet"):
        tuning.register_best("nothing")


def test_mls_tune_magic(
    shell: InteractiveShell, cancer_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = shell.run_line_magic(
        "mls",
        f"tune {RF} --data {cancer_csv} --target target --space n_estimators=2:10 "
        "max_features=0.2:0.9 criterion=gini,entropy --objective validation:accuracy "
        "--max-trials 2 --max-parallel 2 --hyperparameters random_state=3 --seed 1 "
        "--name magic-rf --experiment magic",
    )
    assert isinstance(handle, mls.TuningHandle) and handle.name == "magic-rf"
    out = capsys.readouterr().out
    assert "Tuning job magic-rf started." in out
    assert "Tuning job magic-rf: Completed; best validation:accuracy = " in out
    job = handle.job
    assert job.status == "Completed" and job.counts.completed == 2
    space = job.spec["search_space"]
    assert space["n_estimators"]["type"] == "integer"
    assert space["max_features"]["type"] == "continuous"
    assert space["criterion"]["values"] == ["gini", "entropy"]
    assert job.spec["training"]["hyperparameters"] == {"random_state": 3}
    assert job.spec["training"]["channels"] == {"train": str(cancer_csv)}

    # --no-wait returns the running tuning job at once
    running = shell.run_line_magic(
        "mls",
        f"tune {RF} --data {cancer_csv} --target target --space max_depth=1:3 "
        "--objective validation:accuracy --max-trials 1 --no-wait",
    )
    assert running.status in ("Pending", "Running", "Completed")
    assert running.wait(progress=False, timeout=180).status == "Completed"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "tune random-forest-classifier --objective validation:accuracy",
            "%mls tune needs --space NAME=RANGE",
        ),
        (
            "tune random-forest-classifier --space max_depth=2-12 --objective o",
            r"--space max_depth=2-12: give MIN:MAX \(e.g. max_depth=2:12\)",
        ),
        (
            "tune random-forest-classifier --space max_depth",
            "--space: 'max_depth' is not NAME=VALUE",
        ),
        (
            "tune random-forest-classifier --data x.csv --target y --space max_depth=2:12",
            "objective: name the metric to optimize; random-forest-classifier logs "
            "validation:accuracy",
        ),
        (
            "tune random-forest-classifier --data {csv} --target target --space "
            "depth=2:12 --objective validation:accuracy",
            "unknown hyperparameter 'depth'",
        ),
        (
            "tune random-forest-classifier --data {csv} --target target --space "
            "max_depth=2:12 --objective validation:accuracy --max-trials 2 --max-parallel 3",
            r"max_parallel_trials \(3\) is more than max_trials \(2\)",
        ),
        ("tune random-forest-classifier --space x=1:2 --max-trials two", "invalid int value"),
    ],
)
def test_mls_tune_magic_bad_input(
    shell: InteractiveShell, cancer_csv: Path, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        shell.run_line_magic("mls", line.format(csv=cancer_csv))
    assert mls.list_tuning_jobs() == []  # nothing was created


def test_bad_input_to_mls_tune(cancer_csv: Path) -> None:
    def tune(**kwargs: Any) -> None:
        options: dict[str, Any] = {
            "data": str(cancer_csv),
            "target": "target",
            "objective": "validation:accuracy",
        }
        mls.tune(RF, **(options | kwargs))

    with pytest.raises(mls.InvalidArgumentError, match="space: give the hyperparameters"):
        tune()
    with pytest.raises(mls.InvalidArgumentError, match=r"space\['n_estimators'\]: 5 is a single"):
        tune(space={"n_estimators": 5})
    with pytest.raises(mls.InvalidArgumentError, match="unknown scaling 'cubic'"):
        tune(space={"max_features": (0.1, 0.9, "cubic")})
    with pytest.raises(mls.InvalidArgumentError, match=r"\(min, max\) takes two numbers"):
        tune(space={"criterion": ("gini", "entropy")})
    with pytest.raises(mls.InvalidArgumentError, match="min_value 9 is above max_value 2"):
        tune(space={"max_depth": (9, 2)})
    with pytest.raises(mls.InvalidArgumentError, match="Logarithmic scaling needs min_value > 0"):
        tune(space={"max_features": (0.0, 0.9, "log")})
    with pytest.raises(mls.InvalidArgumentError, match="never logs 'validation:auc'"):
        tune(space={"max_depth": (2, 9)}, objective="validation:auc")
    with pytest.raises(mls.InvalidArgumentError, match="Give max_trials or n_trials, not both"):
        tune(space={"max_depth": (2, 9)}, max_trials=3, n_trials=4)
    with pytest.raises(mls.InvalidArgumentError, match="max_parallel, data: only for training"):
        mls.tune(lambda p: 0.0, space={"x": (0.0, 1.0)}, max_parallel=2, data="x.csv")
    with pytest.raises(mls.InvalidArgumentError, match="not int"):
        mls.tune(3, space={"x": (0.0, 1.0)})  # type: ignore[arg-type]
    assert mls.list_tuning_jobs() == []  # nothing was created
    with pytest.raises(mls.NotFoundError):
        mls.get_tuning_job("nope")


def test_function_trials_write_their_runs_in_blocks(mlstudio_home: Path) -> None:
    """The per-trial cost of tracking: a trial's run ids reach the study a block at a
    time (not one journal write per trial) and the runs are written in batches; every
    trial still has its run, with the trial's own start and end."""
    tuning = mls.tune(
        lambda p: p["x"] ** 2, space={"x": (-1.0, 1.0)}, max_trials=40, progress=False
    )
    journal = mlstudio_home / "tuning" / f"{tuning.id}.journal"
    ops = [json.loads(line)["op_code"] for line in journal.read_text().splitlines()]
    set_study_user_attr = 2  # optuna's JournalOperation.SET_STUDY_USER_ATTR
    assert ops.count(set_study_user_attr) <= 10, ops.count(set_study_user_attr)
    frame = tuning.trials()
    assert frame["run_id"].notna().all() and frame["run_id"].nunique() == 40
    for trial in tuning.study.trials[:3]:
        run = mls.get_run(frame["run_id"][trial.number])
        assert run.status == "FINISHED" and run.tags[TRIAL_TAG] == str(trial.number)
        assert run.start_time <= run.end_time  # type: ignore[operator]


def test_the_study_journal_locks_with_a_lock_file_not_a_symlink(tmp_path: Path) -> None:
    """optuna's default lock is a symlink to the journal; to a path of 60 characters or
    more (ours: <home>/tuning/<32 hex>.journal) that symlink keeps its target in a data
    block, and removing it after every write cost ~3 ms on this machine's disk."""
    from optuna.storages.journal import JournalFileOpenLock

    from jupyter_mlstudio.tuning.study import journal_storage

    path = tmp_path / ("x" * 64) / "study.journal"
    storage = journal_storage(path)
    assert isinstance(storage._backend._lock, JournalFileOpenLock)  # type: ignore[attr-defined]
    study = optuna.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert len(optuna.load_study(study_name=study.study_name, storage=storage).trials) == 3
    assert sorted(p.name for p in path.parent.iterdir()) == ["study.journal"]  # no lock left


def test_function_progress_shows_the_best_in_the_given_direction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tuning = mls.tune(lambda p: p["x"], space={"x": (0.0, 1.0)}, direction="minimize", max_trials=6)
    assert tuning.job.spec["objective"]["direction"] == "Minimize"
    best = min(tuning.trials()["value"])
    assert tuning.best_trial is not None and tuning.best_trial.value == best
    assert capsys.readouterr().err.rstrip().endswith(f"best={best:.4g}]")
