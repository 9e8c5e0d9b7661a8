"""Feature groups on a real SQLite catalog and a local artifact folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.features.entities import FeatureGroup, FeatureGroupSpec
from jupyter_mlstudio.features.online import SqlOnlineStore
from jupyter_mlstudio.features.service import FeatureStore
from jupyter_mlstudio.features.store import SqlFeatureGroupStore
from jupyter_mlstudio.store.db import Database


def customers_spec(**overrides: Any) -> FeatureGroupSpec:
    kwargs: dict[str, Any] = {
        "name": "customers",
        "record_identifier": "customer_id",
        "event_time_feature": "ts",
        "features": [
            {"name": "customer_id", "type": "integral"},
            {"name": "ts", "type": "timestamp"},
            {"name": "age", "type": "integral"},
            {"name": "score", "type": "fractional"},
            {"name": "city", "type": "string"},
            {"name": "vip", "type": "boolean"},
            {"name": "signup", "type": "timestamp"},
        ],
    }
    kwargs.update(overrides)
    return FeatureGroupSpec.build(**kwargs)


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[SqlFeatureGroupStore]:
    db = Database(f"sqlite:///{tmp_path / 'mlstudio.db'}")
    yield SqlFeatureGroupStore(db)
    db.dispose()


@pytest.fixture
def customers(catalog: SqlFeatureGroupStore) -> FeatureGroup:
    return catalog.create(customers_spec())


class Clock:
    """A settable clock for ingestion times (as_of tests)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 1, 1, tzinfo=timezone.utc))


@pytest.fixture
def features(catalog: SqlFeatureGroupStore, tmp_path: Path, clock: Clock) -> Iterator[FeatureStore]:
    online = SqlOnlineStore.open(f"sqlite:///{tmp_path / 'online.db'}")
    store = FeatureStore(
        catalog, online, artifact_uri=(tmp_path / "artifacts").as_uri(), clock=clock
    )
    yield store
    store.close()
