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
