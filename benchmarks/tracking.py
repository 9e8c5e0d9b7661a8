"""Experiment tracking: jupyter-mlstudio against MLflow with its SQLite backend.

Both sides run in this one process, on the same machine, each on a fresh SQLite file in
a temporary folder, with the same data:

- per-call ``log_metric`` throughput: ours is the SDK's queued ``run.log_metric`` plus
  the final ``flush()`` (so every value is in the database when the clock stops);
  MLflow's is ``mlflow.log_metric`` (synchronous, its default);
- ``log_batch`` of 1,000 metrics (10 keys x 100 steps): ``studio().experiments.log_batch``
  against ``MlflowClient.log_batch``; median of ``--batches`` calls;
- ``search_runs`` with a metric filter and a sort over ``--runs`` runs of 10 params and
  10 metrics each: ``mls.search_runs(..., output="list")`` against
  ``MlflowClient.search_runs`` with the same filter, order and ``max_results``; median
  of ``--repeats`` calls. Both return the same runs in the same order (checked).

The two sides take turns (batch after batch, search after search) so that both see the
same machine load; the exit status is 1 when a target is missed. MLflow's telemetry is
switched off (``MLFLOW_DISABLE_TELEMETRY``) unless the environment already sets it.

MLflow is only needed here, not by the package. Both sides run in one process, so it
needs a Python with MLflow *and* jupyter_mlstudio's dependencies: by default the
benchmark makes ``/tmp/mlflow-bench-venv`` on first use (``benchmarks/peer_venv.py``:
the pinned MLflow, and the project's dependencies at ``.venv``'s versions; a few
minutes, once) and runs itself again there with this checkout on ``PYTHONPATH``.
``--mlflow-python PATH`` names another such Python (its own path: run in this one).

    .venv/bin/python benchmarks/tracking.py            # the acceptance sizes (minutes)
    .venv/bin/python benchmarks/tracking.py --quick    # a smoke run (seconds)
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peer_venv  # benchmarks/, beside this script
import sqlalchemy

import jupyter_mlstudio as mls
from jupyter_mlstudio.experiments.run_entities import Metric

N_PARAMS = 10
N_METRICS = 10
FILTER = "metrics.m0 > 0.5 AND metrics.m1 <= 0.9"
ORDER_BY = ["metrics.m2 DESC"]


def run_values(count: int, seed: int = 7) -> list[tuple[dict[str, str], dict[str, float]]]:
    """The same 10 params and 10 metrics per run for both sides."""
    rng = random.Random(seed)
    runs = []
    for i in range(count):
        params = {"idx": str(i)} | {f"p{j}": str(rng.randrange(100)) for j in range(1, N_PARAMS)}
        metrics = {f"m{j}": rng.random() for j in range(N_METRICS)}
        runs.append((params, metrics))
    return runs


def batch_values(count: int, seed: int = 11) -> list[list[tuple[str, float, int]]]:
    """``count`` batches of 1,000 metrics: 10 keys x 100 steps."""
    rng = random.Random(seed)
    return [[(f"k{i % 10}", rng.random(), i // 10) for i in range(1_000)] for _ in range(count)]


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


class Ours:
    name = "mlstudio"

    def __init__(self, home: Path) -> None:
        self.studio = mls.configure(home=home)

    def log_metric_loop(self, calls: int) -> tuple[float, float]:
        """(seconds until every value is stored, seconds spent in the calls themselves)"""
        with mls.start_run("log-metric") as run:
            start = time.perf_counter()
            for i in range(calls):
                run.log_metric("loss", 1.0 / (i + 1), step=i)
            in_calls = time.perf_counter() - start
            run.flush()
            total = time.perf_counter() - start
        assert len(self.studio.experiments.get_metric_history(run.id, "loss")) == calls
        return total, in_calls

    def batch_run(self) -> Callable[[list[tuple[str, float, int]]], None]:
        run = mls.start_run("log-batch")
        store = self.studio.experiments

        def log(batch: list[tuple[str, float, int]]) -> None:
            now = time.time()
            store.log_batch(run.id, [Metric(k, v, s, now) for k, v, s in batch])

        return log

    def populate(self, data: list[Any]) -> None:
        runs = self.studio.experiments
        experiment = self.studio.experiments.create_experiment("search")
        for i, (params, metrics) in enumerate(data):
            created = runs.create_run(experiment.id, name=f"run-{i}")
            now = time.time()
            runs.log_batch(
                created.id, [Metric(k, v, 0, now) for k, v in metrics.items()], params=params
            )

    def search(self, size: int) -> list[str]:
        found = mls.search_runs(
            "search", filter=FILTER, order_by=ORDER_BY, max_results=size, output="list"
        )
        return [r.params["idx"] for r in found]

    def close(self) -> None:
        self.studio.close()


class Theirs:
    name = "MLflow"

    def __init__(self, mlflow: Any, folder: Path) -> None:
        from mlflow.entities import Metric as MlflowMetric
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        self.mlflow, self.Metric, self.Param = mlflow, MlflowMetric, Param
        uri = f"sqlite:///{folder / 'mlflow.db'}"
        mlflow.set_tracking_uri(uri)
        self.client = MlflowClient(tracking_uri=uri)
        self.artifacts = (folder / "mlflow-artifacts").as_uri()
        self.search_experiment = ""
        self.experiments: dict[str, str] = {}

    def experiment(self, name: str) -> str:
        if name not in self.experiments:
            self.experiments[name] = str(
                self.client.create_experiment(name, artifact_location=self.artifacts)
            )
        return self.experiments[name]

    def log_metric_loop(self, calls: int) -> tuple[float, float]:
        mlflow = self.mlflow
        with mlflow.start_run(experiment_id=self.experiment("log-metric")) as run:
            start = time.perf_counter()
            for i in range(calls):
                mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
            total = time.perf_counter() - start
        assert len(self.client.get_metric_history(run.info.run_id, "loss")) == calls
        return total, total

    def batch_run(self) -> Callable[[list[tuple[str, float, int]]], None]:
        run_id = self.client.create_run(self.experiment("log-batch")).info.run_id

        def log(batch: list[tuple[str, float, int]]) -> None:
            now_ms = int(time.time() * 1000)
            self.client.log_batch(
                run_id, metrics=[self.Metric(k, v, now_ms, s) for k, v, s in batch]
            )

        return log

    def populate(self, data: list[Any]) -> None:
        self.search_experiment = self.experiment("search")
        for i, (params, metrics) in enumerate(data):
            created = self.client.create_run(self.search_experiment, run_name=f"run-{i}")
            now_ms = int(time.time() * 1000)
            self.client.log_batch(
                created.info.run_id,
                metrics=[self.Metric(k, v, now_ms, 0) for k, v in metrics.items()],
                params=[self.Param(k, v) for k, v in params.items()],
            )

    def search(self, size: int) -> list[str]:
        found = self.client.search_runs(
            [self.search_experiment], filter_string=FILTER, order_by=ORDER_BY, max_results=size
        )
        return [r.data.params["idx"] for r in found]


def measure(sides: list[Any], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every measurement, the two sides taking turns so both see the same machine load."""
    out: dict[str, dict[str, Any]] = {side.name: {} for side in sides}
    for side in sides:
        side.log_metric_loop(50)  # warm-up: connections, first-call imports, the writer thread
        total, in_calls = side.log_metric_loop(args.log_calls)
        out[side.name]["log_metric_per_s"] = args.log_calls / total
        out[side.name]["log_metric_call_per_s"] = args.log_calls / in_calls
    print("log_metric done", flush=True)

    loggers = {side.name: side.batch_run() for side in sides}
    times: dict[str, list[float]] = {side.name: [] for side in sides}
    for batch in batch_values(args.batches):
        for side in sides:
            times[side.name].append(timed(lambda log=loggers[side.name], b=batch: log(b)))
    for side in sides:
        out[side.name]["log_batch_s"] = statistics.median(times[side.name])
    print("log_batch done", flush=True)

    data = run_values(args.runs)
    for side in sides:
        out[side.name]["populate_s"] = timed(lambda side=side: side.populate(data))
        print(f"{side.name}: {args.runs:,} runs stored", flush=True)

    for size in args.max_results:
        times = {side.name: [] for side in sides}
        for side in sides:
            out[side.name][f"search_{size}_ids"] = side.search(size)  # also warms the caches
        for _ in range(args.repeats):
            for side in sides:
                times[side.name].append(timed(lambda side=side, size=size: side.search(size)))
        for side in sides:
            out[side.name][f"search_{size}_s"] = statistics.median(times[side.name])
    return out


# -- report ------------------------------------------------------------------------------
def report(ours: dict[str, Any], theirs: dict[str, Any], args: argparse.Namespace) -> bool:
    rows: list[tuple[str, str, str, str, str, str]] = []
    ok = True

    graded = not args.quick  # the targets are for the full sizes

    def add(name: str, a: str, b: str, ratio: float, target: str, passed: bool | None) -> None:
        nonlocal ok
        if not graded and target:
            target, passed = f"({target})", None
        ok = ok and passed is not False
        verdict = "" if passed is None else ("pass" if passed else "FAIL")
        rows.append((name, a, b, f"{ratio:,.1f}x", target, verdict))

    ratio = ours["log_metric_per_s"] / theirs["log_metric_per_s"]
    add(
        f"log_metric, {args.log_calls:,} calls (values/s)",
        f"{ours['log_metric_per_s']:,.0f}",
        f"{theirs['log_metric_per_s']:,.0f}",
        ratio,
        ">= 20x",
        ratio >= 20,
    )
    ratio = theirs["log_batch_s"] / ours["log_batch_s"]
    add(
        "log_batch of 1,000 metrics (ms, median)",
        f"{ours['log_batch_s'] * 1000:,.1f}",
        f"{theirs['log_batch_s'] * 1000:,.1f}",
        ratio,
        ">= 5x",
        ratio >= 5,
    )
    for size in args.max_results:
        a, b = ours[f"search_{size}_s"], theirs[f"search_{size}_s"]
        full = args.runs >= 10_000
        add(
            f"search_runs, {args.runs:,} runs, max {size} (ms, median)",
            f"{a * 1000:,.1f}",
            f"{b * 1000:,.1f}",
            b / a,
            "<= 100 ms" if full else "<= 100 ms at 10k",
            a <= 0.1 if full else None,
        )
    add(
        f"populate {args.runs:,} runs x 10 params x 10 metrics (s)",
        f"{ours['populate_s']:,.1f}",
        f"{theirs['populate_s']:,.1f}",
        theirs["populate_s"] / ours["populate_s"],
        "",
        None,
    )

    header = ("benchmark", "mlstudio", "MLflow", "speed-up", "target", "")
    peer_venv.print_table(header, rows)
    print(
        "speed-up = how many times faster mlstudio is (throughput ratio for log_metric, "
        "time ratio otherwise)."
    )
    print(
        f"log_metric: mlstudio's call itself (queueing only) runs at "
        f"{ours['log_metric_call_per_s']:,.0f} values/s; the figure above includes the flush."
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = peer_venv.benchmark_parser(__doc__)
    parser.add_argument("--log-calls", type=int, default=5_000, help="log_metric calls per side")
    parser.add_argument("--batches", type=int, default=21, help="log_batch calls per side")
    parser.add_argument("--runs", type=int, default=10_000, help="runs to search over")
    parser.add_argument("--repeats", type=int, default=7, help="search_runs calls per size")
    parser.add_argument(
        "--max-results", type=int, nargs="+", default=[100, 1000], help="search page sizes"
    )
    args, mlflow = peer_venv.start_mlflow_benchmark(parser, argv)
    if args.quick:
        args.log_calls, args.batches, args.runs, args.repeats = 500, 5, 1_000, 3
    peer_venv.print_machine(
        f"mlflow {mlflow.__version__}",
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
    )
    with tempfile.TemporaryDirectory(prefix="mlstudio-bench-") as tmp:
        ours, theirs = Ours(Path(tmp) / "mlstudio"), Theirs(mlflow, Path(tmp))
        try:
            results = measure([ours, theirs], args)
        finally:
            ours.close()
    ours_out, theirs_out = results[Ours.name], results[Theirs.name]
    for size in args.max_results:
        if ours_out[f"search_{size}_ids"] != theirs_out[f"search_{size}_ids"]:
            print(f"WARNING: the two searches (max {size}) returned different runs.")
    ok = report(ours_out, theirs_out, args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
