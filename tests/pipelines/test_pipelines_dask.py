"""Two independent branches on the dask executor (a real LocalCluster of 2 workers):
the engine only submits jobs, so the branches run on both workers at the same time."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.pipelines import Pipeline, step
from jupyter_mlstudio.studio import Studio

distributed = pytest.importorskip("distributed")

sys.path.insert(0, str(Path(__file__).parent))
import pipeline_step_functions as fns  # noqa: E402

stamp = step(fns.stamp, outputs={"seconds": float})


@pytest.fixture(scope="module")
def two_workers() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


def test_branches_overlap_on_two_dask_workers(two_workers: object, tmp_path: Path) -> None:
    address = two_workers.scheduler_address  # type: ignore[attr-defined]
    studio = Studio(StudioConfig.resolve(job_executor="dask", dask_address=address))
    try:
        log = tmp_path / "times.jsonl"
        left = stamp(name="left", label="left", log=f"log:{log}", seconds=2.0)
        right = stamp(name="right", label="right", log=f"log:{log}", seconds=2.0)
        handle = Pipeline("dask-branches", steps=[left, right]).run(
            studio=studio, base_dir=tmp_path
        )
        execution = handle.wait(timeout=180)
        assert execution.status == "Succeeded", execution.failure_reason
        times = {r["name"]: r for r in map(json.loads, log.read_text().splitlines())}
        assert times["left"]["start"] < times["right"]["end"]
        assert times["right"]["start"] < times["left"]["end"]
        hosts = {studio.jobs.get(s.job_id).executor for s in handle.steps() if s.job_id}
        assert hosts == {"dask"}
    finally:
        studio.close()
