"""Autoscaling and scale to zero of an endpoint (issue 20), with wrk.

``benchmarks/serving.py --only autoscaling`` (or this file alone). With the RF-100 model
of ``serving.py`` (a RandomForestClassifier, 100 trees, fitted on the breast-cancer
data) in a throwaway studio it measures:

1. **Cold start**: an endpoint with ``scale_to_zero_after=1`` scales to zero (no worker
   process left); a 1-row request on a new connection is timed from sending to its
   answer, ``--cold-starts`` times. Target: each ≤ 1.5 s. The endpoint's own figure
   (``last_cold_start_seconds``: connection seen → first answer) is shown beside it.
2. **A 1 → 32 connection step**: an endpoint with ``autoscaling={"min": 1, "max":
   --max-instances (default: the CPUs), "target_invocations_per_instance": --target,
   "scale_out_cooldown": 5, "scale_in_cooldown": 60, "window_seconds": 5}`` gets 1
   connection for a few seconds, then 32; wrk runs in 1-second slices, so the
   client-side p99 of each second and the instances serving at its end form a time
   series. Target: p99 back under
   100 ms within 30 s of the step and staying under it (every later slice). Socket
   errors and non-2xx answers are counted: none are expected. Each slice also shows the
   server's own p99, requests and mean batch size per instance (from the shared metrics
   file), and with
   ``--trace-gc`` the endpoint processes' garbage-collector pauses of 2 ms or more (a
   ``gc.callbacks`` hook loaded through ``PYTHONPATH``). ``--runs N`` repeats the step on
   N fresh endpoints (the machine's load is printed with each).

Prints a Markdown table and each figure's ratio to its target. Exit status 0 when both
targets pass, 1 otherwise, 2 on a setup error.

    .venv/bin/python benchmarks/serving.py --only autoscaling
    .venv/bin/python benchmarks/serving_autoscaling.py --cold-starts 5 --step-seconds 40
    .venv/bin/python benchmarks/serving_autoscaling.py --cold-starts 0 --runs 3 --trace-gc
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from serving import (
    MODEL_NAME,
    THREAD_LIMITS,
    WRK_LUA,
    SetupError,
    _studio_home,
    run_wrk,
)

COLD_START_TARGET_S = 1.5
P99_TARGET_MS = 100.0
RECOVERY_TARGET_S = 30.0


def _post(port: int, body: bytes) -> tuple[int, float]:
    """One request on a new connection: (status, seconds to the whole answer)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST", "/invocations", body=body, headers={"Content-Type": "application/json"}
        )
        reply = connection.getresponse()
        reply.read()
        return reply.status, time.perf_counter() - started
    finally:
        connection.close()


def _state(endpoint: Any) -> dict[str, Any]:
    from jupyter_mlstudio.serving.autoscaling import read_state

    return read_state(endpoint.workdir / "runtime") or {}


def _children(pid: int) -> int:
    import psutil

    return len(psutil.Process(pid).children())


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SetupError(f"Timed out waiting for {what}.")
        time.sleep(0.05)


def cold_starts(endpoint: Any, body: bytes, count: int) -> list[tuple[float, float | None]]:
    """(client seconds, the endpoint's own seconds) of ``count`` starts from zero."""
    found = []
    for _ in range(count):
        _wait(lambda: _state(endpoint).get("scaled_to_zero") is True, 60, "scale to zero")
        _wait(lambda: _children(endpoint.pid) == 0, 30, "the workers to exit")
        time.sleep(0.3)
        started_at = time.time()
        before = _state(endpoint).get("cold_starts", 0)
        status, seconds = _post(endpoint.port, body)
        if status != 200:
            raise SetupError(f"The request after a scale to zero answered {status}.")

        def measured(b: int = before, t: float = started_at) -> bool:
            state = _state(endpoint)  # written once the supervisor saw the answer counted
            return state.get("cold_starts", 0) > b and (state.get("last_cold_start_at") or 0) >= t

        _wait(measured, 10, "the cold start figure")
        found.append((seconds, _state(endpoint).get("last_cold_start_seconds")))
    return found


def step(
    wrk: str, endpoint: Any, lua: Path, before_s: int, after_s: int, gc_log: Path | None = None
) -> list[dict[str, Any]]:
    """1-second wrk slices: ``before_s`` at 1 connection, then ``after_s`` at 32. Each
    slice also has the server's own p99 and request count per instance (metrics slot,
    from the shared metrics file's latency histograms) and, with ``gc_log``, the
    endpoint's garbage-collector pauses of 2 ms or more that ended in it."""
    from jupyter_mlstudio.serving.metrics import (
        BATCH0,
        BATCH_ROWS,
        BATCHES,
        LATENCY0,
        REQUESTS,
        MetricsFile,
        percentile_ms,
    )

    url = f"{endpoint.url}/invocations"
    metrics = MetricsFile.open(endpoint.workdir / "runtime" / "metrics.bin")
    slices: list[dict[str, Any]] = []
    started = time.monotonic()
    _, before = metrics.snapshot()
    try:
        for second in range(before_s + after_s):
            connections = 1 if second < before_s else 32
            wall = time.time()
            result = run_wrk(wrk, url, lua, connections, 1.0, 10.0, None)
            _, counters = metrics.snapshot()
            delta, before = counters - before, counters
            instances = {}
            for slot in range(metrics.slots):
                served = int(delta[slot, :, REQUESTS].sum())
                if served:
                    latency = delta[slot, :, LATENCY0:BATCH0].sum(axis=0)
                    batches = max(1, int(delta[slot, :, BATCHES].sum()))
                    rows = int(delta[slot, :, BATCH_ROWS].sum())
                    instances[slot] = (served, percentile_ms(latency, 0.99, 1e9), rows / batches)
            slices.append(
                {
                    "t": round(time.monotonic() - started, 2),
                    "wall": (wall, time.time()),
                    "connections": connections,
                    "req_per_s": result.req_per_s,
                    "p99_ms": result.p99_ms,
                    "errors": result.errors,
                    "instances": _state(endpoint).get("instances"),
                    "by_instance": instances,
                }
            )
    finally:
        metrics.close()
    if gc_log is not None:
        pauses = _gc_pauses(gc_log)
        for item in slices:
            low, high = item["wall"]
            inside = [ms for at, ms in pauses if low <= at < high]
            item["gc"] = (len(inside), max(inside, default=0.0))
    return slices


# Loaded into the endpoint's processes (--trace-gc) through PYTHONPATH: forked workers
# inherit the callback. Logs every collection of 2 ms or more, one line each.
GC_TRACE = """\
import gc, os, time
_path, _start = os.environ["MLSTUDIO_BENCH_GC_LOG"], [0.0]
def _pause(phase, info):
    if phase == "start":
        _start[0] = time.perf_counter()
        return
    took = time.perf_counter() - _start[0]
    if took >= 0.002:
        line = f"{time.time():.3f} {os.getpid()} {info['generation']} {took * 1000:.2f}\\n"
        fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, line.encode())
        os.close(fd)
gc.callbacks.append(_pause)
"""


def _gc_pauses(path: Path) -> list[tuple[float, float]]:
    """(wall time the pause ended, milliseconds) of each logged collection."""
    found = []
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            at, _, _, ms = line.split()
            found.append((float(at), float(ms)))
    return found


def recovery_seconds(slices: Sequence[dict[str, Any]]) -> float | None:
    """Seconds from the step to the start of the first slice from which every slice's
    p99 is under the target (None: never)."""
    step_at = float(next(s["t"] for s in slices if s["connections"] == 32)) - 1.0
    after = [s for s in slices if s["connections"] == 32]
    for index, item in enumerate(after):
        if all((s["p99_ms"] or 1e9) < P99_TARGET_MS for s in after[index:]):
            return max(0.0, float(item["t"]) - 1.0 - step_at)
    return None


def run(wrk: str | None = None, **options: Any) -> int:
    """The whole benchmark (``options``: those of :func:`measure`); the exit status (0:
    both targets met, 1: a target missed, 2: a setup error)."""
    try:
        return measure(wrk, **options)
    except SetupError as exc:
        print(f"Setup error: {exc}", file=sys.stderr)
        return 2


def measure(
    wrk: str | None = None,
    *,
    trees: int = 100,
    cold: int = 5,
    max_instances: int = 0,
    target: float = 20000.0,
    before_s: int = 5,
    after_s: int = 40,
    runs: int = 1,
    trace_gc: bool = False,
) -> int:
    wrk = wrk or shutil.which("wrk")
    if wrk is None:
        print("This benchmark needs wrk on PATH (apt-get install -y wrk).", file=sys.stderr)
        return 2
    with (
        tempfile.TemporaryDirectory(prefix="mlstudio-autoscaling-bench-") as tmp,
        _studio_home(Path(tmp) / "studio"),
    ):
        for name in THREAD_LIMITS:
            os.environ.setdefault(name, "1")
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import RandomForestClassifier

        import jupyter_mlstudio as mls
        from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess

        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        model = RandomForestClassifier(n_estimators=trees, random_state=0).fit(X, y)
        mls.register(model, MODEL_NAME, input_example=X)
        body = json.dumps(
            {"dataframe_split": {"columns": list(X.columns), "data": X.head(1).values.tolist()}}
        ).encode()
        body_path = Path(tmp) / "body.json"
        body_path.write_bytes(body)
        lua = Path(tmp) / "post.lua"
        lua.write_text(WRK_LUA.format(body_path=str(body_path)))
        variant = {"name": "primary", "model": MODEL_NAME, "version": 1}
        env = None
        if trace_gc:
            (Path(tmp) / "gc-trace").mkdir()
            (Path(tmp) / "gc-trace" / "sitecustomize.py").write_text(GC_TRACE)
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(Path(tmp) / "gc-trace"), env.get("PYTHONPATH")])
            )

        print(f"Load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs", flush=True)
        starts: list[tuple[float, float | None]] = []
        if cold:
            serverless = EndpointProcess(
                EndpointConfig.model_validate(
                    {"name": "cold", "variants": [variant], "scale_to_zero_after": 1.0}
                ),
                workdir=Path(tmp) / "cold",
            ).start(timeout=120)
            try:
                starts = cold_starts(serverless, body, cold)
            finally:
                serverless.stop()

        policy = {
            "min": 1,
            # more workers than cores only queue for the CPU
            "max": max_instances or os.cpu_count() or 2,
            "target_invocations_per_instance": target,
            "scale_out_cooldown": 5,
            "scale_in_cooldown": 60,
            "window_seconds": 5,
        }
        steps = []
        for run_index in range(runs):
            gc_log = Path(tmp) / f"gc-{run_index}.log" if trace_gc else None
            if env is not None and gc_log is not None:
                env["MLSTUDIO_BENCH_GC_LOG"] = str(gc_log)
            elastic = EndpointProcess(
                EndpointConfig.model_validate(
                    {"name": "elastic", "variants": [{**variant, "autoscaling": policy}]}
                ),
                workdir=Path(tmp) / f"elastic-{run_index}",
                env=env,
            ).start(timeout=120)
            try:
                _post(elastic.port, body)
                load = os.getloadavg()[0]
                slices = step(wrk, elastic, lua, before_s, after_s, gc_log)
                steps.append((load, os.getloadavg()[0], slices))
            finally:
                elastic.stop()

    passed = True
    if starts:
        client = [s for s, _ in starts]
        worst = max(client)
        print("\n## Cold start from zero (RF-100, 1-row request on a new connection)\n")
        print("| # | client (s) | endpoint (s) |\n|---|---|---|")
        for index, (seconds, own) in enumerate(starts, 1):
            print(f"| {index} | {seconds:.3f} | {own if own is not None else '—'} |")
        print(
            f"\nmedian {statistics.median(client):.3f} s, worst {worst:.3f} s; target ≤ "
            f"{COLD_START_TARGET_S} s: worst/target = {worst / COLD_START_TARGET_S:.2f}"
        )
        passed = worst <= COLD_START_TARGET_S
    recoveries = []
    for index, (load_before, load_after, slices) in enumerate(steps, 1):
        recovery = recovery_seconds(slices)
        recoveries.append(recovery)
        errors = sum(s["errors"] for s in slices)
        print(
            f"\n## 1 → 32 connections, run {index} of {len(steps)} (load {load_before:.2f} → "
            f"{load_after:.2f}; autoscaling {json.dumps(policy)})\n"
        )
        gc_head = " GC pauses ≥ 2 ms (longest) |" if trace_gc else ""
        print(
            "| t (s) | connections | req/s | p99 (ms) | errors | instances "
            f"| by instance: server p99 ms (requests, mean batch rows) |{gc_head}"
        )
        print("|---|---|---|---|---|---|---|" + ("---|" if trace_gc else ""))
        for s in slices:
            p99 = f"{s['p99_ms']:.1f}" if s["p99_ms"] is not None else "—"
            by = " · ".join(
                f"#{slot}: {p or 0:.0f} ({n}, {rows:.1f})"
                for slot, (n, p, rows) in sorted(s["by_instance"].items())
            )
            pauses = f" {s['gc'][0]} ({s['gc'][1]:.0f} ms) |" if "gc" in s else ""
            print(
                f"| {s['t']:.1f} | {s['connections']} | {s['req_per_s']:.0f} | {p99} "
                f"| {s['errors']} | {s['instances']} | {by} |{pauses}"
            )
        peak = max((s["instances"] or 0) for s in slices)
        print(
            f"\np99 under {P99_TARGET_MS:.0f} ms for good "
            + (f"{recovery:.1f} s after the step" if recovery is not None else "never")
            + f"; target ≤ {RECOVERY_TARGET_S:.0f} s"
            + (f": ratio {recovery / RECOVERY_TARGET_S:.2f}" if recovery is not None else "")
            + f". Instances 1 → {peak}; {errors} failed requests."
        )
        passed = passed and recovery is not None and recovery <= RECOVERY_TARGET_S
        passed = passed and errors == 0
    if len(steps) > 1:
        shown = ", ".join(f"{r:.1f} s" if r is not None else "never" for r in recoveries)
        print(f"\nRecovery by run: {shown}.")
    print(f"\n{'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--cold-starts", type=int, default=5, help="0: skip the cold starts")
    parser.add_argument("--max-instances", type=int, default=0, help="default: the number of CPUs")
    parser.add_argument(
        "--target", type=float, default=20000.0, help="invocations per instance per minute"
    )
    parser.add_argument("--step-seconds", type=int, default=40, help="seconds at 32 connections")
    parser.add_argument("--runs", type=int, default=1, help="load steps, each on a new endpoint")
    parser.add_argument(
        "--trace-gc",
        action="store_true",
        help="log the endpoint's garbage-collector pauses of 2 ms or more per slice",
    )
    args = parser.parse_args(argv)
    return run(
        trees=args.trees,
        cold=args.cold_starts,
        max_instances=args.max_instances,
        target=args.target,
        after_s=args.step_seconds,
        runs=args.runs,
        trace_gc=args.trace_gc,
    )


if __name__ == "__main__":
    sys.exit(main())
