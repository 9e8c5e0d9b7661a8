"""Point-in-time-correct training sets: entity rows (record ids and an event time) joined
with the feature values each id had *at that time*, on DuckDB.

For an entity row (id, t) and a feature group, the value is the group's record for that
id with the latest event time at or before t:

- among records with the same id and event time, the latest ingestion wins;
- ``as_of`` ignores every record ingested after it (what the store held then);
- a record older than the group's TTL (event time before t - TTL) is not used: the
  features are null;
- a delete leaves a tombstone: if the latest record at t is a tombstone the features
  are null, unless ``include_deleted``, which ignores tombstones (the values before the
  delete come back).
- ``event_time_range=(start, end)`` keeps only feature records whose event time is in
  ``[start, end]`` (either end may be open), as SageMaker's
  ``with_event_time_range``: records outside the range are not there for the join.
- ``include_duplicated`` keeps every record with the matched id and event time
  (SageMaker's ``include_duplicated_records``) instead of only the latest ingestion: an
  entity row then comes back once per duplicate (per group; several groups multiply),
  ordered by ingestion time. A tombstone among them gives a row of nulls unless
  ``include_deleted`` drops it.

This is Feast's ``get_historical_features`` rule (ASOF join, TTL window, created-time
tie-break) with ingestion time in the role of Feast's created timestamp. The SQL is one
statement: a deduplicating CTE and an ``ASOF LEFT JOIN`` per group, returned with the
result so users see exactly what ran.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ..errors import InvalidArgumentError
from .entities import FeatureDefinition, FeatureGroup, parse_feature_ref
from .offline import DELETED, INGESTED_AT, OfflineStore, naive_utc, quote_identifier, utc_frame
from .records import convert_column

if TYPE_CHECKING:
    import pandas as pd

ROW = "__mls_row"
EVENT_TIME = "__mls_ts"


@dataclass(frozen=True)
class Selection:
    """Features of one group version in a dataset request, with their output names."""

    group: FeatureGroup
    features: tuple[str, ...]
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingSet:
    frame: pd.DataFrame
    sql: str
    groups: tuple[str, ...]  # name@version of every group joined
    features: tuple[str, ...]  # the output columns holding features
    as_of: datetime | None = None
    entity_rows: int = 0
    event_time_range: tuple[datetime | None, datetime | None] | None = None
    include_duplicated: bool = False
    fingerprint: str = field(default="")

    def to_file(self, path: str | Path) -> Path:
        """Write the frame as Parquet (``.parquet``/``.pq``) or CSV (``.csv``)."""
        target = Path(path)
        suffix = target.suffix.lower()
        target.parent.mkdir(parents=True, exist_ok=True)
        if suffix in (".parquet", ".pq"):
            self.frame.to_parquet(target, index=False)
        elif suffix == ".csv":
            self.frame.to_csv(target, index=False)
        else:
            raise InvalidArgumentError(
                "A dataset is written as .parquet or .csv, not "
                f"{suffix or 'a file without suffix'}."
            )
        return target


def resolve_selections(
    refs: Sequence[str], group_of: Callable[[str], FeatureGroup], entity_columns: Sequence[str]
) -> list[Selection]:
    """The groups and features named by ``["customers:age", "orders@2:*"]``, with
    output column names: a feature keeps its name unless it clashes with an entity
    column or another requested feature, then it is ``<group>__<feature>``."""
    if isinstance(refs, str) or not refs:
        raise InvalidArgumentError(
            "features lists what to join, e.g. ['customers:age', 'orders:*']."
        )
    picked: dict[str, tuple[FeatureGroup, list[str]]] = {}
    for ref in refs:
        group_ref, feature = parse_feature_ref(ref)
        group = group_of(group_ref)
        if not group.offline_enabled:
            raise InvalidArgumentError(
                f"Feature group {group.ref} keeps no offline history (offline_enabled is "
                "false): training sets are built from the offline store."
            )
        _, names = picked.setdefault(group.id, (group, []))
        wanted = [f.name for f in group.value_features] if feature == "*" else [feature]
        for name in wanted:
            group.feature(name)  # unknown features are refused with the group's list
            if name not in names:
                names.append(name)
    counts: dict[str, int] = {}
    for _, names in picked.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    taken = set(entity_columns)
    selections = []
    for group, names in picked.values():
        columns = []
        for name in names:
            column = name if counts[name] == 1 and name not in entity_columns else None
            if column is None:
                column = f"{group.name}__{name}"
            if column in taken:
                raise InvalidArgumentError(
                    f"Feature {name!r} of {group.ref} would be the column {column!r}, which "
                    "the entity data or another requested feature already has."
                )
            taken.add(column)
            columns.append(column)
        selections.append(Selection(group=group, features=tuple(names), columns=tuple(columns)))
    return selections


def build_training_set(
    entity: pd.DataFrame,
    selections: Sequence[Selection],
    offline: OfflineStore,
    *,
    event_time: str,
    as_of: datetime | None = None,
    include_deleted: bool = False,
    event_time_range: tuple[datetime | None, datetime | None] | None = None,
    include_duplicated: bool = False,
) -> TrainingSet:
    import duckdb

    time_range = _check_range(event_time_range)
    import pandas as pd

    if event_time not in entity.columns:
        raise InvalidArgumentError(
            f"The entity data has no event-time column {event_time!r} "
            f"(its columns: {', '.join(map(str, entity.columns))})."
        )
    times = convert_column(
        selections[0].group,
        FeatureDefinition(event_time, "timestamp"),
        entity[event_time],
        owner="the entity data",
    )
    if times.null_count:
        raise InvalidArgumentError(
            f"The entity event-time column {event_time!r} is empty in {times.null_count} row(s)."
        )
    columns: dict[str, pa.Array] = {
        ROW: pa.array(range(len(entity)), pa.int64()),
        EVENT_TIME: times,
    }
    keys: dict[tuple[str, str], str] = {}  # (entity column, id type) -> key column
    for selection in selections:
        group = selection.group
        id_name = group.record_identifier
        if id_name not in entity.columns:
            raise InvalidArgumentError(
                f"The entity data needs a column {id_name!r}: the record identifier of {group.ref}."
            )
        id_type = group.feature(id_name).type
        if (id_name, id_type) not in keys:
            key = f"__mls_key{len(keys)}"
            definition = FeatureDefinition(id_name, id_type)
            columns[key] = convert_column(
                group,
                definition,
                entity[id_name],
                owner=f"the entity data (the record identifier of {group.ref})",
            )
            keys[(id_name, id_type)] = key

    con = duckdb.connect()
    try:
        con.register("entity", pa.table(columns))
        ctes = []
        picks = []
        joins = []
        for index, selection in enumerate(selections):
            group = selection.group
            view = group.ref
            offline.register(con, group, view)
            key = keys[(group.record_identifier, group.feature(group.record_identifier).type)]
            ctes.append(
                _history_cte(
                    index, selection, view, as_of, include_deleted, time_range, include_duplicated
                )
            )
            if include_duplicated:
                ctes += _duplicates_join_ctes(index, selection, key)
            else:
                ctes.append(_join_cte(index, selection, key))
            picks += [f"j{index}.{quote_identifier(c)}" for c in selection.columns]
            joins.append(f"LEFT JOIN j{index} USING ({ROW})")
        order = [f"entity.{ROW}"]
        if include_duplicated:
            order += [f"j{i}.__ing NULLS FIRST" for i in range(len(selections))]
        sql = (
            "WITH\n"
            + ",\n".join(ctes)
            + f"\nSELECT entity.{ROW}, {', '.join(picks)}\nFROM entity\n"
            + "\n".join(joins)
            + f"\nORDER BY {', '.join(order)}"
        )
        features = utc_frame(con.execute(sql).df())
    finally:
        con.close()
    rows = features.pop(ROW).to_numpy()
    # one output row per entity row, or several with include_duplicated
    frame = pd.concat(
        [entity.iloc[rows].reset_index(drop=True), features.reset_index(drop=True)], axis=1
    )
    output = tuple(c for s in selections for c in s.columns)
    refs = tuple(s.group.ref for s in selections)
    digest = hashlib.sha256(sql.encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return TrainingSet(
        frame=frame,
        sql=sql,
        groups=refs,
        features=output,
        as_of=as_of,
        entity_rows=len(entity),
        fingerprint=digest.hexdigest()[:32],
        event_time_range=time_range,
        include_duplicated=include_duplicated,
    )


def _check_range(
    event_time_range: Sequence[datetime | None] | None,
) -> tuple[datetime | None, datetime | None] | None:
    if event_time_range is None:
        return None
    if isinstance(event_time_range, str) or len(event_time_range) != 2:
        raise InvalidArgumentError(
            "event_time_range is (start, end): two datetimes, either may be None."
        )
    start, end = event_time_range
    for bound in (start, end):
        if bound is not None and not isinstance(bound, datetime):
            raise InvalidArgumentError(
                f"event_time_range bounds are datetimes or None, not {bound!r}."
            )
    if start is not None and end is not None and naive_utc(start) > naive_utc(end):
        raise InvalidArgumentError(
            f"The event-time range starts ({start.isoformat()}) after it ends ({end.isoformat()})."
        )
    if start is None and end is None:
        return None
    return (start, end)


def _timestamp(value: datetime) -> str:
    return f"TIMESTAMP '{naive_utc(value).isoformat(sep=' ')}'"


def _history_cte(
    index: int,
    selection: Selection,
    view: str,
    as_of: datetime | None,
    include_deleted: bool,
    time_range: tuple[datetime | None, datetime | None] | None = None,
    include_duplicated: bool = False,
) -> str:
    group = selection.group
    id_col = quote_identifier(group.record_identifier)
    time_col = quote_identifier(group.event_time_feature)
    values = ", ".join(quote_identifier(f) for f in selection.features)
    where = []
    if as_of is not None:
        where.append(f"{INGESTED_AT} <= {_timestamp(as_of)}")
    if include_deleted:
        where.append(f"NOT {DELETED}")
    if time_range is not None:
        start, end = time_range
        if start is not None:
            where.append(f"{time_col} >= {_timestamp(start)}")
        if end is not None:
            where.append(f"{time_col} <= {_timestamp(end)}")
    condition = f"\n  WHERE {' AND '.join(where)}" if where else ""
    latest = (
        ""
        if include_duplicated
        else f"\n  QUALIFY row_number() OVER (PARTITION BY {id_col}, {time_col} "
        f"ORDER BY {INGESTED_AT} DESC) = 1"
    )
    # quoted names and formatted timestamps only
    return (
        f"g{index} AS (\n"  # noqa: S608
        f"  SELECT {id_col} AS __key, {time_col} AS __t, {DELETED} AS __deleted, "
        f"{INGESTED_AT} AS __ing, {values}\n"
        f"  FROM {quote_identifier(view)}{condition}{latest}\n)"
    )


def _picks(selection: Selection, entity: str = "e") -> str:
    ttl = selection.group.ttl_seconds
    stale = f" OR g.__t < {entity}.{EVENT_TIME} - INTERVAL '{int(ttl)} seconds'" if ttl else ""
    return ", ".join(
        f"CASE WHEN g.__deleted{stale} THEN NULL ELSE g.{quote_identifier(f)} END "
        f"AS {quote_identifier(c)}"
        for f, c in zip(selection.features, selection.columns, strict=True)
    )


def _duplicates_join_ctes(index: int, selection: Selection, key: str) -> list[str]:
    """The ASOF join finds the matched (id, event time) on distinct keys; every record
    with that id and time is then joined back."""
    # quoted names and an integer TTL only
    matched = (
        f"m{index} AS (\n"  # noqa: S608
        f"  SELECT e.{ROW}, e.{EVENT_TIME}, g.__key, g.__t\n"
        f"  FROM entity e ASOF LEFT JOIN (SELECT DISTINCT __key, __t FROM g{index}) g\n"
        f"    ON e.{key} = g.__key AND e.{EVENT_TIME} >= g.__t\n)"
    )
    joined = (
        f"j{index} AS (\n"  # noqa: S608
        f"  SELECT m.{ROW}, g.__ing, {_picks(selection, 'm')}\n"
        f"  FROM m{index} m LEFT JOIN g{index} g ON m.__key = g.__key AND m.__t = g.__t\n)"
    )
    return [matched, joined]


def _join_cte(index: int, selection: Selection, key: str) -> str:
    picks = _picks(selection)
    # quoted names and an integer TTL only
    return (
        f"j{index} AS (\n"  # noqa: S608
        f"  SELECT e.{ROW}, {picks}\n"
        f"  FROM entity e ASOF LEFT JOIN g{index} g\n"
        f"    ON e.{key} = g.__key AND e.{EVENT_TIME} >= g.__t\n)"
    )
