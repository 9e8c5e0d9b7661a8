"""Starting and stopping an endpoint process from Python (the tests, the endpoint
manager): write the config, run ``python -m jupyter_mlstudio.serving``, wait for its
ready line, and stop it with SIGTERM (then SIGKILL to its whole process group)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import ErrorCode, MLStudioError
from ..processes import process_running
from .config import EndpointConfig


class EndpointStartError(MLStudioError):
    """The endpoint process did not become ready; the message says why."""

    code = ErrorCode.UNAVAILABLE


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class EndpointProcess:
    """One endpoint server process.

    ``workdir`` holds ``endpoint.json``, ``endpoint.log`` and the process's ``runtime/``
    files (a temporary folder, removed on ``stop``, when not given); ``env`` replaces the
    environment the process gets (the store and artifact locations come from it)."""

    def __init__(
        self,
        config: EndpointConfig,
        *,
        workdir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        python: str | None = None,
    ) -> None:
        self.config = config
        self.env = dict(env) if env is not None else None
        self.python = python or sys.executable
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else None
        self._log_path = Path(log_path) if log_path is not None else None
        self.process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self._log: IO[bytes] | None = None

    # -- life ---------------------------------------------------------------------------
    def start(
        self, timeout: float | None = None, on_started: Callable[[int], object] | None = None
    ) -> EndpointProcess:
        """Start the process and wait until every worker serves (or raise
        :class:`EndpointStartError` with the reason and the log's last lines).
        ``on_started`` gets the process's pid before the wait: whoever records it can find
        the process if this one dies while it starts."""
        if self.process is not None:
            raise RuntimeError("This endpoint process was started already.")
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix=f"mlstudio-endpoint-{self.config.name}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.ready_path.unlink()  # a previous life's
        config_path = self.config.save(self.workdir / "endpoint.json")
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it until stop
        self.process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [
                self.python,
                "-m",
                "jupyter_mlstudio.serving",
                "--config",
                str(config_path),
                "--runtime-dir",
                str(self.workdir / "runtime"),
                "--ready-file",
                str(self.ready_path),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=self.env,
            start_new_session=True,  # its own process group: stop() can end every worker
        )
        if on_started is not None:
            try:
                on_started(self.process.pid)
            except BaseException:
                self.stop()
                raise
        deadline = time.monotonic() + (timeout or self.config.startup_timeout + 10)
        try:
            self.info = self._read_ready(deadline)
        except EndpointStartError:
            self.stop()
            raise
        return self

    def _read_ready(self, deadline: float) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EndpointStartError(
                        f"Endpoint {self.config.name!r} was not ready in time.{self._tail()}"
                    )
                if selector.select(min(remaining, 0.5)):
                    chunk = os.read(stdout.fileno(), 65536)
                    if not chunk:
                        code = self.process.wait()
                        raise EndpointStartError(
                            f"Endpoint {self.config.name!r} exited with code {code} before it "
                            f"was ready.{self._tail()}"
                        )
                    buffer += chunk
        try:
            info: dict[str, Any] = json.loads(buffer.split(b"\n", 1)[0])
        except ValueError:
            raise EndpointStartError(
                f"Endpoint {self.config.name!r} wrote {buffer[:200]!r} instead of its ready "
                f"line.{self._tail()}"
            ) from None
        if not info.get("ready"):
            raise EndpointStartError(
                f"Endpoint {self.config.name!r} did not start: {info.get('error', 'no reason')}"
            )
        return info

    def _tail(self, chars: int = 3000) -> str:
        try:
            text = self.log_path.read_bytes()[-chars:].decode("utf-8", "replace")
        except OSError:
            return ""
        return f"\nLast lines of {self.log_path}:\n{text}" if text.strip() else ""

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM (the workers drain), then SIGKILL to the whole group after
        ``timeout`` (default: the drain time plus a margin). The exit code."""
        process = self.process
        code = None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout or self.config.drain_seconds + 10)
            except subprocess.TimeoutExpired:  # still alive, so the group is still its own
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                code = process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return code

    def detach(self) -> dict[str, Any]:
        """Let the started process live on by itself (an endpoint runs until deleted):
        close this side's pipe and log handles. The ready info."""
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        self._own_workdir = False
        return self.info

    def update(self, config: EndpointConfig, timeout: float | None = None) -> dict[str, Any]:
        """Roll the workers over to ``config`` with no request dropped (see
        :func:`update_endpoint`); the new ready info."""
        assert self.process is not None and self.workdir is not None, "start() first"
        self.info = update_endpoint(self.workdir, self.pid, config, timeout=timeout)
        self.config = config
        return self.info

    @property
    def ready_path(self) -> Path:
        assert self.workdir is not None, "start() first"
        return ready_path(self.workdir, self.config)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> EndpointProcess:
        return self.start() if self.process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- facts -------------------------------------------------------------------------
    @property
    def log_path(self) -> Path:
        if self._log_path is not None:
            return self._log_path
        assert self.workdir is not None, "start() first"
        return self.workdir / "endpoint.log"

    @property
    def pid(self) -> int:
        assert self.process is not None, "start() first"
        return self.process.pid

    @property
    def host(self) -> str:
        return str(self.info.get("host", self.config.host))

    @property
    def port(self) -> int:
        return int(self.info["port"])

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def token(self) -> str | None:
        return self.config.token

    @property
    def worker_pids(self) -> list[int]:
        """The workers at start-up (restarted ones: ``metrics()["workers"]``)."""
        return [int(p) for p in self.info.get("workers", [])]

    # -- talking to it ---------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 30.0,
        authenticate: bool = True,
    ) -> Response:
        """One HTTP request on a new connection. A body that is not bytes or text is sent
        as JSON."""
        sent = {**(self.auth_headers() if authenticate else {}), **(headers or {})}
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        host = self.url.split("://", 1)[1].rsplit(":", 1)[0].strip("[]")
        connection = http.client.HTTPConnection(host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            reply = connection.getresponse()
            return Response(
                reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
            )
        finally:
            connection.close()

    def predict(self, payload: Any, content_type: str = "application/json") -> list[Any]:
        """``POST /invocations`` → the predictions; an HTTP error raises ``RuntimeError``
        with the server's message."""
        reply = self.request("POST", "/invocations", payload, {"Content-Type": content_type})
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}: {reply.body.decode('utf-8', 'replace')}")
        predictions: list[Any] = reply.json()["predictions"]
        return predictions

    def metrics(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/metrics").json()
        return result


def ready_path(workdir: str | os.PathLike[str], config: EndpointConfig) -> Path:
    """Where the process writes its ready info (again after each update)."""
    return Path(config.ready_file) if config.ready_file else Path(workdir) / "ready.json"


def read_ready_file(path: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return info


def update_endpoint(
    workdir: str | os.PathLike[str],
    pid: int,
    config: EndpointConfig,
    *,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Rolling update of the endpoint process ``pid`` whose files are in ``workdir``:
    write the new config, SIGHUP, and wait until the ready file names the next
    generation. Raises :class:`EndpointStartError` with the reason if the new workers
    could not start (the old ones keep serving) or the process is gone."""
    folder = Path(workdir)
    ready = ready_path(folder, config)
    before = read_ready_file(ready) or {}
    generation = int(before.get("generation", 1))
    failed_before = before.get("update_failed_at")
    config.save(folder / "endpoint.json")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise EndpointStartError(f"Endpoint {config.name!r} is not running.") from None
    deadline = time.monotonic() + (timeout or config.startup_timeout + 10)
    while time.monotonic() < deadline:
        info = read_ready_file(ready) or {}
        if int(info.get("generation", 1)) > generation:
            return info
        if info.get("update_failed_at") not in (None, failed_before):
            raise EndpointStartError(
                f"Endpoint {config.name!r} could not be updated; the previous version keeps "
                f"serving: {info.get('update_error')}"
            )
        if not process_running(pid):
            raise EndpointStartError(f"Endpoint {config.name!r} stopped during the update.")
        time.sleep(0.05)
    raise EndpointStartError(f"Endpoint {config.name!r} was not updated in time.")
