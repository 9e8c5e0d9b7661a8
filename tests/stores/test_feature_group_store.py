"""The feature catalog contract, on SQLite and PostgreSQL (``db`` is in conftest)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from jupyter_mlstudio.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
)
from jupyter_mlstudio.features.entities import FeatureGroupSpec
from jupyter_mlstudio.features.store import SqlFeatureGroupStore
from jupyter_mlstudio.store.db import Database
from jupyter_mlstudio.store.orm import utcnow


def spec(name: str = "customers", **overrides: Any) -> FeatureGroupSpec:
    kwargs: dict[str, Any] = {
        "name": name,
        "record_identifier": "customer_id",
        "event_time_feature": "ts",
        "features": [
            {"name": "customer_id", "type": "string"},
            {"name": "ts", "type": "timestamp"},
            {"name": "age", "type": "integral", "description": "years since birth"},
        ],
    }
    kwargs.update(overrides)
    return FeatureGroupSpec.build(**kwargs)


def test_versions_are_immutable_and_numbered(db: Database) -> None:
    store = SqlFeatureGroupStore(db)
    v1 = store.create(spec(ttl_seconds=60, tags={"team": "growth"}))
    assert (v1.ref, v1.is_latest, v1.ttl_seconds, dict(v1.tags)) == (
        "customers@1",
        True,
        60,
        {"team": "growth"},
    )
    with pytest.raises(AlreadyExistsError, match="already exists"):
        store.create(spec())
    with pytest.raises(ConflictError, match="already has this definition"):
        store.create(spec(ttl_seconds=60, description="only words"), new_version=True)
    v2 = store.create(spec(ttl_seconds=120), new_version=True)
    assert v2.version == 2
    old = store.get(v1.id)
    assert (old.version, old.latest_version, old.is_latest, old.ttl_seconds) == (1, 2, False, 60)
    assert store.get_version("customers").id == v2.id
    assert store.get_version("customers", 1).id == v1.id
    assert [g.version for g in store.list_versions("customers")] == [2, 1]
    with pytest.raises(NotFoundError, match="no version 3"):
        store.get_version("customers", 3)
    with pytest.raises(NotFoundError, match="No feature group named 'nope'"):
        store.get_version("nope")
    with pytest.raises(NotFoundError):
        store.list_versions("nope")
    with pytest.raises(NotFoundError):
        store.get("nope")
    # a brand-new name with new_version is simply version 1
    assert store.create(spec("orders"), new_version=True).version == 1


def test_metadata_edits_in_place_and_search(db: Database) -> None:
    store = SqlFeatureGroupStore(db)
    group = store.create(spec("customers", description="who buys"))
    store.create(spec("orders", tags={"domain": "sales"}))
    store.create(spec("order_lines", description="100% of lines"))
    edited = store.update_metadata(
        group.id, description="who buys what", feature_descriptions={"age": "in whole years"}
    )
    assert (edited.version, edited.description) == (1, "who buys what")
    assert edited.feature("age").description == "in whole years"
    assert edited.updated_at >= group.updated_at
    with pytest.raises(InvalidArgumentError, match="no feature 'nope'"):
        store.update_metadata(group.id, feature_descriptions={"nope": "x"})

    def names(search: str | None) -> list[str]:
        return [g.name for g in store.list_groups(search=search).items]

    assert names(None) == sorted(["customers", "orders", "order_lines"])
    assert names("WHAT") == ["customers"]  # description, any case
    assert names("whole years") == ["customers"]  # a feature description
    assert names("sales") == ["orders"]  # a tag value
    assert names("100%") == ["order_lines"]  # LIKE wildcards are literal
    assert names("s%") == []
    assert names("d_r") == []  # would match "order" as a wildcard
    assert names("age") == sorted(["customers", "orders", "order_lines"])  # feature name
    # only the newest version of each name is listed
    store.create(spec("orders", ttl_seconds=5), new_version=True)
    listed = {g.name: g.version for g in store.list_groups().items}
    assert listed == {"customers": 1, "orders": 2, "order_lines": 1}
    first = store.list_groups(max_items=2)
    rest = store.list_groups(max_items=2, next_token=first.next_token)
    assert [g.name for g in first.items + rest.items] == sorted(listed)
    assert rest.next_token is None
    with pytest.raises(InvalidArgumentError):
        store.list_groups(max_items=0)


def test_ingestions_and_delete(db: Database) -> None:
    store = SqlFeatureGroupStore(db)
    group = store.create(spec())
    now = utcnow()
    for i in range(3):
        store.record_ingestion(
            group.id,
            rows=10 + i,
            source="df",
            ingested_at=now + timedelta(seconds=i),
            offline_files=[f"f{i}.parquet"],
        )
    page = store.list_ingestions(group.id, max_items=2)
    assert [i.rows for i in page.items] == [12, 11] and page.next_token
    assert page.items[0].offline_files == ("f2.parquet",)
    assert store.list_ingestions(group.id, next_token=page.next_token).items[0].rows == 10
    deleted = store.delete(group.id)
    assert deleted.ref == "customers@1"
    with pytest.raises(NotFoundError):
        store.get(group.id)
    with pytest.raises(NotFoundError):
        store.list_ingestions(group.id)
    with pytest.raises(NotFoundError):
        store.record_ingestion(group.id, rows=1, ingested_at=now)
    assert store.create(spec()).version == 1  # the name is free again


def test_racing_new_versions_get_distinct_numbers(db: Database) -> None:
    store = SqlFeatureGroupStore(db)
    store.create(spec())
    outcomes: list[object] = []

    def bump(ttl: int) -> None:
        try:
            outcomes.append(store.create(spec(ttl_seconds=ttl), new_version=True).version)
        except AlreadyExistsError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=bump, args=(ttl,)) for ttl in (10, 20, 30, 40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = [o for o in outcomes if isinstance(o, int)]
    assert len(set(versions)) == len(versions) and versions
    assert sorted(g.version for g in store.list_versions("customers")) == [1, *sorted(versions)]
