"""Data Wrangler → Feature Store over REST on a real server: a flow over a CSV, run on its
full data, creates a feature group (features inferred from the result) whose records read
back online and offline; a second export appends a batch; bad input is a 400 that says why
and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

if TYPE_CHECKING:
    from conftest import Call


@pytest.fixture
def visits(jp_root_dir: Path) -> Path:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "ts": [
                "2025-01-01T00:00:00",
                "2025-01-02T00:00:00",
                "2025-01-03T00:00:00",
                "2025-01-04T00:00:00",
            ],
            "minutes": [10.0, None, 30.0, 40.0],
            "plan": ["basic", "pro", "pro", "basic"],
        }
    )
    frame.to_csv(jp_root_dir / "visits.csv", index=False)
    return jp_root_dir / "visits.csv"


def export_body(steps: list[dict[str, Any]] | None = None, **target: Any) -> dict[str, Any]:
    flow = {
        "schema_version": 1,
        "sources": [{"id": "visits", "kind": "csv", "path": "visits.csv"}],
        "steps": steps
        if steps is not None
        else [
            {
                "id": "impute",
                "transform": "impute_median",
                "params": {"columns": ["minutes"]},
                "inputs": ["visits"],
            }
        ],
    }
    feature_store = {
        "group": "visits",
        "record_identifier": "customer_id",
        "event_time_feature": "ts",
        **target,
    }
    return {
        "path": "prep.flow",
        "flow": flow,
        "format": "feature-store",
        "feature_store": feature_store,
    }


async def test_export_creates_a_group_then_appends_a_batch(call: Call, visits: Path) -> None:
    status, answer = await call(
        "POST", "wrangler", "export", body=export_body(description="From the flow")
    )
    assert status == 201, answer
    assert answer == {"feature_group": "visits@1", "rows_written": 4}
    status, group = await call("GET", "feature-groups", "visits")
    assert status == 200, group
    assert group["description"] == "From the flow"
    types = {f["name"]: f["type"] for f in group["features"]}
    assert types == {
        "customer_id": "integral",
        "ts": "timestamp",
        "minutes": "fractional",
        "plan": "string",
    }
    # the flow ran: customer 2's missing minutes is the median of 10, 30 and 40
    status, record = await call("GET", "feature-groups", "visits", "records", "2")
    assert status == 200, record
    assert record["record"]["minutes"] == 30.0 and record["record"]["plan"] == "pro"
    status, rows = await call("GET", "feature-groups", "visits", "rows")
    assert status == 200 and len(rows["rows"]) == 4

    # new data in the CSV, a second export: a new batch of the same group
    frame = pd.read_csv(visits)
    frame["ts"] = frame["ts"].str.replace("2025-01", "2025-02")
    frame["plan"] = "enterprise"
    frame.to_csv(visits, index=False)
    status, answer = await call("POST", "wrangler", "export", body=export_body(new_group=False))
    assert status == 201, answer
    assert answer == {"feature_group": "visits@1", "rows_written": 4}
    status, record = await call("GET", "feature-groups", "visits", "records", "2")
    assert record["record"]["plan"] == "enterprise"
    status, rows = await call("GET", "feature-groups", "visits", "rows")
    assert len(rows["rows"]) == 8
    status, ingestions = await call("GET", "feature-groups", "visits", "ingestions")
    assert [i["rows"] for i in ingestions["items"]] == [4, 4]
    assert all("prep.flow" in i["source"] for i in ingestions["items"])


async def test_bad_exports_are_400s_that_write_nothing(call: Call, visits: Path) -> None:
    async def refused(body: dict[str, Any], *needles: str) -> None:
        status, answer = await call("POST", "wrangler", "export", body=body)
        assert status == 400, answer
        for needle in needles:
            assert needle in answer["error"]["message"], answer

    await refused(export_body(record_identifier="nope"), "no column 'nope'", "customer_id")
    await refused(export_body(event_time_feature="missing"), "no column 'missing'")
    # an event time that is not a time: the new group is not left behind, empty
    await refused(export_body(event_time_feature="plan"))
    status, groups = await call("GET", "feature-groups")
    assert groups["items"] == []
    await refused(export_body(new_group=False), "visits")  # no such group yet
    body = export_body()
    body.pop("feature_store")
    await refused(body, "feature_store")

    status, answer = await call("POST", "wrangler", "export", body=export_body())
    assert status == 201, answer
    await refused(export_body(), "already exists")
    # the flow now drops a column the group has
    drop = [
        {
            "id": "drop",
            "transform": "drop_columns",
            "params": {"columns": ["plan"]},
            "inputs": ["visits"],
        }
    ]
    await refused(export_body(drop, new_group=False), "does not match", "missing 'plan'")
    await refused(export_body(new_group=False, event_time_feature="minutes"), "event time 'ts'")
    status, ingestions = await call("GET", "feature-groups", "visits", "ingestions")
    assert [i["rows"] for i in ingestions["items"]] == [4]
