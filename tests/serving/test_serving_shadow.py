"""Shadow variants (issue 20): a 50 % shadow copy is captured and never returned; a
failing shadow never reaches the client; promotion under load drops no request.

Real endpoint processes over HTTP, deployed with ``mls.deploy`` in a studio home of the
test's own."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.endpoints.handle import EndpointHandle
from jupyter_mlstudio.serving import sampled
from jupyter_mlstudio.serving.shadow import read_shadow_capture, shadow_destination

X, y = load_iris(return_X_y=True, as_frame=True)
REQUESTS = 240


def _post(
    connection: http.client.HTTPConnection, endpoint: EndpointHandle, row: int, ident: str
) -> tuple[int, dict[str, Any], str]:
    body = json.dumps({"dataframe_split": X.iloc[[row]].to_dict("split")})
    headers = {
        "Authorization": f"Bearer {endpoint.token}",
        "Content-Type": "application/json",
        "X-Inference-Id": ident,
    }
    connection.request("POST", "/invocations", body=body, headers=headers)
    reply = connection.getresponse()
    return reply.status, json.loads(reply.read()), reply.getheader("X-Invoked-Variant") or ""


def _connect(endpoint: EndpointHandle) -> http.client.HTTPConnection:
    assert endpoint.url is not None
    port = int(endpoint.url.rsplit(":", 1)[1])
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def _send(endpoint: EndpointHandle, count: int, threads: int = 4) -> dict[str, tuple[int, Any]]:
    """``count`` one-row requests with known ids from ``threads`` keep-alive clients:
    {id: (row, answer)}; every answer must be a 200 from the production variant."""
    answers: dict[str, tuple[int, Any]] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def run(offset: int) -> None:
        connection = _connect(endpoint)
        try:
            for n in range(offset, count, threads):
                ident = f"req-{uuid.uuid4().hex}"
                row = n % len(X)
                status, body, variant = _post(connection, endpoint, row, ident)
                with lock:
                    if status != 200 or variant != "primary":
                        failures.append(f"{status} {variant} {body}")
                    answers[ident] = (row, body)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert failures == [], failures[:3]
    return answers


def _shadow_records(home: Path, name: str, wanted: int) -> list[dict[str, Any]]:
    """The shadow's side of the captures, once ``wanted`` of them are written."""
    destination = shadow_destination((home / "artifacts").as_uri(), name)
    deadline = time.monotonic() + 20
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = [r for r in read_shadow_capture(destination) if r.get("shadow")]
        if len(found) >= wanted:
            break
        time.sleep(0.2)
    return found


@pytest.fixture
def iris_models(mlstudio_home: Path) -> tuple[Any, Any]:
    production = LogisticRegression(C=0.01, max_iter=500).fit(X, y)
    challenger = LogisticRegression(C=10.0, max_iter=500).fit(X, y)
    mls.register(production, "iris", input_example=X)
    mls.register(challenger, "iris", input_example=X)
    # a model that takes other columns: every copy of a request fails in the shadow
    mls.register(LogisticRegression().fit(X.iloc[:, :2], y), "narrow", input_example=X.iloc[:, :2])
    assert (production.predict(X) != challenger.predict(X)).sum() > 10  # tell them apart
    return production, challenger


def test_a_half_shadow_is_captured_never_returned_and_promoted_under_load(
    mlstudio_home: Path, iris_models: tuple[Any, Any]
) -> None:
    production, challenger = iris_models
    endpoint = mls.deploy(
        "iris", version=1, instances=2, shadow={"version": 2, "sampling": 0.5}, timeout=120
    )
    try:
        assert endpoint.shadow is not None and endpoint.shadow["version"] == 2
        answers = _send(endpoint, REQUESTS)
        # never returned: every answer is production's
        for row, body in answers.values():
            assert body == {"predictions": production.predict(X.iloc[[row]]).tolist()}
        # captured: exactly the sampled half (a stable hash of the id), with the shadow's
        # own predictions beside production's
        expected = {i for i in answers if sampled(i, 50)}
        assert 0.35 * REQUESTS < len(expected) < 0.65 * REQUESTS
        records = _shadow_records(mlstudio_home, "iris", len(expected))
        assert {r["inference_id"] for r in records} == expected
        for record in records:
            row = answers[record["inference_id"]][0]
            assert record["variant"] == "shadow" and record["model_version"] == 2
            assert record["response"] == {
                "status": 200,
                "data": {"predictions": challenger.predict(X.iloc[[row]]).tolist()},
            }
        comparison = endpoint.shadow_comparison()
        figures = comparison["comparison"]
        assert figures["pairs"] == len(expected) and figures["task"] == "classification"
        rows = [answers[i][0] for i in expected]
        agreement = float(
            np.mean(production.predict(X.iloc[rows]) == challenger.predict(X.iloc[rows]))
        )
        assert figures["agreement"] == pytest.approx(agreement, abs=1e-6)
        assert sum(c["count"] for c in figures["confusion"]) == len(expected)
        assert figures["production"]["errors"] == figures["shadow"]["errors"] == 0
        assert figures["shadow"]["latency_ms"]["p99"] >= figures["shadow"]["latency_ms"]["p50"] > 0
        assert figures["production"]["latency_ms"]["count"] == len(expected)
        metrics = endpoint.metrics()
        assert metrics["totals"]["requests"] == REQUESTS  # the shadow's are not counted there
        assert metrics["shadow"]["requests"] == len(expected)

        # a failing shadow (other columns): its errors never reach the client
        endpoint.update(shadow={"model": "narrow", "version": 1, "sampling": 1.0}, timeout=120)
        answers = _send(endpoint, 20, threads=2)
        for row, body in answers.values():
            assert body == {"predictions": production.predict(X.iloc[[row]]).tolist()}
        _shadow_records(mlstudio_home, "iris", len(expected) + 20)
        figures = endpoint.shadow_comparison()["comparison"]  # this shadow's records only
        assert figures["pairs"] == 20 and figures["shadow"]["errors"] == 20
        assert figures["production"]["errors"] == 0 and figures["agreement"] is None

        # promotion under load: the shadow becomes production, no request fails
        endpoint.update(shadow={"version": 2, "sampling": 0.5}, timeout=120)
        stop = threading.Event()
        results: list[tuple[int, str]] = []

        def load() -> None:
            while not stop.is_set():
                connection = _connect(endpoint)
                try:
                    for _ in range(20):
                        status, _, variant = _post(connection, endpoint, 70, uuid.uuid4().hex)
                        results.append((status, variant))
                except OSError as exc:
                    results.append((0, str(exc)))
                finally:
                    connection.close()

        threads = [threading.Thread(target=load, daemon=True) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        endpoint.promote_shadow(timeout=120)
        time.sleep(1.5)  # the old generation drains while the load goes on
        stop.set()
        for thread in threads:
            thread.join(30)
        assert [r for r in results if r[0] != 200] == []
        variants = {v for _, v in results}
        assert variants == {"primary", "shadow"}, variants  # served by both, in turn
        assert [(v["name"], v["model"], v["version"]) for v in endpoint.variants] == [
            ("shadow", "iris", 2)
        ]
        assert endpoint.shadow is None
        assert endpoint.predict(X).tolist() == challenger.predict(X).tolist()
        assert endpoint.shadow_comparison()["shadow"] is None
    finally:
        endpoint.delete()


def test_shadow_settings_are_checked(mlstudio_home: Path, iris_models: tuple[Any, Any]) -> None:
    with pytest.raises(mls.InvalidArgumentError, match="sampling"):
        mls.deploy("bad", model="iris", shadow={"version": 2, "sampling": 0})
    with pytest.raises(mls.InvalidArgumentError, match="sampling"):
        mls.deploy("bad", model="iris", shadow={"version": 2, "sampling": 1.5})
    with pytest.raises(mls.InvalidArgumentError, match="production variant's"):
        mls.deploy("bad", model="iris", shadow={"name": "primary", "version": 2})
    with pytest.raises(mls.NotFoundError, match="no version 9"):
        mls.deploy("bad", model="iris", shadow={"version": 9})
    with pytest.raises(mls.InvalidArgumentError, match="shadow is a dict"):
        mls.deploy("bad", model="iris", shadow=[2])  # type: ignore[arg-type]
    with pytest.raises(mls.NotFoundError):
        mls.get_endpoint("bad")
