"""The experiments REST API on a real Jupyter server over real SQLite."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_mlstudio.api.operations import OPERATIONS, Operation

if TYPE_CHECKING:
    from conftest import Call

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mlstudio", "api", "v1")


def assert_error(status: int, payload: Any, expected: int, code: str | None = None) -> str:
    assert status == expected, payload
    assert set(payload) == {"error"}, payload
    assert set(payload["error"]) == {"code", "message"}
    assert payload["error"]["message"]
    assert "Traceback" not in payload["error"]["message"]
    if code:
        assert payload["error"]["code"] == code
    message: str = payload["error"]["message"]
    return message


async def test_crud_round_trip(call: Call) -> None:
    status, created = await call(
        "POST",
        "experiments",
        body={"name": "churn", "description": "d", "tags": {"t": "1"}},
    )
    assert status == 201
    assert created["name"] == "churn" and created["tags"] == {"t": "1"}
    exp_id = created["id"]

    status, listed = await call("GET", "experiments")
    assert status == 200
    assert [e["id"] for e in listed["items"]] == [exp_id]
    assert listed["next_token"] is None

    status, got = await call("GET", "experiments", exp_id)
    assert status == 200 and got == created

    status, by_name = await call("GET", "experiments", params={"name": "churn"})
    assert status == 200 and by_name["items"][0]["id"] == exp_id

    status, renamed = await call("PATCH", "experiments", exp_id, body={"name": "churn2"})
    assert status == 200 and renamed["name"] == "churn2" and renamed["description"] == "d"

    status, body = await call("DELETE", "experiments", exp_id)
    assert status == 204 and body is None
    status, body = await call("GET", "experiments", exp_id)
    assert_error(status, body, 404, "NOT_FOUND")


async def test_create_sets_location(jp_fetch: Fetch) -> None:
    response = await jp_fetch(*API, "experiments", method="POST", body=json.dumps({"name": "x"}))
    created = json.loads(response.body)
    assert response.headers["Location"].endswith(f"/mlstudio/api/v1/experiments/{created['id']}")


async def test_pagination(call: Call) -> None:
    for i in range(7):
        await call("POST", "experiments", body={"name": f"e{i}"})
    names: list[str] = []
    params: dict[str, Any] = {"max_items": "3"}
    while True:
        status, page = await call("GET", "experiments", params=params)
        assert status == 200 and len(page["items"]) <= 3
        names += [e["name"] for e in page["items"]]
        if page["next_token"] is None:
            break
        params = {"max_items": "3", "next_token": page["next_token"]}
    assert names == [f"e{i}" for i in reversed(range(7))]


async def test_duplicate_name_is_409(call: Call) -> None:
    await call("POST", "experiments", body={"name": "churn"})
    status, body = await call("POST", "experiments", body={"name": "churn"})
    assert "already exists" in assert_error(status, body, 409, "ALREADY_EXISTS")
    _, other = await call("POST", "experiments", body={"name": "other"})
    status, body = await call("PATCH", "experiments", other["id"], body={"name": "churn"})
    assert_error(status, body, 409, "ALREADY_EXISTS")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_id_is_404(call: Call, method: str) -> None:
    body = {"name": "x"} if method == "PATCH" else None
    status, payload = await call(method, "experiments", "0" * 32, body=body)
    assert_error(status, payload, 404, "NOT_FOUND")


async def test_unknown_name_is_404(call: Call) -> None:
    status, payload = await call("GET", "experiments", params={"name": "ghost"})
    assert_error(status, payload, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "needs a JSON body"),
        (b"[1, 2]", "JSON object"),
        (b"\xff\xfe", "not valid JSON"),
        (json.dumps({}).encode(), "name"),
        (json.dumps({"name": 5}).encode(), "name"),
        (json.dumps({"name": ""}).encode(), "name"),
        (json.dumps({"name": "   "}).encode(), "empty"),
        (json.dumps({"name": "x", "tags": {"a": 1}}).encode(), "tags.a"),
        (json.dumps({"name": "x", "tags": ["a"]}).encode(), "tags"),
        (json.dumps({"name": "x", "colour": "red"}).encode(), "colour"),
        (json.dumps({"name": "x" * 300}).encode(), "name"),
        (json.dumps({"name": "a\u0000b"}).encode(), "control"),
    ],
)
async def test_bad_create_bodies_are_400(call: Call, raw: bytes, fragment: str) -> None:
    status, payload = await call("POST", "experiments", body=raw)
    assert fragment in assert_error(status, payload, 400, "INVALID_ARGUMENT")
    _, listed = await call("GET", "experiments")
    assert listed["items"] == []


@pytest.mark.parametrize(
    "body", [{"name": None, "description": 3}, {"tags": "x"}, {"unknown": 1}, {"name": ""}]
)
async def test_bad_update_bodies_are_400_and_change_nothing(call: Call, body: Any) -> None:
    _, created = await call("POST", "experiments", body={"name": "keep"})
    status, payload = await call("PATCH", "experiments", created["id"], body=body)
    assert_error(status, payload, 400, "INVALID_ARGUMENT")
    _, after = await call("GET", "experiments", created["id"])
    assert after == created


@pytest.mark.parametrize(
    "params",
    [
        {"max_items": "0"},
        {"max_items": "abc"},
        {"max_items": "5000"},
        {"next_token": "junk"},
        {"bogus": "1"},
    ],
)
async def test_bad_list_queries_are_400(call: Call, params: dict[str, str]) -> None:
    status, payload = await call("GET", "experiments", params=params)
    assert_error(status, payload, 400, "INVALID_ARGUMENT")


async def test_jupyterlab_cache_buster_is_ignored(jp_fetch: Fetch) -> None:
    response = await jp_fetch(*API, "experiments", params={"max_items": "5", "1795620391989": ""})
    assert json.loads(response.body)["items"] == []


@pytest.mark.parametrize(
    "op",
    [*OPERATIONS, Operation("get", "/nowhere", "", "", "", None)],
    ids=lambda o: o.operation_id,
)
async def test_unauthenticated_requests_are_refused(call: Call, op: Operation) -> None:
    """Every documented operation (and unknown paths) refuses a wrong token."""
    path = re.sub(r"{\w+}", "0" * 32, op.path).strip("/").split("/")
    body = {"name": "sneaky"} if op.body is not None else None
    status, payload = await call(
        op.method.upper(), *path, body=body, headers={"Authorization": "token wrong"}
    )
    assert status in (401, 403), (op, status)
    assert_error(status, payload, status)
    _, listed = await call("GET", "experiments")
    assert listed["items"] == []  # nothing was written


async def test_unknown_api_path_is_json_404(call: Call) -> None:
    status, payload = await call("GET", "nothing-here")
    assert_error(status, payload, 404, "NOT_FOUND")


async def test_unsupported_method_is_405_with_error_shape(call: Call) -> None:
    status, payload = await call("PUT", "experiments", body={"name": "x"})
    assert_error(status, payload, 405)


async def test_status_reports_store(call: Call) -> None:
    status, payload = await call("GET", "status")
    assert status == 200
    assert payload["store_backend"] == "sqlite"
    assert payload["store_uri"].endswith("mlstudio.db")


async def test_changes_emit_server_events(
    call: Call, resource_events: list[dict[str, Any]]
) -> None:
    seen = resource_events
    _, created = await call("POST", "experiments", body={"name": "evt"})
    await call("DELETE", "experiments", created["id"])
    import asyncio

    for _ in range(50):
        if len(seen) >= 2:
            break
        await asyncio.sleep(0.02)
    assert [(e["action"], e["id"]) for e in seen] == [
        ("created", created["id"]),
        ("deleted", created["id"]),
    ]


async def test_store_errors_never_leak_tracebacks(call: Call, jp_serverapp: Any) -> None:
    """A broken database gives a 503 with a message, not a 500 with a traceback."""
    studio = jp_serverapp.web_app.settings["mlstudio.studio"]
    studio.db.engine.dispose()
    db_path = studio.config.home / "mlstudio.db"
    studio.db.engine.url  # noqa: B018 - keep the engine
    db_path.unlink()
    db_path.mkdir()  # now the path is a folder: every connection fails
    try:
        status, payload = await call("GET", "experiments")
        assert_error(status, payload, 503, "UNAVAILABLE")
    finally:
        db_path.rmdir()


async def test_client_error_exception_type(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, "experiments", "missing")
    assert info.value.code == 404
