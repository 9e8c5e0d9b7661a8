"""The registry store. Versions are immutable once created except for their
description, tags, approval and card; version numbers and alias moves are atomic."""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from ..experiments.entities import Page
from ..experiments.run_entities import tag_value, validate_key
from ..store.db import Database
from ..store.lookup import changes_since, row_by_name
from ..store.orm import utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, PageWindow
from .entities import (
    APPROVAL_STATUSES,
    CARD_FIELDS,
    PENDING_APPROVAL,
    ModelGroup,
    ModelVersion,
    validate_alias,
    validate_model_name,
)
from .orm import (
    ApprovalEventRow,
    ModelAliasRow,
    ModelGroupRow,
    ModelGroupTagRow,
    ModelVersionRow,
    ModelVersionTagRow,
)

# What a caller may try to change on a version, and may not: a new version is the way.
IMMUTABLE_FIELDS = frozenset(
    {
        "artifact_uri",
        "content_hash",
        "flavor",
        "signature",
        "input_example",
        "metrics",
        "params",
        "source_run_id",
        "source_job_id",
        "data_ref",
        "version",
    }
)
MAX_COMMENT = 4000


def _clean_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {validate_key(k, "Tag"): tag_value(k, v) for k, v in (tags or {}).items()}


class RegistryStore(abc.ABC):
    """What every model-registry backend provides.

    Thread- and process-safe: version numbers and alias moves are atomic. Versions are
    immutable once created except for their description, tags, approval and card.
    Returned objects are immutable snapshots.

    Raises (all subclasses of ``jupyter_mlstudio.errors.MLStudioError``):
      ``InvalidArgumentError`` for a bad model name, alias, tag, approval status or comment,
      unknown version fields, both a version and an alias, or a bad pagination argument;
      ``NotFoundError`` for an unknown model, version or alias;
      ``AlreadyExistsError`` when ``create_group`` would duplicate a name;
      ``ConflictError`` when deleting a model with versions (without ``force``) or with
      versions in use, changing an immutable version field, or setting the approval
      status a version already has;
      ``StoreUnavailableError`` when the database cannot be reached.
    """

    @abc.abstractmethod
    def create_group(
        self, name: str, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> ModelGroup: ...

    @abc.abstractmethod
    def get_group(self, name: str) -> ModelGroup: ...

    @abc.abstractmethod
    def list_groups(
        self,
        search: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[ModelGroup]:
        """Follow ``next_token`` for the next page."""

    @abc.abstractmethod
    def update_group(
        self, name: str, *, description: str | None = None, tags: Mapping[str, Any] | None = None
    ) -> ModelGroup:
        """Change the given fields; ``tags`` replaces the whole tag set."""

    @abc.abstractmethod
    def delete_group(
        self, name: str, *, force: bool = False, in_use: frozenset[str] = frozenset()
    ) -> list[str]:
        """Delete a group; with versions only when ``force``; never when a version is in
        ``in_use`` (deployed). Returns the artifact URIs of the deleted versions."""

    @abc.abstractmethod
    def create_version(
        self,
        name: str,
        *,
        version_id: str,
        artifact_uri: str,
        content_hash: str,
        size_bytes: int,
        flavor: str,
        signature: Mapping[str, Any],
        input_example: Any,
        library_versions: Mapping[str, str],
        metrics: Mapping[str, float],
        params: Mapping[str, str],
        source_run_id: str | None = None,
        source_job_id: str | None = None,
        data_ref: Mapping[str, Any] | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        card: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Add the next version of ``name`` (the group is created when missing)."""

    @abc.abstractmethod
    def get_version(
        self, name: str, version: int | None = None, alias: str | None = None
    ) -> ModelVersion:
        """A version by number, by alias, or (neither) the newest."""

    @abc.abstractmethod
    def list_versions(self, name: str) -> list[ModelVersion]:
        """Newest first."""

    @abc.abstractmethod
    def update_version(self, name: str, version: int, **changes: Any) -> ModelVersion:
        """Change the description, tags or card; anything else is a ``ConflictError``."""

    @abc.abstractmethod
    def set_approval(
        self, name: str, version: int, status: str, comment: str, actor: str
    ) -> ModelVersion:
        """Change the approval status, recording who, when and why."""

    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: int) -> ModelVersion:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere), atomically."""

    @abc.abstractmethod
    def delete_alias(self, name: str, alias: str) -> None: ...

    @abc.abstractmethod
    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(name, updated, created) of the models changed since ``since``."""


class SqlRegistryStore(RegistryStore):
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- groups ------------------------------------------------------------------------
    def create_group(
        self, name: str, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> ModelGroup:
        validate_model_name(name)
        clean = _clean_tags(tags)
        try:
            with self._db.session(write=True) as session:
                row = self._new_group(session, name, description)
                for key, value in clean.items():
                    session.add(ModelGroupTagRow(group_id=row.id, key=key, value=value))
                session.flush()
                session.refresh(row)
                return self._group_entity(session, row)
        except IntegrityError:
            raise AlreadyExistsError(f"A model named {name!r} already exists.") from None

    @staticmethod
    def _new_group(session: Session, name: str, description: str) -> ModelGroupRow:
        now = utcnow()
        row = ModelGroupRow(
            id=uuid.uuid4().hex,
            name=name,
            description=description,
            latest_version=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row

    def get_group(self, name: str) -> ModelGroup:
        with self._db.session() as session:
            return self._group_entity(session, self._require_group(session, name))

    def list_groups(
        self,
        search: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[ModelGroup]:
        window = PageWindow.of(max_items, next_token)
        stmt = select(ModelGroupRow)
        if search:
            pattern = f"%{search.lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(ModelGroupRow.name).like(pattern),
                    func.lower(ModelGroupRow.description).like(pattern),
                )
            )
        stmt = stmt.order_by(ModelGroupRow.updated_at.desc(), ModelGroupRow.id)
        with self._db.session() as session:
            return window.fetch(session, stmt, lambda row: self._group_entity(session, row))

    def update_group(
        self, name: str, *, description: str | None = None, tags: Mapping[str, Any] | None = None
    ) -> ModelGroup:
        clean = _clean_tags(tags) if tags is not None else None
        with self._db.session(write=True) as session:
            row = self._require_group(session, name)
            if description is not None:
                row.description = description
            if clean is not None:
                session.execute(delete(ModelGroupTagRow).where(ModelGroupTagRow.group_id == row.id))
                for key, value in clean.items():
                    session.add(ModelGroupTagRow(group_id=row.id, key=key, value=value))
            row.updated_at = utcnow()
            session.flush()
            session.expire(row)
            return self._group_entity(session, row)

    def delete_group(
        self, name: str, *, force: bool = False, in_use: frozenset[str] = frozenset()
    ) -> list[str]:
        """Delete a group; with versions only when ``force``; never when a version is in
        ``in_use`` (deployed). Returns the artifact URIs of the deleted versions."""
        with self._db.session(write=True) as session:
            row = self._require_group(session, name)
            versions = session.scalars(
                select(ModelVersionRow).where(ModelVersionRow.group_id == row.id)
            ).all()
            used = sorted(v.version for v in versions if v.id in in_use)
            if used:
                raise ConflictError(
                    f"Model {name!r} has versions in use by endpoints "
                    f"({', '.join(map(str, used))}); delete those endpoints first."
                )
            if versions and not force:
                raise ConflictError(
                    f"Model {name!r} has {len(versions)} version(s); delete with force=True "
                    "to delete them too."
                )
            uris = [v.artifact_uri for v in versions]
            session.delete(row)
            return uris

    # -- versions ----------------------------------------------------------------------
    def create_version(
        self,
        name: str,
        *,
        version_id: str,
        artifact_uri: str,
        content_hash: str,
        size_bytes: int,
        flavor: str,
        signature: Mapping[str, Any],
        input_example: Any,
        library_versions: Mapping[str, str],
        metrics: Mapping[str, float],
        params: Mapping[str, str],
        source_run_id: str | None = None,
        source_job_id: str | None = None,
        data_ref: Mapping[str, Any] | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        card: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Add the next version of ``name`` (the group is created when missing)."""
        validate_model_name(name)
        clean = _clean_tags(tags)
        for attempt in range(2):  # a group created by someone else meanwhile: retry once
            try:
                with self._db.session(write=True) as session:
                    group = session.scalar(select(ModelGroupRow).where(ModelGroupRow.name == name))
                    if group is None:
                        group = self._new_group(session, name, "")
                    # the row lock taken by this UPDATE serializes concurrent registrations
                    number = session.execute(
                        update(ModelGroupRow)
                        .where(ModelGroupRow.id == group.id)
                        .values(
                            latest_version=ModelGroupRow.latest_version + 1, updated_at=utcnow()
                        )
                        .returning(ModelGroupRow.latest_version)
                    ).scalar_one()
                    now = utcnow()
                    row = ModelVersionRow(
                        id=version_id,
                        group_id=group.id,
                        version=number,
                        created_at=now,
                        updated_at=now,
                        artifact_uri=artifact_uri,
                        content_hash=content_hash,
                        size_bytes=size_bytes,
                        flavor=flavor,
                        signature=json.dumps(dict(signature)),
                        input_example=json.dumps(input_example),
                        library_versions=json.dumps(dict(library_versions)),
                        metrics=json.dumps(dict(metrics)),
                        params=json.dumps(dict(params)),
                        data_ref=json.dumps(dict(data_ref)) if data_ref else None,
                        source_run_id=source_run_id,
                        source_job_id=source_job_id,
                        description=description,
                        approval_status=PENDING_APPROVAL,
                        card=json.dumps({k: str((card or {}).get(k, "")) for k in CARD_FIELDS}),
                    )
                    session.add(row)
                    session.flush()
                    for key, value in clean.items():
                        session.add(ModelVersionTagRow(version_id=row.id, key=key, value=value))
                    session.flush()
                    session.refresh(row)
                    return row.to_entity(name, ())
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get_version(
        self, name: str, version: int | None = None, alias: str | None = None
    ) -> ModelVersion:
        """A version by number, by alias, or (neither) the newest."""
        with self._db.session() as session:
            if alias is not None and alias != "latest" and version is None:
                # the hot path of serving: one query from name and alias to the version
                row = session.scalar(
                    select(ModelVersionRow)
                    .join(ModelAliasRow, ModelAliasRow.version_id == ModelVersionRow.id)
                    .join(ModelGroupRow, ModelGroupRow.id == ModelVersionRow.group_id)
                    .where(ModelGroupRow.name == name, ModelAliasRow.alias == alias)
                )
                if row is not None:
                    return row.to_entity(name, self._aliases_of(session, row.id))
            group = self._require_group(session, name)
            return self._version_entity(
                session, group, self._resolve(session, group, version, alias)
            )

    def list_versions(self, name: str) -> list[ModelVersion]:
        """Newest first."""
        with self._db.session() as session:
            group = self._require_group(session, name)
            rows = session.scalars(
                select(ModelVersionRow)
                .where(ModelVersionRow.group_id == group.id)
                .order_by(ModelVersionRow.version.desc())
            ).all()
            return [self._version_entity(session, group, row) for row in rows]

    def update_version(self, name: str, version: int, **changes: Any) -> ModelVersion:
        """Change the description, tags or card. Anything else is refused: versions are
        immutable (``ConflictError``)."""
        frozen = sorted(set(changes) & IMMUTABLE_FIELDS)
        if frozen:
            raise ConflictError(
                f"Model versions are immutable: {', '.join(frozen)} cannot change. "
                "Register a new version instead."
            )
        unknown = sorted(set(changes) - {"description", "tags", "card"})
        if unknown:
            raise InvalidArgumentError(f"Unknown version fields: {', '.join(unknown)}.")
        card = changes.get("card")
        if card is not None:
            bad = sorted(set(card) - set(CARD_FIELDS))
            if bad:
                raise InvalidArgumentError(
                    f"Unknown model card fields: {', '.join(bad)}; use {', '.join(CARD_FIELDS)}."
                )
        tags = _clean_tags(changes["tags"]) if changes.get("tags") is not None else None
        with self._db.session(write=True) as session:
            group = self._require_group(session, name)
            row = self._resolve(session, group, version, None)
            if changes.get("description") is not None:
                row.description = str(changes["description"])
            if card is not None:
                merged = json.loads(row.card)
                merged.update({k: str(v) for k, v in card.items()})
                row.card = json.dumps(merged)
            if tags is not None:
                session.execute(
                    delete(ModelVersionTagRow).where(ModelVersionTagRow.version_id == row.id)
                )
                for key, value in tags.items():
                    session.add(ModelVersionTagRow(version_id=row.id, key=key, value=value))
            row.updated_at = group.updated_at = utcnow()
            session.flush()
            session.expire(row)
            return self._version_entity(session, group, row)

    def set_approval(
        self, name: str, version: int, status: str, comment: str, actor: str
    ) -> ModelVersion:
        if status not in APPROVAL_STATUSES:
            raise InvalidArgumentError(
                f"Approval status must be one of {', '.join(APPROVAL_STATUSES)}."
            )
        if not isinstance(comment, str) or not comment.strip():
            raise InvalidArgumentError("A comment is required to change the approval status.")
        if len(comment) > MAX_COMMENT:
            raise InvalidArgumentError(f"The comment is longer than {MAX_COMMENT} characters.")
        with self._db.session(write=True) as session:
            group = self._require_group(session, name)
            row = self._resolve(session, group, version, None)
            if row.approval_status == status:
                raise ConflictError(f"{name} version {version} is already {status}.")
            now = utcnow()
            session.add(
                ApprovalEventRow(
                    version_id=row.id,
                    at=now,
                    actor=actor,
                    from_status=row.approval_status,
                    to_status=status,
                    comment=comment.strip(),
                )
            )
            row.approval_status = status
            row.updated_at = group.updated_at = now
            session.flush()
            session.expire(row)
            return self._version_entity(session, group, row)

    # -- aliases -----------------------------------------------------------------------
    def set_alias(self, name: str, alias: str, version: int) -> ModelVersion:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere), atomically."""
        validate_alias(alias)
        with self._db.session(write=True) as session:
            group = self._require_group(session, name)
            row = self._resolve(session, group, version, None)
            existing = session.get(ModelAliasRow, (group.id, alias))
            if existing is None:
                session.add(ModelAliasRow(group_id=group.id, alias=alias, version_id=row.id))
            else:
                existing.version_id = row.id
            group.updated_at = utcnow()
            session.flush()
            return self._version_entity(session, group, row)

    def delete_alias(self, name: str, alias: str) -> None:
        with self._db.session(write=True) as session:
            group = self._require_group(session, name)
            existing = session.get(ModelAliasRow, (group.id, alias))
            if existing is None:
                raise NotFoundError(f"Model {name!r} has no alias {alias!r}.")
            session.delete(existing)
            group.updated_at = utcnow()

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(name, updated, created) of the models changed since ``since``."""
        with self._db.session() as session:
            return changes_since(session, ModelGroupRow, since, key="name")

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _require_group(session: Session, name: str) -> ModelGroupRow:
        return row_by_name(session, ModelGroupRow, name, "model")

    @staticmethod
    def _resolve(
        session: Session, group: ModelGroupRow, version: int | None, alias: str | None
    ) -> ModelVersionRow:
        if version is not None and alias is not None:
            raise InvalidArgumentError("Give a version or an alias, not both.")
        stmt = select(ModelVersionRow).where(ModelVersionRow.group_id == group.id)
        if alias is not None and alias != "latest":
            target = session.get(ModelAliasRow, (group.id, alias))
            if target is None:
                raise NotFoundError(f"Model {group.name!r} has no alias {alias!r}.")
            stmt = stmt.where(ModelVersionRow.id == target.version_id)
        elif version is not None:
            if isinstance(version, bool) or not isinstance(version, int):
                raise InvalidArgumentError("version must be a whole number.")
            stmt = stmt.where(ModelVersionRow.version == version)
        else:
            stmt = stmt.order_by(ModelVersionRow.version.desc()).limit(1)
        row = session.scalar(stmt)
        if row is None:
            what = f"version {version}" if version is not None else "versions"
            raise NotFoundError(f"Model {group.name!r} has no {what}.")
        return row

    @staticmethod
    def _group_entity(session: Session, row: ModelGroupRow) -> ModelGroup:
        ids = [a.version_id for a in row.aliases]
        numbers: dict[str, int] = {}
        if ids:
            rows = session.execute(
                select(ModelVersionRow.id, ModelVersionRow.version).where(
                    ModelVersionRow.id.in_(ids)
                )
            ).all()
            numbers = {str(v_id): int(number) for v_id, number in rows}
        return row.to_entity(numbers)

    @staticmethod
    def _aliases_of(session: Session, version_id: str) -> tuple[str, ...]:
        return tuple(
            session.scalars(
                select(ModelAliasRow.alias)
                .where(ModelAliasRow.version_id == version_id)
                .order_by(ModelAliasRow.alias)
            ).all()
        )

    @classmethod
    def _version_entity(
        cls, session: Session, group: ModelGroupRow, row: ModelVersionRow
    ) -> ModelVersion:
        return row.to_entity(group.name, cls._aliases_of(session, row.id))
