"""Trials on the dask executor (a real LocalCluster with 2 workers): the tuning service
only talks to the job service, so trials run on the workers and a pruned trial's stop
reaches its worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.tuning.service import TuningService

distributed = pytest.importorskip("distributed")

EPOCHS_SCRIPT = """
import argparse
import math
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
args, _ = parser.parse_known_args()
for epoch in range(9):
    print(f"val_loss={(1 + abs(math.log10(args.lr) + 2)) / (epoch + 1):.5f}", flush=True)
    time.sleep(0.3)
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


def test_trials_run_on_dask_workers_and_pruning_reaches_them(
    cluster: object,
    script: Callable[[str, str], Path],
    service_for: Callable[[Studio], TuningService],
) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    studio = Studio(StudioConfig.resolve(job_executor="dask", dask_address=address))
    tuning = service_for(studio)
    try:
        entry = script("train.py", EPOCHS_SCRIPT)
        created = tuning.create(
            {
                "training": {"entry_point": str(entry)},
                "search_space": {"lr": {"type": "continuous", "min_value": 1e-4, "max_value": 1}},
                "objective": {
                    "metric": "val_loss",
                    "regex": r"val_loss=([0-9.]+)",
                    "direction": "Minimize",
                },
                "strategy": "Hyperband",
                "max_resource": 9,
                "limits": {"max_trials": 3, "max_parallel_trials": 2},
                "enqueue": [{"lr": 0.01}, {"lr": 0.011}, {"lr": 0.9}],
            }
        )
        done = tuning.wait(created.id, timeout=180)
        trials = tuning.trials(done.id)
        assert done.status == "Completed", (done.failure_reason, trials)
        jobs = [studio.jobs.get(t.job_id) for t in trials]  # type: ignore[arg-type]
        assert {j.executor for j in jobs} == {"dask"}
        assert trials[0].state == "Completed"
        assert trials[2].state == "Pruned", trials  # the bad one, behind trial 0 at step 3
        assert jobs[2].status == "Stopped"
    finally:
        tuning.close()
        studio.close()
