"""What a real client gets from a real server at the HTTP edges: a query string too long
for the API is answered 414 (tornado used to close the connection at 64 KiB without a
word), and a request without credentials 401, both with the API's error shape."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

# the server conftest.py starts: url, token, root, api, headers
LiveServer = Any


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, start_live_server: Any) -> Iterator[Any]:
    base = tmp_path_factory.mktemp("live")
    with start_live_server(base / "root", base / "home") as running:
        yield running


def fetch(
    url: str, headers: dict[str, str], method: str = "GET", body: bytes | None = None
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, headers=headers, method=method, data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.parametrize("route", ["experiments", "jobs", "models"])
def test_a_100_kb_query_string_is_414_with_a_message(server: LiveServer, route: str) -> None:
    query = "filter=" + "x" * 100_000
    status, _, payload = fetch(f"{server.api}/{route}?{query}", server.headers)
    assert status == 414, payload
    assert payload["error"]["code"] == "URI_TOO_LONG"
    assert "at most 65536" in payload["error"]["message"]


def test_runs_search_takes_a_long_filter_below_the_limit(server: LiveServer) -> None:
    status, _, created = fetch(
        f"{server.api}/experiments",
        {**server.headers, "Content-Type": "application/json"},
        "POST",
        json.dumps({"name": "long"}).encode(),
    )
    assert status == 201
    values = ", ".join(f"'value-{i}'" for i in range(700))
    condition = f"params.a IN ({values})"  # ~9.5 KB of filter
    url = f"{server.api}/experiments/{created['id']}/runs?" + urllib.parse.urlencode(
        {"filter": condition}
    )
    assert len(url) > 12_000
    status, _, payload = fetch(url, server.headers)
    assert status == 200, payload
    assert payload["items"] == []


@pytest.mark.parametrize(
    ("method", "route"),
    [("GET", "experiments"), ("POST", "experiments"), ("DELETE", "runs/abc"), ("GET", "nope")],
)
def test_no_credentials_is_401(server: LiveServer, method: str, route: str) -> None:
    body = b"{}" if method == "POST" else None
    status, headers, payload = fetch(f"{server.api}/{route}", {}, method, body)
    assert status == 401, payload
    assert payload["error"]["code"] == "UNAUTHENTICATED"
    assert "token" in payload["error"]["message"]
    assert "www-authenticate" in {name.lower() for name in headers}
    status, _, payload = fetch(f"{server.api}/{route}", {"Authorization": "token wrong"}, method)
    assert status == 401, payload
