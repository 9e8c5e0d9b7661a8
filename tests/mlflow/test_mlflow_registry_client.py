"""The real mlflow client against a real Jupyter server with our extension: registry calls,
the artifact proxy, models:/name@alias loading, MLflow's error shapes and auth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow_server import Server, mlflow_request

from jupyter_mlstudio.mlflow_compat.artifacts import run_artifact_uri
from jupyter_mlstudio.studio import Studio

mlflow = pytest.importorskip("mlflow")


def test_register_alias_and_load_through_the_client(
    client: object, studio_of: Studio, tmp_path: Path
) -> None:
    import mlflow.sklearn
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from sklearn.linear_model import LogisticRegression

    assert isinstance(client, MlflowClient)
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.random(50), "b": rng.random(50)})
    estimator = LogisticRegression().fit(X, (X.a > X.b).astype(int))
    mlflow.sklearn.save_model(estimator, str(tmp_path / "model"), input_example=X.head(2))
    experiment = studio_of.stores.experiments.create_experiment("registry-client")
    run = studio_of.stores.runs.create_run(experiment.id, name="trained")

    # The artifact proxy: upload the model folder into the run, list it, read it back.
    run_uri = run_artifact_uri(studio_of.config.artifact_uri, run)
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    repo = get_artifact_repository(run_uri)
    repo.log_artifacts(str(tmp_path / "model"), "model")
    assert {f.path for f in repo.list_artifacts("model")} >= {"model/MLmodel", "model/model.skops"}
    ours = studio_of.experiments.artifacts(run.id)
    assert (ours.open("model/MLmodel").read()) == (tmp_path / "model" / "MLmodel").read_bytes()
    fetched = mlflow.artifacts.download_artifacts(
        f"{run_uri}/model/MLmodel", dst_path=str(tmp_path / "dl")
    )
    assert Path(fetched).read_bytes() == (tmp_path / "model" / "MLmodel").read_bytes()

    client.create_registered_model("clf", tags={"team": "blue"}, description="a classifier")
    with pytest.raises(MlflowException) as exists:
        client.create_registered_model("clf")
    assert exists.value.error_code == "RESOURCE_ALREADY_EXISTS"
    version = client.create_model_version("clf", f"{run_uri}/model", run_id=run.id)
    assert version.version == "1"
    assert version.run_id == run.id
    client.set_registered_model_alias("clf", "champion", "1")
    assert client.get_model_version_by_alias("clf", "champion").version == "1"
    found = client.search_registered_models(filter_string="name LIKE 'cl%'")
    assert [m.name for m in found] == ["clf"]
    assert found[0].tags == {"team": "blue"}
    assert [v.version for v in client.search_model_versions("name='clf'")] == ["1"]
    client.set_model_version_tag("clf", "1", "checked", "yes")
    assert client.get_model_version("clf", "1").tags == {"checked": "yes"}

    loaded = mlflow.pyfunc.load_model("models:/clf@champion")
    assert (np.asarray(loaded.predict(X)) == estimator.predict(X)).all()
    assert (mlflow.sklearn.load_model("models:/clf/1").predict(X) == estimator.predict(X)).all()

    # The same version in our registry.
    ours_version = studio_of.registry.get_version("clf", alias="champion")
    assert ours_version.source_run_id == run.id
    assert (studio_of.registry.load("clf", 1).predict(X) == estimator.predict(X)).all()

    with pytest.raises(MlflowException) as missing:
        client.get_registered_model("nope")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_errors_in_mlflows_shape(server: Server) -> None:
    status, body = mlflow_request(server, "GET", "/api/2.0/mlflow/registered-models/frobnicate")
    assert (status, body["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
    status, body = mlflow_request(
        server, "POST", "/api/2.0/mlflow/registered-models/create", b"{no"
    )
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    status, body = mlflow_request(server, "POST", "/api/2.0/mlflow/registered-models/create", b"{}")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "name" in str(body["message"])
    status, body = mlflow_request(
        server, "GET", "/api/2.0/mlflow/registered-models/get?name=x", token=False
    )
    assert status in (401, 403)
    status, _ = mlflow_request(
        server, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=x", token=False
    )
    assert status in (401, 403)
    status, body = mlflow_request(
        server, "GET", "/api/2.0/mlflow-artifacts/artifacts/../../etc/passwd"
    )
    assert status in (400, 404)


def test_logged_models_live_in_their_run_and_register(
    client: object, studio_of: Studio, tmp_path: Path
) -> None:
    import mlflow.sklearn
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelStatus
    from mlflow.exceptions import MlflowException
    from sklearn.linear_model import LinearRegression

    assert isinstance(client, MlflowClient)
    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    estimator = LinearRegression().fit(X, X.a * 2 + X.b)
    mlflow.sklearn.save_model(estimator, str(tmp_path / "model"))
    experiment = studio_of.stores.experiments.create_experiment("logged-models")
    run = studio_of.stores.runs.create_run(experiment.id, name="producer")

    model = client.create_logged_model(
        experiment.id, name="model", source_run_id=run.id, params={"alpha": "1"}, tags={"t": "v"}
    )
    assert model.status == LoggedModelStatus.PENDING
    assert model.source_run_id == run.id
    assert model.params == {"alpha": "1"}
    client.log_model_artifacts(model.model_id, str(tmp_path / "model"))
    client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    client.set_logged_model_tags(model.model_id, {"u": "w"})
    client.delete_logged_model_tag(model.model_id, "t")
    got = client.get_logged_model(model.model_id)
    assert got.status == LoggedModelStatus.READY
    assert got.tags == {"u": "w"}
    # The files are the run's artifacts under the model's name.
    names = {a.path for a in studio_of.experiments.artifacts(run.id).list("model")}
    assert {"model/MLmodel", "model/model.skops"} <= names
    found = client.search_logged_models(
        experiment_ids=[experiment.id], filter_string="name = 'model'"
    )
    assert [m.model_id for m in found] == [model.model_id]
    assert list(client.search_logged_models([experiment.id], filter_string="name = 'x'")) == []

    loaded = mlflow.pyfunc.load_model(f"models:/{model.model_id}")
    assert np.allclose(loaded.predict(X), estimator.predict(X))
    client.create_registered_model("from-logged")
    version = client.create_model_version(
        "from-logged", f"models:/{model.model_id}", run_id=run.id, model_id=model.model_id
    )
    assert version.run_id == run.id
    assert np.allclose(
        mlflow.sklearn.load_model("models:/from-logged/1").predict(X), estimator.predict(X)
    )

    with pytest.raises(MlflowException) as outside:
        client.create_logged_model(experiment.id, name="loose")
    assert outside.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "inside a run" in outside.value.message
    client.delete_logged_model(model.model_id)
    with pytest.raises(MlflowException) as gone:
        client.get_logged_model(model.model_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"
