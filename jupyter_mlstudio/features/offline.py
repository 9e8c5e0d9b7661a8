"""The offline store: an append-only history of every record, in Parquet, under the
artifact store (any fsspec URL), read through DuckDB.

Layout: ``<root>/<group name>/v<version>-<group id>/ingestion_date=YYYY-MM-DD/part-….parquet``.
Each ingested batch is one file holding the group's features plus two columns the store
adds to every record: ``_ingested_at`` (when it was written, UTC) and ``_deleted``
(``true`` for the tombstone ``delete_record`` leaves). A file is written under a hidden
temporary name and renamed when complete, so a reader never sees half a batch (on an
object store the upload itself is atomic). Files are never rewritten: a time-travel read
(``as_of``) is a filter on ``_ingested_at``.
"""

from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from .entities import FeatureGroup
from .records import arrow_schema

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

INGESTED_AT = "_ingested_at"
DELETED = "_deleted"
PARTITION = "ingestion_date"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def naive_utc(moment: datetime) -> datetime:
    """A datetime as naive UTC, as the offline store keeps times (naive input is UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def stored_schema(group: FeatureGroup) -> pa.Schema:
    return (
        arrow_schema(group)
        .append(pa.field(INGESTED_AT, pa.timestamp("us")))
        .append(pa.field(DELETED, pa.bool_()))
    )


@dataclass(frozen=True)
class FeatureStatistics:
    name: str
    type: str
    present: int  # non-null values
    missing: int
    distinct: int  # approximate
    minimum: Any = None  # numbers and timestamps
    maximum: Any = None
    mean: float | None = None  # numbers


@dataclass(frozen=True)
class OfflineSummary:
    """What the panel shows of a group's history: sizes, freshness and per-feature
    statistics over the live (not deleted) records."""

    records: int
    tombstones: int
    latest_event_time: datetime | None
    latest_ingestion: datetime | None
    features: tuple[FeatureStatistics, ...]


class OfflineStore:
    """Offline history of every feature group under ``root_uri``. Thread-safe: writes go
    to new files only."""

    def __init__(self, root_uri: str) -> None:
        self.root_uri = root_uri.rstrip("/")
        self._fs, self._root = fsspec.core.url_to_fs(self.root_uri)
        protocols = (
            self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,)
        )
        self._local = "file" in protocols or "local" in protocols

    def group_path(self, group: FeatureGroup) -> str:
        return f"{self._root}/{group.name}/v{group.version}-{group.id}"

    # -- writing -----------------------------------------------------------------------
    def write(
        self, group: FeatureGroup, table: pa.Table, *, ingested_at: datetime, deleted: bool = False
    ) -> str:
        """Append one batch (a table in the group's schema) as one file; returns its
        path relative to the group's folder."""
        rows = table.num_rows
        when = naive_utc(ingested_at)
        full = table.append_column(
            pa.field(INGESTED_AT, pa.timestamp("us")),
            pa.array([when] * rows, type=pa.timestamp("us")),
        ).append_column(pa.field(DELETED, pa.bool_()), pa.array([deleted] * rows, pa.bool_()))
        folder = f"{PARTITION}={when.date().isoformat()}"
        name = f"part-{when:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"
        target_dir = f"{self.group_path(group)}/{folder}"
        self._fs.makedirs(target_dir, exist_ok=True)
        temporary = f"{target_dir}/.{name}.tmp"
        try:
            with self._fs.open(temporary, "wb") as handle:
                pq.write_table(full.cast(stored_schema(group)), handle, compression="zstd")
            self._fs.mv(temporary, f"{target_dir}/{name}")
        except BaseException:
            if self._fs.exists(temporary):
                self._fs.rm(temporary)
            raise
        return f"{folder}/{name}"

    def remove(self, group: FeatureGroup, relative: str) -> None:
        """Take back a batch just written (when the online write of the same batch failed)."""
        path = f"{self.group_path(group)}/{relative}"
        if self._fs.exists(path):
            self._fs.rm(path)

    def drop(self, group: FeatureGroup) -> None:
        path = self.group_path(group)
        if self._fs.exists(path):
            self._fs.rm(path, recursive=True)

    # -- reading -----------------------------------------------------------------------
    def files(self, group: FeatureGroup) -> list[str]:
        base = self.group_path(group)
        if not self._fs.exists(base):
            return []
        found = self._fs.find(base)
        return sorted(
            str(p)
            for p in found
            if str(p).endswith(".parquet") and not posixpath.basename(str(p)).startswith(".")
        )

    def register(self, con: duckdb.DuckDBPyConnection, group: FeatureGroup, alias: str) -> str:
        """Make the group's history readable in ``con`` as the view ``alias``; returns
        the SQL that view stands for (what a user is shown)."""
        files = self.files(group)
        columns = ", ".join(quote_identifier(f.name) for f in stored_schema(group))
        if not files:
            con.register(f"{alias}_empty", stored_schema(group).empty_table())
            source = f"{quote_identifier(alias + '_empty')}"
        elif self._local:
            glob = f"{self.group_path(group)}/{PARTITION}=*/*.parquet"
            source = f"read_parquet({quote_literal(glob)}, hive_partitioning = false)"
        else:
            import pyarrow.dataset as ds

            dataset = ds.dataset(
                files, schema=stored_schema(group), format="parquet", filesystem=self._fs
            )
            con.register(f"{alias}_files", dataset)
            source = quote_identifier(alias + "_files")
        sql = f"SELECT {columns} FROM {source}"  # noqa: S608 - quoted names and paths
        con.execute(f"CREATE OR REPLACE TEMP VIEW {quote_identifier(alias)} AS {sql}")
        return sql

    def read(
        self,
        group: FeatureGroup,
        *,
        as_of: datetime | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """The group's history, oldest event first: what was ingested up to ``as_of``
        (all of it by default), tombstones only with ``include_deleted``, with the
        ``_ingested_at`` and ``_deleted`` columns."""
        import duckdb

        con = duckdb.connect()
        try:
            self.register(con, group, "history")
            where = []
            params: list[object] = []
            if as_of is not None:
                where.append(f"{INGESTED_AT} <= ?")
                params.append(naive_utc(as_of))
            if not include_deleted:
                where.append(f"NOT {DELETED}")
            sql = "SELECT * FROM history"
            if where:
                sql += " WHERE " + " AND ".join(where)
            event_time = quote_identifier(group.event_time_feature)
            sql += f" ORDER BY {event_time}, {INGESTED_AT}"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            return utc_frame(con.execute(sql, params).df())
        finally:
            con.close()

    def summary(self, group: FeatureGroup) -> OfflineSummary:
        import duckdb

        con = duckdb.connect()
        try:
            self.register(con, group, "history")
            event = quote_identifier(group.event_time_feature)
            parts = [
                f"count(*) FILTER (WHERE NOT {DELETED})",
                f"count(*) FILTER (WHERE {DELETED})",
                f"max({event})",
                f"max({INGESTED_AT})",
            ]
            for feature in group.features:
                column = quote_identifier(feature.name)
                live = f"FILTER (WHERE NOT {DELETED})"
                ordered = feature.type in ("integral", "fractional", "timestamp")
                numeric = feature.type in ("integral", "fractional")
                parts += [
                    f"count({column}) {live}",
                    f"approx_count_distinct({column}) {live}",
                    f"min({column}) {live}" if ordered else "NULL",
                    f"max({column}) {live}" if ordered else "NULL",
                    f"avg({column}) {live}" if numeric else "NULL",
                ]
            row = con.execute(f"SELECT {', '.join(parts)} FROM history").fetchone()  # noqa: S608
        finally:
            con.close()
        assert row is not None
        records = int(row[0])
        stats = []
        for index, feature in enumerate(group.features):
            present, distinct, low, high, mean = row[4 + 5 * index : 9 + 5 * index]
            stats.append(
                FeatureStatistics(
                    name=feature.name,
                    type=feature.type,
                    present=int(present),
                    missing=records - int(present),
                    distinct=int(distinct),
                    minimum=_aware(low),
                    maximum=_aware(high),
                    mean=None if mean is None else float(mean),
                )
            )
        return OfflineSummary(
            records=records,
            tombstones=int(row[1]),
            latest_event_time=_aware(row[2]),
            latest_ingestion=_aware(row[3]),
            features=tuple(stats),
        )


def _aware(value: Any) -> Any:
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else value


def utc_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Naive timestamp columns (UTC, as stored) made UTC-aware."""
    from pandas.api import types as ptypes

    for column in frame.columns:
        series = frame[column]
        if (
            ptypes.is_datetime64_any_dtype(series.dtype)
            and getattr(series.dtype, "tz", None) is None
        ):
            frame[column] = series.dt.tz_localize("UTC")
    return frame
