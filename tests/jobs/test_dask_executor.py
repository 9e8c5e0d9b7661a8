"""The same training job on the ``dask`` executor, against a real LocalCluster."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.executors import DaskExecutor
from jupyter_mlstudio.jobs.specs import ProcessingSpec, TrainingSpec
from jupyter_mlstudio.studio import Studio

distributed = pytest.importorskip("distributed")


def test_training_job_runs_on_a_dask_worker(cluster: object, cancer_csv: Path) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    studio = Studio(StudioConfig.resolve(job_executor="dask", dask_address=address))
    try:
        assert isinstance(studio.jobs.executor, DaskExecutor)
        job = studio.jobs.submit(
            TrainingSpec(
                algorithm="random-forest-classifier",
                hyperparameters={"n_estimators": 20},
                channels={"train": str(cancer_csv)},
                target="target",
            )
        )
        assert job.executor == "dask"
        done = studio.jobs.wait(job.id, timeout=180)
        log = studio.jobs.read_log(job.id).text
        assert done.status == "Completed", (done.failure_reason, log)
        assert done.run_id is not None
        assert studio.experiments.get_run(done.run_id).metrics["validation:accuracy"] > 0.9
        assert "job completed" in log  # the log came back through the artifact store
        # the job ran under the worker, not this process
        workers = cluster.scheduler_info["workers"]  # type: ignore[attr-defined]
        assert done.host and workers
    finally:
        studio.close()


def test_stop_reaches_a_job_on_a_dask_worker(cluster: object, tmp_path: Path) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    studio = Studio(StudioConfig.resolve(job_executor="dask", dask_address=address))
    try:
        code = tmp_path / "forever.py"
        code.write_text("import time\nprint('up', flush=True)\ntime.sleep(300)\n")
        job = studio.jobs.submit(ProcessingSpec(code=str(code)))
        deadline = time.monotonic() + 60
        while studio.stores.jobs.get_job(job.id).status != "Running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        studio.jobs.stop(job.id)
        assert studio.jobs.wait(job.id, timeout=60).status == "Stopped"
    finally:
        studio.close()


def test_connecting_warms_each_workers_job_launcher(cluster: object, tmp_path: Path) -> None:
    """The first job on a worker starts forked from a warm launcher, instead of a fresh
    interpreter racing the launcher's own warm-up for the CPU."""
    from jupyter_mlstudio.jobs.launcher import shared_launcher_warm

    address = cluster.scheduler_address  # type: ignore[attr-defined]
    studio = Studio(StudioConfig.resolve(home=tmp_path, job_executor="dask", dask_address=address))
    try:
        with distributed.Client(address) as client:
            assert isinstance(studio.jobs.executor, DaskExecutor)  # connects
            deadline = time.monotonic() + 120
            while not all(client.run(shared_launcher_warm).values()):
                assert time.monotonic() < deadline, "the workers' launchers never warmed up"
                time.sleep(0.5)
    finally:
        studio.close()


def test_dask_executor_needs_an_address() -> None:
    with pytest.raises(InvalidArgumentError, match="scheduler address"):
        Studio(StudioConfig.resolve(job_executor="dask")).jobs.executor  # noqa: B018
