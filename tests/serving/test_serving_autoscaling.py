"""Autoscaling and scale to zero on real endpoint processes under real HTTP load: a step
from 1 to 32 connections scales the pool out and, after the cooldown, back to its
minimum with no failed request; an idle endpoint stops every worker and the next
request starts one and is answered."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil
import pytest
from serving_helpers import TOKEN, StartEndpoint, rows

from jupyter_mlstudio.serving import EndpointProcess
from jupyter_mlstudio.serving.autoscaling import read_state

ONE_ROW = json.dumps({"dataframe_split": rows(1, 3).to_dict("split")})
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


class Load:
    """``connections`` keep-alive connections sending 1-row requests, each pausing
    ``pause`` seconds between requests, until stopped. Every failure is kept."""

    def __init__(self, endpoint: EndpointProcess, connections: int, pause: float = 0.0) -> None:
        self.port = endpoint.port
        self.pause = pause
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(connections)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while not self.stop.is_set():
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                connection.request("POST", "/invocations", body=ONE_ROW, headers=HEADERS)
                reply = connection.getresponse()
                reply.read()
                if reply.status != 200:
                    raise RuntimeError(f"HTTP {reply.status}")
                with self.lock:
                    self.ok += 1
                if reply.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except Exception as exc:  # every failure is the finding
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                if connection is not None:
                    connection.close()
                connection = None
            if self.pause:
                self.stop.wait(self.pause)


def _state(endpoint: EndpointProcess) -> dict[str, Any]:
    """The supervisor's autoscaling state, read from its file (a request could wake it)."""
    return read_state(endpoint.workdir / "runtime") or {}


def _workers(endpoint: EndpointProcess) -> list[psutil.Process]:
    return psutil.Process(endpoint.pid).children()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}.")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def scaling(start_endpoint: StartEndpoint) -> EndpointProcess:
    return start_endpoint(
        name="scaling",
        token=TOKEN,
        variants=[
            {
                "name": "primary",
                "model": "cancer-rf",
                "version": 1,
                "autoscaling": {
                    "min": 1,
                    "max": 3,
                    # 1 paced connection sends ~600/min; 32 unpaced ones many times that
                    "target_invocations_per_instance": 3000,
                    "scale_out_cooldown": 1,
                    "scale_in_cooldown": 3,
                    "window_seconds": 3,
                },
            }
        ],
        batching={"max_batch_size": 32, "max_wait_ms": 2},
        drain_seconds=5,
    )


def test_a_load_step_scales_out_and_back_in_with_no_failed_request(
    scaling: EndpointProcess,
) -> None:
    assert len(_workers(scaling)) == 1
    paced = Load(scaling, 1, pause=0.1)
    with paced:
        time.sleep(3.5)  # one connection: the window's rate stays under the target
        assert _state(scaling)["instances"] == 1
        with Load(scaling, 32) as step:
            _wait(lambda: _state(scaling)["instances"] > 1, 20, "a scale-out under 32 connections")
            time.sleep(3.0)
        peak = max(n for _, n in _state(scaling)["history"])
        # back to one paced connection: in after the window and the scale-in cooldown
        _wait(lambda: _state(scaling)["instances"] == 1, 30, "the scale-in after the step")
        _wait(lambda: len(_workers(scaling)) == 1, 15, "the scaled-in workers to exit")
        time.sleep(1.0)
    assert step.failures == [] and paced.failures == []
    assert step.ok > 100 and paced.ok > 20
    assert peak >= 2
    metrics = json.loads(http_get(scaling, "/metrics"))
    scaling_state = metrics["autoscaling"]
    assert scaling_state["instances"] == 1
    assert scaling_state["variants"]["primary"]["policy"]["max_instances"] == 3
    assert [w["pid"] for w in metrics["workers"]] == [p.pid for p in _workers(scaling)]
    assert metrics["totals"]["errors"] == {"4xx": 0, "5xx": 0}
    assert metrics["totals"]["requests"] == step.ok + paced.ok


def http_get(endpoint: EndpointProcess, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
    try:
        connection.request("GET", path, headers=HEADERS)
        reply = connection.getresponse()
        body = reply.read()
        assert reply.status == 200, body
        return body
    finally:
        connection.close()


def test_an_idle_endpoint_scales_to_zero_and_the_next_request_is_answered(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(
        name="serverless",
        token=TOKEN,
        variants=[{"model": "cancer-rf", "version": 1}],
        scale_to_zero_after=1.5,
        drain_seconds=2,
    )
    _wait(lambda: _state(endpoint).get("scaled_to_zero") is True, 20, "scale to zero")
    _wait(lambda: _workers(endpoint) == [], 10, "every worker to exit")
    assert _state(endpoint)["instances"] == 0
    assert _state(endpoint)["metrics"]["variants"]["primary"]["model"] == "cancer-rf"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=60)
    connection.request("POST", "/invocations", body=ONE_ROW, headers=HEADERS)
    reply = connection.getresponse()
    answer = json.loads(reply.read())
    cold = time.perf_counter() - started
    connection.close()
    assert reply.status == 200 and len(answer["predictions"]) == 1
    assert len(_workers(endpoint)) == 1
    _wait(lambda: _state(endpoint).get("last_cold_start_seconds") is not None, 5, "cold start")
    state = _state(endpoint)
    assert state["cold_starts"] == 1 and state["scaled_to_zero"] is False
    assert 0 < state["last_cold_start_seconds"] <= cold + 0.2
    assert [n for _, n in state["history"]][-2:] == [0, 1]
    # idle again: back to zero, and again the next request is answered
    _wait(lambda: _workers(endpoint) == [], 20, "the second scale to zero")
    assert json.loads(http_get(endpoint, "/metrics"))["autoscaling"]["cold_starts"] == 2
