"""``FeatureGroupHandle``: what ``mls.features.create_group`` and ``get_group`` return.

A handle names one version of a group (``customers@2``) and calls the Feature Store
service for everything; it holds no state besides that version's definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .entities import FeatureDefinition, FeatureGroup, Ingestion

if TYPE_CHECKING:
    import pandas as pd

    from .service import FeatureStore, GroupSummary, IngestResult


class FeatureGroupHandle:
    """One version of a feature group: ``fg.ingest(df)``, ``fg.get_record(id)``,
    ``fg.to_df(as_of=...)``. Only the newest version takes new records."""

    def __init__(self, service: FeatureStore, group: FeatureGroup) -> None:
        self._service = service
        self.group = group

    # -- the definition ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.group.name

    @property
    def version(self) -> int:
        return self.group.version

    @property
    def ref(self) -> str:
        """``name@version``, as datasets name it (``f"{fg.ref}:age"``)."""
        return self.group.ref

    @property
    def record_identifier(self) -> str:
        return self.group.record_identifier

    @property
    def event_time_feature(self) -> str:
        return self.group.event_time_feature

    @property
    def features(self) -> tuple[FeatureDefinition, ...]:
        return self.group.features

    @property
    def feature_names(self) -> list[str]:
        return self.group.feature_names

    @property
    def description(self) -> str:
        return self.group.description

    @property
    def tags(self) -> Mapping[str, str]:
        return self.group.tags

    @property
    def ttl_seconds(self) -> int | None:
        return self.group.ttl_seconds

    @property
    def online_enabled(self) -> bool:
        return self.group.online_enabled

    @property
    def offline_enabled(self) -> bool:
        return self.group.offline_enabled

    @property
    def is_latest(self) -> bool:
        """Whether this was the newest version when the handle was last refreshed."""
        return self.group.is_latest

    def refresh(self) -> FeatureGroupHandle:
        """Read this version's definition again (descriptions, tags, newest version)."""
        self.group = self._service.get_group(self.ref)
        return self

    def update(
        self,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
    ) -> FeatureGroupHandle:
        """Edit descriptions and tags in place (``None`` keeps)."""
        self.group = self._service.update_group(
            self.ref,
            description=description,
            tags=tags,
            feature_descriptions=feature_descriptions,
        )
        return self

    def versions(self) -> list[FeatureGroupHandle]:
        """Every version of this group, newest first."""
        return [
            FeatureGroupHandle(self._service, g) for g in self._service.list_versions(self.name)
        ]

    def delete(self) -> None:
        """Delete this version with its offline history and online records."""
        self._service.delete_group(self.ref)

    # -- writing -----------------------------------------------------------------------
    def ingest(
        self, data: pd.DataFrame | str | Path, *, batch_size: int | None = None
    ) -> IngestResult:
        """Write a DataFrame (or a data file) offline and online; a bad frame writes
        nothing (see ``FeatureStore.ingest``)."""
        if isinstance(data, str | Path):
            return self._service.ingest_file(self.ref, data, batch_size=batch_size)
        return self._service.ingest(self.ref, data, batch_size=batch_size)

    def ingest_job(
        self, path: str | Path, *, batch_size: int | None = None, wait: bool = False
    ) -> Any:
        """Ingest a big data file in a processing job (a real process; on the Dask
        executor when configured): progress per batch in its log, the ingestion recorded
        with ``job:<id>`` as its source. Returns the job handle; ``wait=True`` waits."""
        from ..jobs.handle import JobHandle
        from ..studio import default_studio
        from .jobs import submit_ingest

        studio = default_studio()
        handle = JobHandle(studio, submit_ingest(studio, self.ref, path, batch_size=batch_size))
        if wait:
            handle.wait()
        return handle

    def put_record(self, record: Mapping[str, Any]) -> IngestResult:
        return self._service.put_record(self.ref, record)

    def delete_record(
        self, record_id: object, *, event_time: datetime | None = None
    ) -> IngestResult:
        """Delete a record as of ``event_time`` (default now); offline keeps a tombstone."""
        return self._service.delete_record(self.ref, record_id, event_time=event_time)

    # -- reading -----------------------------------------------------------------------
    def get_record(self, record_id: object) -> dict[str, Any] | None:
        """The latest live record of an id in the online store, or ``None``."""
        return self._service.get_record(self.ref, record_id)

    def get_records(self, record_ids: Sequence[object]) -> list[dict[str, Any] | None]:
        return self._service.get_records(self.ref, record_ids)

    def to_df(
        self,
        *,
        as_of: datetime | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """The offline history as ingested up to ``as_of`` (everything by default)."""
        return self._service.to_df(
            self.ref, as_of=as_of, include_deleted=include_deleted, limit=limit
        )

    def summary(self) -> GroupSummary:
        """Record counts, freshness and per-feature statistics."""
        return self._service.group_summary(self.ref)

    def ingestions(self, max_items: int = 100) -> list[Ingestion]:
        """The newest ingestions, newest first."""
        return self._service.ingestions(self.ref, max_items=max_items).items

    def __repr__(self) -> str:
        features = ", ".join(f"{f.name}:{f.type}" for f in self.features)
        return f"<FeatureGroup {self.ref} id={self.record_identifier} [{features}]>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FeatureGroupHandle) and other.group.id == self.group.id

    def __hash__(self) -> int:
        return hash(self.group.id)
