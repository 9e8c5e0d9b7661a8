"""Feature groups on a real SQLite catalog and a local artifact folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.features.entities import FeatureGroup, FeatureGroupSpec
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
