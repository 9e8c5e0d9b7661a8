"""``return_probabilities`` over REST: persisted and shown, answered through the proxy,
refused with a 400 for a model without predict_proba."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression

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


async def test_return_probabilities_over_rest(call: Call) -> None:
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, "iris", input_example=X)
    mls.register(LinearRegression().fit(X, y), "iris-linear", input_example=X)

    status, error = await call(
        "POST",
        "endpoints",
        body={
            "name": "linear",
            "variants": [{"model": "iris-linear"}],
            "return_probabilities": True,
        },
    )
    assert status == 400, error
    assert "no predict_proba" in error["error"]["message"]
    status, listed = await call("GET", "endpoints")
    assert listed["items"] == []

    status, created = await call(
        "POST",
        "endpoints",
        body={"name": "iris-p", "variants": [{"model": "iris"}], "return_probabilities": True},
    )
    assert status == 202, created
    endpoint = await _in_service(call, "iris-p")
    assert endpoint["return_probabilities"] is True
    rows = X.head(3).to_dict(orient="records")
    status, answer = await call(
        "POST",
        "iris-p",
        "invocations",
        body={"instances": rows},
        api=False,
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, answer
    assert answer["classes"] == [0, 1, 2]
    np.testing.assert_allclose(answer["probabilities"], model.predict_proba(X.head(3)), rtol=1e-12)

    status, updated = await call(
        "PATCH", "endpoints", "iris-p", body={"return_probabilities": False}
    )
    assert status == 202, updated
    endpoint = await _in_service(call, "iris-p")
    assert endpoint["return_probabilities"] is False
    status, answer = await call(
        "POST",
        "iris-p",
        "invocations",
        body={"instances": rows},
        api=False,
        headers={"Content-Type": "application/json"},
    )
    assert status == 200 and sorted(answer) == ["predictions"], answer
    status, _ = await call("DELETE", "endpoints", "iris-p")
    assert status == 202
