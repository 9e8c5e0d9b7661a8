"""Workers that declare the ``mlstudio-job`` resource cap how many jobs each runs at
once: the scheduler queues the rest (a job secedes from its worker thread while its
process runs, so without the resource a worker would start every job at once)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.executors import JOB_RESOURCE
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.studio import Studio

distributed = pytest.importorskip("distributed")

SCRIPT = """
import json, sys, time
start = time.time()
time.sleep(1.5)
with open(sys.argv[1], "a") as log:
    log.write(json.dumps([start, time.time()]) + "\\n")
"""


@pytest.fixture(scope="module")
def one_slot_cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=True,
        dashboard_address=None,
        resources={JOB_RESOURCE: 1},
    ) as cluster:
        yield cluster


def test_a_worker_with_one_job_slot_runs_its_jobs_one_after_another(
    one_slot_cluster: Any, tmp_path: Path
) -> None:
    studio = Studio(
        StudioConfig.resolve(
            home=tmp_path / "home",
            job_executor="dask",
            dask_address=one_slot_cluster.scheduler_address,
        )
    )
    try:
        code = tmp_path / "wait.py"
        code.write_text(SCRIPT)
        times = tmp_path / "times.jsonl"
        jobs = [
            studio.jobs.submit(ProcessingSpec(code=str(code), arguments=[str(times)]))
            for _ in range(3)
        ]
        for job in jobs:
            done = studio.jobs.wait(job.id, timeout=120)
            assert done.status == "Completed", (
                done.failure_reason,
                studio.jobs.read_log(job.id).text,
            )
        spans = sorted(json.loads(line) for line in times.read_text().splitlines())
        assert len(spans) == 3
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"two jobs ran at once on a one-slot worker: {spans}"
    finally:
        studio.close()
