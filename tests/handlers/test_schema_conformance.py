"""What schemathesis found besides 500s, each pinned by a plain request on a real server:
the API does what its OpenAPI document says, no more and no less."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from jupyter_mlstudio.api.openapi import build_openapi

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mlstudio", "api", "v1")


async def call(
    jp_fetch: Fetch, method: str, *path: str, body: Any = None, params: Any = None
) -> tuple[int, dict[str, str], Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    if params:
        kwargs["params"] = params
    if method == "TRACE":
        kwargs["allow_nonstandard_methods"] = True
    response = await jp_fetch(*API, *path, **kwargs)
    text = response.body.decode() if response.body else ""
    return response.code, dict(response.headers), (json.loads(text) if text else None)


async def test_an_integral_float_is_an_integer(jp_fetch: Fetch) -> None:
    """JSON Schema's integer admits 2.0; the strict models used to refuse it."""
    _, _, exp = await call(jp_fetch, "POST", "experiments", body={"name": "e"})
    _, _, run = await call(jp_fetch, "POST", "runs", body={"experiment_id": exp["id"]})
    metrics = [{"key": "loss", "value": 0.5, "step": 2.0}]
    status, _, payload = await call(
        jp_fetch, "POST", "runs", run["id"], "batch", body={"metrics": metrics}
    )
    assert status in (200, 204), payload
    status, _, history = await call(
        jp_fetch, "GET", "metric-histories", params={"run_ids": run["id"], "keys": "loss"}
    )
    assert history["items"][0]["points"][0]["step"] == 2
    # a float that is not an integer is still refused, and a number field keeps its float
    metrics = [{"key": "loss", "value": 1.0, "step": 2.5}]
    status, _, payload = await call(
        jp_fetch, "POST", "runs", run["id"], "batch", body={"metrics": metrics}
    )
    assert status == 400 and "step" in payload["error"]["message"]


@pytest.mark.parametrize(("method", "path"), [("TRACE", ("experiments",)), ("PUT", ("runs",))])
async def test_405_lists_the_allowed_methods(
    jp_fetch: Fetch, method: str, path: tuple[str, ...]
) -> None:
    status, headers, payload = await call(
        jp_fetch, method, *path, body={} if method == "PUT" else None
    )
    assert status == 405, payload
    allowed = {m.strip() for m in headers["Allow"].split(",")}
    documented = {m.upper() for m in build_openapi()["paths"]["/mlstudio/api/v1/" + "/".join(path)]}
    assert documented <= allowed and method not in allowed


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "tags": {"a\u000fb": "v"}},  # was stored
        {"name": "x", "tags": {" ": "v"}},
        {"name": "run\u009b"},  # C1 control character
    ],
)
async def test_names_and_keys_follow_their_documented_pattern(
    jp_fetch: Fetch, body: dict[str, Any]
) -> None:
    status, _, payload = await call(jp_fetch, "POST", "experiments", body=body)
    assert status == 400, payload
    assert (
        "control characters" in payload["error"]["message"]
        or "empty" in payload["error"]["message"]
    )


async def test_a_flow_in_a_missing_folder_is_404(jp_fetch: Fetch) -> None:
    body = {"path": "nowhere/a.flow", "flow": {"schema_version": 1}}
    status, _, payload = await call(jp_fetch, "POST", "wrangler", "preview", body=body)
    assert (status, payload["error"]["code"]) == (404, "NOT_FOUND")


async def test_an_integer_beyond_64_bits_is_a_400(jp_fetch: Fetch) -> None:
    """It reached SQLite and answered 500 (OverflowError)."""
    _, _, exp = await call(jp_fetch, "POST", "experiments", body={"name": "e"})
    _, _, run = await call(jp_fetch, "POST", "runs", body={"experiment_id": exp["id"]})
    metrics = [{"key": "loss", "value": 0.5, "step": 2**88}]
    status, _, payload = await call(
        jp_fetch, "POST", "runs", run["id"], "batch", body={"metrics": metrics}
    )
    assert status == 400, payload
    assert "step" in payload["error"]["message"]
