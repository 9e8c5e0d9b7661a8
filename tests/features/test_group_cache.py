"""Online lookups trust a group definition for a moment (no catalog query per lookup),
yet see this process's changes at once and another process's within the cache time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from jupyter_mlstudio.features.online import SqlOnlineStore
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore

FEATURES = [
    {"name": "id", "type": "integral"},
    {"name": "ts", "type": "timestamp"},
    {"name": "x", "type": "fractional"},
]
CACHE_SECONDS = 0.5


@pytest.fixture
def service(catalog: SqlFeatureGroupStore, tmp_path: Path) -> Iterator[FeatureStore]:
    online = SqlOnlineStore.open(f"sqlite:///{tmp_path / 'online.db'}")
    store = FeatureStore(
        catalog,
        online,
        artifact_uri=(tmp_path / "artifacts").as_uri(),
        group_cache_seconds=CACHE_SECONDS,
    )
    store.create_group("g", record_identifier="id", event_time_feature="ts", features=FEATURES)
    store.put_record("g", {"id": 1, "ts": "2024-01-01T00:00:00Z", "x": 1.0})
    yield store
    store.close()


def catalog_statements(catalog: SqlFeatureGroupStore) -> list[str]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(catalog._db.engine, "before_cursor_execute", count)
    return seen


def test_repeated_lookups_do_not_query_the_catalog(
    service: FeatureStore, catalog: SqlFeatureGroupStore
) -> None:
    lookups = FeatureStore(
        catalog,
        service.online,
        artifact_uri=service.offline.root_uri,
        group_cache_seconds=60,
    )
    assert lookups.get_record("g", 1) == lookups.get_records("g@1", [1])[0] is not None
    statements = catalog_statements(catalog)
    for _ in range(20):
        assert lookups.get_record("g", 1) == lookups.get_records("g@1", [1])[0] is not None
    assert statements == []  # was two catalog queries per lookup


def test_this_process_sees_a_new_version_and_a_deletion_at_once(service: FeatureStore) -> None:
    assert service.get_record("g", 1) is not None
    service.create_group(
        "g",
        record_identifier="id",
        event_time_feature="ts",
        features=[*FEATURES, {"name": "y", "type": "integral"}],
        new_version=True,
    )
    assert service.get_record("g", 1) is None  # version 2 holds no record yet
    assert service.get_record("g@1", 1) is not None
    service.delete_group("g@1")
    with pytest.raises(Exception, match="no version 1"):
        service.get_record("g@1", 1)


def test_another_process_s_new_version_is_seen_within_the_cache_time(
    service: FeatureStore, tmp_path: Path
) -> None:
    assert service.get_record("g", 1)["x"] == 1.0  # type: ignore[index]
    script = textwrap.dedent(
        f"""
        from jupyter_mlstudio.features.online import SqlOnlineStore
        from jupyter_mlstudio.features.service import FeatureStore
        from jupyter_mlstudio.features.store import SqlFeatureGroupStore
        from jupyter_mlstudio.store.db import Database

        db = Database({f"sqlite:///{tmp_path / 'mlstudio.db'}"!r})
        online = SqlOnlineStore.open({f"sqlite:///{tmp_path / 'online.db'}"!r})
        store = FeatureStore(SqlFeatureGroupStore(db), online,
                             artifact_uri={(tmp_path / "artifacts").as_uri()!r})
        features = {FEATURES!r} + [{{"name": "y", "type": "integral"}}]
        store.create_group("g", record_identifier="id", event_time_feature="ts",
                           features=features, new_version=True)
        store.put_record("g", {{"id": 1, "ts": "2024-02-01T00:00:00Z", "x": 2.0, "y": 7}})
        store.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    deadline = time.monotonic() + CACHE_SECONDS + 0.05
    while time.monotonic() < deadline:
        time.sleep(0.05)
    record = service.get_record("g", 1)
    assert record is not None and (record["x"], record["y"]) == (2.0, 7)
