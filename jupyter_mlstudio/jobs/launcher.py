"""A preloaded launcher: job processes forked from a warm interpreter.

Starting a fresh Python for every job costs seconds before any work happens (the
interpreter, pandas, scikit-learn, skops's type registry). The launcher is one helper
process per executor that imports all that once, then forks a job process on request —
the same idea as multiprocessing's forkserver or a preloading web server. A forked job
process starts its own session (process group), points stdout/stderr at the job's log,
takes the job's environment and runs the runner, exactly like a ``python -m`` start.

The protocol is JSON lines: requests on the launcher's stdin, ``started``/``exited``
replies on its stdout. When the launcher's parent goes away (stdin closes), it exits;
the jobs it started carry on. If the launcher cannot start, jobs fall back to a plain
``python -m jupyter_mlstudio.jobs.runner`` process (``MLSTUDIO_JOB_PRELOAD=0`` forces that).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

PRELOAD_ENV = "MLSTUDIO_JOB_PRELOAD"
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.pipeline",
    "skops.io",
    "jupyter_mlstudio.jobs.runner",
    "jupyter_mlstudio.jobs.builtin",
    "jupyter_mlstudio.jobs.algorithms",
    # the boosting built-ins and their Dask interfaces (optional extras: skipped when
    # absent). Importing them starts no OpenMP threads, so forking after stays safe.
    "xgboost",
    "lightgbm",
    "dask.dataframe",
    "distributed",
    "jupyter_mlstudio.jobs.boosting",
    "jupyter_mlstudio.jobs.distributed_boosting",
)
START_TIMEOUT = 60.0


# -- the launcher process ------------------------------------------------------------
def _warm_up() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # skops builds its registry of trusted types on first use: build it here, once.
    with contextlib.suppress(Exception):
        import skops.io
        from sklearn.linear_model import LinearRegression

        skops.io.dumps(LinearRegression())
    # A job's first steps pay for what is set up lazily (the studio's schema check,
    # scikit-learn's metrics, splitting and encoders): time every forked job would pay
    # again. Open a studio and train a tiny model once here, so the jobs start warm.
    with contextlib.suppress(Exception):
        _train_once()


def _train_once() -> None:
    import tempfile
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from .builtin import train_builtin

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=60),
            "n": rng.integers(0, 5, 60).astype(float),
            "kind": rng.choice(["a", "b", "c"], 60),
            "y": rng.choice(["yes", "no"], 60),
        }
    )
    frame.loc[::7, "n"] = np.nan
    with tempfile.TemporaryDirectory(prefix="mlstudio-warm-") as folder:
        # a job opens the studio, whose schema check imports Alembic (0.25 s)
        from ..config import StudioConfig
        from ..studio import Studio

        Studio(StudioConfig.resolve(home=Path(folder) / "home")).close()
        data = Path(folder) / "train.csv"
        frame.to_csv(data, index=False)
        train_builtin(
            "random-forest-classifier",
            {"n_estimators": 2},
            {"train": data},
            "y",
            Path(folder) / "model",
            log=lambda _line: None,
        )


def _child(request: Mapping[str, Any]) -> None:
    """In the forked job process: become a job, run, never return."""
    code = 1
    try:
        os.setsid()
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own fds
        sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), line_buffering=True)  # noqa: SIM115
        sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), line_buffering=True)  # noqa: SIM115
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random

        import numpy as np

        random.seed()
        np.random.seed()  # forked from one parent: do not share its random state
        from .runner import main

        code = main([request["job_id"]])
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """The launcher's main loop (``python -m jupyter_mlstudio.jobs.launcher``)."""
    _warm_up()
    out = sys.stdout

    def reply(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    reply({"ready": os.getpid()})
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for _ in selector.select(timeout=0.05):
            line = sys.stdin.readline()
            if not line:  # the parent went away: leave the jobs running, go
                return
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(request)
            reply({"started": request["job_id"], "pid": pid})
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            reply({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


# -- the client, in the executor's process -------------------------------------------
class Launcher:
    """Talks to one launcher process; thread-safe."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_mlstudio.jobs.launcher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            text=True,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._pending: dict[str, Future[int]] = {}
        self._exits: dict[int, int] = {}
        self._exited = threading.Condition()
        self._ready: Future[int] = Future()
        self._reader = threading.Thread(target=self._read, name="mlstudio-launcher", daemon=True)
        self._reader.start()
        self._ready.result(timeout=START_TIMEOUT)

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "ready" in message:
                self._ready.set_result(int(message["ready"]))
            elif "started" in message:
                with self._lock:
                    future = self._pending.pop(message["started"], None)
                if future is not None:
                    future.set_result(int(message["pid"]))
            elif "exited" in message:
                with self._exited:
                    self._exits[int(message["exited"])] = int(message["code"])
                    self._exited.notify_all()
        # the launcher is gone: nobody will report exits any more
        if not self._ready.done():
            self._ready.set_exception(RuntimeError("the job launcher exited while starting"))
        with self._lock:
            for future in self._pending.values():
                future.set_exception(RuntimeError("the job launcher exited"))
            self._pending.clear()

    def launch(self, job_id: str, log: str, cwd: str, env: Mapping[str, str]) -> int:
        """Fork a job process; returns its pid."""
        future: Future[int] = Future()
        request = json.dumps({"job_id": job_id, "log": log, "cwd": cwd, "env": dict(env)})
        with self._lock:
            if not self.alive or self._process.stdin is None:
                raise RuntimeError("the job launcher is not running")
            self._pending[job_id] = future
            self._process.stdin.write(request + "\n")
            self._process.stdin.flush()
        return future.result(timeout=START_TIMEOUT)

    def exit_code(self, pid: int, wait: float = 0.0) -> int | None:
        """The job process's exit code once the launcher reaped it, else None; waits up
        to ``wait`` seconds for the launcher's report (a process can be gone a moment
        before the launcher says how it ended)."""
        with self._exited:
            self._exited.wait_for(lambda: pid in self._exits, timeout=wait)
            return self._exits.get(pid)

    def close(self) -> None:
        with self._lock:
            if self._process.stdin is not None:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(5)


_shared: Launcher | None = None
_starting: threading.Thread | None = None
_shared_lock = threading.Lock()


def preload_enabled() -> bool:
    return os.environ.get(PRELOAD_ENV, "1").lower() not in ("0", "false", "no")


def start_shared_launcher(env: Mapping[str, str]) -> None:
    """Warm this process's launcher up in the background (a few seconds of imports)."""
    global _starting
    if not preload_enabled():
        return
    with _shared_lock:
        if (_shared is not None and _shared.alive) or (_starting and _starting.is_alive()):
            return

        def start() -> None:
            global _shared
            try:
                launcher: Launcher | None = Launcher(env)
            except Exception:  # jobs fall back to plain processes
                launcher = None
            with _shared_lock:
                _shared = launcher

        _starting = threading.Thread(target=start, name="mlstudio-launcher-start", daemon=True)
        _starting.start()


def shared_launcher_warm() -> bool:
    """Whether this process's launcher is up and preloaded (jobs start forked)."""
    with _shared_lock:
        return _shared is not None and _shared.alive


def shared_launcher(env: Mapping[str, str]) -> Launcher | None:
    """This process's launcher when it is warm; otherwise None (the job starts as a
    plain process rather than wait) and the launcher is (re)started for the next."""
    if not preload_enabled():
        return None
    with _shared_lock:
        if _shared is not None and _shared.alive:
            return _shared
    start_shared_launcher(env)
    return None


if __name__ == "__main__":
    serve()
