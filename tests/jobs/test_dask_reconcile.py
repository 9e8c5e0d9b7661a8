"""A Dask worker that dies while it watches a job: the executor notices, watches a
process that is still alive from the server, and fails one that is gone."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.entities import Job
from jupyter_mlstudio.jobs.executors import DaskExecutor
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.processes import same_process_alive
from jupyter_mlstudio.studio import Studio

distributed = pytest.importorskip("distributed")


@pytest.fixture
def cluster() -> Iterator[Any]:
    # its own cluster: the test kills one of its workers
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _start_forever_job(studio: Studio, tmp_path: Path, name: str) -> Job:
    code = tmp_path / f"{name}.py"
    code.write_text("import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    job = studio.jobs.submit(ProcessingSpec(code=str(code)))
    _until(lambda: studio.stores.jobs.get_job(job.id).status == "Running", 60, "Running")
    return studio.stores.jobs.get_job(job.id)


def _kill_worker(cluster: Any, address: str) -> None:
    with distributed.Client(cluster.scheduler_address) as client:
        pid = client.run(os.getpid, workers=[address])[address]
    os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker on another address


def test_a_dead_worker_fails_a_lost_job_and_hands_a_live_one_to_the_server(
    cluster: Any, tmp_path: Path
) -> None:
    studio = Studio(
        StudioConfig.resolve(job_executor="dask", dask_address=cluster.scheduler_address)
    )
    try:
        executor = studio.jobs.executor
        assert isinstance(executor, DaskExecutor)
        lost = _start_forever_job(studio, tmp_path, "lost")
        alive = _start_forever_job(studio, tmp_path, "alive")
        workers = set(cluster.scheduler_info["workers"])
        # each job records the worker watching it
        assert lost.owner_host in workers and alive.owner_host in workers
        assert executor.reconcile() == []  # both workers are alive: nothing to do

        for job in {lost.owner_host: lost, alive.owner_host: alive}.values():
            assert job.owner_host is not None
            _kill_worker(cluster, job.owner_host)
        assert lost.pid is not None and alive.pid is not None
        os.killpg(lost.pid, signal.SIGKILL)  # this job's process dies with its worker
        _until(lambda: not same_process_alive(lost.pid, lost.process_start), 10, "kill")

        # the executor's periodic check (every 10 s) notices without being asked
        _until(lambda: studio.stores.jobs.get_job(lost.id).is_terminal, 45, "the check")
        failed = studio.stores.jobs.get_job(lost.id)
        assert failed.status == "Failed"
        assert failed.failure_reason is not None
        assert "Dask worker that ran this job" in failed.failure_reason
        assert lost.owner_host in failed.failure_reason

        # the live process is now watched by the server: a stop request reaches it (the
        # same pass may fail the lost job a moment before it adopts this one)
        _until(lambda: studio.stores.jobs.get_job(alive.id).owner_pid == os.getpid(), 30, "adopt")
        adopted = studio.stores.jobs.get_job(alive.id)
        assert adopted.status == "Running"
        assert adopted.owner_pid == os.getpid()
        assert executor.reconcile() == []  # adopted once, not again
        studio.jobs.stop(alive.id)
        _until(lambda: studio.stores.jobs.get_job(alive.id).is_terminal, 60, "stop")
        assert studio.stores.jobs.get_job(alive.id).status == "Stopped"
        _until(lambda: not same_process_alive(alive.pid, alive.process_start), 10, "exit")
    finally:
        studio.close()
