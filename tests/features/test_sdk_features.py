"""``mls.features`` end to end: the SDK names users type, on the default studio (a real
SQLite catalog and online store, Parquet files in the test's home folder)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

import jupyter_mlstudio as mls
from jupyter_mlstudio.features import FeatureGroupHandle


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def first_batch() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2],
            "ts": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"],  # ISO text
            "age": [30, 40],
            "spend": [10.5, 99.0],
            "vip": [False, True],
            "city": ["Oslo", "Lima"],
        }
    )


def test_create_from_a_dataframe_ingest_twice_then_point_in_time_and_online() -> None:
    fg = mls.features.create_group(
        "customers",
        first_batch(),
        record_identifier="customer_id",
        event_time_feature="ts",
        descriptions={"age": "in years"},
        description="who buys",
        tags={"team": "growth"},
        ingest=True,
    )
    assert isinstance(fg, FeatureGroupHandle) and fg.ref == "customers@1"
    assert [(f.name, f.type) for f in fg.features] == [
        ("customer_id", "integral"),
        ("ts", "timestamp"),  # text, but it is the event time
        ("age", "integral"),
        ("spend", "fractional"),
        ("vip", "boolean"),
        ("city", "string"),
    ]
    assert next(f for f in fg.features if f.name == "age").description == "in years"
    between = datetime.now(timezone.utc)

    # the second batch: a newer event for customer 1 and a late, older one for 2
    second = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "ts": [ts("2024-03-01"), ts("2023-06-01")],
            "age": [31, 39],
            "spend": [20.0, 1.0],
            "vip": [True, False],
            "city": ["Bergen", "Cusco"],
        }
    )
    result = fg.ingest(second)
    assert (result.rows_written, result.group) == (2, "customers@1")
    assert [i.rows for i in fg.ingestions()] == [2, 2]

    # online: the latest by event time; the late older event did not overwrite
    assert fg.get_record(1)["city"] == "Bergen"  # type: ignore[index]
    record = mls.features.get_record("customers", 2)
    assert record is not None and record["city"] == "Lima" and record["ts"] == ts("2024-01-01")
    assert [r and r["age"] for r in fg.get_records([2, 1, 77])] == [40, 31, None]

    # offline history, and as it was before the second batch
    assert len(fg.to_df()) == 4
    assert sorted(mls.features.to_df("customers", as_of=between)["age"]) == [30, 40]

    # a point-in-time-correct training set
    entities = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "when": [ts("2024-02-01"), ts("2024-04-01"), ts("2023-07-01"), ts("2023-01-01")],
            "label": [0, 1, 1, 0],
        }
    )
    train = mls.features.dataset(entities, ["customers:age", "customers:city"], event_time="when")
    assert list(train["age"][:3]) == [30, 31, 39]
    assert pd.isna(train["age"].iloc[3])  # before any record of customer 2
    assert list(train["label"]) == [0, 1, 1, 0]
    assert "ASOF" in train.attrs["sql"].upper()
    assert train.attrs["feature_groups"] == ["customers@1"]
    # as_of: the second batch was not ingested yet
    before = mls.features.dataset(entities, ["customers:*"], event_time="when", as_of=between)
    assert list(before["age"][:2]) == [30, 30]  # customer 1's 2024-03-01 record: later
    assert before["age"][2:].isna().all()  # customer 2's 2023-06-01 record: later too

    # catalog: search, versions, summary
    assert [g.ref for g in mls.features.list_groups(search="Oslo")] == []
    assert [g.ref for g in mls.features.list_groups(search="spend")] == ["customers@1"]
    assert [g.ref for g in mls.features.list_groups(search="growth")] == ["customers@1"]
    summary = fg.summary()
    assert summary.offline is not None and summary.offline.records == 4
    assert summary.online_records == 2


def test_put_delete_versions_and_written_datasets(tmp_path: Path) -> None:
    fg = mls.features.create_group(
        "users",
        record_identifier="user",
        event_time_feature="at",
        features=[
            {"name": "user", "type": "string"},
            {"name": "at", "type": "timestamp"},
            {"name": "score", "type": "fractional"},
        ],
        ttl_seconds=3600,
    )
    fg.put_record({"user": "ann", "at": ts("2024-01-01 10:00"), "score": 0.5})
    assert mls.features.get_record("users", "ann") == {
        "user": "ann",
        "at": ts("2024-01-01 10:00"),
        "score": 0.5,
    }
    mls.features.delete_record("users", "ann", event_time=ts("2024-01-01 11:00"))
    assert fg.get_record("ann") is None
    assert len(fg.to_df(include_deleted=True)) == 2

    # TTL: a record older than an hour is not joined
    entities = tmp_path / "entities.csv"
    pd.DataFrame(
        {"user": ["ann", "ann"], "t": ["2024-01-01T10:30:00Z", "2024-01-01T10:59:00Z"]}
    ).to_csv(entities, index=False)
    out = tmp_path / "out" / "train.parquet"
    result = mls.features.training_set(entities, ["users:score"], event_time="t", output=out)
    assert result.groups == ("users@1",) and out.exists()
    assert list(pd.read_parquet(out)["score"]) == [0.5, 0.5]

    v2 = mls.features.create_group(
        "users",
        record_identifier="user",
        event_time_feature="at",
        features=[
            *({"name": f.name, "type": f.type} for f in fg.features),
            {"name": "n", "type": "integral"},
        ],
        new_version=True,
    )
    assert v2.ref == "users@2" and [h.ref for h in v2.versions()] == ["users@2", "users@1"]
    assert mls.features.get_group("users") == v2
    assert not fg.refresh().is_latest
    with pytest.raises(mls.InvalidArgumentError, match="not the newest version"):
        fg.put_record({"user": "bob", "at": ts("2024-01-02"), "score": 1.0})
    fg.update(description="first schema", feature_descriptions={"score": "0 to 1"})
    assert mls.features.get_group("users@1").description == "first schema"

    mls.features.delete_group("users")
    assert mls.features.list_groups() == []
    with pytest.raises(mls.NotFoundError):
        mls.features.get_group("users@1")


def test_bad_input_is_a_clear_error_and_writes_nothing() -> None:
    with pytest.raises(mls.InvalidArgumentError, match="Give the features"):
        mls.features.create_group("x", record_identifier="id", event_time_feature="ts")
    with pytest.raises(mls.InvalidArgumentError, match="no column 'when'"):
        mls.features.create_group(
            "x", first_batch(), record_identifier="customer_id", event_time_feature="when"
        )
    assert mls.features.list_groups() == []

    fg = mls.features.create_group(
        "customers", first_batch(), record_identifier="customer_id", event_time_feature="ts"
    )
    bad = first_batch().assign(age=["thirty", 40])
    with pytest.raises(mls.InvalidArgumentError, match="'age'"):
        fg.ingest(bad)
    with pytest.raises(mls.InvalidArgumentError, match="Unknown column"):
        fg.ingest(first_batch().assign(extra=1))
    assert fg.ingestions() == [] and fg.get_record(1) is None
    with pytest.raises(mls.AlreadyExistsError):
        mls.features.create_group(
            "customers", first_batch(), record_identifier="customer_id", event_time_feature="ts"
        )
    with pytest.raises(mls.InvalidArgumentError, match="event-time column 'nope'"):
        mls.features.dataset(
            pd.DataFrame({"customer_id": [1]}), ["customers:age"], event_time="nope"
        )


def test_mls_features_is_the_sdk_even_after_importing_the_core_modules() -> None:
    """``mls.features`` is the features package; importing its core modules (as the
    server does) must leave the SDK names where users type them."""
    code = (
        "import jupyter_mlstudio as mls, sys\n"
        "assert 'jupyter_mlstudio.features' not in sys.modules\n"  # lazy
        "import jupyter_mlstudio.features.service\n"
        "assert callable(mls.features.create_group) and callable(mls.features.dataset)\n"
        "assert 'duckdb' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
