"""``mls.features``: the Feature Store in notebooks, thin calls onto the default studio's
``FeatureStore`` (the SDK's studio: ``mls.configure`` points it elsewhere).

>>> fg = mls.features.create_group("customers", df, record_identifier="customer_id",
...                                event_time_feature="ts", ingest=True)
>>> fg.get_record(42)
>>> train = mls.features.dataset(entities, ["customers:age", "orders:*"], event_time="ts")

Groups are named by reference: ``"customers"`` is the newest version, ``"customers@2"``
a given one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError
from .entities import FeatureDefinition, infer_features
from .handle import FeatureGroupHandle

if TYPE_CHECKING:
    import pandas as pd

    from .datasets import TrainingSet
    from .service import FeatureStore, GroupSummary, IngestResult


def _store() -> FeatureStore:
    from ..studio import default_studio

    return default_studio().features


def _frame(data: pd.DataFrame | str | Path) -> pd.DataFrame:
    import pandas as pd

    if isinstance(data, str | Path):
        from ..data_files import read_table

        return read_table(Path(data))
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError("data is a pandas DataFrame or a data file path.")
    return data


def infer_definitions(
    data: pd.DataFrame | str | Path,
    *,
    event_time_feature: str | None = None,
    types: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
) -> list[FeatureDefinition]:
    """Feature definitions from a DataFrame's (or a data file's) dtypes: ints are
    integral, floats fractional, bools boolean, datetimes timestamps, the rest strings.
    The event-time column is a timestamp even when it holds ISO-8601 text; ``types``
    overrides what is inferred per column."""
    frame = _frame(data)
    inferred = infer_features((str(c), str(t)) for c, t in frame.dtypes.items())
    chosen = dict(types or {})
    if event_time_feature is not None:
        chosen.setdefault(event_time_feature, "timestamp")
    for name in [*chosen, *(descriptions or {})]:
        if name not in frame.columns:
            raise InvalidArgumentError(
                f"The data has no column {name!r} (its columns: "
                f"{', '.join(map(str, frame.columns))})."
            )
    return [
        FeatureDefinition(
            name=f.name,
            type=chosen.get(f.name, f.type),
            description=(descriptions or {}).get(f.name, ""),
        )
        for f in inferred
    ]


def create_group(
    name: str,
    data: pd.DataFrame | str | Path | None = None,
    *,
    record_identifier: str,
    event_time_feature: str,
    features: Sequence[FeatureDefinition | Mapping[str, Any]] | None = None,
    types: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    ttl_seconds: int | None = None,
    offline_enabled: bool = True,
    online_enabled: bool = True,
    new_version: bool = False,
    ingest: bool = False,
) -> FeatureGroupHandle:
    """Create a feature group (version 1, or with ``new_version`` the next version).

    The features are either ``features`` (``[{"name": ..., "type": ...}, ...]``) or
    inferred from ``data`` (a DataFrame or a data file; see :func:`infer_definitions`,
    with ``types`` and ``descriptions`` per column). ``ingest=True`` also writes
    ``data`` into the new group.
    """
    if features is None and data is None:
        raise InvalidArgumentError("Give the features, or data to infer them from.")
    if features is not None and (types or descriptions):
        raise InvalidArgumentError("types and descriptions refine features inferred from data.")
    if ingest and data is None:
        raise InvalidArgumentError("ingest=True needs data.")
    frame = None if data is None else _frame(data)
    definitions = (
        list(features)
        if features is not None
        else infer_definitions(
            data if frame is None else frame,  # not None: checked above
            event_time_feature=event_time_feature,
            types=types,
            descriptions=descriptions,
        )
    )
    store = _store()
    group = store.create_group(
        name,
        record_identifier=record_identifier,
        event_time_feature=event_time_feature,
        features=definitions,
        description=description,
        tags=tags,
        ttl_seconds=ttl_seconds,
        offline_enabled=offline_enabled,
        online_enabled=online_enabled,
        new_version=new_version,
    )
    handle = FeatureGroupHandle(store, group)
    if ingest and frame is not None:
        source = str(data) if isinstance(data, str | Path) else "DataFrame"
        store.ingest(group.ref, frame, source=source)
    return handle


def get_group(ref: str) -> FeatureGroupHandle:
    """``"customers"`` (the newest version) or ``"customers@2"``; ``NotFoundError``."""
    store = _store()
    return FeatureGroupHandle(store, store.get_group(ref))


def list_groups(search: str | None = None) -> list[FeatureGroupHandle]:
    """The newest version of every group, by name; ``search`` matches part of a name,
    description, tag or feature name."""
    store = _store()
    groups: list[FeatureGroupHandle] = []
    token: str | None = None
    while True:
        page = store.list_groups(search=search, max_items=1000, next_token=token)
        groups.extend(FeatureGroupHandle(store, g) for g in page.items)
        token = page.next_token
        if token is None:
            return groups


def list_versions(name: str) -> list[FeatureGroupHandle]:
    """Every version of a group, newest first."""
    store = _store()
    return [FeatureGroupHandle(store, g) for g in store.list_versions(name)]


def delete_group(ref: str) -> None:
    """``"name@2"`` deletes that version, ``"name"`` every version, with their records."""
    _store().delete_group(ref)


def ingest(
    ref: str, data: pd.DataFrame | str | Path, *, batch_size: int | None = None
) -> IngestResult:
    """Write a DataFrame or a data file into the newest version of a group."""
    return get_group(ref).ingest(data, batch_size=batch_size)


def ingest_job(
    ref: str, path: str | Path, *, batch_size: int | None = None, wait: bool = False
) -> Any:
    """Ingest a big data file into a group in a processing job (status in the Jobs
    panel, rows written per batch in its log); returns the job handle."""
    return get_group(ref).ingest_job(path, batch_size=batch_size, wait=wait)


def put_record(ref: str, record: Mapping[str, Any]) -> IngestResult:
    return _store().put_record(ref, record)


def delete_record(
    ref: str, record_id: object, *, event_time: datetime | None = None
) -> IngestResult:
    return _store().delete_record(ref, record_id, event_time=event_time)


def get_record(ref: str, record_id: object) -> dict[str, Any] | None:
    """The latest live record of an id in the online store, or ``None``."""
    return _store().get_record(ref, record_id)


def get_records(ref: str, record_ids: Sequence[object]) -> list[dict[str, Any] | None]:
    return _store().get_records(ref, record_ids)


def to_df(
    ref: str,
    *,
    as_of: datetime | None = None,
    include_deleted: bool = False,
    limit: int | None = None,
) -> pd.DataFrame:
    """A group's offline history as ingested up to ``as_of``."""
    return _store().to_df(ref, as_of=as_of, include_deleted=include_deleted, limit=limit)


def summary(ref: str) -> GroupSummary:
    """Record counts, freshness and per-feature statistics of a group."""
    return _store().group_summary(ref)


def training_set(
    entity: pd.DataFrame | str | Path,
    features: Sequence[str],
    *,
    event_time: str,
    as_of: datetime | None = None,
    include_deleted: bool = False,
    event_time_range: tuple[datetime | None, datetime | None] | None = None,
    include_duplicated: bool = False,
    output: str | Path | None = None,
) -> TrainingSet:
    """:func:`dataset` with everything about it: the frame, the SQL it ran, the groups
    and versions joined and a fingerprint."""
    from ..tracking import active_run  # the run the notebook or script has open

    run = active_run()
    return _store().dataset(
        entity,
        features,
        event_time=event_time,
        as_of=as_of,
        include_deleted=include_deleted,
        event_time_range=event_time_range,
        include_duplicated=include_duplicated,
        output=output,
        run_id=run.id if run is not None else None,
    )


def dataset(
    entity: pd.DataFrame | str | Path,
    features: Sequence[str],
    *,
    event_time: str,
    as_of: datetime | None = None,
    include_deleted: bool = False,
    event_time_range: tuple[datetime | None, datetime | None] | None = None,
    include_duplicated: bool = False,
    output: str | Path | None = None,
) -> pd.DataFrame:
    """A point-in-time-correct training set: each entity row (a DataFrame or a data
    file) with the requested features (``"customers:age"``, ``"orders@2:*"``) as they
    were at the row's ``event_time``, honouring each group's TTL; ``as_of`` ignores what
    was ingested later; ``event_time_range=(start, end)`` uses only feature records
    whose event time is in the range; ``include_duplicated`` returns every record with
    the matched id and event time (one row each) instead of the latest ingestion.
    ``output`` also writes it (.parquet or .csv). The SQL it ran,
    the groups and the fingerprint are in ``df.attrs``."""
    result = training_set(
        entity,
        features,
        event_time=event_time,
        as_of=as_of,
        include_deleted=include_deleted,
        event_time_range=event_time_range,
        include_duplicated=include_duplicated,
        output=output,
    )
    frame = result.frame
    frame.attrs.update(
        {
            "sql": result.sql,
            "feature_groups": list(result.groups),
            "features": list(result.features),
            "fingerprint": result.fingerprint,
        }
    )
    return frame
