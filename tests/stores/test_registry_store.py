"""The registry store contract on SQLite and PostgreSQL (the ``db`` fixture is in conftest)."""

from __future__ import annotations

import os
import threading

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.registry.store import SqlRegistryStore
from jupyter_mlstudio.store.db import Database


@pytest.fixture
def store(db: Database) -> SqlRegistryStore:
    return SqlRegistryStore(db)


def _version(store: SqlRegistryStore, name: str) -> int:
    return store.create_version(
        name,
        version_id=os.urandom(16).hex(),
        artifact_uri="file:///x",
        content_hash="sha256:0",
        size_bytes=1,
        flavor="sklearn",
        signature={},
        input_example=None,
        library_versions={},
        metrics={},
        params={},
    ).version


def test_store_numbering_aliases_and_search(store: SqlRegistryStore) -> None:
    store.create_group("fraud", description="card fraud scores")
    with pytest.raises(Exception, match="already exists"):
        store.create_group("fraud")
    numbers: list[int] = []
    threads = [
        threading.Thread(target=lambda: numbers.extend(_version(store, "fraud") for _ in range(10)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 31))
    store.set_alias("fraud", "champion", 3)
    assert store.get_group("fraud").aliases == {"champion": 3}
    _version(store, "churn")
    assert [g.name for g in store.list_groups("FRAUD").items] == ["fraud"]
    assert {g.name for g in store.list_groups().items} == {"fraud", "churn"}


def test_list_groups_pages_most_recently_updated_first(store: SqlRegistryStore) -> None:
    for name in ("a", "b", "c"):
        store.create_group(name)
    store.update_group("a", description="touched last")
    page = store.list_groups(max_items=2)
    assert [g.name for g in page.items] == ["a", "c"] and page.next_token
    rest = store.list_groups(max_items=2, next_token=page.next_token)
    assert [g.name for g in rest.items] == ["b"] and rest.next_token is None
    with pytest.raises(InvalidArgumentError, match="max_items"):
        store.list_groups(max_items=0)
    with pytest.raises(InvalidArgumentError, match="next_token"):
        store.list_groups(next_token="not-a-token")
    with pytest.raises(NotFoundError, match="No model named 'zzz'"):
        store.get_group("zzz")
