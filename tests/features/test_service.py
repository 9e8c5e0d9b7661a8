"""The FeatureStore service end to end on a real SQLite catalog, a real SQLite online
store and Parquet files: ingestion, records, versions and training sets."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_mlstudio.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    StoreUnavailableError,
)
from jupyter_mlstudio.features.online import SqlOnlineStore
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore

from .conftest import Clock, customers_spec

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def create_customers(features: FeatureStore, **overrides: Any) -> str:
    kwargs: dict[str, Any] = {
        "record_identifier": "customer_id",
        "event_time_feature": "ts",
        "features": [
            {"name": "customer_id", "type": "integral"},
            {"name": "ts", "type": "timestamp"},
            {"name": "age", "type": "integral"},
            {"name": "city", "type": "string"},
        ],
    }
    kwargs.update(overrides)
    return features.create_group("customers", **kwargs).ref


def frame(rows: list[tuple[int, int, int | None, str | None]]) -> pd.DataFrame:
    """(id, hours after T0, age, city) rows."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "ts": [T0 + timedelta(hours=r[1]) for r in rows],
            "age": pd.array([r[2] for r in rows], dtype="Int64"),
            "city": pd.Series([r[3] for r in rows], dtype=object),
        }
    )


def test_ingest_in_batches_then_read_offline_and_online(
    features: FeatureStore, clock: Clock
) -> None:
    ref = create_customers(features)
    rows = [(i, 0, 20 + i, f"c{i}") for i in range(7)] + [(1, 0, 99, "again")]
    result = features.ingest(ref, frame(rows), batch_size=3)
    assert (result.rows_written, result.duplicates_dropped, result.batches) == (7, 1, 3)
    assert len(result.offline_files) == 3
    history = features.to_df(ref)
    assert len(history) == 7 and set(history.columns) >= {"_ingested_at", "_deleted"}
    # the repeated (id, event time) pair kept its last row
    assert features.get_record(ref, 1) == {"customer_id": 1, "ts": T0, "age": 99, "city": "again"}
    assert features.get_record(ref, "1")["age"] == 99  # ids in URLs are text
    assert features.get_records(ref, [3, 42, 1]) == [
        {"customer_id": 3, "ts": T0, "age": 23, "city": "c3"},
        None,
        {"customer_id": 1, "ts": T0, "age": 99, "city": "again"},
    ]
    [ingestion] = features.ingestions(ref).items
    assert (ingestion.rows, ingestion.source, len(ingestion.offline_files)) == (7, "DataFrame", 3)
    with pytest.raises(InvalidArgumentError, match="integral, not 'x'"):
        features.get_record(ref, "x")


def test_a_bad_frame_writes_nothing(features: FeatureStore) -> None:
    ref = create_customers(features)
    bad = frame([(1, 0, 30, "a"), (2, 0, 31, "b")])
    bad["age"] = pd.Series([30, "old"], dtype=object)
    with pytest.raises(InvalidArgumentError, match=r"'age'.*not numbers.*row 1: 'old'"):
        features.ingest(ref, bad, batch_size=1)
    with pytest.raises(InvalidArgumentError, match=r"Unknown column.*extra"):
        features.ingest(ref, frame([(1, 0, 1, "a")]).assign(extra=1))
    with pytest.raises(InvalidArgumentError, match=r"Missing column.*city"):
        features.ingest(ref, frame([(1, 0, 1, "a")]).drop(columns="city"))
    assert features.to_df(ref).empty
    assert features.get_record(ref, 1) is None
    assert features.ingestions(ref).items == []


def test_an_online_failure_takes_the_offline_batch_back(
    catalog: SqlFeatureGroupStore, tmp_path: Path, clock: Clock
) -> None:
    online_db = tmp_path / "broken-online.db"
    online = SqlOnlineStore.open(f"sqlite:///{online_db}")
    with sqlite3.connect(online_db) as conn:
        conn.execute("DROP TABLE feature_online_records")  # the backend breaks under us
    store = FeatureStore(catalog, online, artifact_uri=(tmp_path / "a").as_uri(), clock=clock)
    ref = create_customers(store)
    with pytest.raises(StoreUnavailableError):
        store.ingest(ref, frame([(1, 0, 1, "a")]))
    assert store.to_df(ref).empty
    assert store.offline.files(store.get_group(ref)) == []
    store.close()


def test_versions_old_ones_serve_only_the_newest_takes_records(
    features: FeatureStore, clock: Clock
) -> None:
    ref = create_customers(features)
    features.ingest(ref, frame([(1, 0, 30, "a")]))
    with pytest.raises(AlreadyExistsError):
        create_customers(features)
    v2 = create_customers(features, ttl_seconds=3600, new_version=True)
    assert v2 == "customers@2" and features.get_group("customers").ref == v2
    with pytest.raises(InvalidArgumentError, match="customers@1 is not the newest version"):
        features.ingest("customers@1", frame([(2, 0, 30, "a")]))
    assert features.get_record("customers@1", 1)["age"] == 30  # the old version still serves
    assert features.get_record(v2, 1) is None  # a new version starts empty
    edited = features.update_group("customers@1", feature_descriptions={"age": "years"})
    assert (edited.version, edited.feature("age").description) == (1, "years")
    assert [g.ref for g in features.delete_group("customers@1")] == ["customers@1"]
    with pytest.raises(NotFoundError):
        features.get_group("customers@1")
    features.delete_group("customers")
    with pytest.raises(NotFoundError):
        features.get_group("customers")


def test_delete_record_online_absent_offline_tombstone(
    features: FeatureStore, clock: Clock
) -> None:
    ref = create_customers(features)
    features.ingest(ref, frame([(1, 0, 30, "a"), (2, 0, 40, "b")]))
    features.delete_record(ref, 1, event_time=T0 + timedelta(hours=5))
    assert features.get_record(ref, 1) is None
    features.put_record(
        ref, {"customer_id": 1, "ts": T0 + timedelta(hours=1), "age": 31, "city": "late"}
    )
    assert features.get_record(ref, 1) is None  # older than the delete
    history = features.to_df(ref, include_deleted=True)
    assert list(history["_deleted"]) == [False, False, False, True]
    assert len(features.to_df(ref)) == 3
    [put, deleted, first] = features.ingestions(ref).items
    assert (deleted.deleted_rows, put.source, first.rows) == (1, "put_record", 2)
    # training sets before the delete still see the record, after it not
    entity = pd.DataFrame(
        {"customer_id": [1, 1], "ts": [T0 + timedelta(hours=2), T0 + timedelta(hours=6)]}
    )
    ages = features.dataset(entity, ["customers:age"], event_time="ts").frame["age"]
    assert list(ages.astype(object).where(ages.notna(), None)) == [31, None]
    with_deleted = features.dataset(
        entity, ["customers:age"], event_time="ts", include_deleted=True
    )
    assert list(with_deleted.frame["age"]) == [31, 31]


def test_dataset_point_in_time_ttl_and_as_of(features: FeatureStore, clock: Clock) -> None:
    ref = create_customers(features, ttl_seconds=10 * 3600)
    features.create_group(
        "orders",
        record_identifier="customer_id",
        event_time_feature="order_ts",
        features=[
            {"name": "customer_id", "type": "integral"},
            {"name": "order_ts", "type": "timestamp"},
            {"name": "total", "type": "fractional"},
            {"name": "city", "type": "string"},
        ],
    )
    first_ingest = clock.now
    features.ingest(ref, frame([(1, 0, 30, "a"), (1, 5, 31, "b"), (2, 0, 50, "x")]))
    clock.advance(days=1)
    features.ingest(ref, frame([(1, 3, 99, "late")]))  # a late arrival between two events
    features.ingest(
        "orders",
        pd.DataFrame(
            {
                "customer_id": [1, 2],
                "order_ts": [T0 + timedelta(hours=1), T0],
                "total": [10.5, 7.0],
                "city": ["o1", "o2"],
            }
        ),
    )
    entity = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 3, 1],
            "ts": [
                T0 - timedelta(hours=1),
                T0 + timedelta(hours=4),
                T0 + timedelta(hours=6),
                T0 + timedelta(hours=11),
                T0,
                T0 + timedelta(hours=20),
            ],
            "label": [0, 1, 0, 1, 0, 1],
        }
    )
    result = features.dataset(
        entity, ["customers:age", "customers:city", "orders:*"], event_time="ts"
    )
    out = result.frame
    assert list(out.columns) == [
        "customer_id",
        "ts",
        "label",
        "age",
        "customers__city",
        "total",
        "orders__city",
    ]
    assert list(out["label"]) == [0, 1, 0, 1, 0, 1]  # entity rows kept, in order
    ages = [None if pd.isna(v) else int(v) for v in out["age"]]
    # before any event | the late arrival (h3) is the latest at h4 | h5 | h0 is 11h old > TTL
    # | unknown id | 15h after h5 > TTL
    assert ages == [None, 99, 31, None, None, None]
    totals = [None if pd.isna(v) else float(v) for v in out["total"]]
    assert totals == [None, 10.5, 10.5, 7.0, None, 10.5]  # orders have no TTL
    assert "ASOF LEFT JOIN" in result.sql and '"customers@1"' in result.sql
    assert result.groups == ("customers@1", "orders@1")
    # as_of: what the store held before the late arrival was ingested
    before = features.dataset(entity, ["customers:age"], event_time="ts", as_of=first_ingest)
    assert [None if pd.isna(v) else int(v) for v in before.frame["age"]] == [
        None,
        30,
        31,
        None,
        None,
        None,
    ]
    assert before.fingerprint != result.fingerprint


def test_dataset_requests_are_checked(features: FeatureStore, tmp_path: Path) -> None:
    ref = create_customers(features)
    features.ingest(ref, frame([(1, 0, 30, "a")]))
    entity = pd.DataFrame({"customer_id": [1], "ts": [T0]})
    with pytest.raises(InvalidArgumentError, match="no event-time column 'when'"):
        features.dataset(entity, ["customers:age"], event_time="when")
    with pytest.raises(InvalidArgumentError, match="has no feature 'height'"):
        features.dataset(entity, ["customers:height"], event_time="ts")
    with pytest.raises(NotFoundError, match="No feature group named 'nope'"):
        features.dataset(entity, ["nope:age"], event_time="ts")
    with pytest.raises(InvalidArgumentError, match="needs a column 'customer_id'"):
        features.dataset(
            entity.rename(columns={"customer_id": "id"}), ["customers:age"], event_time="ts"
        )
    with pytest.raises(InvalidArgumentError, match="Invalid feature reference"):
        features.dataset(entity, ["customers"], event_time="ts")
    # from a file, written to a file
    entity.to_csv(tmp_path / "entity.csv", index=False)
    out = features.dataset(
        tmp_path / "entity.csv",
        ["customers:*"],
        event_time="ts",
        output=tmp_path / "out" / "train.parquet",
    )
    written = pd.read_parquet(tmp_path / "out" / "train.parquet")
    assert list(written["age"]) == [30] and list(out.frame["city"]) == ["a"]


def test_every_type_round_trips_through_the_online_store(features: FeatureStore) -> None:
    spec = customers_spec()
    features.catalog.create(spec)
    signup = datetime(2020, 5, 1, 8, 30, 0, 123456, tzinfo=UTC)
    record = {
        "customer_id": 7,
        "ts": T0,
        "age": 2**53 + 1,
        "score": 1 / 3,
        "city": 'Qu"é\nbec',
        "vip": True,
        "signup": signup,
    }
    features.put_record("customers", record)
    assert features.get_record("customers", 7) == record
    features.put_record(
        "customers",
        {
            **record,
            "ts": T0 + timedelta(hours=1),
            "score": None,
            "city": None,
            "vip": None,
            "signup": None,
        },
    )
    assert features.get_record("customers", 7) == {
        **record,
        "ts": T0 + timedelta(hours=1),
        "score": None,
        "city": None,
        "vip": None,
        "signup": None,
    }


def test_entity_columns_of_the_wrong_type_name_the_entity_data(features: FeatureStore) -> None:
    create_customers(features)
    entity = pd.DataFrame({"customer_id": ["one"], "ts": [T0]})
    with pytest.raises(
        InvalidArgumentError, match=r"'customer_id' of the entity data \(the record"
    ):
        features.dataset(entity, ["customers:age"], event_time="ts")
    entity = pd.DataFrame({"customer_id": [1], "ts": ["not a date"]})
    with pytest.raises(InvalidArgumentError, match="'ts' of the entity data is timestamp"):
        features.dataset(entity, ["customers:age"], event_time="ts")


def test_ingest_a_csv_file(features: FeatureStore, tmp_path: Path) -> None:
    ref = create_customers(features)
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,ts,age,city\n1,2024-01-01T00:00:00Z,30,Paris\n2,2024-01-01,,\n")
    result = features.ingest_file(ref, path)
    assert result.rows_written == 2
    assert features.get_record(ref, 1) == {"customer_id": 1, "ts": T0, "age": 30, "city": "Paris"}
    assert features.get_record(ref, 2) == {"customer_id": 2, "ts": T0, "age": None, "city": None}
    assert features.ingestions(ref).items[0].source == str(path)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        features.ingest_file(ref, tmp_path / "nope.csv")


def test_summary_sizes_freshness_and_statistics(features: FeatureStore, clock: Clock) -> None:
    ref = create_customers(features)
    empty = features.summary(ref)
    assert (empty.records, empty.latest_event_time, empty.features[2].mean) == (0, None, None)
    features.ingest(ref, frame([(1, 0, 30, "a"), (2, 2, None, "a"), (3, 1, 40, None)]))
    features.delete_record(ref, 3, event_time=T0 + timedelta(hours=9))
    summary = features.summary(ref)
    assert (summary.records, summary.tombstones) == (3, 1)
    assert summary.latest_event_time == T0 + timedelta(hours=9)  # the delete is an event
    assert summary.latest_ingestion is not None and summary.latest_ingestion.tzinfo
    age = {s.name: s for s in summary.features}["age"]
    assert (age.present, age.missing, age.minimum, age.maximum, age.mean) == (2, 1, 30, 40, 35.0)
    city = {s.name: s for s in summary.features}["city"]
    assert (city.present, city.missing, city.distinct, city.minimum) == (2, 1, 1, None)
    ts = {s.name: s for s in summary.features}["ts"]
    assert (ts.minimum, ts.maximum) == (T0, T0 + timedelta(hours=2))
