"""Request and response models of ``/feature-groups`` and ``/feature-datasets``: the
Feature Store.

A group is addressed by reference in the path: ``customers`` is its newest version,
``customers@2`` a given one. Paths in request bodies are relative to the server's root
folder, like the file browser's. Definitions are immutable: a changed schema is a new
version (``new_version: true``); only descriptions and tags change in place.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from ..features.entities import (
    GROUP_NAME,
    MAX_DESCRIPTION,
    MAX_FEATURES,
)
from ..features.entities import FeatureGroup as FeatureGroupEntity
from ..features.entities import Ingestion as IngestionEntity
from ..features.online import MAX_BATCH_GET
from ..paths import PathStr
from ..store.pagination import DEFAULT_MAX_ITEMS, MAX_MAX_ITEMS
from .common_models import INT64_MAX, Key, QueryModel, RequestModel, ResponseModel

FeatureType = Literal["integral", "fractional", "string", "boolean", "timestamp"]
FEATURE_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,127}$"
GROUP_REF_PATTERN = GROUP_NAME.pattern.rstrip("$") + r"(@[1-9][0-9]{0,17})?$"
MAX_PREVIEW_ROWS = 1000


def _iso_text(value: object) -> object:
    """Dates and times are ISO-8601 text: pydantic would also read a number (``0.5``)
    as seconds since 1970, which the schema does not allow."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO-8601 date and time (text)")
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be an ISO-8601 date and time, e.g. 2024-01-31T12:00:00Z")
    return value


# A date and time as ISO-8601 text, in a query string or a (strict) JSON body.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text), Field(strict=False)]
RecordId = (
    Annotated[int, Field(ge=-(2**63), le=INT64_MAX)]
    | Annotated[str, Field(min_length=1, max_length=1024)]
)


# -- groups ----------------------------------------------------------------------------
class FeatureSpec(RequestModel):
    name: str = Field(pattern=FEATURE_NAME_PATTERN)
    type: FeatureType
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class FeatureGroupCreate(RequestModel):
    """A new feature group (version 1), or with ``new_version`` the next version of one.
    ``features`` lists every column, the record identifier and event time included."""

    name: str = Field(pattern=GROUP_NAME.pattern)
    record_identifier: str = Field(
        pattern=FEATURE_NAME_PATTERN, description="The feature that identifies a record."
    )
    event_time_feature: str = Field(
        pattern=FEATURE_NAME_PATTERN,
        description="The timestamp feature that says when a record's values held.",
    )
    features: list[FeatureSpec] = Field(min_length=1, max_length=MAX_FEATURES)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    tags: dict[Key, str] = Field(default_factory=dict)
    ttl_seconds: int | None = Field(
        default=None,
        ge=1,
        le=INT64_MAX,
        description="How long a record stays valid for training sets (none: forever).",
    )
    offline_enabled: bool = True
    online_enabled: bool = True
    new_version: bool = Field(
        default=False,
        description="Create the next version of an existing group (a changed definition).",
    )


class FeatureGroupUpdate(RequestModel):
    """What may change in place (omitted fields keep their value)."""

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    tags: dict[Key, str] | None = None
    feature_descriptions: dict[str, Annotated[str, Field(max_length=MAX_DESCRIPTION)]] | None = (
        Field(default=None, description="Feature name → its new description.")
    )


class Feature(ResponseModel):
    name: str
    type: FeatureType
    description: str


class FeatureInferRequest(RequestModel):
    path: PathStr = Field(
        min_length=1,
        description="Data file or folder relative to the server's root folder; every row is read.",
    )


class FeatureInference(ResponseModel):
    features: list[Feature] = Field(description="Every column with its inferred type.")
    record_identifier: str | None = Field(description="The id column guessed from the header.")
    event_time_feature: str | None = Field(description="The event-time column guessed.")
    rows: int = Field(description="Rows the types were inferred from.")


class FeatureGroup(ResponseModel):
    id: str
    name: str
    version: int
    ref: str = Field(description="name@version: how datasets and messages name it.")
    latest_version: int = Field(description="The newest version of this name.")
    is_latest: bool = Field(description="Only the newest version takes new records.")
    description: str
    tags: dict[str, str]
    record_identifier: str
    event_time_feature: str
    features: list[Feature]
    feature_count: int
    ttl_seconds: int | None
    offline_enabled: bool
    online_enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_entity(cls, group: FeatureGroupEntity) -> FeatureGroup:
        return cls(
            id=group.id,
            name=group.name,
            version=group.version,
            ref=group.ref,
            latest_version=max(group.latest_version, group.version),
            is_latest=group.is_latest,
            description=group.description,
            tags=dict(group.tags),
            record_identifier=group.record_identifier,
            event_time_feature=group.event_time_feature,
            features=[
                Feature(name=f.name, type=f.type, description=f.description) for f in group.features
            ],
            feature_count=len(group.features),
            ttl_seconds=group.ttl_seconds,
            offline_enabled=group.offline_enabled,
            online_enabled=group.online_enabled,
            created_at=group.created_at,
            updated_at=group.updated_at,
        )


class FeatureGroupList(ResponseModel):
    items: list[FeatureGroup]
    next_token: str | None = None


class FeatureGroupListQuery(QueryModel):
    search: str | None = Field(
        default=None,
        max_length=256,
        description="Matches part of the name, description, a tag, or a feature's name "
        "or description.",
    )
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


# -- statistics ------------------------------------------------------------------------
class FeatureStatistics(ResponseModel):
    name: str
    type: FeatureType
    present: int = Field(description="Live records with a value.")
    missing: int
    distinct: int = Field(description="Approximate number of distinct values.")
    minimum: Any = Field(description="Numbers and timestamps only.")
    maximum: Any = Field(description="Numbers and timestamps only.")
    mean: float | None = Field(description="Numbers only.")


class FeatureGroupSummary(ResponseModel):
    group: str = Field(description="name@version")
    records: int | None = Field(description="Live records in the offline history.")
    tombstones: int | None = Field(description="Deletions kept in the offline history.")
    online_records: int | None = Field(description="Ids in the online store.")
    latest_event_time: datetime | None
    latest_ingestion: datetime | None = Field(description="Freshness: the last write.")
    features: list[FeatureStatistics] = Field(
        description="Per-feature statistics of the offline history (empty without one)."
    )


# -- ingestion -------------------------------------------------------------------------
class Ingestion(ResponseModel):
    id: str
    rows: int
    deleted_rows: int
    source: str
    ingested_at: datetime

    @classmethod
    def from_entity(cls, ingestion: IngestionEntity) -> Ingestion:
        return cls(
            id=ingestion.id,
            rows=ingestion.rows,
            deleted_rows=ingestion.deleted_rows,
            source=ingestion.source,
            ingested_at=ingestion.ingested_at,
        )


class IngestionList(ResponseModel):
    items: list[Ingestion]
    next_token: str | None = None


class IngestionListQuery(QueryModel):
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class IngestRequest(RequestModel):
    path: PathStr = Field(
        min_length=1,
        description="Data file or folder (CSV, TSV, Parquet, JSON lines) relative to the "
        "server's root folder; timestamps in text files are ISO-8601.",
    )
    batch_size: int | None = Field(default=None, ge=1, le=INT64_MAX)


class IngestJobRequest(RequestModel):
    path: PathStr = Field(
        min_length=1,
        description="Data file or folder relative to the server's root folder, ingested by "
        "a processing job (rows written per batch in its log).",
    )
    batch_size: int | None = Field(default=None, ge=1, le=INT64_MAX)


class IngestResult(ResponseModel):
    group: str = Field(description="name@version written to.")
    rows_written: int
    duplicates_dropped: int = Field(description="Rows that repeated an (id, event time) pair.")
    batches: int
    ingested_at: datetime | None


# -- records ---------------------------------------------------------------------------
class FeatureRecord(ResponseModel):
    group: str = Field(description="name@version read from.")
    record_id: str
    record: dict[str, Any] = Field(description="Feature name → value (timestamps ISO-8601).")


class RecordPut(RequestModel):
    record: dict[str, Any] = Field(
        description="Every feature → its value; the record identifier may be left out "
        "(the path gives it). Timestamps are ISO-8601 text."
    )


class RecordDeleteQuery(QueryModel):
    event_time: IsoDateTime | None = Field(
        default=None, description="When the record stops holding (default now)."
    )


class RecordBatchGet(RequestModel):
    record_ids: list[RecordId] = Field(max_length=MAX_BATCH_GET)


class FeatureRecordList(ResponseModel):
    group: str
    items: list[dict[str, Any] | None] = Field(
        description="The records in the order asked; null for an unknown or deleted id."
    )


class RowsQuery(QueryModel):
    limit: int = Field(default=100, ge=1, le=MAX_PREVIEW_ROWS)
    as_of: IsoDateTime | None = Field(default=None, description="Ignore what was ingested later.")
    include_deleted: bool = False


class FeatureRows(ResponseModel):
    """Rows of a table: ``columns`` names the values of each row."""

    columns: list[str]
    rows: list[list[Any]]


# -- datasets --------------------------------------------------------------------------
class DatasetCreate(RequestModel):
    """A point-in-time-correct training set: every entity row with the features as they
    were at its event time."""

    entity_path: PathStr = Field(
        min_length=1,
        description="Entity data file relative to the server's root folder: the record "
        "ids and the event-time column.",
    )
    features: list[Annotated[str, Field(min_length=3, max_length=300)]] = Field(
        min_length=1,
        max_length=MAX_FEATURES,
        description="'group:feature', 'group@2:feature' or 'group:*'.",
    )
    event_time: str = Field(min_length=1, max_length=300, description="Entity time column.")
    as_of: IsoDateTime | None = Field(default=None, description="Ignore later ingestions.")
    include_deleted: bool = False
    event_time_start: IsoDateTime | None = Field(
        default=None,
        description="Use only feature records whose event time is at or after this.",
    )
    event_time_end: IsoDateTime | None = Field(
        default=None,
        description="Use only feature records whose event time is at or before this.",
    )
    include_duplicated: bool = Field(
        default=False,
        description="Every record with the matched id and event time (one row each), "
        "not only the latest ingestion.",
    )
    output_path: PathStr | None = Field(
        default=None,
        min_length=1,
        description="Write the dataset here (.parquet or .csv), relative to the root folder.",
    )
    preview_rows: int = Field(default=20, ge=0, le=MAX_PREVIEW_ROWS)


class Dataset(ResponseModel):
    sql: str = Field(description="The DuckDB query that built it.")
    groups: list[str] = Field(description="name@version of every group joined.")
    features: list[str] = Field(description="The output columns holding features.")
    rows: int
    entity_rows: int
    as_of: datetime | None
    fingerprint: str
    output_path: str | None = Field(description="Where it was written, relative to the root.")
    preview: FeatureRows


# -- lineage ---------------------------------------------------------------------------
class FeatureDatasetRecord(ResponseModel):
    """A recorded training set (built by ``dataset(output=...)`` or inside a run)."""

    id: str
    fingerprint: str
    groups: list[str] = Field(description="name@version of every group joined.")
    features: list[str]
    entity_source: str
    entity_rows: int
    as_of: datetime | None = None
    output_uri: str | None = None
    output_hash: str | None = Field(
        default=None, description="sha256 of the written file (the registry's data hash)."
    )
    run_id: str | None = None
    created_at: datetime


class FeatureDatasetRecordList(ResponseModel):
    items: list[FeatureDatasetRecord]
    next_token: str | None = None


class FeatureDatasetRecordQuery(QueryModel):
    group: str | None = Field(default=None, description="Only datasets that joined this group.")
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=MAX_MAX_ITEMS)
    next_token: str | None = None


class LineageFeed(ResponseModel):
    kind: Literal["flow", "job", "file", "sdk"]
    name: str
    source: str
    flow: str | None = None
    job_id: str | None = None
    ingestions: int
    rows: int
    last_ingested_at: datetime


class LineageRun(ResponseModel):
    id: str
    name: str
    status: str
    experiment_id: str
    experiment_name: str
    built_dataset: bool


class LineageJob(ResponseModel):
    id: str
    name: str
    status: str


class LineageModelVersion(ResponseModel):
    model: str
    version: int
    run_id: str | None = None
    job_id: str | None = None
    datasets: list[str] = Field(description="Ids of the recorded datasets it trained on.")


class LineageServed(ResponseModel):
    model: str
    version: int


class LineageEndpoint(ResponseModel):
    name: str
    status: str
    models: list[LineageServed]


class FeatureGroupLineage(ResponseModel):
    """Who feeds a group version and who uses it."""

    group: str
    feeds: list[LineageFeed]
    datasets: list[FeatureDatasetRecord]
    runs: list[LineageRun]
    jobs: list[LineageJob]
    model_versions: list[LineageModelVersion]
    endpoints: list[LineageEndpoint]
