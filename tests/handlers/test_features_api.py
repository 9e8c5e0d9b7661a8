"""The Feature Store over REST on a real Jupyter server: real SQLite catalog and online
store, real Parquet files, paths confined to the server root."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

if TYPE_CHECKING:
    from conftest import Call

FEATURES = [
    {"name": "customer_id", "type": "integral", "description": "the customer"},
    {"name": "ts", "type": "timestamp"},
    {"name": "age", "type": "integral"},
    {"name": "city", "type": "string"},
]


def group_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "customers",
        "record_identifier": "customer_id",
        "event_time_feature": "ts",
        "features": FEATURES,
        "description": "who buys",
        "tags": {"team": "growth"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def customers_csv(jp_root_dir: Path) -> str:
    folder = jp_root_dir / "data"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        {
            "customer_id": [1, 2, 1],
            "ts": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"],
            "age": [30, 40, 31],
            "city": ["Oslo", "Lima", "Oslo"],
        }
    ).to_csv(folder / "customers.csv", index=False)
    return "data/customers.csv"


@pytest.fixture
def entities_csv(jp_root_dir: Path) -> str:
    folder = jp_root_dir / "data"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "event_ts": ["2024-01-15T00:00:00Z", "2024-03-01T00:00:00Z", "2023-12-01T00:00:00Z"],
            "label": [0, 1, 0],
        }
    ).to_csv(folder / "entities.csv", index=False)
    return "data/entities.csv"


async def test_feature_group_from_create_to_delete(
    call: Call, customers_csv: str, entities_csv: str, jp_root_dir: Path
) -> None:
    status, group = await call("POST", "feature-groups", body=group_body(ttl_seconds=86400 * 90))
    assert status == 201, group
    assert (group["ref"], group["version"], group["latest_version"]) == ("customers@1", 1, 1)
    assert group["is_latest"] and group["feature_count"] == 4 and group["ttl_seconds"] == 7776000
    assert group["features"][0] == {
        "name": "customer_id",
        "type": "integral",
        "description": "the customer",
    }

    for ref in ("customers", "customers@1"):
        status, got = await call("GET", "feature-groups", ref)
        assert (status, got["id"]) == (200, group["id"])

    # list: search by a feature name and by tag; paginated
    status, page = await call("GET", "feature-groups", params={"search": "city"})
    assert [g["ref"] for g in page["items"]] == ["customers@1"]
    status, page = await call("GET", "feature-groups", params={"search": "nothing-like-it"})
    assert page["items"] == []
    await call("POST", "feature-groups", body=group_body(name="orders"))
    status, page = await call("GET", "feature-groups", params={"max_items": 1})
    assert status == 200 and [g["name"] for g in page["items"]] == ["customers"]
    status, page = await call(
        "GET", "feature-groups", params={"max_items": 1, "next_token": page["next_token"]}
    )
    assert [g["name"] for g in page["items"]] == ["orders"] and page["next_token"] is None

    # descriptions are edited in place
    status, edited = await call(
        "PATCH",
        "feature-groups",
        "customers",
        body={"description": "paying customers", "feature_descriptions": {"age": "in years"}},
    )
    assert status == 200, edited
    assert edited["description"] == "paying customers" and edited["version"] == 1
    assert next(f for f in edited["features"] if f["name"] == "age")["description"] == "in years"

    # ingest a server-side file
    status, result = await call(
        "POST", "feature-groups", "customers", "ingest", body={"path": customers_csv}
    )
    assert status == 200, result
    assert (result["group"], result["rows_written"], result["batches"]) == ("customers@1", 3, 1)

    status, summary = await call("GET", "feature-groups", "customers", "summary")
    assert status == 200, summary
    assert (summary["records"], summary["tombstones"], summary["online_records"]) == (3, 0, 2)
    assert summary["latest_event_time"].startswith("2024-02-01T00:00:00")
    assert summary["latest_ingestion"] is not None
    age = next(s for s in summary["features"] if s["name"] == "age")
    assert (age["present"], age["minimum"], age["maximum"]) == (3, 30, 40)

    status, history = await call("GET", "feature-groups", "customers", "ingestions")
    assert status == 200 and [(i["rows"], i["source"]) for i in history["items"]] == [
        (3, str(jp_root_dir / customers_csv))
    ]

    status, rows = await call("GET", "feature-groups", "customers", "rows", params={"limit": 2})
    assert status == 200, rows
    assert rows["columns"][:4] == ["customer_id", "ts", "age", "city"]
    assert len(rows["rows"]) == 2 and rows["rows"][0][0] in (1, 2)

    # online: the latest record by event time
    status, record = await call("GET", "feature-groups", "customers", "records", "1")
    assert status == 200, record
    assert record["record"]["age"] == 31 and record["record"]["ts"].startswith("2024-02-01")
    status, record = await call(
        "PUT",
        "feature-groups",
        "customers@1",
        "records",
        "3",
        body={"record": {"ts": "2024-03-01T00:00:00Z", "age": 22, "city": "Rome"}},
    )
    assert (status, record["rows_written"]) == (200, 1), record
    status, batch = await call(
        "POST", "feature-groups", "customers", "lookup", body={"record_ids": [3, "2", 99]}
    )
    assert status == 200, batch
    assert [r and r["city"] for r in batch["items"]] == ["Rome", "Lima", None]
    status, deleted = await call("DELETE", "feature-groups", "customers", "records", "3")
    assert status == 200 and deleted["rows_written"] == 1
    status, error = await call("GET", "feature-groups", "customers", "records", "3")
    assert status == 404 and "no record '3'" in error["error"]["message"]

    # a point-in-time training set, written under the root
    status, dataset = await call(
        "POST",
        "feature-datasets",
        body={
            "entity_path": entities_csv,
            "features": ["customers:age", "customers:city"],
            "event_time": "event_ts",
            "output_path": "out/train.parquet",
        },
    )
    assert status == 200, dataset
    assert dataset["groups"] == ["customers@1"] and dataset["rows"] == 3
    assert dataset["output_path"] == "out/train.parquet" and "ASOF" in dataset["sql"].upper()
    written = pd.read_parquet(jp_root_dir / "out" / "train.parquet")
    ages = {
        (int(c), int(label)): age
        for c, label, age in zip(
            written["customer_id"], written["label"], written["age"], strict=True
        )
    }
    assert ages[(1, 0)] == 30 and ages[(1, 1)] == 31  # as of 2024-01-15 and 2024-03-01
    assert pd.isna(ages[(2, 0)])  # 2023-12-01: before any record of customer 2
    assert dataset["preview"]["columns"] == list(written.columns)

    # a new version: the old one keeps serving but takes no new records
    status, v2 = await call(
        "POST",
        "feature-groups",
        body=group_body(features=[*FEATURES, {"name": "vip", "type": "boolean"}], new_version=True),
    )
    assert (status, v2["ref"]) == (201, "customers@2"), v2
    status, versions = await call("GET", "feature-groups", "customers", "versions")
    assert [g["ref"] for g in versions["items"]] == ["customers@2", "customers@1"]
    assert [g["is_latest"] for g in versions["items"]] == [True, False]
    status, error = await call(
        "POST", "feature-groups", "customers@1", "ingest", body={"path": customers_csv}
    )
    assert status == 400 and "not the newest version" in error["error"]["message"]
    status, record = await call("GET", "feature-groups", "customers@1", "records", "2")
    assert status == 200 and record["record"]["city"] == "Lima"

    status, _ = await call("DELETE", "feature-groups", "customers")
    assert status == 204
    for ref in ("customers", "customers@1"):
        status, error = await call("GET", "feature-groups", ref)
        assert status == 404, error


async def test_unknown_groups_are_404_on_every_route(call: Call) -> None:
    for method, path, body in [
        ("GET", ("feature-groups", "ghost"), None),
        ("GET", ("feature-groups", "ghost@3"), None),
        ("PATCH", ("feature-groups", "ghost"), {"description": "x"}),
        ("DELETE", ("feature-groups", "ghost"), None),
        ("GET", ("feature-groups", "ghost", "versions"), None),
        ("GET", ("feature-groups", "ghost", "summary"), None),
        ("GET", ("feature-groups", "ghost", "ingestions"), None),
        ("POST", ("feature-groups", "ghost", "ingest"), {"path": "x.csv"}),
        ("GET", ("feature-groups", "ghost", "rows"), None),
        ("POST", ("feature-groups", "ghost", "lookup"), {"record_ids": [1]}),
        ("GET", ("feature-groups", "ghost", "records", "1"), None),
        ("PUT", ("feature-groups", "ghost", "records", "1"), {"record": {}}),
        ("DELETE", ("feature-groups", "ghost", "records", "1"), None),
    ]:
        status, error = await call(method, *path, body=body)
        assert status == 404, (method, path, error)
        assert "ghost" in error["error"]["message"] or "x.csv" in error["error"]["message"]
    status, error = await call("GET", "feature-groups", "bad name!")
    assert status == 400 and "Invalid feature group" in error["error"]["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"record_identifier": "nope"}, "record identifier 'nope' is not one of the features"),
        ({"event_time_feature": "age"}, "must be a timestamp"),
        ({"features": [{"name": "customer_id", "type": "money"}]}, "features.0.type"),
        ({"online_enabled": False, "offline_enabled": False}, "cannot both be false"),
        ({"name": "no spaces"}, "name"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_group_definitions_are_400_and_create_nothing(
    call: Call, change: dict[str, Any], message: str
) -> None:
    status, error = await call("POST", "feature-groups", body=group_body(**change))
    assert status == 400, error
    assert message in error["error"]["message"]
    status, page = await call("GET", "feature-groups")
    assert page["items"] == []


async def test_name_clash_is_409(call: Call) -> None:
    assert (await call("POST", "feature-groups", body=group_body()))[0] == 201
    status, error = await call("POST", "feature-groups", body=group_body())
    assert status == 409 and "customers" in error["error"]["message"]


async def test_bad_records_and_files_write_nothing(
    call: Call, jp_root_dir: Path, customers_csv: str
) -> None:
    await call("POST", "feature-groups", body=group_body())
    bad = jp_root_dir / "data" / "bad.csv"
    pd.DataFrame(
        {"customer_id": [1, 2], "ts": ["2024-01-01", "2024-01-02"], "age": [1, "old"], "city": "x"}
    ).to_csv(bad, index=False)
    status, error = await call(
        "POST", "feature-groups", "customers", "ingest", body={"path": "data/bad.csv"}
    )
    assert status == 400 and "'age'" in error["error"]["message"], error
    assert str(jp_root_dir) not in error["error"]["message"]  # paths relative to the root
    for body, message in [
        ({"record": {"ts": "2024-01-01", "age": "old", "city": "x"}}, "'age'"),
        ({"record": {"ts": "2024-01-01", "age": 1}}, "Missing column"),
        ({"record": {"ts": "2024-01-01", "age": 1, "city": "x", "extra": 1}}, "Unknown column"),
        ({"record": {"customer_id": 8, "ts": "2024-01-01", "age": 1, "city": "x"}}, "not 7"),
        # beyond 64 bits: was a 500 (a failed cast)
        ({"record": {"ts": "2024-01-01", "age": 2**70, "city": "x"}}, "beyond 64 bits"),
    ]:
        status, error = await call("PUT", "feature-groups", "customers", "records", "7", body=body)
        assert status == 400 and message in error["error"]["message"], (body, error)
    huge = jp_root_dir / "data" / "huge.csv"
    huge.write_text("customer_id,ts,age,city\n1,2024-01-01,99999999999999999999999,x\n")
    status, error = await call(
        "POST", "feature-groups", "customers", "ingest", body={"path": "data/huge.csv"}
    )
    assert status == 400 and "beyond 64 bits" in error["error"]["message"], error
    status, error = await call("GET", "feature-groups", "customers", "records", "seven")
    assert status == 400 and "integral" in error["error"]["message"]
    status, history = await call("GET", "feature-groups", "customers", "ingestions")
    assert history["items"] == []
    status, summary = await call("GET", "feature-groups", "customers", "summary")
    assert (summary["records"], summary["online_records"]) == (0, 0)
    status, error = await call("GET", "feature-groups", "customers", "rows", params={"limit": 0})
    assert status == 400


async def test_paths_stay_under_the_server_root(
    call: Call, jp_root_dir: Path, customers_csv: str, entities_csv: str
) -> None:
    await call("POST", "feature-groups", body=group_body())
    outside = jp_root_dir.parent / "outside.csv"
    (jp_root_dir / "data" / "customers.csv").rename(outside)
    (jp_root_dir / "data" / "link.csv").symlink_to(outside)
    for path in ("../outside.csv", "data/link.csv", "data/../../outside.csv"):
        status, error = await call(
            "POST", "feature-groups", "customers", "ingest", body={"path": path}
        )
        assert status == 400, (path, error)
        assert "outside the server's root folder" in error["error"]["message"]
    status, error = await call(
        "POST", "feature-groups", "customers", "ingest", body={"path": "/missing.csv"}
    )
    assert status == 404 and "missing.csv does not exist" in error["error"]["message"]

    dataset = {"features": ["customers:*"], "event_time": "event_ts"}
    status, error = await call(
        "POST", "feature-datasets", body={**dataset, "entity_path": "../outside.csv"}
    )
    assert status == 400 and "entity_path" in error["error"]["message"], error
    target = jp_root_dir.parent / "stolen.parquet"
    status, error = await call(
        "POST",
        "feature-datasets",
        body={**dataset, "entity_path": entities_csv, "output_path": "../stolen.parquet"},
    )
    assert status == 400 and "output_path" in error["error"]["message"], error
    assert not target.exists()
    status, history = await call("GET", "feature-groups", "customers", "ingestions")
    assert history["items"] == []


async def test_dataset_bad_requests_are_400(call: Call, entities_csv: str) -> None:
    await call("POST", "feature-groups", body=group_body())
    base = {"entity_path": entities_csv, "event_time": "event_ts"}
    for body, message in [
        ({**base, "features": ["customers:height"]}, "height"),
        ({**base, "features": ["nobody:*"]}, "nobody"),
        ({**base, "features": ["customers:*"], "event_time": "when"}, "'when'"),
        ({**base, "features": ["customers"]}, "Invalid feature reference"),
        ({**base, "features": ["customers:*"], "output_path": "out/x.txt"}, ".parquet or .csv"),
        ({**base, "features": ["customers:*"], "as_of": "yesterday"}, "as_of"),
        # under a file: was a 500 (FileExistsError)
        (
            {**base, "features": ["customers:*"], "output_path": f"{entities_csv}/x.parquet"},
            "Cannot write the dataset to data/entities.csv/x.parquet",
        ),
    ]:
        status, error = await call("POST", "feature-datasets", body=body)
        assert status in (400, 404) and message in error["error"]["message"], (body, error)
        assert status == (404 if "nobody" in message else 400)


async def test_record_lookups_over_rest_reuse_the_group_definition(
    call: Call, jp_serverapp: Any
) -> None:
    """A lookup reads the definition once, not two catalog queries per request."""
    from sqlalchemy import event

    features = jp_serverapp.web_app.settings["mlstudio.studio"].features
    features._group_cache_seconds = 60  # a loaded machine may take over a second here
    await call("POST", "feature-groups", body=group_body())
    record = {"ts": "2024-01-01T00:00:00Z", "age": 5, "city": "Oslo"}
    assert (
        await call("PUT", "feature-groups", "customers", "records", "1", body={"record": record})
    )[0] == 200
    assert (await call("GET", "feature-groups", "customers", "records", "1"))[0] == 200
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(features.catalog._db.engine, "before_cursor_execute", seen)
    for _ in range(5):
        status, got = await call("GET", "feature-groups", "customers", "records", "1")
        assert (status, got["group"], got["record"]["age"]) == (200, "customers@1", 5)
        status, got = await call(
            "POST", "feature-groups", "customers", "lookup", body={"record_ids": [1]}
        )
        assert status == 200 and got["items"][0]["age"] == 5
    assert [s for s in statements if "feature_groups" in s] == []
