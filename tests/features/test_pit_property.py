"""Property: ``dataset()`` equals a plain-Python point-in-time reference on random
histories — ties on event time, late arrivals, deletes, TTL, ``as_of`` and
``include_deleted`` — and the online store holds the reference's latest record.

Runs with the online store on SQLite and, under scripts/with_postgres.sh and
scripts/with_redis.sh, on PostgreSQL and Redis (those skip when their env var is unset).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlstudio.features.online import OnlineStore, SqlOnlineStore, open_online_store
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore
from jupyter_mlstudio.store.db import Database

from .conftest import Clock

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
REDIS_URL_ENV = "MLSTUDIO_TEST_REDIS_URL"
BACKENDS = ["sqlite", "postgresql", "redis"]
IDS = st.integers(1, 3)
HOURS = st.integers(0, 8)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Event:
    record_id: int
    hour: int
    value: int | None  # None: a delete
    op: int  # which operation wrote it (ingestion order)
    seq: int  # position in its batch (the last repeat of an id and time wins)


# an operation: a batch of (id, hour) records, or one delete
OPERATION = st.one_of(
    st.lists(st.tuples(IDS, HOURS), min_size=1, max_size=5).map(lambda rows: ("ingest", rows)),
    st.tuples(IDS, HOURS).map(lambda one: ("delete", [one])),
)


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_uri: str | None
) -> Iterator[tuple[FeatureStore, Clock]]:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    catalog_db = Database(f"sqlite:///{tmp_path / 'mlstudio.db'}")
    online: OnlineStore
    if request.param == "sqlite":
        online = SqlOnlineStore.open(f"sqlite:///{tmp_path / 'online.db'}")
    elif request.param == "postgresql":
        if not postgres_uri:
            catalog_db.dispose()
            pytest.skip("MLSTUDIO_TEST_POSTGRES_URI is not set (run under with_postgres.sh)")
        online = SqlOnlineStore.open(postgres_uri)
    else:
        url = os.environ.get(REDIS_URL_ENV)
        if not url:
            catalog_db.dispose()
            pytest.skip(f"{REDIS_URL_ENV} is not set (run under scripts/with_redis.sh)")
        online = open_online_store(home=tmp_path, metadata_db=catalog_db, online_uri=url)
        assert type(online).__name__ == "RedisOnlineStore"
    features = FeatureStore(
        SqlFeatureGroupStore(catalog_db),
        online,
        artifact_uri=(tmp_path / "a").as_uri(),
        clock=clock,
    )
    yield features, clock
    features.close()
    catalog_db.dispose()


NAMES = itertools.count()


@PROPERTY
@given(
    operations=st.lists(OPERATION, min_size=1, max_size=8),
    entity=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 10)), min_size=1, max_size=12),
    ttl_hours=st.none() | st.integers(1, 4),
    as_of_op=st.none() | st.integers(0, 7),
    include_deleted=st.booleans(),
)
def test_dataset_matches_the_reference(
    store: tuple[FeatureStore, Clock],
    operations: list[tuple[str, list[tuple[int, int]]]],
    entity: list[tuple[int, int]],
    ttl_hours: int | None,
    as_of_op: int | None,
    include_deleted: bool,
) -> None:
    features, clock = store
    name = f"g{next(NAMES)}"
    features.create_group(
        name,
        record_identifier="id",
        event_time_feature="t",
        features=[
            {"name": "id", "type": "integral"},
            {"name": "t", "type": "timestamp"},
            {"name": "v", "type": "integral"},
        ],
        ttl_seconds=ttl_hours * 3600 if ttl_hours else None,
    )
    events: list[Event] = []
    written_at: list[datetime] = []
    values = itertools.count(1)
    for op, (kind, rows) in enumerate(operations):
        clock.advance(minutes=1)
        written_at.append(clock.now)
        if kind == "delete":
            record_id, hour = rows[0]
            features.delete_record(name, record_id, event_time=T0 + timedelta(hours=hour))
            events.append(Event(record_id, hour, None, op, 0))
            continue
        batch = [Event(i, h, next(values), op, seq) for seq, (i, h) in enumerate(rows)]
        features.ingest(
            name,
            pd.DataFrame(
                {
                    "id": [e.record_id for e in batch],
                    "t": [T0 + timedelta(hours=e.hour) for e in batch],
                    "v": [e.value for e in batch],
                }
            ),
        )
        events += batch

    if as_of_op is not None and as_of_op >= len(written_at):
        as_of_op = None
    as_of = written_at[as_of_op] if as_of_op is not None else None  # inclusive
    frame = pd.DataFrame(
        {
            "id": [i for i, _ in entity],
            "ts": [T0 + timedelta(hours=h) for _, h in entity],
        }
    )
    result = features.dataset(
        frame, [f"{name}:v"], event_time="ts", as_of=as_of, include_deleted=include_deleted
    )
    got = [None if pd.isna(v) else int(v) for v in result.frame["v"]]
    expected = [reference(events, i, h, ttl_hours, as_of_op, include_deleted) for i, h in entity]
    assert got == expected, result.sql

    # online: the latest record of each id by event time, whatever arrived when; a
    # tombstone hides the id. One by one, in one batch (with an unseen id and a repeat),
    # and the live count.
    want = {record_id: latest(events, record_id) for record_id in (1, 2, 3, 4)}
    for record_id in (1, 2, 3):
        record = features.get_record(name, record_id)
        assert (record["v"] if record else None) == want[record_id]
    batch = features.get_records(name, [3, 4, 1, 2, 1])
    assert [r["v"] if r else None for r in batch] == [want[i] for i in (3, 4, 1, 2, 1)]
    live = sum(v is not None for v in want.values())
    assert features.online.count(features.get_group(name).id) == live


def reference(
    events: list[Event],
    record_id: int,
    hour: int,
    ttl_hours: int | None,
    as_of_op: int | None,
    include_deleted: bool,
) -> int | None:
    candidates = [
        e
        for e in events
        if e.record_id == record_id
        and e.hour <= hour
        and (as_of_op is None or e.op <= as_of_op)
        and not (include_deleted and e.value is None)
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda e: (e.hour, e.op, e.seq))
    if ttl_hours is not None and best.hour < hour - ttl_hours:
        return None
    return best.value


def latest(events: list[Event], record_id: int) -> int | None:
    mine = [e for e in events if e.record_id == record_id]
    return max(mine, key=lambda e: (e.hour, e.op, e.seq)).value if mine else None
