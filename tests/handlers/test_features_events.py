"""Feature groups written without the REST API (the SDK in a kernel, a job) reach the
browser as ``feature-groups`` events through the server's change watcher."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pandas as pd
from tornado.httpclient import HTTPResponse

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("mlstudio", "api", "v1")


async def _wait_for(seen: list[dict[str, Any]], event: dict[str, Any]) -> None:
    for _ in range(80):
        if event in seen:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {event} in {seen}")


async def test_sdk_created_and_ingested_groups_are_pushed_as_events(
    jp_fetch: Fetch, jp_serverapp: Any, resource_events: list[dict[str, Any]]
) -> None:
    await jp_fetch(*API, "status")  # the extension (and its watcher) is up
    features = jp_serverapp.web_app.settings["mlstudio.studio"].features
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(
        None,
        lambda: features.create_group(
            "watched",
            record_identifier="id",
            event_time_feature="ts",
            features=[{"name": "id", "type": "integral"}, {"name": "ts", "type": "timestamp"}],
        ),
    )
    await _wait_for(
        resource_events, {"resource": "feature-groups", "action": "created", "id": "watched@1"}
    )
    resource_events.clear()
    # An ingestion changes no catalog row: the watcher sees it in the history.
    frame = pd.DataFrame({"id": [1, 2], "ts": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    await loop.run_in_executor(None, lambda: features.ingest("watched", frame))
    await _wait_for(
        resource_events, {"resource": "feature-groups", "action": "updated", "id": "watched@1"}
    )
