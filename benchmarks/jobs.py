"""Job overheads of the local executor, measured on this machine in one run.

1. Submit → Running latency: the time from ``submit()`` returning control to the caller
   until the job is Running (its process started and recorded), median of N jobs
   submitted one at a time. Target ≤ 0.5 s.
2. Fixed overhead of a built-in training job: wall time of a random-forest training job
   (submit → Completed, model saved and logged) minus the same work called directly in
   this process (read the CSV, fit the same scikit-learn pipeline, compute the same
   metrics, save with skops). Target ≤ 1.5 s.

    .venv/bin/python benchmarks/jobs.py [--latency-jobs 20] [--repeats 5] [--rows 10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.builtin import train_builtin
from jupyter_mlstudio.jobs.executors import LocalExecutor
from jupyter_mlstudio.jobs.specs import ProcessingSpec, TrainingSpec
from jupyter_mlstudio.studio import Studio

LATENCY_TARGET_S = 0.5
OVERHEAD_TARGET_S = 1.5
HYPERPARAMETERS = {"n_estimators": 100}


def submit_to_running(studio: Studio, code: Path, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        job = studio.jobs.submit(ProcessingSpec(code=str(code)))
        while studio.stores.jobs.get_job(job.id).status == "Pending":
            time.sleep(0.002)
        latencies.append(time.perf_counter() - started)
        studio.jobs.wait(job.id, timeout=60, poll=0.02)
    return latencies


def training_job(studio: Studio, data: Path) -> float:
    started = time.perf_counter()
    job = studio.jobs.submit(
        TrainingSpec(
            algorithm="random-forest-classifier",
            hyperparameters=HYPERPARAMETERS,
            channels={"train": str(data)},
            target="label",
        )
    )
    done = studio.jobs.wait(job.id, timeout=600, poll=0.02)
    if done.status != "Completed":
        raise SystemExit(f"training job failed: {done.failure_reason}")
    return time.perf_counter() - started


def direct(data: Path, model_dir: Path) -> float:
    """The same work without a job: read, fit, evaluate, save."""
    started = time.perf_counter()
    train_builtin(
        "random-forest-classifier",
        HYPERPARAMETERS,
        {"train": data},
        "label",
        model_dir,
        log=lambda _line: None,
    )
    return time.perf_counter() - started


def plain_estimator(data: Path) -> float:
    """Just the estimator: read the CSV, fit a forest on the same 80% of the rows."""
    from sklearn.ensemble import RandomForestClassifier

    started = time.perf_counter()
    frame = pd.read_csv(data)
    features = pd.get_dummies(frame.drop(columns="label"))
    train = features.iloc[: int(len(frame) * 0.8)]
    RandomForestClassifier(n_estimators=100, random_state=0).fit(
        train, frame["label"].iloc[: len(train)]
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-jobs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        studio = Studio(StudioConfig.resolve(home=folder / "home"))
        assert isinstance(studio.jobs.executor, LocalExecutor)
        code = folder / "noop.py"
        code.write_text("pass\n")
        latencies = submit_to_running(studio, code, args.latency_jobs)

        features, labels = make_classification(
            n_samples=args.rows, n_features=20, n_informative=8, random_state=0
        )
        frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(20)])
        frame["label"] = labels
        frame["segment"] = np.where(frame["f0"] > 0, "high", "low")  # one categorical column
        data = folder / "train.csv"
        frame.to_csv(data, index=False)

        job_times, direct_times, plain_times = [], [], []
        for attempt in range(args.repeats):
            plain_times.append(plain_estimator(data))
            direct_times.append(direct(data, folder / f"direct-{attempt}"))
            job_times.append(training_job(studio, data))
        studio.jobs.executor.wait_idle(60)
        studio.close()

    median_latency = statistics.median(latencies)
    job_median, direct_median = statistics.median(job_times), statistics.median(direct_times)
    overhead = job_median - direct_median
    print(f"submit → Running, {len(latencies)} jobs one at a time:")
    print(
        f"  median {median_latency * 1000:.0f} ms, p90 "
        f"{sorted(latencies)[int(0.9 * (len(latencies) - 1))] * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms  (target ≤ {LATENCY_TARGET_S * 1000:.0f} ms)"
    )
    print(
        f"built-in random forest (100 trees) on {args.rows:,} rows x 21 columns, "
        f"median of {args.repeats}:"
    )
    print(f"  training job, submit → Completed: {job_median:.2f} s")
    print(f"  same work called in-process:      {direct_median:.2f} s")
    print(
        f"  (just read_csv + RandomForestClassifier.fit: {statistics.median(plain_times):.2f} s; "
        "the job also imputes, encodes, scores 5 metrics and saves the model)"
    )
    print(
        f"  fixed overhead of the job: {overhead:.2f} s  "
        f"(ratio {job_median / direct_median:.2f}x; target ≤ {OVERHEAD_TARGET_S} s)"
    )
    ok = median_latency <= LATENCY_TARGET_S and overhead <= OVERHEAD_TARGET_S
    print("within targets" if ok else "OUTSIDE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
