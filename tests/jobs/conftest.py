"""Jobs run as real processes here: every test gets its own studio home (see the root
conftest) and a studio whose executor it can wait on."""

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


@pytest.fixture
def studio() -> Iterator[Studio]:
    studio = Studio(StudioConfig.resolve(max_concurrent_jobs=4))
    yield studio
    kill_leftover_jobs(studio)  # a failed test must not leave job processes behind
    executor = studio.jobs.executor
    if isinstance(executor, LocalExecutor):
        executor.wait_idle(timeout=60)
    studio.close()


def kill_leftover_jobs(studio: Studio) -> None:
    for job in studio.stores.jobs.jobs_in(ACTIVE_JOB_STATUSES):
        if job.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(job.pid, signal.SIGKILL)


@pytest.fixture
def cancer_csv(tmp_path: Path) -> Path:
    frame = load_breast_cancer(as_frame=True).frame
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
