"""Random bodies and queries never produce a 500 or a traceback (seeded, so repeatable)."""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPResponse

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mlstudio", "api", "v1")
KEYS = ["name", "description", "tags", "max_items", "next_token", "id", "", "naïve", "a" * 300]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 1e308, -0.5, 7])
    if kind == 3:
        return "".join(
            chr(rng.choice([0, 9, 10, 32, 65, 233, 0x1F4C8, 0x4E2D]))
            for _ in range(rng.randrange(12))
        )
    if kind == 4:
        return rng.choice(["", " ", "churn", "x" * 5000, "../../etc", "DROP TABLE experiments;"])
    if kind == 5:
        return str(rng.random())
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def check(response: HTTPResponse) -> None:
    assert response.code < 500, response.body
    if response.code >= 400:
        payload = json.loads(response.body)
        assert set(payload) == {"error"}
        assert "Traceback" not in payload["error"]["message"]


async def test_random_bodies_never_500(jp_fetch: Fetch) -> None:
    rng = random.Random(20261125)
    created = await jp_fetch(*API, "experiments", method="POST", body=json.dumps({"name": "t"}))
    exp_id = json.loads(created.body)["id"]
    for _ in range(150):
        body = random_value(rng)
        raw = json.dumps(body) if rng.random() < 0.9 else json.dumps(body)[: rng.randrange(1, 8)]
        for method, path in (("POST", ("experiments",)), ("PATCH", ("experiments", exp_id))):
            check(await jp_fetch(*API, *path, method=method, body=raw, raise_error=False))


async def test_random_queries_and_ids_never_500(jp_fetch: Fetch) -> None:
    rng = random.Random(7)
    for _ in range(100):
        params = {
            rng.choice(KEYS) or "k": str(random_value(rng))[:200] for _ in range(rng.randrange(3))
        }
        check(await jp_fetch(*API, "experiments", params=params, raise_error=False))
        ident = str(random_value(rng))[:100] or "x"
        for method in ("GET", "DELETE"):
            check(await jp_fetch(*API, "experiments", ident, method=method, raise_error=False))


def with_nul(rng: random.Random, value: Any) -> Any:
    """``value`` with a NUL byte put into one of its strings (or a new one)."""
    if isinstance(value, str):
        at = rng.randrange(len(value) + 1)
        return value[:at] + "\x00" + value[at:]
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        return {**value, key: with_nul(rng, value[key])}
    if isinstance(value, list) and value:
        at = rng.randrange(len(value))
        return [*value[:at], with_nul(rng, value[at]), *value[at + 1 :]]
    return "\x00"


PATH_BODIES: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("wrangler", "preview"), {"path": "a.flow", "flow": {"schema_version": 1, "sources": []}}),
    (("wrangler", "job"), {"path": "a.flow"}),
    (("jobs", "training"), {"entry_point": "t.py", "channels": {"train": "d.csv"}}),
    (("jobs", "processing"), {"code": "p.py", "inputs": [{"name": "i", "source": "d.csv"}]}),
    (("jobs", "batch-transform"), {"model": "m", "input": "in.csv", "output": "out"}),
]


async def test_nul_bytes_in_path_fields_never_500(jp_fetch: Fetch) -> None:
    rng = random.Random(13)
    for _ in range(20):
        for route, body in PATH_BODIES:
            raw = json.dumps(with_nul(rng, body))
            check(await jp_fetch(*API, *route, method="POST", body=raw, raise_error=False))
