"""Endpoints over REST on a real server, real serving processes, and the authenticated
proxy ``/mlstudio/endpoints/{name}/…``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from tornado.httpclient import HTTPResponse

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.studio import Studio

if TYPE_CHECKING:
    from conftest import Call

Fetch = Callable[..., Awaitable[HTTPResponse]]
X, y = load_iris(return_X_y=True, as_frame=True)


async def wait_status(call: Call, name: str, timeout: float = 120) -> dict[str, Any]:
    for _ in range(int(timeout / 0.2)):
        status, endpoint = await call("GET", "endpoints", name)
        assert status == 200, endpoint
        if endpoint["status"] not in ("Creating", "Updating", "Deleting"):
            return endpoint  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"endpoint {name} is still {endpoint['status']}")


def register_iris(c: float = 1.0) -> int:
    model = LogisticRegression(C=c, max_iter=500).fit(X, y)
    return mls.register(model, "iris", input_example=X).version


def invoke(
    call: Call, endpoint: str, body: Any, content_type: str = "application/json"
) -> Awaitable[tuple[int, Any]]:
    """POST to an endpoint's ``/invocations`` through the server's authenticated proxy."""
    headers = {"Content-Type": content_type}
    return call("POST", endpoint, "invocations", body=body, api=False, headers=headers)


pytestmark = pytest.mark.usefixtures("no_endpoint_left_behind")


async def test_deploy_invoke_through_the_proxy_update_and_delete(call: Call) -> None:
    register_iris(0.5)
    register_iris(2.0)
    status, created = await call(
        "POST",
        "endpoints",
        body={"name": "iris-live", "variants": [{"model": "iris", "version": 1}]},
    )
    assert status == 202, created
    assert (
        created["status"] == "Creating" and created["proxy_path"] == "/mlstudio/endpoints/iris-live"
    )
    endpoint = await wait_status(call, "iris-live")
    assert endpoint["status"] == "InService", endpoint["failure_reason"]
    assert endpoint["variants"] == [
        {"name": "primary", "model": "iris", "version": 1, "weight": 1.0, "instances": 1}
    ]

    # the proxy: Jupyter's authentication, the endpoint's token added on the way
    status, example = await call("GET", "endpoints", "iris-live", "example")
    assert status == 200 and "sepal length (cm)" in example["body"]
    status, reply = await invoke(call, "iris-live", example["body"])
    expected = mls.load_model("iris", 1).predict(X.head(1)).tolist()
    assert (status, reply) == (200, {"predictions": expected})
    status, reply = await invoke(call, "iris-live", X.head(3).to_csv(index=False), "text/csv")
    assert status == 200 and len(reply["predictions"]) == 3
    status, _ready = await call("GET", "iris-live", "v2", "health", "ready", api=False)
    assert status == 200
    status, meta = await call("GET", "iris-live", "v2", "models", "iris", api=False)
    assert status == 200 and meta["name"] == "iris"
    # the endpoint's own 4xx passes through with its message
    unknown_column = {"dataframe_split": {"columns": ["nope"], "data": [[1]]}}
    status, error = await invoke(call, "iris-live", unknown_column)
    assert status == 400 and "nope" in json.dumps(error)

    status, metrics = await call("GET", "endpoints", "iris-live", "metrics")
    assert status == 200
    assert metrics["variants"]["primary"]["requests"] == 3
    assert metrics["variants"]["primary"]["errors"]["4xx"] == 1
    status, errors = await call("GET", "endpoints", "iris-live", "errors")
    assert status == 200
    assert [(e["status"], e["path"]) for e in errors["items"]] == [(400, "/invocations")]
    assert "Missing columns" in errors["items"][0]["message"]
    status, log = await call("GET", "endpoints", "iris-live", "log")
    assert status == 200 and "Worker 0 ready" in log["text"]

    # rolling update to two weighted variants
    status, updating = await call(
        "PATCH",
        "endpoints",
        "iris-live",
        body={
            "variants": [
                {"name": "old", "model": "iris", "version": 1, "weight": 1},
                {"name": "new", "model": "iris", "version": 2, "weight": 3},
            ]
        },
    )
    assert (status, updating["status"]) == (202, "Updating")
    updated = await wait_status(call, "iris-live")
    assert updated["status"] == "InService" and updated["generation"] == 2
    status, reweighted = await call("PATCH", "endpoints", "iris-live", body={"weights": {"old": 0}})
    assert status == 202
    reweighted = await wait_status(call, "iris-live")
    assert {v["name"]: v["weight"] for v in reweighted["variants"]} == {"old": 0.0, "new": 3.0}
    status, reply = await invoke(call, "iris-live", example["body"])
    assert status == 200

    # a served version cannot be deleted from the registry
    status, error = await call("DELETE", "models", "iris", params={"force": "true"})
    assert status == 409 and "in use by endpoints" in error["error"]["message"]

    status, deleting = await call("DELETE", "endpoints", "iris-live")
    assert (status, deleting["status"]) == (202, "Deleting")
    for _ in range(300):
        status, _ = await call("GET", "endpoints", "iris-live")
        if status == 404:
            break
        await asyncio.sleep(0.1)
    assert status == 404
    status, error = await call("GET", "iris-live", "ping", api=False)
    assert status == 404 and "iris-live" in error["error"]["message"]


async def test_bad_requests_get_4xx_with_messages(call: Call) -> None:
    register_iris()
    cases: list[tuple[str, tuple[str, ...], Any, int, str]] = [
        ("POST", ("endpoints",), {"name": "x", "variants": []}, 400, "variants"),
        (
            "POST",
            ("endpoints",),
            {"name": "bad name", "variants": [{"model": "iris"}]},
            400,
            "name",
        ),
        (
            "POST",
            ("endpoints",),
            {"name": "x", "variants": [{"model": "iris", "weight": -1}]},
            400,
            "weight",
        ),
        (
            "POST",
            ("endpoints",),
            {"name": "x", "variants": [{"model": "iris"}], "extra": 1},
            400,
            "extra",
        ),
        ("POST", ("endpoints",), {"name": "x", "variants": [{"model": "nope"}]}, 404, "nope"),
        ("POST", ("endpoints",), "{not json", 400, "JSON"),
        ("PATCH", ("endpoints", "ghost"), {"weights": {"a": 1}}, 404, "ghost"),
        ("GET", ("endpoints", "ghost", "metrics"), None, 404, "ghost"),
        ("GET", ("endpoints", "ghost", "log"), None, 404, "ghost"),
        ("DELETE", ("endpoints", "ghost"), None, 404, "ghost"),
    ]
    for method, path, body, code, word in cases:
        status, error = await call(method, *path, body=body)
        assert status == code, (method, path, error)
        assert word.lower() in error["error"]["message"].lower(), (method, path, error)
    status, error = await call("GET", "endpoints", params={"status": "Sleeping"})
    assert status == 400
    status, error = await call("POST", "ghost", "invocations", body={}, api=False)
    assert status == 404 and "ghost" in error["error"]["message"]


@pytest.fixture
def endpoint_of_a_stopped_server(mlstudio_home: Path) -> tuple[str, int, int]:
    """An endpoint deployed before the server starts, whose process then went away (the
    previous server stopped it on exit, or the machine rebooted)."""
    register_iris()
    studio = Studio(StudioConfig.resolve(home=mlstudio_home))
    try:
        endpoint = studio.endpoints.deploy("phoenix", model="iris", timeout=120)
        assert endpoint.status.value == "InService", endpoint.failure_reason
        assert endpoint.pid and endpoint.port
        studio.endpoints.stop_all()
    finally:
        studio.close()
    return "phoenix", endpoint.pid, endpoint.port


async def test_an_endpoint_in_service_comes_back_when_the_server_starts(
    endpoint_of_a_stopped_server: tuple[str, int, int], call: Call
) -> None:
    name, old_pid, old_port = endpoint_of_a_stopped_server
    endpoint = await wait_status(call, name)
    for _ in range(300):  # the start-up check runs off the event loop
        status, endpoint = await call("GET", "endpoints", name)
        if endpoint["status"] == "InService" and endpoint["url"]:
            break
        await asyncio.sleep(0.2)
    assert endpoint["status"] == "InService", endpoint
    assert endpoint["port"] == old_port
    assert mls.get_endpoint(name).endpoint.pid != old_pid
    status, reply = await invoke(call, name, {"instances": X.head(2).values.tolist()})
    assert status == 200 and len(reply["predictions"]) == 2


async def test_the_proxy_answers_413_for_a_body_over_the_endpoints_limit(
    call: Call, jp_fetch: Fetch
) -> None:
    """A per-endpoint body limit, set at deploy; the proxy answers 413 naming it (it was a
    502 that blamed the endpoint), and takes bodies under it, binary tensors included."""
    register_iris()
    limit = 2 * 1024 * 1024
    status, created = await call(
        "POST",
        "endpoints",
        body={"name": "iris-small", "variants": [{"model": "iris"}], "max_payload_bytes": limit},
    )
    assert status == 202 and created["max_payload_bytes"] == limit, created
    endpoint = await wait_status(call, "iris-small")
    assert endpoint["status"] == "InService", endpoint["failure_reason"]

    line = X.head(1).to_csv(index=False, header=False)
    csv = {"Content-Type": "text/csv"}
    for size in (3 * 1024 * 1024, 50 * 1024 * 1024):
        body = line * (size // len(line) + 1)
        status, error = await call(
            "POST", "iris-small", "invocations", body=body, api=False, headers=csv
        )
        assert status == 413, error if isinstance(error, dict) else str(error)[:200]
        assert error["error"]["code"] == "TOO_LARGE"
        message = error["error"]["message"]
        assert f"The request body is {len(body) / 1e6:.1f} MB" in message
        assert "the limit is 2.1 MB (2097152 bytes)" in message
    under = line * (1024 * 1024 // len(line))
    status, reply = await call(
        "POST", "iris-small", "invocations", body=under, api=False, headers=csv
    )
    assert status == 200 and len(reply["predictions"]) == under.count("\n")
    as_csv = await jp_fetch(
        "mlstudio",
        "endpoints",
        "iris-small",
        "invocations",
        method="POST",
        body=X.head(2).to_csv(index=False),
        headers={**csv, "Accept": "text/csv"},
    )
    assert as_csv.headers["Content-Type"] == "text/csv"  # the endpoint's, not Jupyter's JSON
    assert as_csv.body.decode().splitlines() == [
        str(v) for v in mls.load_model("iris", 1).predict(X.head(2))
    ]

    # the Open Inference Protocol's binary tensors pass through (both of its headers)
    httpclient = pytest.importorskip("tritonclient.http")
    table = httpclient.InferInput("input", [3, 4], "FP64")
    table.set_data_from_numpy(X.head(3).to_numpy())
    body, header_length = httpclient.InferenceServerClient.generate_request_body([table])
    response = await jp_fetch(
        "mlstudio",
        "endpoints",
        "iris-small",
        "v2",
        "models",
        "iris",
        "infer",
        method="POST",
        body=body,
        headers={"Inference-Header-Content-Length": str(header_length)},
    )
    assert response.headers["Content-Type"] == "application/octet-stream"
    result = httpclient.InferenceServerClient.parse_response_body(
        response.body, header_length=int(response.headers["Inference-Header-Content-Length"])
    )
    expected = mls.load_model("iris", 1).predict(X.head(3)).tolist()
    assert result.as_numpy("predict").tolist() == expected

    status, updated = await call(
        "PATCH", "endpoints", "iris-small", body={"max_payload_bytes": 512}
    )
    assert status == 400 and "max_payload_bytes" in updated["error"]["message"]
