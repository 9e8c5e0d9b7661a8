"""The feature store's offline history on an S3 API (moto's server, reached through
s3fs): batches are written as Parquet objects, read back and joined by DuckDB through
an Arrow dataset, and dropped with the group."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import s3fs

from jupyter_mlstudio.features.online import SqlOnlineStore
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore
from jupyter_mlstudio.store.db import Database

from .conftest import BUCKET

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_offline_history_and_datasets_on_s3(s3_fs: Any, tmp_path: Path) -> None:
    # s3fs caches filesystems (and their listings) across tests: start from a fresh one
    s3fs.S3FileSystem.clear_instance_cache()
    db = Database(f"sqlite:///{tmp_path / 'mlstudio.db'}")
    features = FeatureStore(
        SqlFeatureGroupStore(db),
        SqlOnlineStore.open(f"sqlite:///{tmp_path / 'online.db'}"),
        artifact_uri=f"s3://{BUCKET}/features-{tmp_path.name}",
    )
    features.create_group(
        "customers",
        record_identifier="id",
        event_time_feature="ts",
        features=[
            {"name": "id", "type": "string"},
            {"name": "ts", "type": "timestamp"},
            {"name": "age", "type": "integral"},
        ],
    )
    rows = pd.DataFrame(
        {"id": ["a", "b", "a"], "ts": [T0, T0, T0 + timedelta(hours=2)], "age": [30, 40, 31]}
    )
    result = features.ingest("customers", rows, batch_size=2)
    assert result.batches == 2
    group = features.get_group("customers")
    objects = s3_fs.find(f"{BUCKET}/features-{tmp_path.name}")
    assert len(objects) == 2 and all(".tmp" not in o for o in objects)
    assert sorted(features.to_df("customers")["age"]) == [30, 31, 40]
    entity = pd.DataFrame({"id": ["a", "a", "b"], "ts": [T0, T0 + timedelta(hours=3), T0]})
    assert list(features.dataset(entity, ["customers:age"], event_time="ts").frame["age"]) == [
        30,
        31,
        40,
    ]
    features.delete_group("customers")
    assert features.offline.files(group) == []
    features.close()
    db.dispose()
