"""Fixtures for the real mlflow client: a Jupyter server with our extension per test
module, the client pointed at it, and our own view of the same store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mlflow_server import Server, jupyter_server

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.studio import Studio


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with jupyter_server(tmp_path_factory.mktemp("mlflow-server")) as running:
        yield running


@pytest.fixture
def client(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """``mlflow`` pointed at the server with only the tracking URI and the token."""
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", server.token)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(server.url)
    mlflow.set_registry_uri(server.url)
    try:
        yield mlflow.MlflowClient(tracking_uri=server.url, registry_uri=server.url)
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(previous)
        mlflow.set_registry_uri("")


@pytest.fixture
def studio_of(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    """Our own view of the server's store (the same SQLite database and artifact folder)."""
    monkeypatch.setenv("MLSTUDIO_HOME", str(server.home))
    monkeypatch.delenv("MLSTUDIO_STORE_URI", raising=False)
    studio = Studio(StudioConfig.resolve())
    yield studio
    studio.close()
