"""Weighted variants in one endpoint: routing, forcing a variant, a model that raises
(alone and inside a batch) and a worker that dies."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import Client, StartEndpoint, X, rows
from serving_models import MAGIC

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.serving import EndpointProcess
from jupyter_mlstudio.studio import Studio


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint) -> EndpointProcess:
    return start_endpoint(
        name="ab",
        variants=[
            {"name": "a", "model": "cancer-rf", "version": 1, "weight": 80},
            {"name": "b", "model": "cancer-rf", "version": 2, "weight": 20},
            {
                "name": "picky",
                "model": "picky",
                "weight": 0,  # reached only through X-Target-Variant
                "trusted": ["serving_models.Picky"],
            },
        ],
        batching={"max_batch_size": 64, "max_wait_ms": 5},
    )


@pytest.fixture(scope="module")
def models(serving_home: Path) -> dict[str, Any]:
    studio = Studio(StudioConfig.resolve(home=serving_home))
    try:
        return {
            "a": studio.registry.load("cancer-rf", 1),
            "b": studio.registry.load("cancer-rf", 2),
        }
    finally:
        studio.close()


def one_row(start: int) -> dict[str, Any]:
    return {"dataframe_split": rows(1, start).to_dict("split")}


def test_weights_split_the_traffic(endpoint: EndpointProcess, models: dict[str, Any]) -> None:
    before = endpoint.metrics()["variants"]
    seen: Counter[str] = Counter()
    wrong: list[str] = []
    lock = threading.Lock()

    def send(thread: int) -> None:
        client = Client(endpoint, token=None)
        try:
            for i in range(125):
                start = (thread * 125 + i) % len(X)
                status, headers, reply = client.request("POST", "/invocations", one_row(start))
                variant = headers.get("x-invoked-variant", "?")
                ok = status == 200
                if ok and i % 10 == 0:  # the variant's own model answered
                    ok = reply["predictions"] == models[variant].predict(rows(1, start)).tolist()
                with lock:
                    seen[variant] += 1
                    if not ok:
                        wrong.append(f"{status} {variant} {reply}")
        finally:
            client.close()

    threads = [threading.Thread(target=send, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert sum(seen.values()) == 2000 and set(seen) == {"a", "b"}
    assert abs(seen["a"] / 2000 - 0.80) <= 0.05, seen
    after = endpoint.metrics()["variants"]
    for name in ("a", "b"):
        assert after[name]["requests"] - before[name]["requests"] == seen[name]
    assert after["picky"]["requests"] == before["picky"]["requests"]


def test_x_target_variant_forces_a_variant(
    endpoint: EndpointProcess, models: dict[str, Any]
) -> None:
    client = Client(endpoint, token=None)
    frame = rows(20, start=200)
    for name in ("a", "b"):
        for _ in range(5):
            status, headers, reply = client.request(
                "POST",
                "/invocations",
                {"dataframe_records": frame.to_dict("records")},
                {"X-Target-Variant": name},
            )
            assert status == 200 and headers["x-invoked-variant"] == name
            assert reply["predictions"] == models[name].predict(frame).tolist()
    # the Open Inference Protocol names a variant by its name (or its model's)
    status, _, reply = client.request(
        "POST",
        "/v2/models/b/infer",
        {"inputs": [{"name": "x", "shape": [20, 30], "datatype": "FP64",
                     "data": frame.values.tolist()}]},
    )  # fmt: skip
    assert status == 200 and reply["model_version"] == "2"
    assert reply["outputs"][0]["data"] == models["b"].predict(frame).tolist()
    status, _, metadata = client.request("GET", "/v2/models/ab")
    assert metadata["versions"] == ["1", "2"]


def test_a_model_error_is_a_500_and_the_worker_keeps_serving(endpoint: EndpointProcess) -> None:
    client = Client(endpoint, token=None)
    picky = {"X-Target-Variant": "picky"}
    bad = rows(1).copy()
    bad.iloc[0, 0] = MAGIC
    status, _, reply = client.request(
        "POST", "/invocations", {"dataframe_split": bad.to_dict("split")}, picky
    )
    assert status == 500
    assert reply["error"] == {
        "code": "MODEL_ERROR",
        "message": "The model failed: ValueError: cannot score a radius of 666",
    }
    status, _, reply = client.request("POST", "/v2/models/picky/infer", {"inputs": [
        {"name": "input", "shape": [1, 30], "datatype": "FP64", "data": bad.values.tolist()}
    ]})  # fmt: skip
    assert status == 500 and "cannot score a radius of 666" in reply["error"]
    status, _, reply = client.request("POST", "/invocations", one_row(0), picky)
    assert status == 200 and reply["predictions"] == [int(rows(1).iloc[0, 0] > 15)]
    assert endpoint.metrics()["variants"]["picky"]["errors"]["5xx"] >= 2


def _picky_round(endpoint: EndpointProcess, bad: int) -> dict[int, tuple[int, Any]]:
    """16 concurrent requests of 2 rows to the slow ``picky`` variant, one of them bad."""
    results: dict[int, tuple[int, Any]] = {}
    barrier = threading.Barrier(16)

    def send(index: int) -> None:
        frame = rows(2, start=index * 2).copy()
        if index == bad:
            frame.iloc[1, 0] = MAGIC
        client = Client(endpoint, token=None)
        barrier.wait()
        status, _, reply = client.request(
            "POST",
            "/invocations",
            {"dataframe_split": frame.to_dict("split")},
            {"X-Target-Variant": "picky"},
        )
        results[index] = (status, reply)
        client.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_failing_request_fails_alone_in_its_batch(endpoint: EndpointProcess) -> None:
    merged_failure = False
    for attempt in range(5):  # until the bad request shared a batch (the usual case)
        before = endpoint.metrics()["variants"]["picky"]["batch_size"]
        bad = 5 + attempt
        results = _picky_round(endpoint, bad)
        assert results[bad][0] == 500 and "666" in results[bad][1]["error"]["message"]
        for index, (status, reply) in results.items():
            if index != bad:
                frame = rows(2, start=index * 2)
                assert status == 200, reply
                assert reply["predictions"] == (frame.iloc[:, 0] > 15).astype(int).tolist()
        after = endpoint.metrics()["variants"]["picky"]["batch_size"]
        assert after["max"] > 2  # requests were merged
        # a failed merged call is retried request by request: more rows than were sent
        if after["rows"] - before["rows"] > 32:
            merged_failure = True
            break
    assert merged_failure


def test_a_worker_that_dies_is_started_again(endpoint: EndpointProcess) -> None:
    workers = endpoint.metrics()["workers"]
    assert len(workers) == 3  # the instances of the three variants
    victim = workers[0]
    os.kill(victim["pid"], signal.SIGKILL)
    client = Client(endpoint, token=None)
    deadline = time.monotonic() + 60
    while True:
        # the other workers keep serving meanwhile
        assert client.request("POST", "/invocations", one_row(3))[0] == 200
        slot = {w["slot"]: w for w in endpoint.metrics()["workers"]}[victim["slot"]]
        if slot["pid"] != victim["pid"] and slot["starts"] == victim["starts"] + 1:
            break
        assert time.monotonic() < deadline, "the worker was not started again"
        time.sleep(0.2)
    new_pid = slot["pid"]
    os.kill(new_pid, 0)
    # and the new one serves too: its request count grows under load
    deadline = time.monotonic() + 30
    while {w["slot"]: w for w in endpoint.metrics()["workers"]}[victim["slot"]]["requests"] <= (
        slot["requests"]
    ):
        fresh = Client(endpoint, token=None)
        fresh.request("POST", "/invocations", one_row(4))
        fresh.close()
        assert time.monotonic() < deadline
