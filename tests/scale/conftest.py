"""An S3 API for the scale-out tests: moto's S3 server in its own process, reached through
s3fs exactly as a team's object storage would be."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

BUCKET = "mlstudio-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server as a separate process on loopback; yields its URL. One per test
    session: s3fs caches its filesystems across modules, so a second server on another
    port would leave a later module talking to the first, stopped one."""
    pytest.importorskip("moto")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                break
        except OSError:
            assert process.poll() is None, "moto's S3 server did not start"
            assert time.monotonic() < deadline, "moto's S3 server did not answer"
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment a user sets for S3 (job and endpoint processes inherit it), with
    the test bucket there; returns the server's URL."""
    s3fs = pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_server})
    if not fs.exists(BUCKET):
        fs.mkdir(BUCKET)
    return s3_server


@pytest.fixture
def s3_fs(s3_env: str) -> Any:
    """An s3fs filesystem of the test's own (not s3fs's cached instance) on the server:
    a client apart from the studio's, to put objects there and look at what it wrote."""
    s3fs = pytest.importorskip("s3fs")
    return s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_env}, skip_instance_cache=True)
