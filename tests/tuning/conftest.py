"""Tuning jobs run real training jobs here: a studio per test (its own home, see the root
conftest) and a tuning service over its job service, run and tuning stores."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from sklearn.datasets import load_breast_cancer

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.entities import ACTIVE_JOB_STATUSES
from jupyter_mlstudio.jobs.executors import LocalExecutor
from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.service import TuningService
from jupyter_mlstudio.tuning.store import SqlTuningStore


@pytest.fixture
def studio() -> Iterator[Studio]:
    studio = Studio(StudioConfig.resolve(max_concurrent_jobs=4))
    yield studio
    for job in studio.stores.jobs.jobs_in(ACTIVE_JOB_STATUSES):  # a failed test leaves none
        if job.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(job.pid, signal.SIGKILL)
    executor = studio.jobs.executor
    if isinstance(executor, LocalExecutor):
        executor.wait_idle(timeout=60)
    studio.close()


def make_service(studio: Studio) -> TuningService:
    return TuningService(
        jobs=studio.jobs,
        experiments=studio.experiments,
        store=SqlTuningStore(studio.db),
        config=studio.config,
        poll_interval=0.1,
    )


@pytest.fixture
def service_for() -> Callable[[Studio], TuningService]:
    """A tuning service over another studio (e.g. one on the dask executor)."""
    return make_service


@pytest.fixture
def tuning(studio: Studio) -> Iterator[TuningService]:
    service = make_service(studio)
    yield service
    service.close()


@pytest.fixture
def cancer_csv(tmp_path: Path) -> Path:
    frame = load_breast_cancer(as_frame=True).frame.sample(200, random_state=0)
    path = tmp_path / "cancer.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body).lstrip())
        return path

    return write


def _group_gone(pgid: int, timeout: float = 10.0) -> bool:
    """No live process of the group is left (zombies awaiting their reaper do not count);
    waits up to ``timeout``, since a stopped job's runner ends the job just before it exits."""
    deadline = time.monotonic() + timeout
    while True:
        left = []
        for process in psutil.process_iter(["status"]):
            with contextlib.suppress(psutil.Error, OSError):
                if os.getpgid(process.pid) == pgid and process.info["status"] != "zombie":
                    left.append(process.pid)
        if not left:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


@pytest.fixture
def group_gone() -> Callable[[int], bool]:
    return _group_gone
