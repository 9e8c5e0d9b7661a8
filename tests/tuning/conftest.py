"""Tuning jobs run real training jobs here: a studio per test (its own home, see the root
conftest) and a tuning service over its job service, run and tuning stores."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

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
    for job in studio.job_store.jobs_in(ACTIVE_JOB_STATUSES):  # a failed test leaves none
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
        runs=studio.runs,
        experiments=studio.experiments,
        store=SqlTuningStore(studio.db),
        config=studio.config,
        poll_interval=0.1,
    )


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
