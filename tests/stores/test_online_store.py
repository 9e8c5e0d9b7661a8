"""The online store contract, on SQLite, PostgreSQL and Redis: every test runs on each
backend (PostgreSQL and Redis under scripts/with_postgres.sh and scripts/with_redis.sh)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.features.online import (
    MAX_BATCH_GET,
    OnlineRecord,
    OnlineStore,
    SqlOnlineStore,
    open_online_store,
)
from jupyter_mlstudio.store.db import Database

REDIS_URL_ENV = "MLSTUDIO_TEST_REDIS_URL"


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def online(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_uri: str | None
) -> Iterator[OnlineStore]:
    store: OnlineStore
    if request.param == "sqlite":
        store = SqlOnlineStore.open(f"sqlite:///{tmp_path / 'online.db'}")
    elif request.param == "postgresql":
        if not postgres_uri:
            pytest.skip(
                "MLSTUDIO_TEST_POSTGRES_URI is not set (run under scripts/with_postgres.sh)"
            )
        store = SqlOnlineStore.open(postgres_uri)
    else:
        url = os.environ.get(REDIS_URL_ENV)
        if not url:
            pytest.skip(f"{REDIS_URL_ENV} is not set (run under scripts/with_redis.sh)")
        store = open_online_store(home=tmp_path, metadata_db=None, online_uri=url)  # type: ignore[arg-type]
        assert type(store).__name__ == "RedisOnlineStore"
    yield store
    store.close()


@pytest.fixture
def group() -> str:
    # the table outlives a test on the shared PostgreSQL server: a fresh group each time
    return uuid.uuid4().hex


def rec(record_id: str, t: int, value: object = None, *, deleted: bool = False) -> OnlineRecord:
    payload = "{}" if deleted else f'{{"v": {value if value is not None else t}}}'
    return OnlineRecord(record_id, t, payload, deleted)


def test_latest_by_event_time_never_by_arrival(online: OnlineStore, group: str) -> None:
    online.put(group, [rec("a", 10), rec("b", 5)])
    online.put(group, [rec("a", 7)])  # late and older: ignored
    assert online.get(group, "a") == rec("a", 10)
    online.put(group, [rec("a", 10, 99)])  # same event time: the newer write wins
    assert online.get(group, "a") == rec("a", 10, 99)
    online.put(group, [rec("a", 11)])
    assert online.get(group, "a") == rec("a", 11)
    assert online.get(group, "zz") is None
    assert online.get("another-group", "a") is None  # groups are apart


def test_one_put_holding_an_id_twice(online: OnlineStore, group: str) -> None:
    online.put(group, [rec("a", 3), rec("a", 9), rec("a", 4), rec("a", 9, 1)])
    assert online.get(group, "a") == rec("a", 9, 1)


def test_tombstones_keep_older_records_out(online: OnlineStore, group: str) -> None:
    online.put(group, [rec("a", 10), rec("b", 10)])
    online.put(group, [rec("a", 20, deleted=True)])
    assert online.get(group, "a") == rec("a", 20, deleted=True)
    online.put(group, [rec("a", 15)])  # older than the delete: stays deleted
    assert online.get(group, "a") == rec("a", 20, deleted=True)
    assert online.count(group) == 1
    online.put(group, [rec("a", 30)])  # newer than the delete: back
    assert online.get(group, "a") == rec("a", 30)
    online.put(group, [rec("b", 5, deleted=True)])  # a delete older than the record: ignored
    assert online.get(group, "b") == rec("b", 10)
    assert online.count(group) == 2


def test_batch_get_and_drop(online: OnlineStore, group: str) -> None:
    online.put(group, [rec(str(i), i) for i in range(50)])
    got = online.get_many(group, ["3", "49", "nope", "3"])
    assert got == {"3": rec("3", 3), "49": rec("49", 49)}
    assert online.get_many(group, []) == {}
    with pytest.raises(InvalidArgumentError, match="at most"):
        online.get_many(group, [str(i) for i in range(MAX_BATCH_GET + 1)])
    online.drop_group(group)
    assert online.count(group) == 0 and online.get(group, "3") is None


def test_concurrent_writers_keep_the_latest_event(online: OnlineStore, group: str) -> None:
    def write(times: list[int]) -> None:
        for t in times:
            online.put(group, [rec("a", t)])

    threads = [threading.Thread(target=write, args=(list(range(k, 200, 4)),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert online.get(group, "a") == rec("a", 199)


def test_the_default_is_sqlite_in_the_home_folder(tmp_path: Path) -> None:
    catalog = Database(f"sqlite:///{tmp_path / 'mlstudio.db'}")
    store = open_online_store(home=tmp_path, metadata_db=catalog)
    store.put("g", [rec("a", 1)])
    assert (tmp_path / "feature-store" / "online.db").is_file()
    store.close()
    catalog.dispose()


def test_a_studio_uses_the_configured_redis_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        pytest.skip(f"{REDIS_URL_ENV} is not set (run under scripts/with_redis.sh)")
    from jupyter_mlstudio.config import ONLINE_STORE_URI_ENV, StudioConfig
    from jupyter_mlstudio.features.online_redis import RedisOnlineStore
    from jupyter_mlstudio.studio import Studio

    monkeypatch.setenv(ONLINE_STORE_URI_ENV, url)  # the env var, as kernels inherit it
    studio = Studio(StudioConfig.resolve(home=tmp_path))
    try:
        assert isinstance(studio.features.online, RedisOnlineStore)
        assert not (tmp_path / "feature-store" / "online.db").exists()
    finally:
        studio.close()


def test_an_unreachable_redis_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    from jupyter_mlstudio.errors import StoreUnavailableError

    # port 1 on loopback: nothing listens, the connection is refused at once
    store = open_online_store(home=tmp_path, metadata_db=None, online_uri="redis://127.0.0.1:1/0")  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailableError, match="unreachable"):
        store.get("g", "a")
    store.close()
