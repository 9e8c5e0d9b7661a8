"""The endpoint store contract on SQLite and PostgreSQL (the ``db`` fixture is in conftest)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jupyter_mlstudio.endpoints.entities import DeployedVariant, EndpointStatus
from jupyter_mlstudio.endpoints.store import EndpointStore, SqlEndpointStore
from jupyter_mlstudio.errors import AlreadyExistsError, ConflictError, NotFoundError
from jupyter_mlstudio.store.db import Database


@pytest.fixture
def store(db: Database) -> EndpointStore:
    return SqlEndpointStore(db)


def create(store: EndpointStore, name: str, config: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return store.create(name, config=config or {}, token="t0k", host="here", owner_pid=1)


def test_create_get_and_duplicates(store: EndpointStore) -> None:
    created = create(store, "scores", {"variants": [{"model": "fraud", "version": 2}]})
    assert created.status is EndpointStatus.CREATING and created.owner_pid == 1
    got = store.get("scores")
    assert (got.id, got.config, got.token, got.host) == (
        created.id,
        {"variants": [{"model": "fraud", "version": 2}]},
        "t0k",
        "here",
    )
    with pytest.raises(AlreadyExistsError, match="already exists"):
        create(store, "scores")
    with pytest.raises(NotFoundError, match="No endpoint named 'nope'"):
        store.get("nope")


def test_set_is_compare_and_set(store: EndpointStore) -> None:
    create(store, "scores")
    variant = DeployedVariant(name="a", model="fraud", version=3, weight=1.0, instances=1)
    served = store.set(
        "scores",
        status=EndpointStatus.IN_SERVICE,
        expect=[EndpointStatus.CREATING],
        variants=[variant],
        port=8123,
    )
    assert served.status is EndpointStatus.IN_SERVICE and served.port == 8123
    assert [v.version for v in served.variants] == [3]
    with pytest.raises(ConflictError, match="is InService"):
        store.set("scores", status=EndpointStatus.FAILED, expect=[EndpointStatus.CREATING])
    assert store.get("scores").status is EndpointStatus.IN_SERVICE  # unchanged
    with pytest.raises(NotFoundError):
        store.set("nope", status=EndpointStatus.FAILED)
    with pytest.raises(TypeError, match="Unknown endpoint fields"):
        store.set("scores", colour="red")


def test_versions_in_use_counts_served_and_configured(store: EndpointStore) -> None:
    create(store, "a", {"variants": [{"model": "fraud", "version": 5}]})
    create(store, "b")
    variant = DeployedVariant(name="v", model="fraud", version=2, weight=1.0, instances=1)
    store.set("b", variants=[variant])
    assert store.versions_in_use("fraud") == {2, 5}
    assert store.versions_in_use("churn") == set()


def test_list_pages_filters_and_delete(store: EndpointStore) -> None:
    for name in ("a", "b", "c"):
        create(store, name)
    store.set("b", status=EndpointStatus.FAILED)
    first = store.list_endpoints(max_items=2)
    assert len(first.items) == 2 and first.next_token
    rest = store.list_endpoints(max_items=2, next_token=first.next_token)
    assert {e.name for e in first.items + rest.items} == {"a", "b", "c"} and not rest.next_token
    assert [e.name for e in store.list_endpoints(status="Failed").items] == ["b"]
    assert {e.name for e in store.all()} == {"a", "b", "c"}
    store.delete("b")
    store.delete("b")  # deleting what is gone is a no-op
    assert {e.name for e in store.all()} == {"a", "c"}


def test_changed_since(store: EndpointStore) -> None:
    created = create(store, "a")
    since = created.updated_at - timedelta(seconds=1)
    assert [n for n, _, _ in store.changed_since(since)] == ["a"]
    assert store.changed_since(created.updated_at + timedelta(hours=1)) == []
