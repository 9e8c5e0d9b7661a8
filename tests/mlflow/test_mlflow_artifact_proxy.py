"""The mlflow-artifacts proxy core: the URIs the tracking side hands MLflow map back onto
the same run folder our REST and SDK read."""

from __future__ import annotations

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.mlflow_compat.artifacts import (
    MlflowArtifactProxy,
    mlflow_artifact_uri,
    proxy_path,
    run_artifact_uri,
)
from jupyter_mlstudio.studio import Studio


def test_a_run_uploaded_through_the_proxy_is_the_runs_artifacts(studio: Studio) -> None:
    root = studio.config.artifact_uri
    experiment = studio.stores.experiments.create_experiment("proxy")
    run = studio.stores.runs.create_run(experiment.id, name="r")
    uri = run_artifact_uri(root, run)
    assert uri == f"mlflow-artifacts:/experiments/{experiment.id}/runs/{run.id}/artifacts"
    proxy = MlflowArtifactProxy(root, studio.stores.runs)
    base = proxy_path(uri)
    proxy.upload(f"{base}/plots/a.txt", b"hello")
    proxy.upload(f"{base}/top.json", b"{}")

    # Our own view of the run sees what MLflow logged.
    ours = studio.experiments.artifacts(run.id)
    assert {a.path for a in ours.list()} == {"plots", "top.json"}
    assert ours.open("plots/a.txt").read() == b"hello"

    assert proxy.list(base) == {
        "files": [
            {"path": "plots", "is_dir": True},
            {"path": "top.json", "is_dir": False, "file_size": 2},
        ]
    }
    assert proxy.list(f"{base}/plots/a.txt") == {
        "files": [{"path": "a.txt", "is_dir": False, "file_size": 5}]
    }
    assert proxy.list(f"{base}/nothing") == {"files": []}
    assert b"".join(proxy.iter_chunks(f"{base}/plots/a.txt")) == b"hello"
    with pytest.raises(NotFoundError):
        proxy.open(f"{base}/plots")

    proxy.delete(f"{base}/plots")
    assert {a.path for a in ours.list()} == {"top.json"}


def test_a_run_outside_the_root_is_reached_by_its_id(studio: Studio, tmp_path) -> None:
    experiment = studio.stores.experiments.create_experiment("elsewhere")
    run = studio.stores.runs.create_run(experiment.id)
    elsewhere = (tmp_path / "custom").as_uri()
    assert mlflow_artifact_uri("file:///nowhere", elsewhere, run.id) == (
        f"mlflow-artifacts:/runs/{run.id}"
    )
    with pytest.raises(InvalidArgumentError, match="outside the artifact root"):
        mlflow_artifact_uri("file:///nowhere", elsewhere)
    proxy = MlflowArtifactProxy(studio.config.artifact_uri, studio.stores.runs)
    proxy.upload(f"runs/{run.id}/m.txt", b"x")
    assert studio.experiments.artifacts(run.id).open("m.txt").read() == b"x"


def test_paths_cannot_leave_the_root(studio: Studio) -> None:
    proxy = MlflowArtifactProxy(studio.config.artifact_uri, studio.stores.runs)
    for bad in ("../x", "a/../../x", "mlflow-artifacts:/../etc/passwd"):
        with pytest.raises(InvalidArgumentError):
            proxy.upload(proxy_path(bad) if bad.startswith("mlflow") else bad, b"")
    with pytest.raises(InvalidArgumentError):
        proxy.delete("")
    assert proxy_path("mlflow-artifacts://host:5000/a/b") == "a/b"
    # The registry's versions cannot be changed through MLflow (their content is hashed).
    for write in (
        lambda: proxy.upload("models/abc/model.skops", b"x"),
        lambda: proxy.delete("models/abc"),
    ):
        with pytest.raises(InvalidArgumentError, match="read-only"):
            write()
