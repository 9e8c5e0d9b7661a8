"""GET /feature-groups/{ref}/lineage and GET /feature-datasets on a real Jupyter server
(real SQLite catalog, real Parquet): a dataset written through REST is recorded and
shows in the group's lineage next to the file that fed the group."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from conftest import Call


async def test_lineage_and_recorded_datasets_over_rest(call: Call, jp_root_dir: Path) -> None:
    folder = jp_root_dir / "data"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        {"customer_id": [1, 2], "ts": ["2024-01-01T00:00:00Z"] * 2, "age": [30, 40]}
    ).to_csv(folder / "c.csv", index=False)
    pd.DataFrame({"customer_id": [1, 2], "event_ts": ["2024-03-01T00:00:00Z"] * 2}).to_csv(
        folder / "entity.csv", index=False
    )
    status, _ = await call(
        "POST",
        "feature-groups",
        body={
            "name": "customers",
            "record_identifier": "customer_id",
            "event_time_feature": "ts",
            "features": [
                {"name": "customer_id", "type": "integral"},
                {"name": "ts", "type": "timestamp"},
                {"name": "age", "type": "integral"},
            ],
        },
    )
    assert status == 201
    status, body = await call(
        "POST", "feature-groups", "customers", "ingest", body={"path": "data/c.csv"}
    )
    assert status == 200, body
    status, body = await call("GET", "feature-datasets")
    assert (status, body["items"]) == (200, []), body
    status, built = await call(
        "POST",
        "feature-datasets",
        body={
            "entity_path": "data/entity.csv",
            "features": ["customers:age"],
            "event_time": "event_ts",
            "output_path": "out/train.parquet",
        },
    )
    assert status == 200, built

    status, listed = await call("GET", "feature-datasets", params={"group": "customers"})
    assert status == 200, listed
    [record] = listed["items"]
    assert record["groups"] == ["customers@1"] and record["features"] == ["age"]
    assert record["output_uri"] == str((jp_root_dir / "out" / "train.parquet").resolve())
    assert record["output_hash"].startswith("sha256:") and record["entity_rows"] == 2

    status, lineage = await call("GET", "feature-groups", "customers@1", "lineage")
    assert status == 200, lineage
    assert lineage["group"] == "customers@1"
    [feed] = lineage["feeds"]
    assert feed["kind"] == "file" and feed["rows"] == 2 and feed["name"].endswith("c.csv")
    assert [d["id"] for d in lineage["datasets"]] == [record["id"]]
    assert lineage["model_versions"] == [] and lineage["endpoints"] == []

    status, error = await call("GET", "feature-groups", "nope", "lineage")
    assert status == 404, error
    status, error = await call("GET", "feature-groups", "customers@x", "lineage")
    assert status == 400, error
    status, error = await call("GET", "feature-datasets", params={"group": "nope"})
    assert status == 404, error
    status, error = await call("GET", "feature-datasets", params={"max_items": 0})
    assert status == 400, error
