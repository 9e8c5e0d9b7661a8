"""The catalog's ``changed_since``: what the server's change watcher announces as
``feature-groups`` events (edits and ingestions, named ``name@version``)."""

from __future__ import annotations

from datetime import timedelta

from jupyter_mlstudio.features.entities import FeatureGroup
from jupyter_mlstudio.features.store import SqlFeatureGroupStore

from .conftest import customers_spec


def test_edits_and_ingestions_are_changes_by_ref(
    catalog: SqlFeatureGroupStore, customers: FeatureGroup
) -> None:
    other = catalog.create(customers_spec(name="orders"))
    created = catalog.changed_since(customers.created_at - timedelta(seconds=1))
    assert sorted(ref for ref, _, _ in created) == ["customers@1", "orders@1"]

    after = other.updated_at + timedelta(microseconds=1)
    assert catalog.changed_since(after) == []

    # An ingestion (SDK, job) changes no catalog row, but is a change of its group.
    at = after + timedelta(seconds=2)
    catalog.record_ingestion(customers.id, rows=3, ingested_at=at)
    assert catalog.changed_since(after) == [("customers@1", at, customers.created_at)]

    updated = catalog.update_metadata(other.id, description="Orders per customer")
    changed = {ref: when for ref, when, _ in catalog.changed_since(after)}
    assert changed == {"customers@1": at, "orders@1": updated.updated_at}
