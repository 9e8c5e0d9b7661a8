"""The Feature Store service: the one API the SDK (``mls.features``), the REST handlers,
the processing jobs and the endpoints call.

It is built from the collaborators it uses — the catalog store, the online store and
the artifact URI under which the offline store keeps Parquet — never from the studio.
Every method is blocking (database and file work): the server calls it off the IOLoop.

Groups are named by reference: ``"customers"`` is the newest version, ``"customers@2"``
a given one. Old versions keep serving (reads, lookups, datasets); only the newest
version takes new records.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidArgumentError
from ..store.orm import utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, Page
from .datasets import TrainingSet, build_training_set, resolve_selections
from .entities import (
    FeatureDefinition,
    FeatureGroup,
    FeatureGroupSpec,
    Ingestion,
    parse_group_ref,
)
from .lineage import FeatureDataset
from .offline import OfflineStore, OfflineSummary, naive_utc, quote_identifier
from .online import MAX_BATCH_GET, OnlineRecord, OnlineStore
from .records import arrow_schema, convert_column, frame_to_table
from .store import FeatureGroupStore

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_BATCH_SIZE = 100_000
# How long an online lookup trusts a group definition it read from the catalog. A lookup
# otherwise costs two catalog queries before the online read; another process's new
# version (or deletion) is seen after at most this long, this process's at once.
DEFAULT_GROUP_CACHE_SECONDS = 1.0
OFFLINE_FOLDER = "feature-store/offline"


@dataclass(frozen=True)
class IngestResult:
    group: str  # name@version
    rows_written: int  # records written (after dropping repeated id + event time pairs)
    duplicates_dropped: int  # rows of the input that repeated an (id, event time) pair
    batches: int
    offline_files: tuple[str, ...]
    ingested_at: datetime | None  # when the first batch was written


@dataclass(frozen=True)
class GroupSummary:
    """What the panel shows of one version: offline statistics and freshness (``None``
    without an offline store) and the number of ids online (``None`` without one)."""

    group: FeatureGroup
    offline: OfflineSummary | None
    online_records: int | None


class FeatureStore:
    """Feature groups, their records offline and online, and training sets."""

    def __init__(
        self,
        catalog: FeatureGroupStore,
        online: OnlineStore,
        *,
        artifact_uri: str,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = DEFAULT_BATCH_SIZE,
        group_cache_seconds: float = DEFAULT_GROUP_CACHE_SECONDS,
    ) -> None:
        self.catalog = catalog
        self.online = online
        self.offline = OfflineStore(f"{artifact_uri.rstrip('/')}/{OFFLINE_FOLDER}")
        self._clock = clock
        self._batch_size = batch_size
        self._time_lock = threading.Lock()
        self._last_ingestion: datetime | None = None
        self._group_cache_seconds = group_cache_seconds
        self._group_cache: dict[str, tuple[float, FeatureGroup]] = {}  # ref → (expiry, group)
        self._cache_lock = threading.Lock()

    # -- the catalog ---------------------------------------------------------------------
    def create_group(
        self,
        name: str,
        *,
        record_identifier: str,
        event_time_feature: str,
        features: Sequence[FeatureDefinition | Mapping[str, Any]],
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        ttl_seconds: int | None = None,
        offline_enabled: bool = True,
        online_enabled: bool = True,
        new_version: bool = False,
    ) -> FeatureGroup:
        """A new group (version 1), or with ``new_version`` the next version of one."""
        spec = FeatureGroupSpec.build(
            name=name,
            record_identifier=record_identifier,
            event_time_feature=event_time_feature,
            features=features,
            description=description,
            tags=tags,
            ttl_seconds=ttl_seconds,
            offline_enabled=offline_enabled,
            online_enabled=online_enabled,
        )
        group = self.catalog.create(spec, new_version=new_version)
        self._forget(name)
        return group

    def get_group(self, ref: str) -> FeatureGroup:
        name, version = parse_group_ref(ref)
        return self.catalog.get_version(name, version)

    def list_groups(
        self,
        *,
        search: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[FeatureGroup]:
        return self.catalog.list_groups(search=search, max_items=max_items, next_token=next_token)

    def list_versions(self, name: str) -> list[FeatureGroup]:
        return self.catalog.list_versions(name)

    def update_group(
        self,
        ref: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
    ) -> FeatureGroup:
        """Edit descriptions and tags in place (the definition itself never changes)."""
        group = self.get_group(ref)
        self._forget(group.name)
        return self.catalog.update_metadata(
            group.id,
            description=description,
            tags=tags,
            feature_descriptions=feature_descriptions,
        )

    def delete_group(self, ref: str) -> list[FeatureGroup]:
        """``"name@2"`` deletes that version, ``"name"`` every version: catalog entry,
        offline history and online records."""
        name, version = parse_group_ref(ref)
        groups = (
            [self.catalog.get_version(name, version)]
            if version is not None
            else self.catalog.list_versions(name)
        )
        for group in groups:
            # the data first: a failure leaves an empty group, never files nobody lists
            self.offline.drop(group)
            self.online.drop_group(group.id)
            self.catalog.delete(group.id)
            self._forget(group.name)
        return groups

    def ingestions(
        self, ref: str, *, max_items: int = DEFAULT_MAX_ITEMS, next_token: str | None = None
    ) -> Page[Ingestion]:
        group = self.get_group(ref)
        return self.catalog.list_ingestions(group.id, max_items=max_items, next_token=next_token)

    # -- writing records -------------------------------------------------------------------
    def ingest(
        self,
        ref: str,
        data: pd.DataFrame,
        *,
        batch_size: int | None = None,
        source: str = "DataFrame",
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestResult:
        """Write records offline and online, in batches.

        The whole frame is checked first (types, unknown or missing columns, empty ids
        or event times): a bad frame writes nothing. Each batch is then written offline
        and online together or not at all; when a later batch fails, the batches before
        it stay written and the ingestion history says how many rows landed. Rows that
        repeat an (id, event time) pair keep only the last one.
        """
        group = self.writable_group(ref)
        size = self._batch_size if batch_size is None else batch_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidArgumentError("batch_size must be a positive whole number.")
        table = frame_to_table(group, data)
        table, dropped = _last_per_key(group, table)
        return self._write(
            group, table, source=source, batch_size=size, dropped=dropped, progress=progress
        )

    def ingest_file(
        self,
        ref: str,
        path: str | Path,
        *,
        batch_size: int | None = None,
        source: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestResult:
        """Ingest a data file or folder (CSV, TSV, Parquet, JSON lines; the rules of
        ``data_files``) the way :meth:`ingest` ingests a frame. The caller confines the
        path (the server allows only its data roots). Timestamps in text files are
        ISO-8601 text. ``source`` names it in the ingestion history (default: the path);
        ``progress(rows_written, rows_total)`` is called after each batch."""
        frame = _read_data(path)
        return self.ingest(
            ref,
            frame,
            batch_size=batch_size,
            source=str(path) if source is None else source,
            progress=progress,
        )

    def put_record(
        self, ref: str, record: Mapping[str, Any], *, record_id: object | None = None
    ) -> IngestResult:
        """One record (a mapping of every feature to its value). ``record_id`` (the id a
        URL names) fills in the record identifier, or must equal the one it holds."""
        import pandas as pd

        if not isinstance(record, Mapping):
            raise InvalidArgumentError("A record is a mapping of feature names to values.")
        if record_id is not None:
            group = self.writable_group(ref)
            key = group.record_identifier
            typed = self._typed_id(group, record_id)
            given = record.get(key)
            if given is not None and str(self._typed_id(group, given)) != str(typed):
                raise InvalidArgumentError(
                    f"The record's {key} is {given!r}, not {typed!r} as the path says."
                )
            record = {**record, key: typed}
        frame = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in record.items()})
        return self.ingest(ref, frame.infer_objects(), source="put_record")

    def delete_record(
        self, ref: str, record_id: object, *, event_time: datetime | None = None
    ) -> IngestResult:
        """Delete a record as of ``event_time`` (default now): online the id reads as
        absent (unless a newer record arrives), offline a tombstone is appended so
        training sets built for earlier times still see the old values."""
        import pandas as pd

        group = self.writable_group(ref)
        when = event_time if event_time is not None else self._clock()
        id_def = group.feature(group.record_identifier)
        columns: dict[str, pa.Array] = {}
        for feature in group.features:
            if feature.name == group.record_identifier:
                columns[feature.name] = convert_column(
                    group, id_def, pd.Series([self._typed_id(group, record_id)], dtype=object)
                )
            elif feature.name == group.event_time_feature:
                columns[feature.name] = pa.array([naive_utc(when)], pa.timestamp("us"))
            else:
                columns[feature.name] = pa.nulls(1, arrow_schema(group).field(feature.name).type)
        table = pa.table(columns, schema=arrow_schema(group))
        return self._write(group, table, source="delete_record", batch_size=1, deleted=True)

    # -- reading -----------------------------------------------------------------------
    def get_record(self, ref: str, record_id: object) -> dict[str, Any] | None:
        """The latest live record of an id in the online store, or ``None``."""
        group = self._online_group(ref)
        stored = self.online.get(group.id, self._online_key(group, record_id))
        return _decode(group, stored)

    def get_records(self, ref: str, record_ids: Sequence[object]) -> list[dict[str, Any] | None]:
        """Records of many ids (at most ``MAX_BATCH_GET``), in the order asked."""
        group = self._online_group(ref)
        if isinstance(record_ids, str | bytes) or len(record_ids) > MAX_BATCH_GET:
            raise InvalidArgumentError(f"Ask for a list of at most {MAX_BATCH_GET} record ids.")
        keys = [self._online_key(group, i) for i in record_ids]
        stored = self.online.get_many(group.id, keys)
        return [_decode(group, stored.get(key)) for key in keys]

    def lookup(
        self, ref: str, record_ids: Sequence[object]
    ) -> tuple[FeatureGroup, list[dict[str, Any] | None]]:
        """:meth:`get_records` with the version it read (what the REST API answers
        with), resolving the reference once."""
        group = self._online_group(ref)
        return group, self.get_records(group.ref, record_ids)

    def to_df(
        self,
        ref: str,
        *,
        as_of: datetime | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """The group's offline history (what was ingested up to ``as_of``)."""
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit < 2**63
        ):
            raise InvalidArgumentError("limit must be a whole number from 0 (64 bits at most).")
        group = self.get_group(ref)
        if not group.offline_enabled:
            raise InvalidArgumentError(f"Feature group {group.ref} keeps no offline history.")
        return self.offline.read(group, as_of=as_of, include_deleted=include_deleted, limit=limit)

    def summary(self, ref: str) -> OfflineSummary:
        """Sizes, freshness and per-feature statistics of the offline history."""
        group = self.get_group(ref)
        if not group.offline_enabled:
            raise InvalidArgumentError(f"Feature group {group.ref} keeps no offline history.")
        return self.offline.summary(group)

    def group_summary(self, ref: str) -> GroupSummary:
        """:meth:`summary` for any group: the stores it does not have are ``None``."""
        group = self.get_group(ref)
        offline = self.offline.summary(group) if group.offline_enabled else None
        online = self.online.count(group.id) if group.online_enabled else None
        return GroupSummary(group=group, offline=offline, online_records=online)

    def rows(
        self,
        ref: str,
        *,
        limit: int = 100,
        as_of: datetime | None = None,
        include_deleted: bool = False,
    ) -> tuple[list[str], list[list[Any]]]:
        """The first ``limit`` rows of :meth:`to_df` as JSON-ready columns and rows
        (timestamps as ISO-8601 text, missing values as ``None``)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidArgumentError("limit must be a positive whole number.")
        frame = self.to_df(ref, as_of=as_of, include_deleted=include_deleted, limit=limit)
        return json_rows(frame)

    def dataset(
        self,
        entity: pd.DataFrame | str | Path,
        features: Sequence[str],
        *,
        event_time: str,
        as_of: datetime | None = None,
        include_deleted: bool = False,
        event_time_range: tuple[datetime | None, datetime | None] | None = None,
        include_duplicated: bool = False,
        output: str | Path | None = None,
        run_id: str | None = None,
    ) -> TrainingSet:
        """A point-in-time-correct training set (see ``datasets.py`` for the rules):
        the entity rows (a DataFrame or a data file) with the requested features as
        they were at each row's ``event_time``. ``output`` also writes it to a file.
        A written dataset, or one built in a run (``run_id``; the SDK passes the run the
        notebook or script has open), is recorded for lineage."""
        import pandas as pd

        entity_source = "DataFrame"
        if isinstance(entity, str | Path):
            entity_source = str(entity)
            entity = _read_data(entity)
        if not isinstance(entity, pd.DataFrame):
            raise InvalidArgumentError("The entity data is a DataFrame or a data file path.")
        selections = resolve_selections(features, self.get_group, [str(c) for c in entity.columns])
        result = build_training_set(
            entity,
            selections,
            self.offline,
            event_time=event_time,
            as_of=as_of,
            include_deleted=include_deleted,
            event_time_range=event_time_range,
            include_duplicated=include_duplicated,
        )
        written = None
        if output is not None:
            try:
                written = result.to_file(output)
            except OSError as exc:
                raise InvalidArgumentError(
                    f"Cannot write the dataset to {output}: {exc.strerror or exc}."
                ) from None
        self._record_dataset(result, entity_source, written, run_id)
        return result

    def _record_dataset(
        self, result: TrainingSet, entity_source: str, written: Path | None, run_id: str | None
    ) -> None:
        """Record a written dataset, or one built inside a run, for lineage."""
        if written is None and run_id is None:
            return
        # The registry's own hash of a file, so a model trained on it matches exactly.
        from ..registry.service import data_reference

        ref = data_reference(str(written)) if written is not None else {}
        self.catalog.record_dataset(
            fingerprint=result.fingerprint,
            groups=result.groups,
            features=result.features,
            entity_source=entity_source,
            entity_rows=result.entity_rows,
            as_of=result.as_of,
            output_uri=ref.get("uri"),
            output_hash=ref.get("hash"),
            run_id=run_id,
        )

    def datasets(
        self,
        *,
        group: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
    ) -> Page[FeatureDataset]:
        """Recorded training sets, newest first (``group``: those that joined it)."""
        ref = self.get_group(group).ref if group is not None else None
        return self.catalog.list_datasets(group=ref, max_items=max_items, next_token=next_token)

    def lineage(self, ref: str) -> dict[str, Any]:
        """Who feeds the group version ``ref`` (flows, files, jobs) and who uses it
        (datasets, runs, jobs, model versions, endpoints)."""
        return self.catalog.lineage(self.get_group(ref))

    def close(self) -> None:
        self.online.close()

    def writable_group(self, ref: str) -> FeatureGroup:
        """The group ``ref`` when new records may go to it (its newest version)."""
        group = self.get_group(ref)
        if not group.is_latest:
            raise InvalidArgumentError(
                f"{group.ref} is not the newest version of {group.name!r} (that is "
                f"{group.name}@{group.latest_version}): new records go to the newest "
                "version; old versions keep serving what they hold."
            )
        return group

    # -- internals ---------------------------------------------------------------------
    def _online_group(self, ref: str) -> FeatureGroup:
        group = self._cached_group(ref)
        if not group.online_enabled:
            raise InvalidArgumentError(
                f"Feature group {group.ref} has no online store (online_enabled is false)."
            )
        return group

    def _cached_group(self, ref: str) -> FeatureGroup:
        """:meth:`get_group` for lookups, through a short-lived cache (writes never use
        it: they must see the newest version)."""
        now = time.monotonic()
        hit = self._group_cache.get(ref)
        if hit is not None and hit[0] > now:
            return hit[1]
        group = self.get_group(ref)
        if self._group_cache_seconds > 0:
            with self._cache_lock:
                if len(self._group_cache) > 10_000:  # refs are user input: stay bounded
                    self._group_cache.clear()
                self._group_cache[ref] = (now + self._group_cache_seconds, group)
        return group

    def _forget(self, name: str) -> None:
        """Drop the cached definitions of every version of ``name``."""
        with self._cache_lock:
            for ref in [r for r in self._group_cache if r.partition("@")[0] == name]:
                del self._group_cache[ref]

    @staticmethod
    def _typed_id(group: FeatureGroup, record_id: object) -> object:
        """A record id as the group types it; digits text is accepted for integral ids
        (ids in URLs are text)."""
        integral = group.feature(group.record_identifier).type == "integral"
        if integral and isinstance(record_id, str) and record_id.strip().lstrip("-").isdigit():
            return int(record_id)
        if integral and not (isinstance(record_id, int) and not isinstance(record_id, bool)):
            raise InvalidArgumentError(
                f"The record identifier of {group.ref} is integral, not {record_id!r}."
            )
        if not integral and not isinstance(record_id, str):
            raise InvalidArgumentError(
                f"The record identifier of {group.ref} is text, not {record_id!r}."
            )
        return record_id

    def _online_key(self, group: FeatureGroup, record_id: object) -> str:
        return str(self._typed_id(group, record_id))

    def _next_ingestion_time(self) -> datetime:
        """The clock, made strictly increasing in this process: the later of two
        batches must win a tie on (id, event time)."""
        with self._time_lock:
            now = self._clock()
            if now.tzinfo is None:
                now = now.replace(tzinfo=timezone.utc)
            if self._last_ingestion is not None and now <= self._last_ingestion:
                now = self._last_ingestion + timedelta(microseconds=1)
            self._last_ingestion = now
            return now

    def _write(
        self,
        group: FeatureGroup,
        table: pa.Table,
        *,
        source: str,
        batch_size: int,
        dropped: int = 0,
        deleted: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestResult:
        files: list[str] = []
        written = batches = 0
        first: datetime | None = None
        try:
            try:
                for start in range(0, table.num_rows, batch_size):
                    batch = table.slice(start, batch_size)
                    at = self._next_ingestion_time()
                    first = first or at
                    if group.offline_enabled:
                        files.append(
                            self.offline.write(group, batch, ingested_at=at, deleted=deleted)
                        )
                    written += batch.num_rows
                    batches += 1
                    if progress is not None:
                        progress(written, table.num_rows)
            finally:
                # Online, once for the batches written: only the latest record of each id
                # can win there, so writing every row would be wasted work (5M rows of
                # 500k ids are 500k upserts, not 5M).
                if written and group.online_enabled:
                    try:
                        self.online.put(
                            group.id, _online_records(group, table.slice(0, written), deleted)
                        )
                    except BaseException:
                        for relative in files:
                            self.offline.remove(group, relative)
                        files, written, batches = [], 0, 0
                        raise
        finally:
            if written:
                self.catalog.record_ingestion(
                    group.id,
                    rows=0 if deleted else written,
                    deleted_rows=written if deleted else 0,
                    source=source,
                    ingested_at=first or self._clock(),
                    offline_files=files,
                )
        return IngestResult(
            group=group.ref,
            rows_written=written,
            duplicates_dropped=dropped,
            batches=batches,
            offline_files=tuple(files),
            ingested_at=first,
        )


_ROW = "__mls_input_row"


def _last_per_key(group: FeatureGroup, table: pa.Table) -> tuple[pa.Table, int]:
    """Keep the last row of each (id, event time) pair, in input order."""
    keys = [group.record_identifier, group.event_time_feature]
    indexed = table.select(keys).append_column("__i", pa.array(range(table.num_rows), pa.int64()))
    last = indexed.group_by(keys, use_threads=False).aggregate([("__i", "max")])
    if last.num_rows == table.num_rows:
        return table, 0
    order = pc.sort_indices(last.column("__i_max"))
    kept = pc.take(last.column("__i_max"), order)
    return table.take(kept), table.num_rows - last.num_rows


def _online_records(group: FeatureGroup, batch: pa.Table, deleted: bool) -> list[OnlineRecord]:
    """The latest record of each id in the batch (latest event time; on a tie, the later
    row: the online store's rule) as online records. DuckDB picks them and writes the
    JSON payloads (vectorized: a Python loop of ``json.dumps`` costs more than the whole
    offline write)."""
    import duckdb

    id_col = quote_identifier(group.record_identifier)
    time_col = quote_identifier(group.event_time_feature)
    columns = ", ".join(map(quote_identifier, group.feature_names))
    payload = "'{}'" if deleted else f"to_json(struct_pack({columns}))"
    sql = (
        f"SELECT CAST({id_col} AS VARCHAR), epoch_us({time_col}), {payload} FROM batch "  # noqa: S608
        f"QUALIFY row_number() OVER (PARTITION BY {id_col} "
        f"ORDER BY {time_col} DESC, {_ROW} DESC) = 1"
    )
    batch = batch.append_column(_ROW, pa.array(np.arange(batch.num_rows, dtype=np.int64)))
    con = duckdb.connect()
    try:
        con.register("batch", batch)
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    return [OnlineRecord(i, int(t), p, deleted) for i, t, p in rows]


def _read_data(path: str | Path) -> pd.DataFrame:
    """A data file or folder (the ``data_files`` rules); an unreadable one is an
    ``InvalidArgumentError`` like a malformed one."""
    from ..data_files import read_table

    try:
        return read_table(Path(path))
    except OSError as exc:
        raise InvalidArgumentError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def json_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """A frame's columns and rows as JSON values: pandas writes the JSON (NaN and NaT as
    null, timestamps as ISO-8601 in UTC), which is faster than converting cell by cell."""
    split = json.loads(
        frame.to_json(orient="split", date_format="iso", date_unit="us", index=False)
    )
    return [str(c) for c in split["columns"]], split["data"]


def _decode(group: FeatureGroup, stored: OnlineRecord | None) -> dict[str, Any] | None:
    if stored is None or stored.deleted:
        return None
    values: dict[str, Any] = json.loads(stored.payload)
    for feature in group.features:
        value = values.get(feature.name)
        if feature.type == "timestamp" and isinstance(value, str):
            values[feature.name] = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    return values
