"""Autoscaling and scale to zero over REST: validated with 400s and clear messages,
described by GET /endpoints/{name}, changed by PATCH (merged; null removes), and the
live state in the endpoint's metrics, read without waking an endpoint scaled to zero."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls

if TYPE_CHECKING:
    from conftest import Call

X, y = load_iris(return_X_y=True, as_frame=True)

pytestmark = pytest.mark.usefixtures("no_endpoint_left_behind")


async def _in_service(call: Call, name: str) -> dict[str, Any]:
    for _ in range(600):
        status, endpoint = await call("GET", "endpoints", name)
        assert status == 200, endpoint
        if endpoint["status"] not in ("Creating", "Updating", "Deleting"):
            assert endpoint["status"] == "InService", endpoint["failure_reason"]
            return endpoint  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} did not start")


async def test_autoscaling_over_rest(call: Call) -> None:
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris", input_example=X)
    for policy, message in (
        ({"min_instances": 3, "max_instances": 2, "target_cpu_percent": 50}, "not be above max"),
        ({"max_instances": 2}, "Give a target"),
        ({"target_invocations_per_instance": 0}, "greater than 0"),
    ):
        status, error = await call(
            "POST",
            "endpoints",
            body={"name": "bad", "variants": [{"model": "iris"}], "autoscaling": policy},
        )
        assert status == 400, error
        assert message in error["error"]["message"]
    status, error = await call(
        "POST",
        "endpoints",
        body={"name": "bad", "variants": [{"model": "iris"}], "scale_to_zero_after": -1},
    )
    assert status == 400 and "scale_to_zero_after" in error["error"]["message"]
    status, listed = await call("GET", "endpoints")
    assert listed["items"] == []

    status, created = await call(
        "POST",
        "endpoints",
        body={
            "name": "elastic",
            "variants": [{"model": "iris"}],
            "autoscaling": {"max_instances": 2, "target_invocations_per_instance": 600},
            "scale_to_zero_after": 2,
        },
    )
    assert status == 202, created
    endpoint = await _in_service(call, "elastic")
    policy = endpoint["autoscaling"]["primary"]
    assert (policy["min_instances"], policy["max_instances"]) == (1, 2)
    assert policy["target_invocations_per_instance"] == 600
    assert endpoint["scale_to_zero_after"] == 2

    # idle: scaled to zero; the metrics come from the supervisor and do not wake it
    for _ in range(100):
        status, metrics = await call("GET", "endpoints", "elastic", "metrics")
        assert status == 200, metrics
        if metrics.get("autoscaling", {}).get("scaled_to_zero"):
            break
        await asyncio.sleep(0.2)
    assert metrics["autoscaling"]["instances"] == 0
    assert "primary" in metrics["variants"]
    await asyncio.sleep(0.5)
    status, metrics = await call("GET", "endpoints", "elastic", "metrics")
    assert metrics["autoscaling"]["scaled_to_zero"] is True
    assert metrics["autoscaling"]["cold_starts"] == 0

    status, updated = await call(
        "PATCH",
        "endpoints",
        "elastic",
        body={"autoscaling": {"max_instances": 3}, "scale_to_zero_after": 0},
    )
    assert status == 202, updated
    endpoint = await _in_service(call, "elastic")
    policy = endpoint["autoscaling"]["primary"]
    assert (policy["max_instances"], policy["target_invocations_per_instance"]) == (3, 600)
    assert endpoint["scale_to_zero_after"] is None

    status, error = await call(
        "PATCH", "endpoints", "elastic", body={"autoscaling": {"min_instances": 5}}
    )
    assert status == 400 and "not be above max" in error["error"]["message"], error

    status, updated = await call("PATCH", "endpoints", "elastic", body={"autoscaling": None})
    assert status == 202, updated
    endpoint = await _in_service(call, "elastic")
    assert endpoint["autoscaling"] == {}
