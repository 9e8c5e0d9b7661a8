"""Asynchronous inference over REST (issue 20): 202 at once, then status and output;
a path payload under the server root; 4xx for an unknown endpoint, one without
async_config, a missing body, a location outside the data roots and an unknown id."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls

if TYPE_CHECKING:
    from conftest import Call

X, y = load_iris(return_X_y=True, as_frame=True)


pytestmark = pytest.mark.usefixtures("no_endpoint_left_behind")


async def _wait(call: Call, path: tuple[str, ...], done: set[str]) -> dict[str, Any]:
    for _ in range(150):
        status, body = await call("GET", *path)
        assert status == 200, body
        if body["status"] in done:
            return body  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    _, log = await call("GET", "endpoints", path[1], "log")
    raise AssertionError(f"{path} never reached {done}: {log}")


async def test_async_invocations_over_rest(call: Call, jp_root_dir: Path) -> None:
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, "iris", input_example=X)
    status, body = await call(
        "POST",
        "endpoints",
        body={
            "name": "iris-async",
            "variants": [{"model": "iris"}],
            "async_config": {"max_concurrent_invocations": 2},
        },
    )
    assert status == 202, body
    status, body = await call(
        "POST", "endpoints", body={"name": "iris-plain", "variants": [{"model": "iris"}]}
    )
    assert status == 202, body
    await _wait(call, ("endpoints", "iris-async"), {"InService"})

    payload = json.dumps({"instances": X.head(5).values.tolist()})
    status, queued = await call(
        "POST",
        "endpoints",
        "iris-async",
        "async-invocations",
        body=payload,
        headers={"Content-Type": "application/json"},
    )
    assert status == 202, queued
    assert queued["status"] == "Queued" and queued["output_location"].endswith(".out")
    (jp_root_dir / "rows.csv").write_text(X.tail(3).to_csv(index=False, header=False))
    status, from_file = await call(
        "POST",
        "endpoints",
        "iris-async",
        "async-invocations",
        body=b"",
        params={"input_location": "rows.csv"},
        headers={"Content-Type": "text/csv"},
    )
    assert status == 202, from_file

    one = await _wait(
        call,
        ("endpoints", "iris-async", "async-invocations", queued["inference_id"]),
        {"Completed"},
    )
    assert one["attempts"] == 1 and one["started_at"] and one["ended_at"]
    status, output = await call(
        "GET", "endpoints", "iris-async", "async-invocations", queued["inference_id"], "output"
    )
    assert status == 200 and output["predictions"] == model.predict(X.head(5)).tolist()
    await _wait(
        call,
        ("endpoints", "iris-async", "async-invocations", from_file["inference_id"]),
        {"Completed"},
    )
    status, output = await call(
        "GET", "endpoints", "iris-async", "async-invocations", from_file["inference_id"], "output"
    )
    assert output["predictions"] == model.predict(X.tail(3)).tolist()
    status, listed = await call("GET", "endpoints", "iris-async", "async-invocations")
    assert [r["inference_id"] for r in listed["items"]] == [
        from_file["inference_id"],
        queued["inference_id"],
    ]

    # refusals: clear 4xx, never 500
    for path, kwargs, code, message in [
        (("nope",), {"body": payload}, 404, "nope"),
        (("iris-plain",), {"body": payload}, 400, "no async_config"),
        (("iris-async",), {"body": b""}, 400, "needs a body"),
        (
            ("iris-async",),
            {"body": b"", "params": {"input_location": "/etc/passwd"}},
            400,
            "outside the allowed data roots",
        ),
        (
            ("iris-async",),
            {"body": b"", "params": {"input_location": "missing.csv"}},
            400,
            "not a file",
        ),
    ]:
        status, error = await call("POST", "endpoints", *path, "async-invocations", **kwargs)
        assert status == code and message in json.dumps(error), (path, status, error)
    status, error = await call("GET", "endpoints", "iris-async", "async-invocations", "f" * 32)
    assert status == 404, error
