"""Typed records and the offline store: strict types, append-only Parquet read by DuckDB."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.features.entities import FeatureGroup
from jupyter_mlstudio.features.offline import OfflineStore
from jupyter_mlstudio.features.records import frame_to_table

UTC = timezone.utc


def rows(**overrides: Any) -> pd.DataFrame:
    data: dict[str, Any] = {
        "customer_id": [1, 2],
        "ts": pd.to_datetime(["2024-01-01T00:00:00Z", "2024-01-02T12:00:00Z"]),
        "age": [30, 41],
        "score": [0.5, 1],
        "city": ["Paris", None],
        "vip": [True, False],
        "signup": ["2020-05-01T10:00:00+02:00", None],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_a_frame_converts_to_the_group_schema(customers: FeatureGroup) -> None:
    table = frame_to_table(customers, rows(ts=["2024-01-01", "2024-01-02T12:00:00"]))
    assert table.column("ts").to_pylist() == [datetime(2024, 1, 1), datetime(2024, 1, 2, 12)]
    # text with a zone is converted to UTC; missing values stay missing
    assert table.column("signup").to_pylist() == [datetime(2020, 5, 1, 8), None]
    assert table.column("score").to_pylist() == [0.5, 1.0]
    # NaN forces a float column: whole numbers are still integral
    ages = frame_to_table(customers, rows(age=[30.0, float("nan")])).column("age")
    assert ages.to_pylist() == [30, None]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"age": [30, 4.5]}, "'age' .* is integral, but it holds fractions .*row 1: 4.5"),
        ({"age": ["30", "41"]}, "'age' .* is integral, but the data holds str"),
        ({"age": [True, False]}, "'age' .* integral, but the data holds booleans"),
        ({"city": ["Paris", 3]}, "'city' .* string, but it holds values that are not text"),
        ({"city": [1, 2]}, "'city' .* string, but the data holds int64"),
        ({"vip": [1, 0]}, "'vip' .* boolean, but the data holds int64"),
        ({"signup": ["yesterday", None]}, "'signup' .* some values are not dates .*row 0"),
        ({"signup": [1, 2]}, "'signup' .* the data holds int64"),
        ({"customer_id": [1, None]}, "record identifier 'customer_id' is empty in 1 row"),
        ({"ts": [pd.Timestamp("2024-01-01"), None]}, "event time 'ts' is empty"),
    ],
)
def test_wrong_types_are_refused(
    customers: FeatureGroup, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        frame_to_table(customers, rows(**overrides))


def test_unknown_and_missing_columns_are_refused(customers: FeatureGroup) -> None:
    with pytest.raises(InvalidArgumentError, match=r"Unknown column.*: extra"):
        frame_to_table(customers, rows(extra=[1, 2]))
    with pytest.raises(InvalidArgumentError, match=r"Missing column.*: vip"):
        frame_to_table(customers, rows().drop(columns=["vip"]))


def test_batches_are_appended_by_ingestion_date_and_read_back(
    customers: FeatureGroup, tmp_path: Path
) -> None:
    store = OfflineStore((tmp_path / "offline").as_uri())
    assert store.read(customers).empty  # nothing written yet: an empty typed frame
    first = datetime(2024, 3, 1, 23, 59, tzinfo=UTC)
    second = datetime(2024, 3, 2, 0, 1, tzinfo=UTC)
    store.write(customers, frame_to_table(customers, rows()), ingested_at=first)
    tomb = frame_to_table(
        customers,
        rows(
            customer_id=[1],
            ts=[pd.Timestamp("2024-01-05", tz="UTC")],
            age=[None],
            score=[None],
            city=[None],
            vip=[None],
            signup=[None],
        ),
    )
    rel = store.write(customers, tomb, ingested_at=second, deleted=True)
    assert rel.startswith("ingestion_date=2024-03-02/part-")
    files = store.files(customers)
    assert [Path(f).parent.name for f in files] == [
        "ingestion_date=2024-03-01",
        "ingestion_date=2024-03-02",
    ]
    meta = pq.read_table(files[1])
    assert meta.column("_deleted").to_pylist() == [True]
    # no temporary file is left behind
    assert not [p for p in (tmp_path / "offline").rglob("*") if p.name.startswith(".")]

    history = store.read(customers)
    assert list(history["customer_id"]) == [1, 2]  # the tombstone is left out
    assert history["ts"].dt.tz is not None and history["_ingested_at"].iloc[0] == first
    everything = store.read(customers, include_deleted=True)
    assert list(everything["_deleted"]) == [False, False, True]
    assert len(store.read(customers, as_of=first, include_deleted=True)) == 2  # time travel
    assert len(store.read(customers, include_deleted=True, limit=1)) == 1
    store.drop(customers)
    assert store.files(customers) == []


def test_a_remote_filesystem_is_read_through_arrow(customers: FeatureGroup) -> None:
    """Any fsspec URL works (here the in-memory filesystem, standing in for S3): DuckDB
    reads the files through an Arrow dataset instead of its own local reader."""
    store = OfflineStore(f"memory://features-{customers.id}")
    store.write(customers, frame_to_table(customers, rows()), ingested_at=datetime.now(UTC))
    store.write(
        customers, frame_to_table(customers, rows(age=[1, 2])), ingested_at=datetime.now(UTC)
    )
    history = store.read(customers)
    assert sorted(history["age"]) == [1, 2, 30, 41]
    store.drop(customers)
    assert store.read(customers).empty
