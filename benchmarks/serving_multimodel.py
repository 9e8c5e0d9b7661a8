"""Multi-model endpoints (issue 20), with wrk: 20 models behind one endpoint, a random
model per request, 16 connections, against the single-model throughput.

``benchmarks/serving.py --only multimodel`` (or this file alone). In a throwaway studio
it registers ``--models`` RandomForestClassifiers (100 trees each, fitted on the
breast-cancer data with different seeds: the RF-100 model of ``serving.py``), deploys one
endpoint with ``multi_model`` allowing all of them (the first one is also its variant,
answering plain ``/invocations``), ``--workers`` worker processes, and the default memory
limit (every model fits: nothing is evicted during the runs), then:

1. warms up: every model is asked for until every worker has loaded all of them (the
   loads are not what is measured: the cold load is reported apart, from ``/models``);
2. in ``--rounds`` interleaved rounds of ``--duration`` seconds at ``--connections``,
   runs wrk with 1-row requests (the same JSON body) on
   - **single**: ``/invocations`` — one model, as any endpoint;
   - **multi**: ``/models/<a random one of the models>/invocations`` per request (a wrk
     Lua ``request()`` draws it), so each worker's batches are split over the models;
3. prints the req/s and p50/p99 of each side, the ratio multi/single and its ratio to
   the target (≥ 50 %), the errors (none expected), and the models' loads, evictions and
   mean load time read from ``GET /models``.

Exit status 0 when the target is met, 1 otherwise, 2 on a setup error.

    .venv/bin/python benchmarks/serving.py --only multimodel
    .venv/bin/python benchmarks/serving_multimodel.py --duration 10 --rounds 3
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

from serving import THREAD_LIMITS, WRK_LUA, SetupError, _studio_home, run_wrk

TARGET_RATIO = 0.5

# POSTs the body to a random model's route on every request (written by this benchmark)
RANDOM_MODEL_LUA = """\
local f = assert(io.open("{body_path}", "rb"))
local body = f:read("*a")
f:close()
local paths = {{}}
for i = 0, {last} do
  paths[#paths + 1] = string.format("/models/{prefix}%02d/invocations", i)
end
local headers = {{["Content-Type"] = "application/json"}}
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + #tostring({{}}))
end
request = function()
  return wrk.format("POST", paths[math.random(#paths)], headers, body)
end
"""
PREFIX = "bench-mm-"


def _get(port: int, path: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def _post(port: int, path: str, body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        reply = connection.getresponse()
        reply.read()
        return reply.status
    finally:
        connection.close()


def warm_up(port: int, body: bytes, models: int, workers: int, timeout: float = 600) -> None:
    """Ask for every model (new connections land on any worker) until each worker holds
    all of them."""
    deadline = time.monotonic() + timeout
    while True:
        for index in range(models):
            status = _post(port, f"/models/{PREFIX}{index:02d}/invocations", body)
            if status != 200:
                raise SetupError(f"Model {index} answered HTTP {status} while warming up.")
        rows = _get(port, "/models")["models"]
        if len(rows) == models and all(r["loaded_workers"] == workers for r in rows):
            return
        if time.monotonic() > deadline:
            raise SetupError("The workers did not load every model in time.")


def run(wrk: str | None = None, **options: Any) -> int:
    """The whole benchmark (``options``: those of :func:`measure`); the exit status."""
    try:
        return measure(wrk, **options)
    except SetupError as exc:
        print(f"Setup error: {exc}", file=sys.stderr)
        return 2


def measure(
    wrk: str | None = None,
    *,
    models: int = 20,
    trees: int = 100,
    workers: int = 0,
    connections: int = 16,
    duration: float = 10.0,
    rounds: int = 2,
) -> int:
    wrk = wrk or shutil.which("wrk")
    if wrk is None:
        print("This benchmark needs wrk on PATH (apt-get install -y wrk).", file=sys.stderr)
        return 2
    workers = workers or os.cpu_count() or 2
    with (
        tempfile.TemporaryDirectory(prefix="mlstudio-multimodel-bench-") as tmp,
        _studio_home(Path(tmp) / "studio"),
    ):
        for name in THREAD_LIMITS:
            os.environ.setdefault(name, "1")
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import RandomForestClassifier

        import jupyter_mlstudio as mls
        from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess

        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        names = [f"{PREFIX}{i:02d}" for i in range(models)]
        print(f"Registering {models} RF-{trees} models…", flush=True)
        for seed, name in enumerate(names):
            model = RandomForestClassifier(n_estimators=trees, random_state=seed).fit(X, y)
            mls.register(model, name, input_example=X)
        body = json.dumps(
            {"dataframe_split": {"columns": list(X.columns), "data": X.head(1).values.tolist()}}
        ).encode()
        body_path = Path(tmp) / "body.json"
        body_path.write_bytes(body)
        single_lua = Path(tmp) / "single.lua"
        single_lua.write_text(WRK_LUA.format(body_path=str(body_path)))
        multi_lua = Path(tmp) / "multi.lua"
        multi_lua.write_text(
            RANDOM_MODEL_LUA.format(body_path=str(body_path), last=models - 1, prefix=PREFIX)
        )

        endpoint = EndpointProcess(
            EndpointConfig.model_validate(
                {
                    "name": "zoo",
                    "variants": [{"model": names[0], "version": 1, "instances": workers}],
                    "multi_model": {"models": names},
                }
            ),
            workdir=Path(tmp) / "zoo",
        ).start(timeout=180)
        try:
            warm_up(endpoint.port, body, models, workers)
            print(
                f"Load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs, "
                f"{workers} workers, {connections} connections, {duration:g} s runs",
                flush=True,
            )
            runs: dict[str, list[Any]] = {"single": [], "multi": []}
            url = endpoint.url
            for _ in range(rounds):
                for side, lua, path in (
                    ("single", single_lua, "/invocations"),
                    ("multi", multi_lua, "/"),
                ):
                    runs[side].append(
                        run_wrk(wrk, url + path, lua, connections, duration, 10.0, None)
                    )
            listing = _get(endpoint.port, "/models")
        finally:
            endpoint.stop()

    def mean(side: str, key: str) -> float | None:
        values = [getattr(r, key) for r in runs[side] if getattr(r, key) is not None]
        return statistics.fmean(values) if values else None

    single, multi = mean("single", "req_per_s") or 0.0, mean("multi", "req_per_s") or 0.0
    ratio = multi / single if single else 0.0
    errors = {side: sum(r.errors for r in results) for side, results in runs.items()}
    rows = listing["models"]
    loads = sum(r["loads"] for r in rows)
    evictions = sum(r["evictions"] for r in rows)
    load_ms = statistics.fmean(r["load_ms"] for r in rows if r["load_ms"] is not None)
    print()
    print("| side | route | req/s | p50 | p99 | errors |")
    print("|---|---|---:|---:|---:|---:|")
    for side, route in (("single", "/invocations"), ("multi", f"/models/<1 of {models}>/…")):
        p50, p99 = mean(side, "p50_ms"), mean(side, "p99_ms")
        print(
            f"| {side} | `{route}` | {mean(side, 'req_per_s') or 0:.0f} | "
            f"{p50 or 0:.1f} ms | {p99 or 0:.1f} ms | {errors[side]} |"
        )
    print()
    print(
        f"Multi-model / single-model throughput: {100 * ratio:.1f}% "
        f"(target ≥ {100 * TARGET_RATIO:.0f}%: {ratio / TARGET_RATIO:.2f}x the target)"
    )
    print(
        f"Models: {len(rows)} served, {loads} loads ({workers} workers), {evictions} evictions, "
        f"mean load {load_ms:.0f} ms"
    )
    passed = ratio >= TARGET_RATIO and not any(errors.values())
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="default: the CPUs")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    return run(
        None,
        models=args.models,
        trees=args.trees,
        workers=args.workers,
        connections=args.connections,
        duration=args.duration,
        rounds=args.rounds,
    )


if __name__ == "__main__":
    sys.exit(main())
