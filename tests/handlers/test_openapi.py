"""The served OpenAPI document matches the route table and what handlers return."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema
from tornado.httpclient import HTTPResponse

from jupyter_mlstudio.api.openapi import build_openapi
from jupyter_mlstudio.api.operations import API_PREFIX, OPERATIONS

Fetch = Callable[..., Awaitable[HTTPResponse]]


async def test_served_document_is_the_generated_one(jp_fetch: Fetch) -> None:
    response = await jp_fetch("mlstudio", "api", "v1", "openapi.json")
    assert json.loads(response.body) == build_openapi()


def test_every_route_is_documented_and_every_operation_routed(jp_serverapp: Any) -> None:
    from jupyter_mlstudio.server.app import MLStudio

    app = MLStudio()
    app.handlers = []
    app.initialize_handlers()
    routes = dict(app.handlers)
    documented_paths = {API_PREFIX + op.path for op in OPERATIONS}
    for path in documented_paths:
        concrete = re.sub(r"{\w+}", "abc123", path)
        matches = [
            handler
            for pattern, handler in routes.items()
            if re.fullmatch(pattern, concrete) and handler.__name__ != "NotFoundHandler"
        ]
        assert matches, f"{path} is documented but not routed"
        handler = matches[0]
        for op in OPERATIONS:
            if API_PREFIX + op.path == path:
                assert hasattr(handler, op.method), f"{op.method.upper()} {path} not implemented"
        implemented = {m for m in ("get", "post", "patch", "put", "delete") if m in vars(handler)}
        documented = {op.method for op in OPERATIONS if API_PREFIX + op.path == path}
        assert implemented == documented, path
    for pattern, handler in routes.items():
        # the endpoint proxy (/mlstudio/endpoints/...) forwards the endpoint's own protocols
        if handler.__name__ == "NotFoundHandler" or not pattern.startswith(API_PREFIX):
            continue
        assert any(
            re.fullmatch(pattern, re.sub(r"{\w+}", "abc123", p)) for p in documented_paths
        ), pattern


async def test_responses_validate_against_the_document(jp_fetch: Fetch) -> None:
    spec = build_openapi()

    def check(path: str, method: str, status: int, payload: Any) -> None:
        response = spec["paths"][path][method]["responses"][str(status)]
        schema = response["content"]["application/json"]["schema"]
        resolver_doc = {**schema, "components": spec["components"]}
        jsonschema.validate(payload, resolver_doc)

    api = ("mlstudio", "api", "v1")
    r = await jp_fetch(
        *api, "experiments", method="POST", body=json.dumps({"name": "spec", "tags": {"a": "b"}})
    )
    created = json.loads(r.body)
    check(f"{API_PREFIX}/experiments", "post", 201, created)
    r = await jp_fetch(*api, "experiments")
    check(f"{API_PREFIX}/experiments", "get", 200, json.loads(r.body))
    r = await jp_fetch(*api, "experiments", created["id"])
    check(f"{API_PREFIX}/experiments/{{experiment_id}}", "get", 200, json.loads(r.body))
    r = await jp_fetch(*api, "status")
    check(f"{API_PREFIX}/status", "get", 200, json.loads(r.body))
    r = await jp_fetch(*api, "experiments", "nope", raise_error=False)
    check(f"{API_PREFIX}/experiments/{{experiment_id}}", "get", 404, json.loads(r.body))
    r = await jp_fetch(
        *api, "experiments", method="POST", body=json.dumps({"name": "spec"}), raise_error=False
    )
    check(f"{API_PREFIX}/experiments", "post", 409, json.loads(r.body))
