"""``dataset()``'s SageMaker-style switches — ``event_time_range`` (only feature records
whose event time is in the range) and ``include_duplicated`` (every record with the matched
id and event time, one output row each, instead of the latest ingestion) — against a small
plain-Python reference on random histories, plus the bad-input answers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.features.online import SqlOnlineStore
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore
from jupyter_mlstudio.store.db import Database

from .conftest import Clock

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
NAMES = itertools.count()
SWITCHES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Written:
    record_id: int
    hour: int
    value: int | None  # None: a tombstone
    op: int  # ingestion order


OPERATION = st.one_of(
    st.lists(st.tuples(st.integers(1, 3), st.integers(0, 6)), min_size=1, max_size=4).map(
        lambda rows: ("ingest", rows)
    ),
    st.tuples(st.integers(1, 3), st.integers(0, 6)).map(lambda one: ("delete", [one])),
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[FeatureStore, Clock]]:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    db = Database(f"sqlite:///{tmp_path / 'mlstudio.db'}")
    features = FeatureStore(
        SqlFeatureGroupStore(db),
        SqlOnlineStore.open(f"sqlite:///{tmp_path / 'online.db'}"),
        artifact_uri=(tmp_path / "a").as_uri(),
        clock=clock,
    )
    yield features, clock
    features.close()
    db.dispose()


def _group(features: FeatureStore, ttl_hours: int | None = None) -> str:
    name = f"s{next(NAMES)}"
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
    return name


def _apply(
    features: FeatureStore,
    clock: Clock,
    name: str,
    operations: list[tuple[str, list[tuple[int, int]]]],
) -> list[Written]:
    written: list[Written] = []
    values = itertools.count(1)
    for op, (kind, rows) in enumerate(operations):
        clock.advance(minutes=1)
        if kind == "delete":
            record_id, hour = rows[0]
            features.delete_record(name, record_id, event_time=T0 + timedelta(hours=hour))
            written.append(Written(record_id, hour, None, op))
            continue
        batch = {(i, h): next(values) for i, h in rows}  # a batch keeps its last repeat
        features.ingest(
            name,
            pd.DataFrame(
                {
                    "id": [i for i, _ in batch],
                    "t": [T0 + timedelta(hours=h) for _, h in batch],
                    "v": list(batch.values()),
                }
            ),
        )
        written += [Written(i, h, v, op) for (i, h), v in batch.items()]
    return written


def reference(
    written: list[Written],
    record_id: int,
    hour: int,
    *,
    start: int | None,
    end: int | None,
    include_duplicated: bool,
    include_deleted: bool,
    ttl_hours: int | None,
) -> list[int | None]:
    """The values one entity row gets: one, or one per duplicate."""
    candidates = [
        w
        for w in written
        if w.record_id == record_id
        and w.hour <= hour
        and (start is None or w.hour >= start)
        and (end is None or w.hour <= end)
        and not (include_deleted and w.value is None)
    ]
    if not candidates:
        return [None]
    best_hour = max(w.hour for w in candidates)
    stale = ttl_hours is not None and best_hour < hour - ttl_hours
    same = sorted((w for w in candidates if w.hour == best_hour), key=lambda w: w.op)
    picked = same if include_duplicated else same[-1:]
    return [None if stale else w.value for w in picked]


@SWITCHES
@given(
    operations=st.lists(OPERATION, min_size=1, max_size=7),
    entity=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 8)), min_size=1, max_size=8),
    bounds=st.tuples(st.none() | st.integers(0, 6), st.none() | st.integers(0, 6)),
    include_duplicated=st.booleans(),
    include_deleted=st.booleans(),
    ttl_hours=st.none() | st.integers(1, 3),
)
def test_switches_match_the_reference(
    store: tuple[FeatureStore, Clock],
    operations: list[tuple[str, list[tuple[int, int]]]],
    entity: list[tuple[int, int]],
    bounds: tuple[int | None, int | None],
    include_duplicated: bool,
    include_deleted: bool,
    ttl_hours: int | None,
) -> None:
    features, clock = store
    start, end = bounds
    if start is not None and end is not None and start > end:
        start, end = end, start
    name = _group(features, ttl_hours)
    written = _apply(features, clock, name, operations)
    frame = pd.DataFrame(
        {"id": [i for i, _ in entity], "ts": [T0 + timedelta(hours=h) for _, h in entity]}
    )
    time_range = (
        None if start is None else T0 + timedelta(hours=start),
        None if end is None else T0 + timedelta(hours=end),
    )
    result = features.dataset(
        frame,
        [f"{name}:v"],
        event_time="ts",
        event_time_range=time_range,
        include_duplicated=include_duplicated,
        include_deleted=include_deleted,
    )
    expected_ids: list[int] = []
    expected: list[int | None] = []
    for record_id, hour in entity:
        got = reference(
            written,
            record_id,
            hour,
            start=start,
            end=end,
            include_duplicated=include_duplicated,
            include_deleted=include_deleted,
            ttl_hours=ttl_hours,
        )
        expected += got
        expected_ids += [record_id] * len(got)
    values = [None if pd.isna(v) else int(v) for v in result.frame["v"]]
    assert values == expected, result.sql
    assert result.frame["id"].tolist() == expected_ids
    assert result.entity_rows == len(entity)


def test_duplicates_come_back_in_ingestion_order(store: tuple[FeatureStore, Clock]) -> None:
    features, clock = store
    name = _group(features)
    for value in (10, 20, 30):
        clock.advance(minutes=1)
        features.ingest(name, pd.DataFrame({"id": [1], "t": [T0], "v": [value]}))
    entity = pd.DataFrame({"id": [1, 2], "ts": [T0 + timedelta(hours=1)] * 2})
    latest = features.dataset(entity, [f"{name}:v"], event_time="ts")
    assert latest.frame["v"].tolist()[:1] == [30]
    every = features.dataset(entity, [f"{name}:v"], event_time="ts", include_duplicated=True)
    assert every.frame["id"].tolist() == [1, 1, 1, 2]
    assert every.frame["v"].tolist()[:3] == [10, 20, 30]
    assert every.include_duplicated and "QUALIFY" not in every.sql


def test_a_range_hides_records_outside_it(store: tuple[FeatureStore, Clock]) -> None:
    features, clock = store
    name = _group(features)
    clock.advance(minutes=1)
    features.ingest(
        name,
        pd.DataFrame(
            {"id": [1, 1, 1], "t": [T0 + timedelta(hours=h) for h in (0, 2, 4)], "v": [0, 2, 4]}
        ),
    )
    entity = pd.DataFrame({"id": [1, 1, 1], "ts": [T0 + timedelta(hours=h) for h in (1, 3, 5)]})
    result = features.dataset(
        entity,
        [f"{name}:v"],
        event_time="ts",
        event_time_range=(T0 + timedelta(hours=1), T0 + timedelta(hours=3)),
    )
    assert [None if pd.isna(v) else int(v) for v in result.frame["v"]] == [None, 2, 2]
    open_end = features.dataset(
        entity, [f"{name}:v"], event_time="ts", event_time_range=(T0 + timedelta(hours=3), None)
    )
    assert [None if pd.isna(v) else int(v) for v in open_end.frame["v"]] == [None, None, 4]


@pytest.mark.parametrize(
    ("time_range", "message"),
    [
        ((T0 + timedelta(hours=2), T0), "starts"),
        ((T0,), "two datetimes"),
        (("2024-01-01", None), "datetimes or None"),
    ],
)
def test_bad_ranges_are_refused(
    store: tuple[FeatureStore, Clock], time_range: object, message: str
) -> None:
    features, _ = store
    name = _group(features)
    entity = pd.DataFrame({"id": [1], "ts": [T0]})
    with pytest.raises(InvalidArgumentError, match=message):
        features.dataset(
            entity,
            [f"{name}:v"],
            event_time="ts",
            event_time_range=time_range,  # type: ignore[arg-type]
        )
