"""Shared fixtures: every test gets its own MLSTUDIO_HOME and a real SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tornado.httpclient import HTTPResponse

from jupyter_mlstudio.config import ARTIFACT_URI_ENV, HOME_ENV, STORE_URI_ENV, StudioConfig
from jupyter_mlstudio.jobs.entities import ACTIVE_JOB_STATUSES
from jupyter_mlstudio.jobs.executors import LocalExecutor
from jupyter_mlstudio.studio import Studio, close_default

# Real Jupyter servers for the handler tests (jp_fetch, jp_serverapp).
pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(autouse=True)
def mlstudio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "mlstudio-home"
    monkeypatch.setenv(HOME_ENV, str(home))
    for var in (STORE_URI_ENV, ARTIFACT_URI_ENV):
        # setenv first so teardown also removes what a server started by the test set
        # (the extension exports its store to the kernels it starts)
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)
    yield home
    close_default()


# -- calling our REST API through a real Jupyter server --------------------------------
Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mlstudio", "api", "v1")


class Call(Protocol):
    """``await call("POST", "jobs", "training", body={...})`` → (status code, decoded body)."""

    def __call__(
        self,
        method: str,
        *path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        api: bool = True,
    ) -> Awaitable[tuple[int, Any]]: ...


async def call_api(
    jp_fetch: Fetch,
    method: str,
    *path: str,
    body: Any = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    api: bool = True,
) -> tuple[int, Any]:
    """One request under /mlstudio/api/v1 (``api=False``: under /mlstudio/endpoints, the
    serving proxy). ``body``: str or bytes are sent as they are, anything else as JSON; a
    POST, PATCH or PUT without one sends ``{}``. Never raises for an error status; the body
    comes back parsed as JSON, or as text when it is not JSON."""
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = body if isinstance(body, str | bytes) else json.dumps(body)
    elif method in ("POST", "PATCH", "PUT"):
        kwargs["body"] = b"{}"
    if params:
        kwargs["params"] = params
    if headers:
        kwargs["headers"] = headers
    response = await jp_fetch(*(API if api else ("mlstudio", "endpoints")), *path, **kwargs)
    text = response.body.decode() if response.body else ""
    try:
        return response.code, json.loads(text) if text else None
    except ValueError:
        return response.code, text


@pytest.fixture
def call(jp_fetch: Fetch) -> Call:
    """The REST helper of the handler tests, bound to this test's Jupyter server."""
    return functools.partial(call_api, jp_fetch)


# A process standing in for a server: it submits a processing job running the script
# named by its argument, prints the job's id, and lives until it is killed.
_JOB_OWNER = """
import json, sys
from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.jobs.specs import ProcessingSpec
studio = Studio.open()
job = studio.jobs.submit(ProcessingSpec(code=sys.argv[1]))
print(json.dumps({"id": job.id}), flush=True)
sys.stdin.read()  # live until killed
"""

JobOwnerStart = Callable[[Path], "tuple[subprocess.Popen[str], str]"]


@pytest.fixture
def start_job_owner() -> JobOwnerStart:
    """``owner, job_id = start_job_owner(script)``: another "server" process (on this
    test's MLSTUDIO_HOME) that has submitted a job running ``script``; kill it to see
    what a restarted server makes of the job."""

    def start(code: Path) -> tuple[subprocess.Popen[str], str]:
        owner = subprocess.Popen(
            [sys.executable, "-c", _JOB_OWNER, str(code)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        assert owner.stdout is not None
        return owner, json.loads(owner.stdout.readline())["id"]

    return start


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A real Dask ``LocalCluster`` (one worker process, two threads) shared by a test
    module's tests; skips when distributed is not installed."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


class JobWait(Protocol):
    """``await wait_job_ended(job_id)`` → the job's representation once it has ended."""

    def __call__(self, job_id: str, timeout: float = 120) -> Awaitable[dict[str, Any]]: ...


@pytest.fixture
def wait_job_ended(call: Call) -> JobWait:
    """Polls a job over REST until it is Completed, Failed or Stopped."""

    async def wait(job_id: str, timeout: float = 120) -> dict[str, Any]:
        for _ in range(int(timeout / 0.2)):
            status, job = await call("GET", "jobs", job_id)
            assert status == 200
            if job["status"] in ("Completed", "Failed", "Stopped"):
                return job  # type: ignore[no-any-return]
            await asyncio.sleep(0.2)
        raise AssertionError(f"job {job_id} did not end")

    return wait


# -- a studio whose jobs run as real processes (jobs, tuning) --------------------------
@pytest.fixture
def studio() -> Iterator[Studio]:
    """A studio on this test's home (four jobs at a time); after the test, job processes
    a failed test left behind are killed and the executor is waited for."""
    studio = Studio(StudioConfig.resolve(max_concurrent_jobs=4))
    yield studio
    for job in studio.stores.jobs.jobs_in(ACTIVE_JOB_STATUSES):
        if job.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(job.pid, signal.SIGKILL)
    executor = studio.jobs.executor
    if isinstance(executor, LocalExecutor):
        executor.wait_idle(timeout=60)
    studio.close()


@pytest.fixture
def cancer_rows() -> int | None:
    """How many rows of the breast-cancer data ``cancer_csv`` holds (None: all 569); a
    folder's conftest overrides it where smaller data is enough."""
    return None


@pytest.fixture
def cancer_csv(tmp_path: Path, cancer_rows: int | None) -> Path:
    """The breast-cancer data as a CSV with a ``target`` column."""
    from sklearn.datasets import load_breast_cancer  # only the tests that train need it

    frame = load_breast_cancer(as_frame=True).frame
    if cancer_rows is not None:
        frame = frame.sample(cancer_rows, random_state=0)
    path = tmp_path / "cancer.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a script into the test folder: ``script("train.py", source)``."""

    def write(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body).lstrip())
        return path

    return write


# -- PostgreSQL for the tests that run on both backends --------------------------------
@pytest.fixture(scope="session")
def postgres_uri() -> str | None:
    """The test database, or under pytest-xdist one database per worker on the same server
    (created on first use): workers emptying one shared database would race."""
    uri = os.environ.get("MLSTUDIO_TEST_POSTGRES_URI")  # set by scripts/with_postgres.sh
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not uri or not worker:
        return uri
    url = make_url(uri)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


#: what a ``webhook`` server received: each POST's headers (names lower-cased) and body
WebhookPosts = list[tuple[dict[str, str], bytes]]


@pytest.fixture
def webhook() -> Iterator[tuple[str, WebhookPosts]]:
    """A real HTTP server on loopback that records what is POSTed to it (monitor alerts,
    async inference notifications): yields its URL and the list of posts."""
    received: WebhookPosts = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            # header names are case-insensitive (urllib sends X-Mlstudio-Signature)
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()
