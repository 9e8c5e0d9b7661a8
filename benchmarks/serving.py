"""Serving throughput and latency: our endpoint versus ``mlflow models serve``, with wrk.

The acceptance benchmark of the endpoint server (``jupyter_mlstudio.serving``). In one
run, on one machine, with one model — a scikit-learn RandomForestClassifier (100 trees,
``random_state=0``) fitted on the breast-cancer data — it:

1. registers the model in a throwaway studio (``MLSTUDIO_HOME`` = a temporary folder) and
   starts our endpoint with ``--workers`` worker processes (batching on, no token);
2. saves the *same* fitted estimator (pickled here, unpickled in MLflow's environment)
   with ``mlflow.sklearn.save_model`` — the folder ``log_model`` would write — and serves
   it with ``mlflow models serve --env-manager local -w WORKERS`` (MLflow 3: uvicorn
   with that many worker processes; each calls ``predict`` once per request);
3. warms both servers up, then, at each ``--connections`` level, runs ``wrk`` on
   loopback for ``--duration`` with 1-row requests — the same JSON body,
   ``{"dataframe_split": {"columns": [...], "data": [[...]]}}``, to ``/invocations`` —
   on ours and on MLflow's in turn (interleaved, so that load from elsewhere on the
   machine hits both sides alike), and records req/s, p50/p90/p99, non-2xx responses
   and socket errors, and the servers' CPU time (their whole process groups);
4. reads our endpoint's ``/metrics`` before and after each run (the difference: the
   server-side p99 and the mean batch size of that run alone);
5. measures the limit: ``model.predict`` in plain processes, no HTTP, on batches of the
   mean batch size our endpoint formed at the highest connection level, with the
   thread limits our workers use (``OMP_NUM_THREADS=1`` ...), ``--workers`` such
   processes at once (the same parallelism the endpoint has) — rows/s;
6. checks the targets and prints a Markdown table and the exact commands.

Targets (1-row requests, same number of worker processes on both sides):

* at 64 connections, at least 10x MLflow's requests/s, with a lower p99;
* at 16 connections, at least 4x MLflow's requests/s;
* at 1 connection, latency no worse than MLflow's (p50 and p99);
* reported, not judged: ours as a fraction of the in-process batched limit.

A run with non-2xx responses or socket errors is flagged; a target whose runs on our
side had errors fails. Both servers get the same thread limits (``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` = 1) so the comparison is of the servers,
not of BLAS thread pools. wrk runs on the same machine (``-t min(connections, 2)``), so
it takes CPU from both servers alike.

Needs ``wrk`` on PATH (Debian/Ubuntu: ``apt-get install -y wrk``) and, for the MLflow
side, a Python where ``import mlflow`` works: by default ``/tmp/mlflow-bench-venv``,
made on first use by ``benchmarks/peer_venv.py`` (the pinned MLflow, with scikit-learn,
numpy and scipy at ``.venv``'s versions, so it unpickles the very estimator ours serves;
a few minutes, once); ``--mlflow-python PATH`` names another; ``--no-mlflow`` skips it.
Exit status: 0 all targets passed, 1 a target failed or was not checked, 2 setup error.

    .venv/bin/python benchmarks/serving.py
    .venv/bin/python benchmarks/serving.py --duration 5 --connections 1 16 64 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import pickle
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
MODEL_NAME = "bench-rf"
TARGET_RATIO = {64: 10.0, 16: 4.0}
CLK_TCK = os.sysconf("SC_CLK_TCK")

WRK_LUA = """\
-- POST the same body on every request (written by benchmarks/serving.py)
local f = assert(io.open("{body_path}", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
"""

# Saves the pickled estimator as an MLflow model (run with MLflow's Python).
MLFLOW_SAVE = """\
import inspect, json, pickle, sys
import pandas as pd
import sklearn
import mlflow, mlflow.sklearn
from mlflow.models import infer_signature

pickled, example_path, target, fitted_with = sys.argv[1:5]
example = pd.read_json(example_path, orient="split")
if sklearn.__version__ == fitted_with:
    with open(pickled, "rb") as handle:
        model = pickle.load(handle)
    origin = "unpickled"
else:  # another scikit-learn: refit the same estimator on the same data
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    with open(pickled, "rb") as handle:
        params = pickle.load(handle).get_params()
    model = RandomForestClassifier(**params).fit(X, y)
    origin = "refitted (scikit-learn %s here, %s in the benchmark)" % (
        sklearn.__version__, fitted_with)
signature = infer_signature(example, model.predict(example))
options = {}
if "skops_trusted_types" in inspect.signature(mlflow.sklearn.save_model).parameters:
    options["skops_trusted_types"] = ["sklearn.tree._tree.Tree"]  # MLflow 3 saves with skops
mlflow.sklearn.save_model(
    model, target, signature=signature, input_example=example.head(3), **options
)
print(json.dumps({"mlflow": mlflow.__version__, "sklearn": sklearn.__version__,
                  "model": origin}))
"""

# Times model.predict on batches of ROWS rows for SECONDS (run with the thread limits).
IN_PROCESS = """\
import json, pickle, sys, time
import pandas as pd
pickled, example_path = sys.argv[1], sys.argv[2]
rows, seconds = int(sys.argv[3]), float(sys.argv[4])
with open(pickled, "rb") as handle:
    model = pickle.load(handle)
X = pd.read_json(example_path, orient="split")
batch = X.sample(rows, random_state=0, replace=True)
predict = model.predict
if sys.argv[5:] == ["compiled"]:  # the compiled forest our workers use for small batches
    from jupyter_mlstudio.serving.fast_forest import compile_forest
    compiled = compile_forest(model)
    assert compiled is not None and compiled.predict(batch) is not None
    predict = compiled.predict
predict(batch)  # warm
count = calls = 0
started, cpu_started = time.perf_counter(), time.process_time()
while True:
    predict(batch)
    count += rows
    calls += 1
    elapsed = time.perf_counter() - started
    if elapsed >= seconds:
        break
cpu = time.process_time() - cpu_started
print(json.dumps({"rows_per_s": count / elapsed, "ms_per_call": 1000 * elapsed / calls,
                  "cpu_ms_per_call": 1000 * cpu / calls}))
"""


MAX_COMPILED_ROWS = 256  # serving/fast_forest.py MAX_ROWS


class SetupError(Exception):
    """The benchmark cannot run (a missing tool, a server that did not start)."""


# -- wrk --------------------------------------------------------------------------------
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = re.compile(r"^([0-9]*\.?[0-9]+)(us|ms|s|m|h)$")


def duration_ms(text: str) -> float:
    """A wrk duration (``635.91us``, ``1.04ms``, ``1.50s``, ``2.00m``) in milliseconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"Not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


@dataclass
class WrkResult:
    connections: int
    requests: int = 0
    seconds: float = 0.0
    req_per_s: float = 0.0
    mean_ms: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    command: str = ""
    output: str = ""
    server_cpu_s: float | None = None
    client_cpu_s: float | None = None

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def flagged(self) -> bool:
        return self.errors > 0 or self.requests == 0


def parse_wrk(output: str, connections: int) -> WrkResult:
    """Requests/sec, the latency distribution (``--latency``), non-2xx responses and
    socket errors from wrk's report."""
    result = WrkResult(connections, output=output)
    if m := re.search(r"^\s*(\d+) requests in ([0-9.]+\w+)", output, re.M):
        result.requests = int(m.group(1))
        result.seconds = duration_ms(m.group(2)) / 1000
    if m := re.search(r"^Requests/sec:\s*([0-9.]+)", output, re.M):
        result.req_per_s = float(m.group(1))
    if m := re.search(r"^\s*Latency\s+(\S+)", output, re.M):
        with contextlib.suppress(ValueError):
            result.mean_ms = duration_ms(m.group(1))
    for percent, name in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        if m := re.search(rf"^\s*{percent}(?:\.0+)?%\s+(\S+)", output, re.M):
            setattr(result, name, duration_ms(m.group(1)))
    if m := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output):
        result.non_2xx = int(m.group(1))
    if m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        result.socket_errors = {
            k: int(v)
            for k, v in zip(("connect", "read", "write", "timeout"), m.groups(), strict=True)
            if int(v)
        }
    return result


def run_wrk(
    wrk: str,
    url: str,
    lua: Path,
    connections: int,
    seconds: float,
    timeout_s: float,
    server_pgid: int | None,
) -> WrkResult:
    threads = max(1, min(connections, 2))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={timeout_s:g}s",
        "--latency",
        "-s",
        str(lua),
        url,
    ]
    cpu_before = group_cpu_seconds(server_pgid) if server_pgid else None
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + timeout_s + 30, check=False
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SetupError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    result = parse_wrk(completed.stdout, connections)
    result.command = shlex.join(command)
    if cpu_before is not None and server_pgid:
        result.server_cpu_s = group_cpu_seconds(server_pgid) - cpu_before
    result.client_cpu_s = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    return result


# -- processes --------------------------------------------------------------------------
def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        # fields[0] is the state (field 3 of proc(5)): pgrp = field 5, utime/stime = 14/15
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def thread_cpu_ticks(pgid: int) -> dict[tuple[int, int], int]:
    """User + system CPU clock ticks of every thread of a process group's live
    processes, by (pid, tid); empty off Linux."""
    ticks: dict[tuple[int, int], int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            tasks = list(os.scandir(Path(entry.path, "task")))
        except OSError:
            continue
        for task in tasks:
            try:
                cells = Path(task.path, "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[(int(entry.name), int(task.name))] = int(cells[11]) + int(cells[12])
    return ticks


@dataclass
class CpuBreakdown:
    """Where our server's CPU went during one run: the workers' event-loop threads
    (HTTP, parsing, validation, replies), their other threads (the predict threads; also
    capture writers when capture is on), and the supervisor."""

    loop_seconds: float
    thread_seconds: float
    supervisor_seconds: float

    def per_request_ms(self, requests: int) -> float | None:
        return 1000 * self.loop_seconds / requests if requests else None

    def per_batch_ms(self, batches: int) -> float | None:
        return 1000 * self.thread_seconds / batches if batches else None


def cpu_breakdown(
    before: dict[tuple[int, int], int], after: dict[tuple[int, int], int], supervisor: int
) -> CpuBreakdown:
    loop = thread = sup = 0
    for key, ticks in after.items():
        spent = ticks - before.get(key, 0)
        pid, tid = key
        if pid == supervisor:
            sup += spent
        elif pid == tid:
            loop += spent
        else:
            thread += spent
    return CpuBreakdown(loop / CLK_TCK, thread / CLK_TCK, sup / CLK_TCK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_request(
    port: int, method: str, path: str, body: bytes | None = None, timeout: float = 30.0
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def stop_group(process: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """SIGTERM to the process group (a session leader's), then SIGKILL."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers (uvicorn's workers)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def thread_limited_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for name in THREAD_LIMITS:
        env[name] = "1"
    return env


# -- MLflow -----------------------------------------------------------------------------
def imports_mlflow(python: str) -> str | None:
    """MLflow's version under ``python``, or None."""
    try:
        completed = subprocess.run(
            [python, "-c", "import mlflow; print(mlflow.__version__)"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def find_mlflow_python(given: str | None) -> tuple[str | None, str]:
    """(a Python that imports mlflow, or None; what was tried): ``given``, else the
    pinned venv of ``peer_venv`` (made when missing)."""
    import peer_venv  # benchmarks/, beside this script

    python = given or peer_venv.ensure("mlflow")
    return (python if imports_mlflow(python) else None), python


@dataclass
class MlflowServer:
    python: str
    model_dir: Path
    workers: int
    log_path: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    command: list[str] = field(default_factory=list)

    def start(self, timeout: float = 180.0) -> MlflowServer:
        bindir = Path(self.python).parent
        cli = bindir / "mlflow"
        prefix = [str(cli)] if cli.exists() else [self.python, "-m", "mlflow"]
        self.port = free_port()
        self.command = [
            *prefix,
            "models",
            "serve",
            "-m",
            str(self.model_dir),
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-w",
            str(self.workers),
        ]
        env = thread_limited_env()
        # MLflow execs `uvicorn` by name: its environment's bin/ first on PATH
        env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        env.pop("VIRTUAL_ENV", None)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SetupError(
                        f"mlflow models serve exited with {self.process.returncode}:\n{self.tail()}"
                    )
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if http_request(self.port, "GET", "/ping", timeout=2)[0] == 200:
                        return self
                time.sleep(0.5)
            raise SetupError(f"mlflow models serve was not ready in {timeout:g} s:\n{self.tail()}")
        except BaseException:
            self.stop()
            raise

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)

    @property
    def pgid(self) -> int | None:
        return self.process.pid if self.process is not None else None


# -- our endpoint's /metrics, per run -------------------------------------------------------
@dataclass
class MetricsDelta:
    requests: int
    errors: int
    batches: int
    rows: int
    p99_ms: float | None
    p50_ms: float | None

    @property
    def mean_batch(self) -> float | None:
        return self.rows / self.batches if self.batches else None


def _variant(metrics: dict[str, Any]) -> dict[str, Any]:
    variant: dict[str, Any] = metrics["variants"]["primary"]
    return variant


def metrics_delta(before: dict[str, Any], after: dict[str, Any]) -> MetricsDelta:
    """Our endpoint's counters of one run: ``after`` minus ``before`` (the histogram
    buckets too, so the percentiles are of this run alone; the bucket's geometric middle,
    as ``/metrics`` reports them)."""
    b, a = _variant(before), _variant(after)
    counts: dict[float, int] = {}
    for bucket in a["latency_ms"]["histogram"]:
        counts[bucket["le"]] = counts.get(bucket["le"], 0) + bucket["count"]
    for bucket in b["latency_ms"]["histogram"]:
        counts[bucket["le"]] = counts.get(bucket["le"], 0) - bucket["count"]
    ordered = sorted((le, n) for le, n in counts.items() if n > 0)
    total = sum(n for _, n in ordered)

    def percentile(q: float) -> float | None:
        if not total:
            return None
        rank, seen = max(1, math.ceil(q * total)), 0
        for le, n in ordered:
            seen += n
            if seen >= rank:
                return le / math.sqrt(1.15)  # the geometric middle of a 15 %-wide bucket
        return ordered[-1][0]

    def errors(v: dict[str, Any]) -> int:
        return int(v["errors"]["4xx"]) + int(v["errors"]["5xx"])

    return MetricsDelta(
        requests=a["requests"] - b["requests"],
        errors=errors(a) - errors(b),
        batches=a["batch_size"]["batches"] - b["batch_size"]["batches"],
        rows=a["batch_size"]["rows"] - b["batch_size"]["rows"],
        p99_ms=percentile(0.99),
        p50_ms=percentile(0.50),
    )


# -- the limit ------------------------------------------------------------------------------
def in_process_rate(
    pickled: Path,
    example: Path,
    rows: int,
    seconds: float,
    processes: int,
    compiled: bool = False,
) -> tuple[float, float, list[str], float]:
    """(rows/s summed over ``processes`` concurrent processes, ms per predict call (mean
    over processes), the command, CPU ms per call (mean)): ``model.predict`` on
    ``rows``-row batches (``compiled``: the compiled forest of serving/fast_forest.py)."""
    command = [sys.executable, "-c", IN_PROCESS, str(pickled), str(example), str(rows)]
    command.append(f"{seconds:g}")
    if compiled:
        command.append("compiled")
    running = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=thread_limited_env()
        )
        for _ in range(processes)
    ]
    outputs = []
    try:
        for process in running:
            out, err = process.communicate(timeout=seconds + 120)
            if process.returncode != 0:
                raise SetupError(f"In-process predict failed: {err.decode(errors='replace')}")
            outputs.append(json.loads(out))
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    rate = sum(o["rows_per_s"] for o in outputs)
    per_call = sum(o["ms_per_call"] for o in outputs) / len(outputs)
    cpu_per_call = sum(o["cpu_ms_per_call"] for o in outputs) / len(outputs)
    return rate, per_call, command, cpu_per_call


# -- the report -----------------------------------------------------------------------------
def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


@dataclass
class Level:
    connections: int
    ours: WrkResult
    mlflow: WrkResult | None
    metrics: MetricsDelta
    cpu: CpuBreakdown | None = None


def error_text(result: WrkResult) -> str:
    parts = []
    if result.non_2xx:
        parts.append(f"{result.non_2xx} non-2xx")
    for kind, count in result.socket_errors.items():
        parts.append(f"{count} {kind}")
    if result.requests == 0:
        parts.append("no requests")
    return ("⚠ " + ", ".join(parts)) if parts else "0"


def check_targets(levels: Sequence[Level]) -> list[tuple[str, str, str]]:
    """(target, PASS / FAIL / NOT CHECKED, the figures)."""
    checks: list[tuple[str, str, str]] = []
    by = {level.connections: level for level in levels}
    for conns, wanted in sorted(TARGET_RATIO.items(), reverse=True):
        name = f"{conns} connections: ≥ {wanted:g}x MLflow's req/s" + (
            ", lower p99" if conns == 64 else ""
        )
        level = by.get(conns)
        if level is None or level.mlflow is None:
            checks.append((name, "NOT CHECKED", "level not run or MLflow skipped"))
            continue
        ours, theirs = level.ours, level.mlflow
        got = ratio(ours.req_per_s, theirs.req_per_s)
        ok = got is not None and got >= wanted
        detail = f"{fmt_ratio(got)} ({ours.req_per_s:.0f} vs {theirs.req_per_s:.0f} req/s)"
        if conns == 64:
            lower = ours.p99_ms is not None and (
                theirs.p99_ms is None or ours.p99_ms < theirs.p99_ms
            )
            ok = ok and lower
            detail += f"; p99 {fmt_ms(ours.p99_ms)} vs {fmt_ms(theirs.p99_ms)} ms"
        if ours.flagged:
            ok = False
            detail += f"; our run had errors ({error_text(ours)})"
        if theirs.flagged:
            detail += f"; MLflow's run had errors ({error_text(theirs)})"
        checks.append((name, "PASS" if ok else "FAIL", detail))
    name = "1 connection: latency no worse than MLflow's (p50 and p99)"
    level = by.get(1)
    if level is None or level.mlflow is None:
        checks.append((name, "NOT CHECKED", "level not run or MLflow skipped"))
    else:
        ours, theirs = level.ours, level.mlflow
        ok = all(
            o is not None and t is not None and o <= t
            for o, t in ((ours.p50_ms, theirs.p50_ms), (ours.p99_ms, theirs.p99_ms))
        )
        detail = (
            f"p50 {fmt_ms(ours.p50_ms)} vs {fmt_ms(theirs.p50_ms)} ms, "
            f"p99 {fmt_ms(ours.p99_ms)} vs {fmt_ms(theirs.p99_ms)} ms"
        )
        if ours.flagged:
            ok = False
            detail += f"; our run had errors ({error_text(ours)})"
        checks.append((name, "PASS" if ok else "FAIL", detail))
    return checks


def cpu_text(result: WrkResult | None) -> str:
    """The server's CPU as % of one core, and requests per CPU-second it used (a figure
    less sensitive than req/s to other load on the machine)."""
    if result is None or result.server_cpu_s is None or not result.seconds:
        return "- | -"
    per_cpu = result.requests / result.server_cpu_s if result.server_cpu_s else 0.0
    return f"{100 * result.server_cpu_s / result.seconds:.0f} % | {per_cpu:.0f}"


def client_cpu_text(result: WrkResult | None) -> str:
    if result is None or result.client_cpu_s is None or not result.seconds:
        return "-"
    return f"{100 * result.client_cpu_s / result.seconds:.0f} %"


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes, both sides")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up each")
    parser.add_argument("--timeout", type=float, default=30.0, help="wrk request timeout (s)")
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--max-batch-size", type=int, default=64, help="ours: BatchingConfig")
    parser.add_argument("--max-wait-ms", type=float, default=2.0, help="ours: BatchingConfig")
    parser.add_argument(
        "--mlflow-python",
        default=None,
        help="a Python that imports mlflow (default: /tmp/mlflow-bench-venv, made on first use)",
    )
    parser.add_argument("--no-mlflow", action="store_true", help="skip the MLflow side")
    parser.add_argument(
        "--limit-seconds", type=float, default=5.0, help="seconds of in-process predict"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--http",
        choices=("fast", "tornado"),
        default=os.environ.get("MLSTUDIO_SERVING_HTTP", "fast"),
        help="ours: the workers' HTTP front (serving/fast_http.py) or tornado for every route",
    )
    parser.add_argument(
        "--only",
        default=None,
        metavar="FEATURE",
        help="run one feature's benchmark instead: benchmarks/serving_<FEATURE>.py "
        "(autoscaling, ...)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or any(c < 1 for c in args.connections):
        parser.error("--workers and --connections must be at least 1")
    return args


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # clean up on `kill` too
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "benchmarks/serving.py needs the load tool wrk on PATH. Install it with\n"
            "    apt-get install -y wrk        (Debian/Ubuntu, as root)\n"
            "    brew install wrk              (macOS)\n"
            "or build it from its sources, then run this again.",
            file=sys.stderr,
        )
        return 2
    command_line = shlex.join([sys.executable, *sys.argv]) if argv is None else ""
    if args.only:  # a feature's own benchmark module beside this one, e.g. serving_autoscaling
        import importlib

        sys.path.insert(0, str(Path(__file__).parent))
        feature = importlib.import_module(f"serving_{args.only.replace('-', '_')}")
        return int(feature.run(wrk))
    try:
        return run(args, wrk, command_line)
    except SetupError as exc:
        print(f"\nSetup error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted; servers stopped.", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _studio_home(path: Path) -> Iterator[None]:
    previous = os.environ.get("MLSTUDIO_HOME")
    os.environ["MLSTUDIO_HOME"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MLSTUDIO_HOME", None)
        else:
            os.environ["MLSTUDIO_HOME"] = previous


def run(args: argparse.Namespace, wrk: str, command_line: str) -> int:
    with (
        tempfile.TemporaryDirectory(prefix="mlstudio-serving-bench-") as tmp,
        _studio_home(Path(tmp) / "studio"),
    ):
        work = Path(tmp)
        for name in THREAD_LIMITS:  # this process fits the model only; limits as the workers
            os.environ.setdefault(name, "1")
        import sklearn
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import RandomForestClassifier

        import jupyter_mlstudio as mls
        from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess

        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        model = RandomForestClassifier(n_estimators=args.trees, random_state=0).fit(X, y)
        pickled = work / "model.pkl"
        pickled.write_bytes(pickle.dumps(model))
        example = work / "X.json"
        X.to_json(example, orient="split", double_precision=15)
        mls.register(model, MODEL_NAME, input_example=X)

        row = X.head(1)
        body = json.dumps(
            {"dataframe_split": {"columns": list(X.columns), "data": row.values.tolist()}}
        ).encode()
        body_path = work / "body.json"
        body_path.write_bytes(body)
        lua = work / "post.lua"
        lua.write_text(WRK_LUA.format(body_path=str(body_path).replace("\\", "/")))
        expected = model.predict(row).tolist()

        # MLflow's side: find it, save the model
        mlflow_python: str | None = None
        mlflow_note = "skipped (--no-mlflow)"
        if not args.no_mlflow:
            mlflow_python, tried = find_mlflow_python(args.mlflow_python)
            if mlflow_python is None:
                mlflow_note = (
                    f"skipped: no Python that imports mlflow ({tried}); pass --mlflow-python "
                    "/path/to/venv/bin/python (a venv with mlflow installed)"
                )
                print(f"MLflow side {mlflow_note}", flush=True)
        mlflow_model = work / "mlflow-model"
        mlflow_facts: dict[str, Any] = {}
        if mlflow_python is not None:
            completed = subprocess.run(
                [
                    mlflow_python,
                    "-c",
                    MLFLOW_SAVE,
                    str(pickled),
                    str(example),
                    str(mlflow_model),
                    sklearn.__version__,
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
                env={**thread_limited_env(), "MLFLOW_DISABLE_TELEMETRY": "true"},
            )
            if completed.returncode != 0:
                raise SetupError(f"Saving the MLflow model failed:\n{completed.stderr[-3000:]}")
            mlflow_facts = json.loads(completed.stdout.strip().splitlines()[-1])
            mlflow_note = (
                f"MLflow {mlflow_facts['mlflow']} (scikit-learn {mlflow_facts['sklearn']}, "
                f"model {mlflow_facts['model']}), {mlflow_python}"
            )

        config = EndpointConfig(
            name="bench",
            variants=[{"model": MODEL_NAME, "instances": args.workers}],
            batching={"max_batch_size": args.max_batch_size, "max_wait_ms": args.max_wait_ms},
            token=None,
            drain_seconds=2.0,  # nothing to drain at the end: stop fast
        )
        ours_env = {**thread_limited_env(), "MLSTUDIO_SERVING_HTTP": args.http}
        ours_proc = EndpointProcess(config, env=ours_env)
        theirs: MlflowServer | None = None
        levels: list[Level] = []
        limit: dict[str, Any] = {}
        try:
            print(f"Starting our endpoint ({args.workers} workers) ...", flush=True)
            ours_proc.start()
            ours_port = ours_proc.port
            if mlflow_python is not None:
                print(f"Starting mlflow models serve (-w {args.workers}) ...", flush=True)
                # assigned before start(): an interrupt while it starts still stops it
                theirs = MlflowServer(
                    mlflow_python, mlflow_model, args.workers, work / "mlflow.log"
                )
                theirs.start()

            # sanity: both answer the body with the model's prediction
            servers: list[tuple[str, int, int | None]] = [("ours", ours_port, ours_proc.pid)]
            if theirs is not None:
                servers.append(("MLflow", theirs.port, theirs.pgid))
            for label, port, _ in servers:
                status, reply = http_request(port, "POST", "/invocations", body)
                answer = json.loads(reply) if status == 200 else None
                if answer is None or answer.get("predictions") != expected:
                    raise SetupError(
                        f"{label} answered {status} {reply[:300]!r}, expected predictions "
                        f"{expected}"
                    )
            warm_conns = max(args.connections)
            for label, port, pgid in servers:
                print(f"Warming up {label} ({args.warmup:g} s, {warm_conns} connections)")
                run_wrk(
                    wrk,
                    f"http://127.0.0.1:{port}/invocations",
                    lua,
                    warm_conns,
                    args.warmup,
                    args.timeout,
                    pgid,
                )

            for conns in args.connections:
                before = ours_proc.metrics()
                threads_before = thread_cpu_ticks(ours_proc.pid)
                ours = run_wrk(
                    wrk,
                    f"http://127.0.0.1:{ours_port}/invocations",
                    lua,
                    conns,
                    args.duration,
                    args.timeout,
                    ours_proc.pid,
                )
                breakdown = cpu_breakdown(
                    threads_before, thread_cpu_ticks(ours_proc.pid), ours_proc.pid
                )
                delta = metrics_delta(before, ours_proc.metrics())
                print(
                    f"  ours   c={conns:<3} {ours.req_per_s:9.1f} req/s  p50 "
                    f"{fmt_ms(ours.p50_ms)} ms  p99 {fmt_ms(ours.p99_ms)} ms  errors "
                    f"{error_text(ours)}  mean batch {delta.mean_batch or 0:.2f}",
                    flush=True,
                )
                mlflow_result = None
                if theirs is not None:
                    mlflow_result = run_wrk(
                        wrk,
                        f"http://127.0.0.1:{theirs.port}/invocations",
                        lua,
                        conns,
                        args.duration,
                        args.timeout,
                        theirs.pgid,
                    )
                    print(
                        f"  MLflow c={conns:<3} {mlflow_result.req_per_s:9.1f} req/s  p50 "
                        f"{fmt_ms(mlflow_result.p50_ms)} ms  p99 "
                        f"{fmt_ms(mlflow_result.p99_ms)} ms  errors "
                        f"{error_text(mlflow_result)}",
                        flush=True,
                    )
                levels.append(Level(conns, ours, mlflow_result, delta, breakdown))
            final_metrics = ours_proc.metrics()
        finally:
            ours_proc.stop()
            if theirs is not None:
                theirs.stop()

        # the limit: predict alone, batches of the size ours formed at the top level
        top = max(levels, key=lambda level: level.connections)
        batch_rows = max(1, round(top.metrics.mean_batch or 1))
        print(
            f"In-process predict: {args.workers} processes, {batch_rows}-row batches "
            f"({args.limit_seconds:g} s) ...",
            flush=True,
        )
        rate, per_call, limit_command, cpu_per_call = in_process_rate(
            pickled, example, batch_rows, args.limit_seconds, args.workers
        )
        full_rate, full_call, _, _ = in_process_rate(
            pickled, example, args.max_batch_size, args.limit_seconds, args.workers
        )
        one_rate, one_call, _, _ = in_process_rate(
            pickled, example, 1, min(args.limit_seconds, 3.0), 1
        )
        # our workers answer batches of up to 256 rows of a forest with the compiled
        # forest: the limit of that same call, beside scikit-learn's
        compiled_rate = None
        if batch_rows <= MAX_COMPILED_ROWS:
            compiled_rate, _, _, _ = in_process_rate(
                pickled, example, batch_rows, args.limit_seconds, args.workers, compiled=True
            )
        limit = {
            "batch_rows": batch_rows,
            "processes": args.workers,
            "rows_per_s": rate,
            "ms_per_call": per_call,
            "cpu_ms_per_call": cpu_per_call,
            "one_row_per_s_one_process": one_rate,
            "one_row_ms": one_call,
            "fraction": top.ours.req_per_s / rate if rate else None,
            "max_batch_rows": args.max_batch_size,
            "max_batch_rows_per_s": full_rate,
            "max_batch_ms_per_call": full_call,
            "fraction_of_max_batch": top.ours.req_per_s / full_rate if full_rate else None,
            "compiled_rows_per_s": compiled_rate,
            "fraction_of_compiled": top.ours.req_per_s / compiled_rate if compiled_rate else None,
        }

        report(
            args,
            levels,
            limit,
            final_metrics,
            mlflow_note,
            command_line,
            ours_proc,
            theirs,
            limit_command,
        )
        checks = check_targets(levels)
        print("\n### Targets\n")
        for name, verdict, detail in checks:
            print(f"- **{verdict}** — {name}: {detail}")
        flagged = [
            f"{label} at {level.connections} connections: {error_text(result)}"
            for level in levels
            for label, result in (("ours", level.ours), ("MLflow", level.mlflow))
            if result is not None and result.flagged
        ]
        if flagged:
            print("\n**Runs with errors (figures not trustworthy):** " + "; ".join(flagged))
        if args.json is not None:
            args.json.write_text(
                json.dumps(
                    {
                        "command": command_line,
                        "workers": args.workers,
                        "http": args.http,
                        "mlflow": mlflow_note,
                        "levels": [
                            {
                                "connections": level.connections,
                                "ours": _result_dict(level.ours),
                                "mlflow": _result_dict(level.mlflow) if level.mlflow else None,
                                "ours_metrics": {
                                    **level.metrics.__dict__,
                                    "mean_batch": level.metrics.mean_batch,
                                },
                                "ours_cpu": level.cpu.__dict__ if level.cpu else None,
                            }
                            for level in levels
                        ],
                        "limit": limit,
                        "targets": [{"target": n, "verdict": v, "detail": d} for n, v, d in checks],
                    },
                    indent=2,
                )
            )
        return 0 if all(verdict == "PASS" for _, verdict, _ in checks) else 1


def print_cpu_breakdown(top: Level, limit: dict[str, Any]) -> None:
    """Our server's CPU per request at the top level, thread by thread: what the fraction
    of the limit is made of (the limit spends only the predict call's CPU per batch)."""
    cpu, metrics = top.cpu, top.metrics
    loop_ms = cpu.per_request_ms(metrics.requests) if cpu else None
    batch_ms = cpu.per_batch_ms(metrics.batches) if cpu else None
    if cpu is None or loop_ms is None or batch_ms is None or not metrics.mean_batch:
        return
    predict_ms = batch_ms / metrics.mean_batch
    print(f"\n### Where our CPU went ({top.connections} connections)\n")
    print(
        f"Event-loop threads (HTTP, parsing, validation, batching, replies): {loop_ms:.3f} ms "
        f"CPU per request. Predict threads: {batch_ms:.2f} ms CPU per batch of "
        f"{metrics.mean_batch:.1f} rows = {predict_ms:.3f} ms per request (in-process "
        f"predict: {limit['cpu_ms_per_call']:.2f} ms CPU per call). Supervisor: "
        f"{cpu.supervisor_seconds:.2f} CPU-s. Per request the server spends "
        f"{loop_ms + predict_ms:.3f} ms of CPU, {100 * loop_ms / (loop_ms + predict_ms):.0f} % "
        "of it outside predict."
    )
    # the same fraction in CPU terms: it does not move with other load on the machine,
    # which the wall-clock figures above do (the limit and our runs are timed apart)
    limit_ms = limit["cpu_ms_per_call"] / metrics.mean_batch
    limit["cpu_fraction"] = limit_ms / (loop_ms + predict_ms)
    print(
        f"In CPU terms: the limit spends {limit_ms:.3f} ms of CPU per row "
        f"({limit['cpu_ms_per_call']:.2f} ms per call), ours {loop_ms + predict_ms:.3f} ms "
        f"per request: **{100 * limit['cpu_fraction']:.0f} %** — the fraction of the limit "
        "ours would reach with one free core per worker (wrk takes its share too)."
    )


def _result_dict(result: WrkResult) -> dict[str, Any]:
    data = {k: v for k, v in result.__dict__.items() if k != "output"}
    data["errors"] = result.errors
    return data


def report(
    args: argparse.Namespace,
    levels: Sequence[Level],
    limit: dict[str, Any],
    final_metrics: dict[str, Any],
    mlflow_note: str,
    command_line: str,
    ours_proc: Any,
    theirs: MlflowServer | None,
    limit_command: list[str],
) -> None:
    print(
        f"\n## Serving benchmark: RandomForestClassifier ({args.trees} trees, breast cancer), "
        f"1-row JSON requests, {args.workers} worker processes each, wrk {args.duration:g} s "
        f"per run on loopback, {os.cpu_count()} CPUs\n"
    )
    print(f"MLflow: {mlflow_note}\n")
    print(f"Ours: HTTP served by {'the fast front' if args.http == 'fast' else 'tornado'}\n")
    print(
        "| conns | server | req/s | p50 ms | p90 ms | p99 ms | errors | server CPU | req/CPU-s | "
        "wrk CPU | ours ÷ MLflow req/s | ours mean batch | ours /metrics p99 ms |"
    )
    print("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for level in levels:
        o, m = level.ours, level.mlflow
        print(
            f"| {level.connections} | ours | {o.req_per_s:.1f} | {fmt_ms(o.p50_ms)} | "
            f"{fmt_ms(o.p90_ms)} | {fmt_ms(o.p99_ms)} | {error_text(o)} | "
            f"{cpu_text(o)} | {client_cpu_text(o)} | "
            f"{fmt_ratio(ratio(o.req_per_s, m.req_per_s if m else None))} | "
            f"{level.metrics.mean_batch or 0:.2f} | {fmt_ms(level.metrics.p99_ms)} |"
        )
        if m is not None:
            print(
                f"| {level.connections} | MLflow | {m.req_per_s:.1f} | {fmt_ms(m.p50_ms)} | "
                f"{fmt_ms(m.p90_ms)} | {fmt_ms(m.p99_ms)} | {error_text(m)} | "
                f"{cpu_text(m)} | {client_cpu_text(m)} | | | |"
            )
    top = max(levels, key=lambda level: level.connections)
    print(
        "\nServer CPU: user+system time of the server's whole process group during the run, "
        "as % of one core (100 % per worker is the most it can use; wrk shares the cores); "
        "req/CPU-s: requests served per CPU-second the server used (less sensitive to other "
        "load on the machine than req/s).\n"
        "ours mean batch / ours /metrics p99: from our endpoint's /metrics, the difference "
        "before/after that run (server-side time, without the client; bucket middles)."
    )
    variant = final_metrics["variants"]["primary"]
    print(
        f"Our /metrics over the whole run (warm-up included): {variant['requests']} requests, "
        f"p99 {variant['latency_ms']['p99']} ms, mean batch {variant['batch_size']['mean']}, "
        f"max batch {variant['batch_size']['max']}, batch histogram "
        f"{variant['batch_size']['histogram']}."
    )
    print("\n### The limit (in-process batched predict)\n")
    print(
        f"`model.predict` on {limit['batch_rows']}-row DataFrames (the mean batch our "
        f"endpoint formed at {top.connections} connections), in {limit['processes']} "
        f"concurrent plain processes with {'='.join([THREAD_LIMITS[0], '1'])} etc. (as our "
        f"workers), no HTTP, no parsing: {limit['rows_per_s']:.0f} rows/s "
        f"({limit['ms_per_call']:.2f} ms per call)."
    )
    fraction = limit["fraction"]
    print(
        f"Ours at {top.connections} connections: {top.ours.req_per_s:.0f} req/s = "
        f"**{100 * (fraction or 0):.0f} %** of that limit. (For scale: 1-row `predict`, as "
        f"MLflow does per request, runs {limit['one_row_per_s_one_process']:.0f}/s in one "
        f"process, {limit['one_row_ms']:.2f} ms per call.) The limit assumes one core per "
        f"worker; on this machine wrk and the server share {os.cpu_count()} cores, so the "
        "attainable fraction is below 100 % by the client's share of CPU too."
    )
    print(
        f"Ceiling of batching: the same on {limit['max_batch_rows']}-row batches "
        f"(max_batch_size): {limit['max_batch_rows_per_s']:.0f} rows/s "
        f"({limit['max_batch_ms_per_call']:.2f} ms per call); ours = "
        f"{100 * (limit['fraction_of_max_batch'] or 0):.0f} % of it."
    )
    if limit.get("compiled_rows_per_s"):
        print(
            f"The same {limit['batch_rows']}-row batches through the compiled forest our "
            "workers use for forests (jupyter_mlstudio/serving/fast_forest.py, exactly "
            f"scikit-learn's answers): {limit['compiled_rows_per_s']:.0f} rows/s; ours = "
            f"**{100 * (limit['fraction_of_compiled'] or 0):.0f} %** of that (what HTTP, "
            "parsing and batching leave of a predict that no longer dominates)."
        )
    print_cpu_breakdown(top, limit)
    print("\n### Commands\n")
    print(f"- benchmark: `{command_line or '(called from Python)'}`")
    print(
        f"- ours: `{sys.executable} -m jupyter_mlstudio.serving --config endpoint.json` with "
        f"`{ours_proc.config.model_dump_json(exclude_defaults=True)}` "
        f"(+ {', '.join(f'{n}=1' for n in THREAD_LIMITS)})"
    )
    if theirs is not None:
        print(
            f"- MLflow: `{shlex.join(theirs.command)}` "
            f"(+ {', '.join(f'{n}=1' for n in THREAD_LIMITS)}, port picked free)"
        )
    for level in levels:
        for label, result in (("ours", level.ours), ("MLflow", level.mlflow)):
            if result is not None:
                print(f"- wrk, {label}, {level.connections} conns: `{result.command}`")
    print(
        "- wrk script: POST, body = "
        + json.dumps({"dataframe_split": {"columns": ["<30 columns>"], "data": [["<row 0>"]]}})
        + ", Content-Type: application/json"
    )
    print(
        f"- limit: `{shlex.join(limit_command[:2])} <IN_PROCESS script> "
        f"{shlex.join(limit_command[3:])}` x {limit['processes']} at once"
    )


if __name__ == "__main__":
    sys.exit(main())
