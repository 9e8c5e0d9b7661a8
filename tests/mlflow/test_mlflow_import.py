"""import-mlflow with data the real mlflow client produced: an mlruns folder and an MLflow
SQLite database; counts and values equal; a second import changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.mlflow_compat.importer import RUN_ID_TAG, import_mlflow
from jupyter_mlstudio.studio import Studio

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def source(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Log with the real client into a folder or a SQLite DB; yields (source, what was logged)."""
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    monkeypatch.chdir(tmp_path)  # a DB store's default artifact root is ./mlruns
    if request.param == "folder":  # MLflow 3 writes folder stores only when told
        monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = str(tmp_path / "mlruns") if request.param == "folder" else f"sqlite:///{tmp_path}/m.db"
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        mlflow.set_experiment("imported-exp")
        with mlflow.start_run(run_name="parent") as parent:
            mlflow.log_params({"alpha": 0.5, "kind": "ridge"})
            for step in range(5):
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            mlflow.set_tag("team", "blue")
            (tmp_path / "notes.txt").write_text("hello")
            mlflow.log_artifact(str(tmp_path / "notes.txt"))
            mlflow.log_dict({"a": 1}, "conf/c.json")
            with mlflow.start_run(run_name="child", nested=True) as child:
                mlflow.log_metric("acc", 0.9)
        rng = np.random.default_rng(1)
        X = pd.DataFrame({"a": rng.random(30), "b": rng.random(30)})
        y = (X.a > 0.5).astype(int)
        estimator = LogisticRegression().fit(X, y)
        with mlflow.start_run(run_name="trained") as trained:
            mlflow.sklearn.log_model(estimator, name="model", registered_model_name="clf")
        client = mlflow.MlflowClient()
        client.set_registered_model_alias("clf", "champion", "1")
        loss = client.get_metric_history(parent.info.run_id, "loss")
        yield (
            uri,
            {
                "parent": parent.info.run_id,
                "child": child.info.run_id,
                "trained": trained.info.run_id,
                "loss": [(m.step, m.value, m.timestamp) for m in loss],
                "X": X,
                "predictions": estimator.predict(X),
            },
        )
    finally:
        mlflow.set_tracking_uri(previous)
        mlflow.set_registry_uri("")


def _ours_by_mlflow_id(studio: Studio) -> dict[str, Any]:
    experiment = studio.stores.experiments.get_experiment_by_name("imported-exp")
    page = studio.stores.runs.search_runs([experiment.id], max_items=100)
    return {run.tags[RUN_ID_TAG]: run for run in page.items}


@pytest.mark.parametrize("source", ["folder", "sqlite"], indirect=True)
def test_import_copies_runs_artifacts_and_models_once(
    studio: Studio, source: tuple[str, dict[str, Any]]
) -> None:
    uri, logged = source
    summary = import_mlflow(studio, uri, progress=False)
    assert summary.runs_imported == 3
    assert summary.model_versions_imported == 1, summary.warnings
    runs = _ours_by_mlflow_id(studio)
    assert set(runs) == {logged["parent"], logged["child"], logged["trained"]}

    parent = runs[logged["parent"]]
    assert parent.name == "parent"
    assert parent.status == "FINISHED"
    assert parent.params == {"alpha": "0.5", "kind": "ridge"}
    assert parent.tags["team"] == "blue"
    assert runs[logged["child"]].parent_run_id == parent.id
    history = studio.stores.runs.get_metric_history(parent.id, "loss")
    assert [(m.step, m.value, round(m.timestamp * 1000)) for m in history] == logged["loss"]

    artifacts = studio.experiments.artifacts(parent.id)
    assert artifacts.open("notes.txt").read() == b"hello"
    assert json.loads(artifacts.open("conf/c.json").read()) == {"a": 1}

    version = studio.registry.get_version("clf", alias="champion")
    assert version.source_run_id == runs[logged["trained"]].id
    loaded = studio.registry.load("clf", version.version)
    assert (loaded.predict(logged["X"]) == logged["predictions"]).all()

    again = import_mlflow(studio, uri, progress=False)
    assert not again.changed
    assert again.runs_skipped == 3
    assert again.model_versions_skipped == 1
    assert len(_ours_by_mlflow_id(studio)) == 3
    assert len(studio.registry.list_versions("clf")) == 1


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_the_command_prints_a_summary_and_imports_once(
    studio: Studio, source: tuple[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    from jupyter_mlstudio.cli import main

    uri, _ = source
    assert main(["import-mlflow", uri, "--no-progress"]) == 0
    first = capsys.readouterr().out
    assert "Runs: 3 imported, 0 already imported" in first
    assert "Model versions: 1 imported" in first
    assert main(["import-mlflow", uri, "--no-progress"]) == 0
    second = capsys.readouterr().out
    assert "Runs: 0 imported, 3 already imported" in second
    assert "Nothing new" in second
    assert len(_ours_by_mlflow_id(studio)) == 3
    assert main(["import-mlflow", "/no/such/folder"]) == 1
    assert "not a folder" in capsys.readouterr().err
