"""The endpoints table: one row per endpoint, its desired config, the versions it serves
and where its process is. Status changes are compare-and-set (``expect=``), so two
processes (the Jupyter server and a notebook kernel) never drive the same endpoint at
once."""

from __future__ import annotations

import abc
import builtins
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExistsError, ConflictError
from ..experiments.entities import Page
from ..store.db import Database
from ..store.lookup import changes_since, row_by_name
from ..store.orm import utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, PageWindow
from .entities import DeployedVariant, Endpoint, EndpointStatus
from .orm import EndpointRow

_FIELDS = frozenset(
    {
        "config",
        "variants",
        "token",
        "url",
        "port",
        "pid",
        "owner_pid",
        "generation",
        "failure_reason",
        "host",
    }
)


class EndpointStore(abc.ABC):
    """What every endpoint backend provides.

    Thread- and process-safe: status changes are compare-and-set (``expect=``). Returned
    endpoints are immutable snapshots.

    Raises (subclasses of ``jupyter_mlstudio.errors.MLStudioError`` unless said):
      ``InvalidArgumentError`` for a bad pagination argument;
      ``ValueError`` for an unknown status filter in ``list_endpoints``;
      ``TypeError`` for unknown fields given to ``set`` (a programming error);
      ``NotFoundError`` for an unknown endpoint name (``delete`` of one is a no-op);
      ``AlreadyExistsError`` when ``create`` would duplicate a name;
      ``ConflictError`` when ``set`` finds a status outside ``expect``;
      ``StoreUnavailableError`` when the database cannot be reached.
    """

    @abc.abstractmethod
    def create(
        self,
        name: str,
        *,
        config: dict[str, Any],
        token: str | None,
        host: str,
        owner_pid: int,
    ) -> Endpoint:
        """A new endpoint in status Creating."""

    @abc.abstractmethod
    def get(self, name: str) -> Endpoint: ...

    @abc.abstractmethod
    def list_endpoints(
        self,
        *,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[Endpoint]:
        """Most recently updated first; follow ``next_token`` for the next page."""

    @abc.abstractmethod
    def all(self) -> list[Endpoint]: ...

    @abc.abstractmethod
    def set(
        self,
        name: str,
        *,
        status: EndpointStatus | None = None,
        expect: Iterable[EndpointStatus] | None = None,
        **fields: Any,
    ) -> Endpoint:
        """Change the status and/or fields; with ``expect``, only if the status is one of
        those (else :class:`ConflictError` saying what it is)."""

    @abc.abstractmethod
    def delete(self, name: str) -> None: ...

    @abc.abstractmethod
    def versions_in_use(self, model: str) -> builtins.set[int]:
        """Version numbers of ``model`` that some endpoint serves or is about to."""

    @abc.abstractmethod
    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(name, updated, created) of the endpoints changed since ``since``."""


class SqlEndpointStore(EndpointStore):
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        name: str,
        *,
        config: dict[str, Any],
        token: str | None,
        host: str,
        owner_pid: int,
    ) -> Endpoint:
        now = utcnow()
        row = EndpointRow(
            id=uuid.uuid4().hex,
            name=name,
            status=EndpointStatus.CREATING.value,
            config_json=json.dumps(config),
            variants_json="[]",
            token=token,
            host=host,
            owner_pid=owner_pid,
            generation=1,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._db.session(write=True) as session:
                session.add(row)
                session.flush()
                return row.to_entity()
        except IntegrityError:
            raise AlreadyExistsError(f"An endpoint named {name!r} already exists.") from None

    def get(self, name: str) -> Endpoint:
        with self._db.session() as session:
            return row_by_name(session, EndpointRow, name, "endpoint").to_entity()

    def list_endpoints(
        self,
        *,
        status: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[Endpoint]:
        window = PageWindow.of(max_items, next_token)
        stmt = select(EndpointRow)
        if status:
            stmt = stmt.where(EndpointRow.status == EndpointStatus(status).value)
        stmt = stmt.order_by(EndpointRow.updated_at.desc(), EndpointRow.id)
        with self._db.session() as session:
            return window.fetch(session, stmt, EndpointRow.to_entity)

    def all(self) -> list[Endpoint]:
        with self._db.session() as session:
            return [row.to_entity() for row in session.scalars(select(EndpointRow)).all()]

    def set(
        self,
        name: str,
        *,
        status: EndpointStatus | None = None,
        expect: Iterable[EndpointStatus] | None = None,
        **fields: Any,
    ) -> Endpoint:
        """Change the status and/or fields; with ``expect``, only if the status is one of
        those (else :class:`ConflictError` saying what it is)."""
        unknown = set(fields) - _FIELDS
        if unknown:
            raise TypeError(f"Unknown endpoint fields: {sorted(unknown)}")
        values: dict[str, Any] = {"updated_at": utcnow()}
        for key, value in fields.items():
            if key == "config":
                values["config_json"] = json.dumps(value)
            elif key == "variants":
                values["variants_json"] = json.dumps(
                    [v.to_dict() if isinstance(v, DeployedVariant) else v for v in value]
                )
            else:
                values[key] = value
        if status is not None:
            values["status"] = status.value
        with self._db.session(write=True) as session:
            stmt = update(EndpointRow).where(EndpointRow.name == name)
            if expect is not None:
                stmt = stmt.where(EndpointRow.status.in_([s.value for s in expect]))
            result: CursorResult[Any] = session.execute(stmt.values(**values))  # type: ignore[assignment]
            changed = result.rowcount
            row = row_by_name(session, EndpointRow, name, "endpoint")
            if not changed:
                raise ConflictError(f"Endpoint {name!r} is {row.status}; try again once it is not.")
            session.refresh(row)
            return row.to_entity()

    def delete(self, name: str) -> None:
        with self._db.session(write=True) as session:
            row = session.scalar(select(EndpointRow).where(EndpointRow.name == name))
            if row is not None:
                session.delete(row)

    def versions_in_use(self, model: str) -> builtins.set[int]:
        """Version numbers of ``model`` that some endpoint serves or is about to."""
        used: set[int] = set()
        for endpoint in self.all():
            for variant in endpoint.variants:
                if variant.model == model:
                    used.add(variant.version)
            for variant in endpoint.config.get("variants", []):
                if variant.get("model") == model and variant.get("version"):
                    used.add(int(variant["version"]))
        return used

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(name, updated, created) of the endpoints changed since ``since``."""
        with self._db.session() as session:
            return changes_since(session, EndpointRow, since, key="name")
