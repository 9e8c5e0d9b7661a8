"""A real Jupyter server with our extension, for the real mlflow client (the fixtures in
this folder's conftest.py start it), and raw requests to its MLflow API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    url: str  # the MLflow tracking URI: …/mlstudio/mlflow
    token: str
    home: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def jupyter_server(base: Path, token: str = "mlflow-test-token") -> Iterator[Server]:
    """``jupyter server`` on a free port with its own MLSTUDIO_HOME under ``base``."""
    home, root = base / "home", base / "root"
    home.mkdir()
    root.mkdir()
    port = free_port()
    env = {**os.environ, "MLSTUDIO_HOME": str(home)}
    env.pop("MLSTUDIO_STORE_URI", None)
    log = base / "server.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter server did not start:\n{log.read_text()}")
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        yield Server(url=f"{url}/mlstudio/mlflow", token=token, home=home)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def mlflow_request(
    server: Server, method: str, path: str, body: bytes | None = None, token: bool = True
) -> tuple[int, dict[str, object]]:
    """One raw request to the MLflow API; (status, JSON body)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {server.token}"
    request = urllib.request.Request(
        f"{server.url}{path}", data=body, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
