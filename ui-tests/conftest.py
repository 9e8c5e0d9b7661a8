"""Browser-test fixtures: a real JupyterLab server with ML Studio, driven in Debian's chromium.

The server runs in its own process with throwaway settings, workspaces, root folder and
MLSTUDIO_HOME; pytest-playwright provides ``page`` and we point it at the server.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# The browser tests run two modules at a time on two cores (`make test-ui`): an assertion
# waits up to 15 s for the page to get there, not Playwright's 5 s default, so a busy
# moment of the other module's lab does not fail this one. Passing tests do not wait longer.
expect.set_options(timeout=15_000)


@dataclass
class Lab:
    url: str
    token: str
    home: Path
    root: Path
    log: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.url}mlstudio/api/v1/{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        # 30 s: a set-up call (deploying, ingesting) can take a while on a busy machine
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def kernels(self) -> list[dict[str, Any]]:
        """Jupyter Server's running kernels (GET /api/kernels)."""
        request = urllib.request.Request(
            f"{self.url}api/kernels", headers={"Authorization": f"token {self.token}"}
        )
        for attempt in range(20):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    kernels: list[dict[str, Any]] = json.loads(response.read())
                    return kernels
            except urllib.error.HTTPError as error:
                # Jupyter Server answers 500 while a kernel it lists is still starting
                # (kernel_model reads last_activity before start_kernel has set it).
                if error.code < 500 or attempt == 19:
                    raise
                time.sleep(0.25)
        raise AssertionError("unreachable")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_lab(
    tmp: Path, name: str, extra_args: tuple[str, ...] = ()
) -> tuple[Lab, subprocess.Popen[bytes]]:
    base = tmp / name
    settings, workspaces, root, home = (
        base / d for d in ("settings", "workspaces", "root", "home")
    )
    for folder in (settings, workspaces, root, home):
        folder.mkdir(parents=True)
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = _free_port(), f"uitest-{name}"
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "MLSTUDIO_HOME": str(home),
    }
    env.pop("MLSTUDIO_STORE_URI", None)
    log = base / "server.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0",
            *extra_args,
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    lab = Lab(url=f"http://127.0.0.1:{port}/", token=token, home=home, root=root, log=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{lab.url}api/status?token={token}", timeout=2)
            return lab, proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"JupyterLab did not start in 90 s:\n{log.read_text()}")


def stop_lab(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("lab"), "main")
    yield server
    stop_lab(proc)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors
