"""Training and processing at scale (issue 19), measured on this machine in one run.

1. XGBoost built-in job vs ``xgboost.train`` in this process on 1,000,000 x 30: the job's
   fixed overhead = its wall time (submit → Completed: process start, reading, the
   preprocessing pipeline, rounds logged, metrics, model saved and logged) minus reading
   the same Parquet file and calling ``xgboost.train`` with the same rounds, depth,
   split and evaluation sets, one thread each. Target ≤ 1.5 s.
2. Distributed XGBoost on Dask: the same ``instance_count=2`` job on a LocalCluster of
   2 workers x 1 thread vs 1 worker x 1 thread, 2,000,000 rows. Target speedup ≥ 1.6x.
3. Spark processing job vs the same PySpark script run with ``spark-submit`` directly:
   overhead ≤ 3 s.

    .venv/bin/python benchmarks/scale.py [--rows 1000000] [--dask-rows 2000000] [--rounds 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.spark import build_submit
from jupyter_mlstudio.jobs.specs import ProcessingSpec, TrainingSpec
from jupyter_mlstudio.studio import Studio

OVERHEAD_TARGET_S = 1.5
DASK_SPEEDUP_TARGET = 1.6
SPARK_OVERHEAD_TARGET_S = 3.0
FEATURES = 30


def dataset(rows: int, seed: int = 0) -> pd.DataFrame:
    """A binary classification problem with a signal in a third of the features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, FEATURES)).astype("float32")
    logit = X[:, :10] @ rng.normal(size=10) + 0.5 * rng.normal(size=rows)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(FEATURES)])
    frame["label"] = (logit > 0).astype("int64")
    return frame


def in_process_xgboost(path: Path, rounds: int) -> float:
    import xgboost
    from sklearn.model_selection import train_test_split

    started = time.perf_counter()
    frame = pd.read_parquet(path)
    X, y = frame.drop(columns=["label"]), frame["label"]
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, random_state=0, stratify=y
    )
    train = xgboost.DMatrix(X_train, label=y_train, nthread=1)
    validation = xgboost.DMatrix(X_val, label=y_val, nthread=1)
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "nthread": 1}
    params |= {"tree_method": "hist", "eval_metric": "logloss"}
    xgboost.train(
        params,
        train,
        num_boost_round=rounds,
        evals=[(train, "train"), (validation, "validation")],
        verbose_eval=False,
    )
    return time.perf_counter() - started


def xgboost_job(studio: Studio, path: Path, rounds: int, instance_count: int = 1) -> float:
    started = time.perf_counter()
    job = studio.jobs.submit(
        TrainingSpec(
            algorithm="xgboost-classifier",
            hyperparameters={"num_round": rounds, "max_depth": 6},
            channels={"train": str(path)},
            target="label",
            instance_count=instance_count,
        )
    )
    done = studio.jobs.wait(job.id, timeout=3600, poll=0.05)
    elapsed = time.perf_counter() - started
    if done.status != "Completed":
        raise SystemExit(f"job failed: {done.failure_reason}\n{studio.jobs.read_log(job.id).text}")
    return elapsed


def overhead(home: Path, rows: int, rounds: int) -> None:
    path = home / "train.parquet"
    dataset(rows).to_parquet(path)
    studio = Studio(StudioConfig.resolve(home=home / "studio"))
    try:
        xgboost_job(studio, path, 2)  # warm the launcher and the page cache
        job_s = xgboost_job(studio, path, rounds)
        direct_s = in_process_xgboost(path, rounds)
    finally:
        studio.close()
    extra = job_s - direct_s
    print(
        f"\n1. XGBoost built-in job vs xgboost.train in process "
        f"({rows:,} x {FEATURES}, {rounds} rounds)"
    )
    print(f"   job (submit → Completed)      {job_s:7.2f} s")
    print(f"   xgboost.train in process      {direct_s:7.2f} s")
    print(
        f"   fixed overhead                {extra:7.2f} s   (target ≤ {OVERHEAD_TARGET_S} s: "
        f"{'met' if extra <= OVERHEAD_TARGET_S else 'MISSED'}); ratio {job_s / direct_s:.2f}x"
    )


def _wait_for_warm_workers(cluster: Any, timeout: float = 120.0) -> None:
    """Time a long-lived cluster, not a fresh one: the executor warms each worker's job
    launcher when it connects; wait for it, as a cluster that has run before would be."""
    import distributed

    from jupyter_mlstudio.jobs.launcher import shared_launcher_warm

    with distributed.Client(cluster) as client:
        deadline = time.monotonic() + timeout
        while not all(client.run(shared_launcher_warm).values()):
            if time.monotonic() > deadline:
                raise SystemExit("the workers' job launchers did not warm up")
            time.sleep(0.5)


def dask_speedup(home: Path, rows: int, rounds: int) -> None:
    import distributed

    folder = home / "dask-train"
    folder.mkdir()
    frame = dataset(rows, seed=1)
    size = -(-len(frame) // 8)
    for part in range(8):
        frame.iloc[part * size : (part + 1) * size].to_parquet(folder / f"part-{part}.parquet")
    timings = {}
    for workers in (1, 2):
        with distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            studio = Studio(
                StudioConfig.resolve(
                    home=home / f"studio-{workers}",
                    job_executor="dask",
                    dask_address=cluster.scheduler_address,
                )
            )
            try:
                assert studio.jobs.executor is not None  # connects, warming the workers
                _wait_for_warm_workers(cluster)
                timings[workers] = xgboost_job(studio, folder, rounds, instance_count=2)
            finally:
                studio.close()
    speedup = timings[1] / timings[2]
    print(f"\n2. Distributed XGBoost on Dask ({rows:,} rows, {rounds} rounds, instance_count=2)")
    print(f"   1 worker x 1 thread           {timings[1]:7.2f} s")
    print(f"   2 workers x 1 thread          {timings[2]:7.2f} s")
    print(
        f"   speedup                       {speedup:7.2f}x  (target ≥ {DASK_SPEEDUP_TARGET}x: "
        f"{'met' if speedup >= DASK_SPEEDUP_TARGET else 'MISSED'}; {os.cpu_count()} cores)"
    )


SPARK_SCRIPT = """
import sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.getOrCreate()
frame = spark.read.parquet(sys.argv[1])
frame.groupBy("label").agg(F.avg("f0").alias("mean_f0")).write.mode("overwrite").parquet(sys.argv[2])
spark.stop()
"""


def spark_overhead(home: Path) -> None:
    data = home / "spark-in.parquet"
    dataset(200_000, seed=2).to_parquet(data)
    code = home / "spark_job.py"
    code.write_text(SPARK_SCRIPT)
    submit = build_submit(
        code,
        [str(data), str(home / "direct-out")],
        instance_count=2,
        master=None,
        configuration=None,
        event_logs_dir=None,
    )
    env = {**os.environ, **submit.environment}
    subprocess.run(submit.command, env=env, check=True, capture_output=True)  # warm the JVM cache
    started = time.perf_counter()
    subprocess.run(submit.command, env=env, check=True, capture_output=True)
    direct_s = time.perf_counter() - started
    studio = Studio(StudioConfig.resolve(home=home / "studio-spark"))
    try:
        started = time.perf_counter()
        job = studio.jobs.submit(
            ProcessingSpec(
                code=str(code),
                framework="spark",
                instance_count=2,
                arguments=[str(data), str(home / "job-out")],
            )
        )
        done = studio.jobs.wait(job.id, timeout=600, poll=0.05)
        job_s = time.perf_counter() - started
        if done.status != "Completed":
            raise SystemExit(f"spark job failed: {done.failure_reason}")
    finally:
        studio.close()
    extra = job_s - direct_s
    print("\n3. Spark processing job vs spark-submit directly (local[2], 200,000 rows)")
    print(f"   job (submit → Completed)      {job_s:7.2f} s")
    print(f"   spark-submit directly         {direct_s:7.2f} s")
    print(
        f"   overhead                      {extra:7.2f} s   (target ≤ {SPARK_OVERHEAD_TARGET_S} s: "
        f"{'met' if extra <= SPARK_OVERHEAD_TARGET_S else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dask-rows", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--only", choices=["overhead", "dask", "spark"], default=None)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        if args.only in (None, "overhead"):
            overhead(home, args.rows, args.rounds)
        if args.only in (None, "dask"):
            dask_speedup(home, args.dask_rows, args.rounds)
        if args.only in (None, "spark"):
            spark_overhead(home)


if __name__ == "__main__":
    main()
