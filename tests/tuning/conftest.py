"""Tuning jobs run real training jobs here: a studio per test (its own home; ``studio``,
``cancer_csv`` and ``script`` are in the root conftest) and a tuning service over its job
service, experiments service and a tuning store."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator

import psutil
import pytest

from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.service import TuningService
from jupyter_mlstudio.tuning.store import SqlTuningStore


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
def cancer_rows() -> int:
    return 200  # enough to train on; small enough for many short trials


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
