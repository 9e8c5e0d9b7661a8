"""Process liveness: the one place that asks the operating system whether a process
is still there (jobs, their supervisors, endpoints and runs all ask through here).

psutil is imported inside the functions: a plain ``import jupyter_mlstudio`` stays
light (see the package ``__init__``).
"""

from __future__ import annotations

import os
import socket


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (a zombie counts as alive;
    a process owned by another user too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def process_running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (an exited child nobody reaped)."""
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def process_start_time(pid: int) -> float | None:
    """When the process started (tells a reused pid from ours); None if it is gone.

    A zombie counts as gone: when its parent died first, nobody may ever reap it.
    """
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return float(process.create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def same_process_alive(pid: int | None, started: float | None) -> bool:
    """Whether ``pid`` is alive and is still the process that started at ``started``
    (None: any process with that pid)."""
    if pid is None:
        return False
    current = process_start_time(pid)
    if current is None:
        return False
    return started is None or abs(current - started) < 1.0


def process_command_line(pid: int) -> str | None:
    """The command line of a live (not zombie) process, None if it is gone or not ours
    to read."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
