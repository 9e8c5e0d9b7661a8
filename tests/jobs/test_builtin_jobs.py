"""Built-in algorithms as jobs, and the input checks that refuse a job before it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.builtin import load_builtin_model
from jupyter_mlstudio.jobs.specs import TrainingSpec
from jupyter_mlstudio.studio import Studio


def test_random_forest_job_logs_metrics_and_model_to_its_run(
    studio: Studio, cancer_csv: Path, tmp_path: Path
) -> None:
    job = studio.jobs.submit(
        TrainingSpec(
            algorithm="random-forest-classifier",
            hyperparameters={"n_estimators": "25", "max_depth": 5},  # text, as SageMaker sends
            channels={"train": str(cancer_csv)},
            target="target",
            experiment="cancer",
        )
    )
    assert job.spec["hyperparameters"]["n_estimators"] == 25  # normalized at submit
    done = studio.jobs.wait(job.id, timeout=120)
    assert done.status == "Completed", (done.failure_reason, studio.jobs.read_log(job.id).text)
    assert done.progress == 1.0
    assert done.run_id is not None
    run = studio.experiments.get_run(done.run_id)
    assert studio.experiments.get_experiment(run.experiment_id).name == "cancer"
    assert run.status == "FINISHED"
    assert run.params["algorithm"] == "random-forest-classifier"
    assert run.params["target"] == "target" and run.params["n_estimators"] == "25"
    assert run.metrics["validation:accuracy"] > 0.9
    assert {"validation:f1", "validation:roc_auc", "validation:log_loss"} <= set(run.metrics)
    repo = ArtifactRepository(run.artifact_uri)
    assert {a.name for a in repo.list("model")} == {"model.skops", "metadata.json"}
    root = ArtifactRepository(done.artifact_uri).local_path
    assert root is not None
    model = load_builtin_model(root / "model")
    assert model.predict(
        __import__("pandas").read_csv(cancer_csv).drop(columns="target")
    ).shape == (569,)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"algorithm": "gradient-magic"}, "unknown algorithm 'gradient-magic'"),
        ({"hyperparameters": {"n_estimators": 0}}, "n_estimators"),
        ({"hyperparameters": {"n_estimators": "lots"}}, "n_estimators"),
        ({"hyperparameters": {"learning_rate": 0.1}}, "unknown hyperparameter 'learning_rate'"),
        ({"target": "diagnosis"}, "column 'diagnosis' is not in the training data"),
        ({"target": None}, "needs a target column"),
        ({"channels": {"train": "/no/such/file.csv"}}, "does not exist"),
    ],
    ids=["algorithm", "range", "type", "unknown-hp", "target", "no-target", "missing-data"],
)
def test_bad_training_input_is_refused_before_anything_runs(
    studio: Studio, cancer_csv: Path, changes: dict[str, object], message: str
) -> None:
    spec = {
        "algorithm": "random-forest-classifier",
        "channels": {"train": str(cancer_csv)},
        "target": "target",
    } | changes
    with pytest.raises(InvalidArgumentError, match=message):
        studio.jobs.submit(TrainingSpec.model_validate(spec))
    assert studio.stores.jobs.count_jobs() == 0


def test_unreadable_data_is_refused_or_fails_with_a_message(studio: Studio, tmp_path: Path) -> None:
    # not a CSV inside: the header check catches it at submit
    blob = tmp_path / "data.csv"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InvalidArgumentError, match=r"data\.csv"):
        studio.jobs.submit(
            TrainingSpec(algorithm="ridge", channels={"train": str(blob)}, target="y")
        )
    # a header that is fine over rows that are not: the job fails and says why
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("x,y\n1,2\n3,4,5,6\n")
    job = studio.jobs.submit(
        TrainingSpec(algorithm="ridge", channels={"train": str(ragged)}, target="y")
    )
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Failed"
    assert done.failure_reason is not None and "ragged.csv" in done.failure_reason
