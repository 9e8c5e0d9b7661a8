"""One ingest writes the online store once, with the latest record of each id across all
of its batches (the store's rule: latest event time, a tie goes to the later row), and an
online failure takes every offline batch of the ingest back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import StoreUnavailableError
from jupyter_mlstudio.features.online import SqlOnlineStore
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore

from .conftest import Clock
from .test_service import create_customers, frame


def test_latest_per_id_across_batches_late_events_and_ties(
    features: FeatureStore, clock: Clock
) -> None:
    ref = create_customers(features)
    rows = [
        (1, 5, 50, "newest"),  # batch 1
        (2, 1, 10, "first"),
        (1, 2, 20, "late"),  # batch 2: older than id 1's event in batch 1
        (2, 1, 11, "tie"),  # the same event time as batch 1's: the later row wins
        (3, 0, 30, "only"),  # batch 3
        (2, 0, 12, "older"),
    ]
    result = features.ingest(ref, frame(rows), batch_size=2)
    # the repeated (id 2, hour 1) pair keeps its last row before anything is written
    assert (result.batches, result.rows_written, result.duplicates_dropped) == (3, 5, 1)
    assert features.get_record(ref, 1)["city"] == "newest"
    assert features.get_record(ref, 2)["city"] == "tie"
    assert features.get_record(ref, 3)["city"] == "only"
    assert len(features.to_df(ref)) == 5  # offline keeps every other row
    # a later ingest with an older event leaves the online record alone
    features.ingest(ref, frame([(1, 3, 0, "stale")]))
    assert features.get_record(ref, 1)["city"] == "newest"


def test_an_online_failure_takes_back_every_batch_of_the_ingest(
    catalog: SqlFeatureGroupStore, tmp_path: Path, clock: Clock
) -> None:
    online_db = tmp_path / "broken-online.db"
    online = SqlOnlineStore.open(f"sqlite:///{online_db}")
    with sqlite3.connect(online_db) as conn:
        conn.execute("DROP TABLE feature_online_records")
    store = FeatureStore(catalog, online, artifact_uri=(tmp_path / "a").as_uri(), clock=clock)
    ref = create_customers(store)
    with pytest.raises(StoreUnavailableError):
        store.ingest(ref, frame([(i, 0, i, "a") for i in range(5)]), batch_size=2)
    assert store.to_df(ref).empty
    assert store.offline.files(store.get_group(ref)) == []
    assert store.ingestions(ref).items == []
    store.close()
