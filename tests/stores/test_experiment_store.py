"""The experiment store contract, run against every backend this machine has.

On SQLite and PostgreSQL: the ``db`` fixture is in tests/stores/conftest.py.
"""

from __future__ import annotations

import time
import uuid

import pytest

from jupyter_mlstudio.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from jupyter_mlstudio.experiments.store import ExperimentStore, SqlExperimentStore
from jupyter_mlstudio.store.db import Database


@pytest.fixture
def store(db: Database) -> ExperimentStore:
    return SqlExperimentStore(db)


def test_create_returns_snapshot_with_fields(store: ExperimentStore) -> None:
    exp = store.create_experiment("  churn  ", description="why", tags={"team": "ml"})
    assert exp.name == "churn"  # surrounding whitespace is not part of a name
    assert exp.description == "why"
    assert dict(exp.tags) == {"team": "ml"}
    assert len(exp.id) == 32
    assert exp.created_at.tzinfo is not None
    assert exp.created_at == exp.updated_at
    with pytest.raises(TypeError):
        exp.tags["team"] = "other"  # type: ignore[index]


def test_get_by_id_and_name(store: ExperimentStore) -> None:
    exp = store.create_experiment("churn")
    assert store.get_experiment(exp.id) == exp
    assert store.get_experiment_by_name("churn") == exp


def test_duplicate_name_is_refused(store: ExperimentStore) -> None:
    store.create_experiment("churn")
    with pytest.raises(AlreadyExistsError, match="churn"):
        store.create_experiment("churn")
    with pytest.raises(AlreadyExistsError):
        store.create_experiment(" churn ")


def test_names_are_case_sensitive(store: ExperimentStore) -> None:
    store.create_experiment("churn")
    assert store.create_experiment("Churn").name == "Churn"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 257, "tab\there", "new\nline", None, 5])
def test_invalid_names_are_refused(store: ExperimentStore, bad: object) -> None:
    with pytest.raises(InvalidArgumentError):
        store.create_experiment(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "tags",
    [
        {"": "x"},
        {"k": 1},
        {"k" * 251: "v"},
        {"k": "v" * 5001},
        ["a"],
        {f"k{i}": "v" for i in range(101)},
    ],
)
def test_invalid_tags_are_refused(store: ExperimentStore, tags: object) -> None:
    with pytest.raises(InvalidArgumentError):
        store.create_experiment("churn", tags=tags)  # type: ignore[arg-type]
    assert store.list_experiments().items == []  # nothing half-written


def test_unknown_ids_raise_not_found(store: ExperimentStore) -> None:
    missing = uuid.uuid4().hex
    with pytest.raises(NotFoundError):
        store.get_experiment(missing)
    with pytest.raises(NotFoundError):
        store.get_experiment_by_name("nope")
    with pytest.raises(NotFoundError):
        store.update_experiment(missing, name="x")
    with pytest.raises(NotFoundError):
        store.delete_experiment(missing)


def test_rename_and_describe(store: ExperimentStore) -> None:
    exp = store.create_experiment("churn", tags={"a": "1"})
    time.sleep(0.01)
    renamed = store.update_experiment(exp.id, name="churn-v2", description="second try")
    assert renamed.name == "churn-v2"
    assert renamed.description == "second try"
    assert dict(renamed.tags) == {"a": "1"}  # untouched when not given
    assert renamed.updated_at > exp.updated_at
    assert renamed.created_at == exp.created_at
    with pytest.raises(NotFoundError):
        store.get_experiment_by_name("churn")


def test_tags_are_replaced_as_a_whole(store: ExperimentStore) -> None:
    exp = store.create_experiment("churn", tags={"a": "1", "b": "2"})
    updated = store.update_experiment(exp.id, tags={"b": "3", "c": "4"})
    assert dict(updated.tags) == {"b": "3", "c": "4"}
    assert dict(store.get_experiment(exp.id).tags) == {"b": "3", "c": "4"}


def test_rename_onto_existing_name_is_refused_and_changes_nothing(store: ExperimentStore) -> None:
    first = store.create_experiment("a")
    store.create_experiment("b")
    with pytest.raises(AlreadyExistsError):
        store.update_experiment(first.id, name="b", description="lost?")
    assert store.get_experiment(first.id) == first


def test_rename_to_own_name_is_allowed(store: ExperimentStore) -> None:
    exp = store.create_experiment("a")
    assert store.update_experiment(exp.id, name="a").name == "a"


def test_delete_removes_experiment_and_tags(store: ExperimentStore) -> None:
    exp = store.create_experiment("churn", tags={"a": "1"})
    store.delete_experiment(exp.id)
    with pytest.raises(NotFoundError):
        store.get_experiment(exp.id)
    again = store.create_experiment("churn")  # the name is free again
    assert dict(again.tags) == {}


def test_list_is_newest_first_and_paginates(store: ExperimentStore) -> None:
    names = [f"exp-{i:02d}" for i in range(25)]
    for name in names:
        store.create_experiment(name)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = store.list_experiments(max_items=10, next_token=token)
        pages += 1
        assert len(page.items) <= 10
        seen.extend(e.name for e in page.items)
        token = page.next_token
        if token is None:
            break
    assert pages == 3
    assert seen == list(reversed(names))


def test_exact_page_size_has_no_dangling_token(store: ExperimentStore) -> None:
    for i in range(5):
        store.create_experiment(f"e{i}")
    page = store.list_experiments(max_items=5)
    assert len(page.items) == 5
    assert page.next_token is None


@pytest.mark.parametrize("token", ["garbage", "eyJvZmZzZXQiOi0xfQ", "e30", "!!!"])
def test_bad_tokens_are_refused(store: ExperimentStore, token: str) -> None:
    with pytest.raises(InvalidArgumentError, match="next_token"):
        store.list_experiments(next_token=token)


@pytest.mark.parametrize("max_items", [0, -1, 1001, True, "10"])
def test_bad_page_sizes_are_refused(store: ExperimentStore, max_items: object) -> None:
    with pytest.raises(InvalidArgumentError, match="max_items"):
        store.list_experiments(max_items=max_items)  # type: ignore[arg-type]


def test_unicode_names_round_trip(store: ExperimentStore) -> None:
    exp = store.create_experiment("Prévision 📈 数据")
    assert store.get_experiment_by_name("Prévision 📈 数据").id == exp.id
