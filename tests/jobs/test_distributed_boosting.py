"""XGBoost and LightGBM built-ins with instance_count > 1: trained across the workers of
a real Dask LocalCluster through the libraries' Dask interfaces, saved as the same
model folder as a single-host job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.builtin import load_builtin_model
from jupyter_mlstudio.jobs.specs import TrainingSpec
from jupyter_mlstudio.studio import Studio

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def two_workers() -> Iterator[Any]:
    """Two single-threaded worker processes, as `instance_count=2` asks for."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.fixture
def cancer_split(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    """Breast cancer with labels as words, split once so both jobs validate on the same
    rows."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "malignant", 1: "benign"})
    validation = frame.sample(frac=0.25, random_state=1)
    train = frame.drop(validation.index)
    (tmp_path / "train").mkdir()
    for part in range(3):  # a folder of files, read as partitions
        train.iloc[part::3].to_csv(tmp_path / "train" / f"part-{part}.csv", index=False)
    validation.to_csv(tmp_path / "validation.csv", index=False)
    return tmp_path / "train", tmp_path / "validation.csv", validation


def _spec(algorithm: str, train: Path, validation: Path, count: int, **extra: Any) -> TrainingSpec:
    return TrainingSpec(
        algorithm=algorithm,
        channels={"train": str(train), "validation": str(validation)},
        target="target",
        instance_count=count,
        **extra,
    )


def _auc(studio: Studio, job_id: str, validation: pd.DataFrame) -> float:
    done = studio.jobs.get(job_id)
    model = load_builtin_model(Path(done.outputs["model"].removeprefix("file://")))
    column = list(model.classes_).index("benign")
    scores = model.predict_proba(validation.drop(columns=["target"]))[:, column]
    return float(roc_auc_score(validation["target"] == "benign", scores))


def test_xgboost_on_two_workers_gives_an_equivalent_model(
    two_workers: Any, cancer_split: tuple[Path, Path, pd.DataFrame]
) -> None:
    train, validation, held_out = cancer_split
    studio = Studio(
        StudioConfig.resolve(job_executor="dask", dask_address=two_workers.scheduler_address)
    )
    try:
        hyperparameters = {
            "num_round": 200,
            "eta": 0.1,
            "max_depth": 3,
            "eval_metric": "auc",
            "early_stopping_rounds": 10,
        }
        jobs = {
            count: studio.jobs.submit(
                _spec(
                    "xgboost-classifier", train, validation, count, hyperparameters=hyperparameters
                )
            )
            for count in (1, 2)
        }
        done = {count: studio.jobs.wait(job.id, timeout=240) for count, job in jobs.items()}
        logs = {count: studio.jobs.read_log(job.id).text for count, job in jobs.items()}
        for count in (1, 2):
            assert done[count].status == "Completed", (done[count].failure_reason, logs[count])
        assert "distributed training on 2 Dask worker(s)" in logs[2]
        assert "distributed" not in logs[1]
        # every round logged as SageMaker's XGBoost names it, on the run too
        assert "validation-auc:" in logs[2]
        assert "early stopping: the model keeps rounds" in logs[2]
        run = studio.experiments.get_run(done[2].run_id or "")
        assert run.metrics["validation:auc"] > 0.95
        # the same data held out: the two models rank it alike, and keep the labels
        single, spread = _auc(studio, jobs[1].id, held_out), _auc(studio, jobs[2].id, held_out)
        assert abs(single - spread) <= 0.01, (single, spread)
        model = load_builtin_model(Path(done[2].outputs["model"].removeprefix("file://")))
        assert set(model.predict(held_out.drop(columns=["target"]).head(20))) <= {
            "malignant",
            "benign",
        }
    finally:
        studio.close()


def test_lightgbm_on_two_workers_and_a_scikit_learn_algorithm_on_one(
    two_workers: Any, cancer_split: tuple[Path, Path, pd.DataFrame]
) -> None:
    train, validation, held_out = cancer_split
    studio = Studio(
        StudioConfig.resolve(job_executor="dask", dask_address=two_workers.scheduler_address)
    )
    try:
        boosted = studio.jobs.submit(
            _spec(
                "lightgbm-classifier",
                train,
                validation,
                2,
                hyperparameters={"num_boost_round": 60, "num_leaves": 8, "min_data_in_leaf": 5},
            )
        )
        forest = studio.jobs.submit(
            _spec(
                "random-forest-classifier",
                train,
                validation,
                2,
                hyperparameters={"n_estimators": 20},
            )
        )
        for job in (boosted, forest):
            done = studio.jobs.wait(job.id, timeout=240)
            assert done.status == "Completed", (
                done.failure_reason,
                studio.jobs.read_log(job.id).text,
            )
        assert "distributed training on 2 Dask worker(s)" in studio.jobs.read_log(boosted.id).text
        assert _auc(studio, boosted.id, held_out) > 0.95
        assert "random-forest-classifier cannot train distributed" in (
            studio.jobs.read_log(forest.id).text
        )
    finally:
        studio.close()


def test_on_the_local_executor_the_job_starts_a_cluster_of_its_own(
    studio: Studio, cancer_split: tuple[Path, Path, pd.DataFrame]
) -> None:
    train, validation, held_out = cancer_split
    job = studio.jobs.submit(
        _spec("xgboost-classifier", train, validation, 2, hyperparameters={"num_round": 30})
    )
    done = studio.jobs.wait(job.id, timeout=240)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    assert "starting a local Dask cluster of 2 workers" in log
    assert "distributed training on 2 Dask worker(s)" in log
    assert _auc(studio, job.id, held_out) > 0.95
