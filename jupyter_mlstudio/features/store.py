"""The feature catalog: feature group versions and their ingestion history.

A group name has versions 1, 2, …; each version is an immutable definition (see
``entities.py``) and only its descriptions and tags change in place. Creating a version
is one transaction that reads the newest version and inserts the next, so two writers
racing on one name get one version each or an ``AlreadyExistsError`` (the unique
constraint on name and version decides), never two rows with one number.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from ..store.db import Database
from ..store.lookup import row_by_id
from ..store.orm import as_utc, utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, Page, PageWindow
from .entities import (
    FeatureDefinition,
    FeatureGroup,
    FeatureGroupSpec,
    Ingestion,
    check_description,
    check_tags,
)
from .lineage import FeatureDataset, feature_lineage
from .orm import (
    FeatureDatasetGroupRow,
    FeatureDatasetRow,
    FeatureGroupRow,
    FeatureIngestionRow,
)

MAX_SEARCH = 200


class FeatureGroupStore(abc.ABC):
    """What every catalog backend provides.

    Thread- and process-safe; returned groups are immutable snapshots.

    Raises (all ``MLStudioError``): ``AlreadyExistsError`` when ``create`` is given a
    name that exists without ``new_version``; ``ConflictError`` when a new version would
    repeat the newest definition; ``NotFoundError`` for an unknown id, name or version;
    ``InvalidArgumentError`` for bad descriptions, tags or pagination arguments;
    ``StoreUnavailableError`` when the database cannot be reached.
    """

    @abc.abstractmethod
    def create(self, spec: FeatureGroupSpec, *, new_version: bool = False) -> FeatureGroup:
        """Version 1 of a new name; with ``new_version`` the next version of an existing
        name (or version 1 if it is new)."""

    @abc.abstractmethod
    def get(self, group_id: str) -> FeatureGroup: ...

    @abc.abstractmethod
    def get_version(self, name: str, version: int | None = None) -> FeatureGroup:
        """A version of a group by name; ``None`` is the newest."""

    @abc.abstractmethod
    def list_versions(self, name: str) -> list[FeatureGroup]:
        """Every version of a name, newest first (``NotFoundError`` when there is none)."""

    @abc.abstractmethod
    def list_groups(
        self,
        *,
        search: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[FeatureGroup]:
        """The newest version of each group, by name. ``search`` matches, case-
        insensitively, part of the name, description, a tag key or value, or a feature's
        name or description."""

    @abc.abstractmethod
    def update_metadata(
        self,
        group_id: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
    ) -> FeatureGroup:
        """Change what may change in place: descriptions and tags (``None`` keeps)."""

    @abc.abstractmethod
    def delete(self, group_id: str) -> FeatureGroup:
        """Remove a version from the catalog (its ingestion history goes with it)."""

    @abc.abstractmethod
    def record_ingestion(
        self,
        group_id: str,
        *,
        rows: int,
        deleted_rows: int = 0,
        source: str = "",
        ingested_at: datetime,
        offline_files: Sequence[str] = (),
    ) -> Ingestion: ...

    @abc.abstractmethod
    def list_ingestions(
        self,
        group_id: str,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[Ingestion]:
        """Newest first."""

    @abc.abstractmethod
    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(``name@version``, changed, created) of the versions whose definition,
        descriptions or tags changed, or that were ingested into, at or after ``since``
        (the server's change watcher announces them; deletions are announced by whoever
        deletes)."""

    @abc.abstractmethod
    def record_dataset(
        self,
        *,
        fingerprint: str,
        groups: Sequence[str],
        features: Sequence[str],
        entity_source: str,
        entity_rows: int,
        as_of: datetime | None,
        output_uri: str | None,
        output_hash: str | None,
        run_id: str | None,
    ) -> FeatureDataset:
        """Record a built training set; the same fingerprint, output and hash (and run)
        recorded again returns the existing record."""

    @abc.abstractmethod
    def list_datasets(
        self,
        *,
        group: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[FeatureDataset]:
        """Newest first; ``group`` (``name@version``) keeps those that joined it."""

    @abc.abstractmethod
    def lineage(self, group: FeatureGroup) -> dict[str, Any]:
        """Who feeds ``group`` and who uses it (``lineage.feature_lineage``)."""


class SqlFeatureGroupStore(FeatureGroupStore):
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, spec: FeatureGroupSpec, *, new_version: bool = False) -> FeatureGroup:
        now = utcnow()
        try:
            with self._db.session(write=True) as session:
                newest = session.scalar(_versions_of(spec.name).limit(1))
                if newest is not None and not new_version:
                    raise AlreadyExistsError(
                        f"A feature group named {spec.name!r} already exists (newest version "
                        f"{newest.version}); create a new version to change its definition."
                    )
                if newest is not None and newest.fingerprint == spec.fingerprint():
                    raise ConflictError(
                        f"{spec.name}@{newest.version} already has this definition; a new "
                        "version needs a changed schema, TTL or storage (descriptions and "
                        "tags are edited in place)."
                    )
                version = newest.version + 1 if newest is not None else 1
                row = FeatureGroupRow(
                    id=uuid.uuid4().hex,
                    name=spec.name,
                    version=version,
                    description=spec.description,
                    tags=json.dumps(dict(spec.tags)),
                    record_identifier=spec.record_identifier,
                    event_time_feature=spec.event_time_feature,
                    features=_features_json(spec.features),
                    ttl_seconds=spec.ttl_seconds,
                    offline_enabled=spec.offline_enabled,
                    online_enabled=spec.online_enabled,
                    fingerprint=spec.fingerprint(),
                    search_text="",
                    created_at=now,
                    updated_at=now,
                )
                row.search_text = _search_text(row, spec.features, spec.tags)
                session.add(row)
                session.flush()
                return row.to_entity(version)
        except IntegrityError:
            raise AlreadyExistsError(
                f"Another version of feature group {spec.name!r} was created at the same "
                "time; try again."
            ) from None

    def get(self, group_id: str) -> FeatureGroup:
        with self._db.session() as session:
            row = self._require(session, group_id)
            return row.to_entity(self._latest(session, row.name))

    def get_version(self, name: str, version: int | None = None) -> FeatureGroup:
        with self._db.session() as session:
            latest = self._latest(session, name)
            if latest == 0:
                raise NotFoundError(f"No feature group named {name!r}.")
            row = session.scalar(
                select(FeatureGroupRow).where(
                    FeatureGroupRow.name == name,
                    FeatureGroupRow.version == (latest if version is None else version),
                )
            )
            if row is None:
                raise NotFoundError(
                    f"Feature group {name!r} has no version {version} (newest: {latest})."
                )
            return row.to_entity(latest)

    def list_versions(self, name: str) -> list[FeatureGroup]:
        with self._db.session() as session:
            rows = session.scalars(_versions_of(name)).all()
            if not rows:
                raise NotFoundError(f"No feature group named {name!r}.")
            return [row.to_entity(rows[0].version) for row in rows]

    def list_groups(
        self,
        *,
        search: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[FeatureGroup]:
        window = PageWindow.of(max_items, next_token)
        newest = (
            select(
                FeatureGroupRow.name.label("name"),
                func.max(FeatureGroupRow.version).label("version"),
            )
            .group_by(FeatureGroupRow.name)
            .subquery()
        )
        stmt = select(FeatureGroupRow).join(
            newest,
            (FeatureGroupRow.name == newest.c.name) & (FeatureGroupRow.version == newest.c.version),
        )
        if search:
            if not isinstance(search, str) or len(search) > MAX_SEARCH:
                raise InvalidArgumentError(f"search is text of at most {MAX_SEARCH} characters.")
            pattern = "%" + _escape_like(search.lower()) + "%"
            stmt = stmt.where(FeatureGroupRow.search_text.like(pattern, escape="\\"))
        stmt = stmt.order_by(FeatureGroupRow.name)
        with self._db.session() as session:
            return window.fetch(session, stmt, lambda row: row.to_entity(row.version))

    def update_metadata(
        self,
        group_id: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
    ) -> FeatureGroup:
        with self._db.session(write=True) as session:
            row = self._require(session, group_id)
            group = row.to_entity()
            features = group.features
            if feature_descriptions:
                features = group.with_descriptions(feature_descriptions)
                row.features = _features_json(features)
            if description is not None:
                row.description = check_description(description)
            new_tags = check_tags(tags) if tags is not None else dict(group.tags)
            row.tags = json.dumps(new_tags)
            row.search_text = _search_text(row, features, new_tags)
            row.updated_at = utcnow()
            session.flush()
            return row.to_entity(self._latest(session, row.name))

    def delete(self, group_id: str) -> FeatureGroup:
        with self._db.session(write=True) as session:
            row = self._require(session, group_id)
            group = row.to_entity(self._latest(session, row.name))
            session.execute(
                delete(FeatureIngestionRow).where(FeatureIngestionRow.group_id == group_id)
            )
            session.delete(row)
            return group

    def record_ingestion(
        self,
        group_id: str,
        *,
        rows: int,
        deleted_rows: int = 0,
        source: str = "",
        ingested_at: datetime,
        offline_files: Sequence[str] = (),
    ) -> Ingestion:
        with self._db.session(write=True) as session:
            self._require(session, group_id)
            row = FeatureIngestionRow(
                id=uuid.uuid4().hex,
                group_id=group_id,
                rows=rows,
                deleted_rows=deleted_rows,
                source=source[:4000],
                ingested_at=ingested_at,
                offline_files=json.dumps(list(offline_files)),
            )
            session.add(row)
            session.flush()
            return row.to_entity()

    def list_ingestions(
        self,
        group_id: str,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[Ingestion]:
        window = PageWindow.of(max_items, next_token)
        stmt = (
            select(FeatureIngestionRow)
            .where(FeatureIngestionRow.group_id == group_id)
            .order_by(FeatureIngestionRow.ingested_at.desc(), FeatureIngestionRow.id.desc())
        )
        with self._db.session() as session:
            self._require(session, group_id)
            return window.fetch(session, stmt, FeatureIngestionRow.to_entity)

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        g = FeatureGroupRow
        edited = select(g.name, g.version, g.updated_at, g.created_at).where(g.updated_at >= since)
        # An SDK or job ingestion changes no catalog row but the history: the group's
        # records, freshness and statistics changed.
        ingested = (
            select(g.name, g.version, func.max(FeatureIngestionRow.ingested_at), g.created_at)
            .join(FeatureIngestionRow, FeatureIngestionRow.group_id == g.id)
            .where(FeatureIngestionRow.ingested_at >= since)
            .group_by(g.id, g.name, g.version, g.created_at)
        )
        changes: dict[str, tuple[datetime, datetime]] = {}
        with self._db.session() as session:
            for stmt in (edited, ingested):
                for name, version, changed, created in session.execute(stmt):
                    ref = f"{name}@{version}"
                    changed = as_utc(changed)
                    if ref not in changes or changes[ref][0] < changed:
                        changes[ref] = (changed, as_utc(created))
        return [(ref, changed, created) for ref, (changed, created) in changes.items()]

    def record_dataset(
        self,
        *,
        fingerprint: str,
        groups: Sequence[str],
        features: Sequence[str],
        entity_source: str,
        entity_rows: int,
        as_of: datetime | None,
        output_uri: str | None,
        output_hash: str | None,
        run_id: str | None,
    ) -> FeatureDataset:
        d = FeatureDatasetRow
        same = select(d).where(
            d.fingerprint == fingerprint,
            d.output_uri.is_(None) if output_uri is None else d.output_uri == output_uri,
            d.output_hash.is_(None) if output_hash is None else d.output_hash == output_hash,
            d.run_id.is_(None) if run_id is None else d.run_id == run_id,
        )
        with self._db.session(write=True) as session:
            existing = session.scalars(same.limit(1)).first()
            if existing is not None:
                return existing.to_entity()
            row = FeatureDatasetRow(
                id=uuid.uuid4().hex,
                fingerprint=fingerprint,
                groups=json.dumps(list(groups)),
                features=json.dumps(list(features)),
                entity_source=entity_source[:4000],
                entity_rows=entity_rows,
                as_of=as_of,
                output_uri=output_uri,
                output_hash=output_hash,
                run_id=run_id,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()  # the parent row first: no relationship orders the inserts
            for ref in dict.fromkeys(groups):
                name, _, version = ref.rpartition("@")
                session.add(
                    FeatureDatasetGroupRow(
                        dataset_id=row.id, group_name=name, group_version=int(version)
                    )
                )
            session.flush()
            return row.to_entity()

    def list_datasets(
        self,
        *,
        group: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[FeatureDataset]:
        window = PageWindow.of(max_items, next_token)
        d = FeatureDatasetRow
        stmt = select(d).order_by(d.created_at.desc(), d.id.desc())
        if group is not None:
            name, _, version = group.rpartition("@")
            if not name or not version.isdigit():
                raise InvalidArgumentError(f"group is name@version, not {group!r}.")
            stmt = stmt.join(
                FeatureDatasetGroupRow, FeatureDatasetGroupRow.dataset_id == d.id
            ).where(
                FeatureDatasetGroupRow.group_name == name,
                FeatureDatasetGroupRow.group_version == int(version),
            )
        with self._db.session() as session:
            return window.fetch(session, stmt, FeatureDatasetRow.to_entity)

    def lineage(self, group: FeatureGroup) -> dict[str, Any]:
        return feature_lineage(self._db, group)

    @staticmethod
    def _latest(session: Session, name: str) -> int:
        latest = session.scalar(
            select(func.max(FeatureGroupRow.version)).where(FeatureGroupRow.name == name)
        )
        return int(latest or 0)

    @staticmethod
    def _require(session: Session, group_id: str) -> FeatureGroupRow:
        return row_by_id(session, FeatureGroupRow, group_id, "feature group")


def _versions_of(name: str) -> Select[FeatureGroupRow]:
    """The versions of a group name, newest first."""
    return (
        select(FeatureGroupRow)
        .where(FeatureGroupRow.name == name)
        .order_by(FeatureGroupRow.version.desc())
    )


def _features_json(features: Sequence[FeatureDefinition]) -> str:
    return json.dumps([f.to_dict() for f in features])


def _search_text(
    row: FeatureGroupRow, features: Sequence[FeatureDefinition], tags: Mapping[str, str]
) -> str:
    parts = [row.name, row.description]
    parts += [f"{k} {v}" for k, v in tags.items()]
    parts += [f"{f.name} {f.description}" for f in features]
    return "\n".join(parts).lower()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
