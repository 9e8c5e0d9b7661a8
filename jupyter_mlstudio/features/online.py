"""The online store: the latest record of each id, for lookups at inference time.

"Latest" is by *event time*, not by arrival: a late record whose event time is older
than the stored one never overwrites it (an equal event time does: the newer write
wins, as in the offline store where the later ingestion wins a tie). A delete is a
tombstone record with an event time, kept by the same rule, so an older record arriving
after a delete does not bring the id back.

The contract speaks only text and integers (the record id as text, the event time in
microseconds since the epoch, the features as one JSON object) so a key-value backend
fits it as well as SQL. Backends:

- :class:`SqlOnlineStore` on SQLite (default: ``online.db`` in the home folder, apart
  from the metadata database so lookups never queue behind catalog writes) or on the
  PostgreSQL store URL (the same database as the catalog, its own table).
- ``RedisOnlineStore`` (features/online_redis.py, the ``redis`` extra) for a
  ``redis://`` / ``rediss://`` / ``unix://`` URI: each record a hash under ``group:id``,
  the event-time rule applied in one Lua script.

The SQL table is data, not catalog metadata: it is created on first use (``CREATE
TABLE IF NOT EXISTS``) rather than by an Alembic revision.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import InvalidArgumentError
from ..store.db import Database

ONLINE_DB_FILE = "online.db"
MAX_BATCH_GET = 1000
REDIS_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True)
class OnlineRecord:
    record_id: str
    event_time_us: int  # microseconds since the epoch, UTC
    payload: str  # the features as one JSON object ("{}" for a tombstone)
    deleted: bool = False


def latest_per_id(records: Iterable[OnlineRecord]) -> list[OnlineRecord]:
    """One record per id, by the store's rule (latest event time; on a tie, the later
    one in ``records``): what a backend applies when one call holds an id twice."""
    kept: dict[str, OnlineRecord] = {}
    for record in records:
        held = kept.get(record.record_id)
        if held is None or record.event_time_us >= held.event_time_us:
            kept[record.record_id] = record
    return list(kept.values())


class OnlineStore(abc.ABC):
    """What every online backend provides, per feature group (by the group's id).

    Thread-safe. ``put`` is atomic: all of its records are applied or none.
    Raises ``StoreUnavailableError`` when the backend cannot be reached and
    ``InvalidArgumentError`` for a batch get of more than ``MAX_BATCH_GET`` ids.
    """

    @abc.abstractmethod
    def put(self, group_id: str, records: Sequence[OnlineRecord]) -> None:
        """Keep each record unless the id holds one with a later event time."""

    @abc.abstractmethod
    def get(self, group_id: str, record_id: str) -> OnlineRecord | None:
        """The stored record, tombstones included (``deleted``); ``None`` if never seen."""

    @abc.abstractmethod
    def get_many(self, group_id: str, record_ids: Sequence[str]) -> dict[str, OnlineRecord]:
        """The stored records of the ids that have one."""

    @abc.abstractmethod
    def count(self, group_id: str) -> int:
        """How many ids hold a live (not deleted) record."""

    @abc.abstractmethod
    def drop_group(self, group_id: str) -> None:
        """Forget every record of the group."""

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release connections."""


_metadata = MetaData()
online_records = Table(
    "feature_online_records",
    _metadata,
    Column("group_id", String(32), primary_key=True),
    Column("record_id", String(512), primary_key=True),
    Column("event_time_us", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("payload", Text, nullable=False),
)


class SqlOnlineStore(OnlineStore):
    """On any :class:`Database` (SQLite or PostgreSQL)."""

    def __init__(self, db: Database, *, owns_db: bool = False) -> None:
        if db.backend not in ("sqlite", "postgresql"):
            raise InvalidArgumentError(
                f"The online store runs on SQLite or PostgreSQL, not {db.backend}."
            )
        self._db = db
        self._owns_db = owns_db
        self._insert = sqlite.insert if db.backend == "sqlite" else postgresql.insert
        with db.session(write=True) as session:
            _metadata.create_all(session.connection(), checkfirst=True)

    @classmethod
    def open(cls, uri: str) -> SqlOnlineStore:
        """A store on its own database (``Database`` without the catalog's schema)."""
        return cls(Database(uri, prepare_schema=False), owns_db=True)

    def put(self, group_id: str, records: Sequence[OnlineRecord]) -> None:
        rows = [
            {
                "group_id": group_id,
                "record_id": r.record_id,
                "event_time_us": r.event_time_us,
                "deleted": r.deleted,
                "payload": r.payload,
            }
            for r in latest_per_id(records)
        ]
        if not rows:
            return
        stmt = self._insert(online_records)
        upsert = stmt.on_conflict_do_update(
            index_elements=[online_records.c.group_id, online_records.c.record_id],
            set_={
                "event_time_us": stmt.excluded.event_time_us,
                "deleted": stmt.excluded.deleted,
                "payload": stmt.excluded.payload,
            },
            where=stmt.excluded.event_time_us >= online_records.c.event_time_us,
        )
        with self._db.session(write=True) as session:
            session.execute(upsert, rows)

    def get(self, group_id: str, record_id: str) -> OnlineRecord | None:
        return self.get_many(group_id, [record_id]).get(record_id)

    def get_many(self, group_id: str, record_ids: Sequence[str]) -> dict[str, OnlineRecord]:
        if len(record_ids) > MAX_BATCH_GET:
            raise InvalidArgumentError(f"A batch lookup asks for at most {MAX_BATCH_GET} ids.")
        if not record_ids:
            return {}
        c = online_records.c
        query = select(c.record_id, c.event_time_us, c.payload, c.deleted).where(
            c.group_id == group_id, c.record_id.in_(list(dict.fromkeys(record_ids)))
        )
        with self._db.session() as session:
            found = session.execute(query).all()
        return {
            record_id: OnlineRecord(record_id, int(event_time), payload, bool(deleted))
            for record_id, event_time, payload, deleted in found
        }

    def count(self, group_id: str) -> int:
        c = online_records.c
        query = select(func.count()).where(c.group_id == group_id, c.deleted.is_(False))
        with self._db.session() as session:
            return int(session.scalar(query) or 0)

    def drop_group(self, group_id: str) -> None:
        with self._db.session(write=True) as session:
            session.execute(delete(online_records).where(online_records.c.group_id == group_id))

    def close(self) -> None:
        if self._owns_db:
            self._db.dispose()


def default_online_uri(home: Path) -> str:
    return f"sqlite:///{(home / 'feature-store' / ONLINE_DB_FILE).resolve()}"


def open_online_store(
    *, home: Path, metadata_db: Database, online_uri: str | None = None
) -> OnlineStore:
    """The online store a studio uses: ``online_uri`` when given; otherwise, next to a
    SQLite catalog, SQLite in the home folder, and next to a PostgreSQL catalog, the
    same PostgreSQL database."""
    if online_uri:
        if online_uri.split("://", 1)[0] in REDIS_SCHEMES:
            # Imported here: the redis package is an optional extra.
            from .online_redis import RedisOnlineStore

            return RedisOnlineStore.open(online_uri)
        return SqlOnlineStore.open(online_uri)
    if metadata_db.backend == "sqlite":
        return SqlOnlineStore.open(default_online_uri(home))
    return SqlOnlineStore(metadata_db)
