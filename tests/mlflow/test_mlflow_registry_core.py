"""The MLflow registry mapping on our registry: shapes, sources, aliases, tags, search,
stages, and what is refused with a message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from jupyter_mlstudio.mlflow_compat.artifacts import proxy_path, run_artifact_uri
from jupyter_mlstudio.mlflow_compat.registry import MlflowRegistry, parse_filter
from jupyter_mlstudio.studio import Studio

mlflow_sklearn = pytest.importorskip("mlflow.sklearn")


@pytest.fixture
def run_with_model(studio: Studio, tmp_path: Path) -> str:
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    mlflow_sklearn.save_model(LinearRegression().fit(X, X.a * 3), str(tmp_path / "m"))
    experiment = studio.stores.experiments.create_experiment("mlflow-registry")
    run = studio.stores.runs.create_run(experiment.id, name="trained")
    studio.experiments.artifacts(run.id).put_dir(tmp_path / "m", "model")
    return run.id


def test_versions_from_run_and_proxy_sources(studio: Studio, run_with_model: str) -> None:
    reg = MlflowRegistry(studio)
    created = reg.create_model("clf", "my model", {"team": "blue"})
    assert created["name"] == "clf"
    assert created["tags"] == [{"key": "team", "value": "blue"}]
    assert created["latest_versions"] == []
    with pytest.raises(AlreadyExistsError):
        reg.create_model("clf")

    v1 = reg.create_version("clf", f"runs:/{run_with_model}/model", tags={"k": "v"})
    assert v1["version"] == "1"
    assert v1["run_id"] == run_with_model
    assert v1["status"] == "READY"
    assert v1["source"] == f"runs:/{run_with_model}/model"
    assert v1["tags"] == [{"key": "k", "value": "v"}]
    run = studio.stores.runs.get_run(run_with_model)
    v2 = reg.create_version("clf", run_artifact_uri(studio.config.artifact_uri, run) + "/model")
    assert v2["version"] == "2"
    assert v2["run_id"] == run_with_model  # the run is recovered from the proxy path

    reg.set_alias("clf", "champion", "1")
    assert reg.get_by_alias("clf", "champion")["version"] == "1"
    assert reg.get_model("clf")["aliases"] == [{"alias": "champion", "version": "1"}]
    assert reg.get_model("clf")["latest_versions"][0]["version"] == "2"
    reg.delete_alias("clf", "champion")
    with pytest.raises(NotFoundError):
        reg.get_by_alias("clf", "champion")

    # The download URI goes back through the proxy to the stored folder, MLmodel included.
    uri = reg.download_uri("clf", 1)
    assert uri.startswith("mlflow-artifacts:/models/")
    names = {f["path"] for f in reg.proxy.list(proxy_path(uri))["files"]}
    assert {"MLmodel", "model.skops", "metadata.json"} <= names

    reg.set_version_tag("clf", "1", "approved", "yes")
    reg.delete_version_tag("clf", "1", "k")
    assert reg.get_version("clf", "1")["tags"] == [{"key": "approved", "value": "yes"}]
    assert reg.update_version("clf", "1", "first")["description"] == "first"

    staged = reg.transition_stage("clf", "1", "production")
    assert staged["current_stage"] == "Production"
    reg.transition_stage("clf", "2", "Production", archive_existing=True)
    assert reg.get_version("clf", "1")["current_stage"] == "Archived"
    assert [v["version"] for v in reg.latest_versions("clf", ["Production"])] == ["2"]

    found = reg.search_versions(f"name='clf' and run_id='{run_with_model}'")
    assert sorted(v["version"] for v in found["model_versions"]) == ["1", "2"]
    assert reg.search_versions("tags.approved = 'yes'")["model_versions"][0]["version"] == "1"


def test_model_search_tags_and_refusals(studio: Studio, run_with_model: str) -> None:
    reg = MlflowRegistry(studio)
    for name in ("alpha", "beta", "Alpine"):
        reg.create_model(name)
    reg.set_model_tag("beta", "env", "prod")
    assert [m["name"] for m in reg.search_models("name LIKE 'al%'")["registered_models"]] == [
        "alpha"
    ]
    assert [m["name"] for m in reg.search_models("name ILIKE 'al%'")["registered_models"]] == [
        "Alpine",
        "alpha",
    ]
    assert [m["name"] for m in reg.search_models("tags.env = 'prod'")["registered_models"]] == [
        "beta"
    ]
    page = reg.search_models(None, max_results=2)
    assert len(page["registered_models"]) == 2
    rest = reg.search_models(None, max_results=2, page_token=page["next_page_token"])
    assert len(rest["registered_models"]) == 1 and "next_page_token" not in rest
    reg.delete_model_tag("beta", "env")
    with pytest.raises(NotFoundError):
        reg.delete_model_tag("beta", "env")

    with pytest.raises(InvalidArgumentError, match="Renaming"):
        reg.rename_model("alpha", "gamma")
    with pytest.raises(NotFoundError):
        reg.rename_model("nope", "gamma")
    reg.create_version("alpha", f"runs:/{run_with_model}/model")
    with pytest.raises(InvalidArgumentError, match="single model version"):
        reg.delete_version("alpha", "1")
    with pytest.raises(InvalidArgumentError, match="No run"):
        reg.create_version("alpha", "runs:/missing/model")
    with pytest.raises(InvalidArgumentError, match="logged model"):
        reg.create_version("alpha", "models:/m-123")
    with pytest.raises(InvalidArgumentError, match="must be a number"):
        reg.get_version("alpha", "one")
    with pytest.raises(InvalidArgumentError, match="Unsupported filter"):
        parse_filter("name > 'a'")
    reg.delete_model("alpha")
    with pytest.raises(NotFoundError):
        reg.get_model("alpha")
