from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.config import HOME_ENV, StudioConfig
from jupyter_mlstudio.studio import Studio

Event = dict[str, Any]
RESOURCE_CHANGED = "https://events.jupyter.org/jupyter_mlstudio/resource_changed/v1"


@pytest.fixture
def resource_events(jp_serverapp: Any) -> list[Event]:
    """The ``resource_changed`` events this test's server emits, appended as they come."""
    seen: list[Event] = []

    async def listener(logger: Any, schema_id: str, data: Event) -> None:
        seen.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=RESOURCE_CHANGED, listener=listener)
    return seen


@pytest.fixture
def no_endpoint_left_behind(mlstudio_home: Path) -> Iterator[None]:
    """After the test, kill every endpoint process its store still records (a failed test
    must not leave serving processes behind)."""
    yield
    studio = Studio(StudioConfig.resolve(home=mlstudio_home))
    try:
        for endpoint in studio.endpoints.store.all():
            if endpoint.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(endpoint.pid, signal.SIGKILL)
    finally:
        studio.close()


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}}}


@dataclass(frozen=True)
class LiveServer:
    """A real ``jupyter server`` process with the extension, on a free local port."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        return f"{self.url}/mlstudio/api/v1"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(
    root: Path, home: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """Start the server (what a user's ``jupyter lab`` runs, minus the frontend) and stop
    it, and only it, at the end."""
    port, token = _free_port(), secrets.token_hex(16)
    root.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.jpserver_extensions={'jupyter_mlstudio': True}",
        "--MLStudio.watch_interval=0",
        *args,
    ]
    environment = {**os.environ, HOME_ENV: str(home), **(env or {})}
    log = (home.parent / f"server-{port}.log").open("wb")
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", token, root, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log.name}")
            try:
                request = urllib.request.Request(f"{server.api}/status", headers=server.headers)
                with urllib.request.urlopen(request, timeout=5):
                    break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def start_live_server() -> Callable[..., AbstractContextManager[LiveServer]]:
    """``with start_live_server(root, home, *server_args) as server: ...``"""
    return live_server
