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
   errors and non-2xx answers are counted: none are expected.

Prints a Markdown table and each figure's ratio to its target. Exit status 0 when both
targets pass, 1 otherwise, 2 on a setup error.

    .venv/bin/python benchmarks/serving.py --only autoscaling
    .venv/bin/python benchmarks/serving_autoscaling.py --cold-starts 5 --step-seconds 40
"""

from __future__ import annotations

import argparse
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


def step(wrk: str, endpoint: Any, lua: Path, before_s: int, after_s: int) -> list[dict[str, Any]]:
    """1-second wrk slices: ``before_s`` at 1 connection, then ``after_s`` at 32."""
    url = f"{endpoint.url}/invocations"
    slices = []
    started = time.monotonic()
    for second in range(before_s + after_s):
        connections = 1 if second < before_s else 32
        result = run_wrk(wrk, url, lua, connections, 1.0, 10.0, None)
        slices.append(
            {
                "t": round(time.monotonic() - started, 2),
                "connections": connections,
                "req_per_s": result.req_per_s,
                "p99_ms": result.p99_ms,
                "errors": result.errors,
                "instances": _state(endpoint).get("instances"),
            }
        )
    return slices


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

        print(f"Load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs", flush=True)
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
        elastic = EndpointProcess(
            EndpointConfig.model_validate(
                {"name": "elastic", "variants": [{**variant, "autoscaling": policy}]}
            ),
            workdir=Path(tmp) / "elastic",
        ).start(timeout=120)
        try:
            _post(elastic.port, body)
            slices = step(wrk, elastic, lua, before_s, after_s)
        finally:
            elastic.stop()

    client = [s for s, _ in starts]
    worst = max(client)
    recovery = recovery_seconds(slices)
    errors = sum(s["errors"] for s in slices)
    print("\n## Cold start from zero (RF-100, 1-row request on a new connection)\n")
    print("| # | client (s) | endpoint (s) |\n|---|---|---|")
    for index, (seconds, own) in enumerate(starts, 1):
        print(f"| {index} | {seconds:.3f} | {own if own is not None else '—'} |")
    print(
        f"\nmedian {statistics.median(client):.3f} s, worst {worst:.3f} s; target ≤ "
        f"{COLD_START_TARGET_S} s: worst/target = {worst / COLD_START_TARGET_S:.2f}"
    )
    print(f"\n## 1 → 32 connections (autoscaling {json.dumps(policy)})\n")
    print("| t (s) | connections | req/s | p99 (ms) | errors | instances |")
    print("|---|---|---|---|---|---|")
    for s in slices:
        p99 = f"{s['p99_ms']:.1f}" if s["p99_ms"] is not None else "—"
        print(
            f"| {s['t']:.1f} | {s['connections']} | {s['req_per_s']:.0f} | {p99} "
            f"| {s['errors']} | {s['instances']} |"
        )
    peak = max((s["instances"] or 0) for s in slices)
    print(
        f"\np99 under {P99_TARGET_MS:.0f} ms for good "
        + (f"{recovery:.1f} s after the step" if recovery is not None else "never")
        + f"; target ≤ {RECOVERY_TARGET_S:.0f} s"
        + (f": ratio {recovery / RECOVERY_TARGET_S:.2f}" if recovery is not None else "")
        + f". Instances 1 → {peak}; {errors} failed requests."
    )
    recovered = recovery is not None and recovery <= RECOVERY_TARGET_S
    passed = worst <= COLD_START_TARGET_S and recovered and errors == 0
    print(f"\n{'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--cold-starts", type=int, default=5)
    parser.add_argument("--max-instances", type=int, default=0, help="default: the number of CPUs")
    parser.add_argument(
        "--target", type=float, default=20000.0, help="invocations per instance per minute"
    )
    parser.add_argument("--step-seconds", type=int, default=40, help="seconds at 32 connections")
    args = parser.parse_args(argv)
    return run(
        trees=args.trees,
        cold=args.cold_starts,
        max_instances=args.max_instances,
        target=args.target,
        after_s=args.step_seconds,
    )


if __name__ == "__main__":
    sys.exit(main())
