"""Asynchronous inference settings over REST (issue 20): GET /endpoints shows
``async_config`` with the webhook secret redacted; PATCH merges new settings (a secret
sent back redacted keeps the stored one) and ``"async_config": null`` turns it off, after
which queueing is refused; a bad setting is a 400, not a 500."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.endpoints.async_inference import REDACTED

if TYPE_CHECKING:
    from conftest import Call

X, y = load_iris(return_X_y=True, as_frame=True)

pytestmark = pytest.mark.usefixtures("no_endpoint_left_behind")


async def _settled(call: Call, name: str) -> dict[str, Any]:
    for _ in range(300):
        status, body = await call("GET", "endpoints", name)
        assert status == 200, body
        if body["status"] in ("InService", "Failed"):
            return body  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} did not settle")


async def test_async_settings_over_rest(call: Call) -> None:
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris", input_example=X)
    status, body = await call(
        "POST",
        "endpoints",
        body={
            "name": "iris-q",
            "variants": [{"model": "iris"}],
            "async_config": {
                "max_concurrent_invocations": 2,
                "notification_webhook": "http://127.0.0.1:9/hook",
                "notification_secret": "top-secret",
            },
        },
    )
    assert status == 202, body
    assert body["async_config"]["notification_secret"] == REDACTED
    endpoint = await _settled(call, "iris-q")
    assert endpoint["status"] == "InService", endpoint
    _, listed = await call("GET", "endpoints")
    assert "top-secret" not in json.dumps(listed)
    assert listed["items"][0]["async_config"]["max_concurrent_invocations"] == 2

    # a merge: the concurrency changes, the webhook and its secret stay
    status, body = await call(
        "PATCH",
        "endpoints",
        "iris-q",
        body={"async_config": {"max_concurrent_invocations": 3, "notification_secret": REDACTED}},
    )
    assert status == 202, body
    endpoint = await _settled(call, "iris-q")
    assert endpoint["async_config"] == {
        "max_concurrent_invocations": 3,
        "output_path": None,
        "notification_webhook": "http://127.0.0.1:9/hook",
        "notification_secret": REDACTED,
        "lease_seconds": 30.0,
    }
    stored = mls.get_endpoint("iris-q").endpoint.config["async_config"]
    assert stored["notification_secret"] == "top-secret"

    status, body = await call(
        "PATCH", "endpoints", "iris-q", body={"async_config": {"max_concurrent_invocations": 0}}
    )
    assert status == 400, body

    # null turns it off: queueing is refused
    status, body = await call("PATCH", "endpoints", "iris-q", body={"async_config": None})
    assert status == 202, body
    endpoint = await _settled(call, "iris-q")
    assert endpoint["async_config"] is None
    status, body = await call(
        "POST",
        "endpoints",
        "iris-q",
        "async-invocations",
        body=json.dumps({"instances": X.head(1).values.tolist()}),
    )
    assert status == 400 and "no async_config" in body["error"]["message"]
    await call("DELETE", "endpoints", "iris-q")
