"""Shadow variants over REST (issue 20): ``shadow`` in POST/PATCH ``/endpoints``, the
comparison at ``GET .../shadow/compare``, ``POST .../shadow/promote``; 4xx for bad
settings, an endpoint without a shadow, an unknown endpoint."""

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
            assert endpoint["failure_reason"] is None, endpoint["failure_reason"]
            return endpoint  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} did not start")


async def test_shadow_compare_and_promote_over_rest(call: Call) -> None:
    mls.register(LogisticRegression(C=0.01, max_iter=500).fit(X, y), "iris", input_example=X)
    mls.register(LogisticRegression(C=10.0, max_iter=500).fit(X, y), "iris", input_example=X)

    for shadow, word in (({"version": 2, "sampling": 0}, "sampling"), ({"version": 9}, "9")):
        status, error = await call(
            "POST",
            "endpoints",
            body={"name": "bad", "variants": [{"model": "iris", "version": 1}], "shadow": shadow},
        )
        assert status in (400, 404), error
        assert word in error["error"]["message"]
    status, error = await call("GET", "endpoints", "nope", "shadow", "compare")
    assert status == 404, error

    status, created = await call(
        "POST",
        "endpoints",
        body={"name": "iris", "variants": [{"model": "iris", "version": 1}]},
    )
    assert status == 202, created
    assert created["shadow"] is None
    await _in_service(call, "iris")
    status, compared = await call("GET", "endpoints", "iris", "shadow", "compare")
    assert status == 200 and compared["shadow"] is None and compared["comparison"] is None
    status, error = await call("POST", "endpoints", "iris", "shadow", "promote", body={})
    assert status == 409, error
    assert "no shadow variant" in error["error"]["message"]

    # a shadow added by a rolling update; the model defaults to production's
    status, updated = await call(
        "PATCH", "endpoints", "iris", body={"shadow": {"version": 2, "sampling": 1.0}}
    )
    assert status == 202, updated
    endpoint = await _in_service(call, "iris")
    assert endpoint["shadow"] == {"name": "shadow", "model": "iris", "version": 2, "sampling": 1.0}
    for start in range(0, 30, 3):
        status, answer = await call(
            "POST",
            "iris",
            "invocations",
            body={"dataframe_split": X.iloc[start : start + 3].to_dict("split")},
            api=False,
            headers={"Content-Type": "application/json"},
        )
        assert status == 200, answer
    # the Open Inference Protocol's requests are copied too (4 rows in one request)
    frame = X.iloc[40:44]
    inputs = [
        {"name": c, "shape": [4], "datatype": "FP64", "data": frame[c].tolist()} for c in X.columns
    ]
    status, answer = await call(
        "POST",
        "iris",
        "v2",
        "models",
        "iris",
        "infer",
        body={"inputs": inputs},
        api=False,
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, answer
    figures: dict[str, Any] = {}
    for _ in range(100):
        status, compared = await call("GET", "endpoints", "iris", "shadow", "compare")
        assert status == 200, compared
        figures = compared["comparison"]
        if figures["pairs"] == 11:
            break
        await asyncio.sleep(0.2)
    assert figures["pairs"] == 11 and figures["compared"] == 11, figures
    assert figures["rows"] == 34 and figures["shadow"]["errors"] == 0, figures
    assert figures["task"] == "classification" and 0 <= figures["agreement"] <= 1
    assert compared["live"]["requests"] == 11 and compared["production"] == ["primary"]

    status, error = await call(
        "POST", "endpoints", "iris", "shadow", "promote", body={"replace": "other"}
    )
    assert status == 400 and "no production variant 'other'" in error["error"]["message"]

    # an explicit null removes the shadow (a rolling update); then it is added back
    status, updated = await call("PATCH", "endpoints", "iris", body={"shadow": None})
    assert status == 202, updated
    endpoint = await _in_service(call, "iris")
    assert endpoint["shadow"] is None and endpoint["generation"] == 3
    status, compared = await call("GET", "endpoints", "iris", "shadow", "compare")
    assert compared["shadow"] is None and compared["comparison"] is None
    status, updated = await call(
        "PATCH", "endpoints", "iris", body={"shadow": {"version": 2, "sampling": 0.5}}
    )
    assert status == 202, updated
    endpoint = await _in_service(call, "iris")
    assert endpoint["shadow"]["sampling"] == 0.5
    status, promoted = await call("POST", "endpoints", "iris", "shadow", "promote", body={})
    assert status == 202, promoted
    endpoint = await _in_service(call, "iris")
    assert [(v["name"], v["version"]) for v in endpoint["variants"]] == [("shadow", 2)]
    assert endpoint["shadow"] is None
