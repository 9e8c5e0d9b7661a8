"""``jupyter mlstudio mlflow-server``: the MLflow API without JupyterLab, as a real process,
driven by the real mlflow client; a token unless ``--no-auth`` on a loopback address."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from mlflow_server import free_port

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.studio import Studio

mlflow = pytest.importorskip("mlflow")
CLI = [sys.executable, "-m", "jupyter_mlstudio.cli", "mlflow-server"]


@contextmanager
def mlflow_server(home: Path, *args: str) -> Iterator[tuple[str, str]]:
    """The command running with ``args``; (tracking URI, the first lines it printed)."""
    port = free_port()
    env = {**os.environ, "MLSTUDIO_HOME": str(home)}
    env.pop("MLSTUDIO_STORE_URI", None)
    log = home / f"mlflow-server-{port}.log"
    proc = subprocess.Popen(
        [*CLI, "--port", str(port), *args],
        env=env,
        cwd=home,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/mlstudio/mlflow"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow-server did not start:\n{log.read_text()}")
            try:
                urllib.request.urlopen(f"{url}/api/3.0/mlflow/server-info", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers (401 without a token)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        yield url, log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def reset_mlflow() -> Iterator[None]:
    previous = mlflow.get_tracking_uri()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(previous)


def _log_a_run(url: str) -> str:
    mlflow.set_tracking_uri(url)
    mlflow.set_experiment("from-a-process")
    with mlflow.start_run(run_name="outside") as run:
        mlflow.log_param("where", "cli")
        mlflow.log_metric("score", 0.5, step=1)
    return str(run.info.run_id)


def test_a_token_is_required_and_the_store_is_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reset_mlflow: None
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with mlflow_server(tmp_path, "--token", "cli-secret") as (url, printed):
        assert f"MLFLOW_TRACKING_URI={url}" in printed
        assert "MLFLOW_TRACKING_TOKEN=cli-secret" in printed
        monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
        with pytest.raises(mlflow.exceptions.MlflowException) as refused:
            _log_a_run(url)
        assert refused.value.get_http_status_code() in (401, 403)
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "cli-secret")
        run_id = _log_a_run(url)
    monkeypatch.setenv("MLSTUDIO_HOME", str(tmp_path))
    monkeypatch.delenv("MLSTUDIO_STORE_URI", raising=False)
    studio = Studio(StudioConfig.resolve())
    try:
        run = studio.experiments.get_run(run_id)
        assert run.params["where"] == "cli" and run.metrics["score"] == 0.5
    finally:
        studio.close()


def test_no_auth_only_on_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reset_mlflow: None
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with mlflow_server(tmp_path, "--no-auth") as (url, printed):
        assert "no token" in printed
        assert _log_a_run(url)
    refused = subprocess.run(
        [*CLI, "--no-auth", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "only allowed on a loopback address" in refused.stderr
