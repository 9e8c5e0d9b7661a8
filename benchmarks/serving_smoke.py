"""A quick load check of one endpoint process (not the acceptance benchmark, which runs
``wrk`` against ours and MLflow's server: that is ``benchmarks/serving.py``, to come).

In a temporary studio home it registers a RandomForestClassifier (``--trees``, default
100) fitted on the breast-cancer data, starts an endpoint with ``--workers`` worker
processes and sends 1-row JSON requests (``dataframe_split``) from an asyncio client
with keep-alive connections, at each ``--concurrency`` level for ``--seconds``; then it
times the same model in this process: ``predict`` once per 1-row request, and on
batches of 64 rows (the limit batching can approach). The client shares the machine
with the server, so the endpoint figures are a lower bound.

    PYTHONPATH=. python benchmarks/serving_smoke.py
    PYTHONPATH=. python benchmarks/serving_smoke.py --trees 20 --seconds 3 --concurrency 1 16 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from typing import Any


async def _connection(
    port: int, request: bytes, stop_at: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _load(port: int, request: bytes, connections: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_connection(port, request, stop_at, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "connections": connections,
        "requests": len(latencies),
        "errors": len(errors),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p99_ms": round(pct(0.99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlstudio-serving-bench-") as home:
        os.environ["MLSTUDIO_HOME"] = home
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import RandomForestClassifier

        import jupyter_mlstudio as mls
        from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess

        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        model = RandomForestClassifier(n_estimators=args.trees, random_state=0).fit(X, y)
        mls.register(model, "bench-rf", input_example=X)
        row = X.head(1)
        body = json.dumps(
            {"dataframe_split": {"columns": list(X.columns), "data": row.values.tolist()}}
        ).encode()
        request = (
            b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        config = EndpointConfig(
            name="bench",
            variants=[{"model": "bench-rf", "instances": args.workers}],
            batching={"max_wait_ms": args.max_wait_ms},
        )
        results: dict[str, Any] = {"trees": args.trees, "workers": args.workers, "endpoint": []}
        with EndpointProcess(config) as endpoint:
            asyncio.run(_load(endpoint.port, request, 4, 1.0))  # warm-up
            for connections in args.concurrency:
                outcome = asyncio.run(_load(endpoint.port, request, connections, args.seconds))
                results["endpoint"].append(outcome)
                print(json.dumps(outcome), flush=True)
            batches = endpoint.metrics()["variants"]["primary"]["batch_size"]
            results["batch_size"] = {k: batches[k] for k in ("batches", "mean", "max")}

        def rate(call: Any, rows: int) -> float:
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < min(args.seconds, 3.0):
                call()
                count += rows
            return round(count / (time.perf_counter() - started), 1)

        batch = X.sample(64, random_state=0, replace=True)
        results["in_process"] = {
            "predict_per_1_row_request_per_s": rate(lambda: model.predict(row), 1),
            "predict_batched_64_rows_per_s": rate(lambda: model.predict(batch), 64),
            "median_1_row_predict_ms": round(
                1000 * statistics.median(_timed(lambda: model.predict(row)) for _ in range(50)),
                2,
            ),
        }
        print(json.dumps(results, indent=2))


def _timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
