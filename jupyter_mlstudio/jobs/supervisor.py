"""Starting a job's process and watching it until it ends.

``supervise`` is the one place that starts a job: the local executor calls it on a
thread, the Dask executor calls it inside a worker. It starts the runner in a new
process group with its output going to the job's log, marks the job Running, then
watches: a stop request or an expired timeout terminates the whole group (SIGTERM, then
SIGKILL after a grace period); when the runner exits without having ended the job (it
was killed, or crashed), the job is failed with the reason; stray grandchildren are
killed with the group, so nothing outlives its job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import (
    ARTIFACT_URI_ENV,
    DASK_ADDRESS_ENV,
    HOME_ENV,
    SPARK_MASTER_ENV,
    STORE_URI_ENV,
    StudioConfig,
)
from ..errors import MLStudioError
from ..processes import process_start_time, same_process_alive, this_host
from .entities import FAILED, STOPPING, Job
from .launcher import Launcher, shared_launcher
from .lifecycle import finish_job, upload_workspace, workspace_for

if TYPE_CHECKING:
    from .store import JobStore

POLL_INTERVAL = 0.2
STATUS_EVERY = 0.5  # seconds between reads of the job's status while it runs
EXIT_REPORT_WAIT = 2.0  # seconds to wait for the launcher to say how a gone process ended
LOG_UPLOAD_EVERY = 2.0


def runner_environment(config: StudioConfig) -> dict[str, str]:
    env = dict(os.environ)
    env[HOME_ENV] = str(config.home)
    env[STORE_URI_ENV] = config.store_uri
    env[ARTIFACT_URI_ENV] = config.artifact_uri
    if config.dask_address:  # jobs that fan out (batch transform) reach the cluster
        env[DASK_ADDRESS_ENV] = config.dask_address
    if config.spark_master:
        env[SPARK_MASTER_ENV] = config.spark_master
    env["PYTHONUNBUFFERED"] = "1"
    return env


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def terminate_group(pgid: int, exited: Callable[[], bool], grace: float) -> None:
    """SIGTERM the group, wait up to ``grace`` for the leader to exit, then SIGKILL all."""
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not exited():
        time.sleep(0.05)
    signal_group(pgid, signal.SIGKILL)


def exit_reason(code: int | None) -> str:
    if code is None:
        return "The job's process ended without reporting a result."
    if code < 0:
        name = signal.Signals(-code).name
        return f"The job's process was killed by {name} before it could report a result."
    return f"The job's process exited with code {code} without reporting a result."


class _Watch:
    """A job process: our child (``Popen``), forked by the launcher, or adopted after a
    restart (pid only)."""

    def __init__(
        self,
        pid: int,
        started: float | None,
        *,
        popen: subprocess.Popen[bytes] | None = None,
        launcher: Launcher | None = None,
    ) -> None:
        self.pid = pid
        self.started = started
        self._popen = popen
        self._launcher = launcher

    def exited(self) -> bool:
        if self._popen is not None:
            return self._popen.poll() is not None
        if self._launcher is not None and self._launcher.exit_code(self.pid) is not None:
            return True
        return not same_process_alive(self.pid, self.started)

    @property
    def returncode(self) -> int | None:
        if self._popen is not None:
            return self._popen.returncode
        if self._launcher is None:
            return None
        return self._launcher.exit_code(self.pid, wait=EXIT_REPORT_WAIT)


def _start(job_id: str, ws_root: Path, log_file: Path, env: dict[str, str]) -> _Watch:
    """Fork the job from the preloaded launcher, or start a fresh interpreter."""
    launcher = shared_launcher(env)
    if launcher is not None:
        try:
            pid = launcher.launch(job_id, str(log_file), str(ws_root), env)
            return _Watch(pid, process_start_time(pid), launcher=launcher)
        except (RuntimeError, TimeoutError, OSError):
            pass  # the launcher died: fall back to a plain process
    with open(log_file, "ab", buffering=0) as log:
        process = subprocess.Popen(  # noqa: S603 - our own runner module
            [sys.executable, "-m", "jupyter_mlstudio.jobs.runner", job_id],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ws_root,
            env=env,
            start_new_session=True,  # its own process group: stop ends it and its children
        )
    return _Watch(process.pid, process_start_time(process.pid), popen=process)


def supervise(
    store: JobStore, config: StudioConfig, job_id: str, *, stop_grace: float = 10.0
) -> Job:
    """Run the job to its end on this host; returns the ended job."""
    job = store.get_job(job_id)
    if job.is_terminal:
        return job
    ws = workspace_for(config, job)
    process = _start(job_id, ws.root, ws.log_file, runner_environment(config))
    if not store.mark_running(
        job_id, host=this_host(), pid=process.pid, process_start=process.started
    ):  # stopped while queued
        signal_group(process.pid, signal.SIGKILL)
        return store.get_job(job_id)
    return watch(store, config, store.get_job(job_id), process, stop_grace)


def adopt(store: JobStore, config: StudioConfig, job: Job, *, stop_grace: float = 10.0) -> Job:
    """Keep watching a job whose process outlived the server that started it."""
    assert job.pid is not None
    return watch(store, config, job, _Watch(job.pid, job.process_start), stop_grace)


def watch(
    store: JobStore, config: StudioConfig, job: Job, process: _Watch, stop_grace: float
) -> Job:
    timeout = job.spec.get("timeout_seconds")
    began = job.started_at.timestamp() if job.started_at else time.time()
    ws = workspace_for(config, job)
    last_status = last_upload = 0.0
    while not process.exited():
        time.sleep(POLL_INTERVAL)
        now = time.monotonic()
        if now - last_status >= STATUS_EVERY:
            last_status = now
            try:
                current = store.get_job(job.id)
            except MLStudioError:
                continue  # a busy database must not end the job
            if current.is_terminal and not process.exited():
                # ended by someone else (e.g. the timeout below in another watcher)
                terminate_group(process.pid, process.exited, stop_grace)
            elif current.status == STOPPING:
                terminate_group(process.pid, process.exited, stop_grace)
            elif timeout and time.time() - began > float(timeout):
                finish_job(store, job.id, FAILED, f"Exceeded the timeout of {timeout:g} s.")
                terminate_group(process.pid, process.exited, stop_grace)
        if now - last_upload >= LOG_UPLOAD_EVERY:
            last_upload = now
            with contextlib.suppress(Exception):
                upload_workspace(job, ws, only_log=True)
    signal_group(process.pid, signal.SIGKILL)  # grandchildren that outlived the runner
    with contextlib.suppress(Exception):
        upload_workspace(job, ws, only_log=True)
    ended = store.get_job(job.id)
    if not ended.is_terminal:
        ended = finish_job(store, job.id, FAILED, exit_reason(process.returncode))
    return ended


def stop_locally(store: JobStore, job: Job, *, stop_grace: float = 10.0) -> Job:
    """Stop a job whose process is on this host, whoever watches it."""
    if (
        job.host == this_host()
        and job.pid is not None
        and same_process_alive(job.pid, job.process_start)
    ):
        terminate_group(
            job.pid, lambda: not same_process_alive(job.pid, job.process_start), stop_grace
        )
    ended = store.get_job(job.id)
    if not ended.is_terminal and not same_process_alive(job.pid, job.process_start):
        ended = finish_job(store, job.id, FAILED, "Stopped on request.")
    return ended
