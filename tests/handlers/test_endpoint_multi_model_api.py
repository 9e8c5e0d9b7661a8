"""Multi-model endpoints over REST: deploy with ``multi_model``, invoke two models through
the proxy (path and SageMaker header), list ``/endpoints/{name}/models``, add a model;
4xx for a plain endpoint and bad input."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

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


async def test_multi_model_over_rest(call: Call) -> None:
    logit = LogisticRegression(max_iter=500).fit(X, y)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    mls.register(logit, "iris-logit", input_example=X)
    mls.register(tree, "iris-tree", input_example=X)
    mls.register(tree, "iris-later", input_example=X)

    status, error = await call(
        "POST",
        "endpoints",
        body={
            "name": "zoo",
            "variants": [{"model": "iris-logit"}],
            "multi_model": {"models": ["iris-logit", "nope"]},
        },
    )
    assert status == 404 and "nope" in error["error"]["message"], error
    status, created = await call(
        "POST",
        "endpoints",
        body={
            "name": "zoo",
            "variants": [{"model": "iris-logit"}],
            "multi_model": {"models": ["iris-logit", "iris-tree"], "memory_limit_bytes": 10**7},
        },
    )
    assert status == 202, created
    endpoint = await _in_service(call, "zoo")
    assert endpoint["multi_model"]["models"] == ["iris-logit", "iris-tree"]

    rows = {"instances": X.head(4).to_dict(orient="records")}
    json_type = {"Content-Type": "application/json"}
    status, answer = await call(
        "POST", "zoo", "models", "iris-tree", "invocations", body=rows, api=False, headers=json_type
    )
    assert status == 200, answer
    assert answer["predictions"] == tree.predict(X.head(4)).tolist()
    status, answer = await call(
        "POST",
        "zoo",
        "invocations",
        body=rows,
        api=False,
        headers={**json_type, "X-Amzn-SageMaker-Target-Model": "iris-logit/1"},
    )
    assert status == 200, answer
    assert answer["predictions"] == logit.predict(X.head(4)).tolist()

    status, listed = await call("GET", "endpoints", "zoo", "models")
    assert status == 200, listed
    assert listed["allowed"] == ["iris-logit", "iris-tree"] and listed["serving"] is True
    by_target = {m["target"]: m for m in listed["models"]}
    assert by_target["iris-tree/1"]["loaded"] and by_target["iris-tree/1"]["requests"] == 1
    assert by_target["iris-logit/1"]["requests"] == 1

    status, error = await call(
        "POST",
        "zoo",
        "models",
        "iris-later",
        "invocations",
        body=rows,
        api=False,
        headers=json_type,
    )
    assert status == 404, error
    status, added = await call(
        "POST", "endpoints", "zoo", "models", body={"models": ["iris-later"]}
    )
    assert status == 200 and added["allowed"] == ["iris-logit", "iris-tree", "iris-later"], added
    await asyncio.sleep(0.3)  # a refused name is looked up again after 0.2 s
    status, answer = await call(
        "POST",
        "zoo",
        "models",
        "iris-later",
        "invocations",
        body=rows,
        api=False,
        headers=json_type,
    )
    assert status == 200, answer

    status, error = await call("POST", "endpoints", "zoo", "models", body={"models": []})
    assert status == 400, error
    status, error = await call("POST", "endpoints", "zoo", "models", body={"models": ["nope"]})
    assert status == 404, error

    status, created = await call(
        "POST", "endpoints", body={"name": "plain", "variants": [{"model": "iris-logit"}]}
    )
    assert status == 202, created
    await _in_service(call, "plain")
    status, error = await call("GET", "endpoints", "plain", "models")
    assert status == 400 and "not a multi-model endpoint" in error["error"]["message"], error
    for name in ("zoo", "plain"):
        status, _ = await call("DELETE", "endpoints", name)
        assert status == 202
