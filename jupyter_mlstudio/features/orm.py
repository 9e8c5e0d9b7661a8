"""ORM rows for the feature catalog. Rows never leave the store: see ``to_entity``.

Feature records themselves are not rows here: offline they are Parquet files under the
artifact store, online they live in the online store (``online.py``).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc, ref_id
from .entities import FeatureDefinition, FeatureGroup, Ingestion
from .lineage import FeatureDataset


class FeatureGroupRow(Base):
    __tablename__ = "feature_groups"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_feature_groups_name_version"),
        Index("ix_feature_groups_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    tags: Mapped[str] = mapped_column(Text, nullable=False)  # JSON object
    record_identifier: Mapped[str] = mapped_column(String(128), nullable=False)
    event_time_feature: Mapped[str] = mapped_column(String(128), nullable=False)
    features: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list, in order
    ttl_seconds: Mapped[int | None] = mapped_column(Integer)
    offline_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    online_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(32), nullable=False)
    # Lower-cased name, description, tags and feature names and descriptions: the
    # catalog search is one portable LIKE on this column.
    search_text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self, latest_version: int = 0) -> FeatureGroup:
        return FeatureGroup(
            id=self.id,
            name=self.name,
            version=self.version,
            record_identifier=self.record_identifier,
            event_time_feature=self.event_time_feature,
            features=tuple(FeatureDefinition(**f) for f in json.loads(self.features)),
            description=self.description,
            tags=json.loads(self.tags),
            ttl_seconds=self.ttl_seconds,
            offline_enabled=self.offline_enabled,
            online_enabled=self.online_enabled,
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            latest_version=max(latest_version, self.version),
        )


class FeatureIngestionRow(Base):
    __tablename__ = "feature_ingestions"
    __table_args__ = (Index("ix_feature_ingestions_group_time", "group_id", "ingested_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[str] = ref_id("feature_groups", nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    deleted_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    offline_files: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list

    def to_entity(self) -> Ingestion:
        return Ingestion(
            id=self.id,
            group_id=self.group_id,
            rows=self.rows,
            deleted_rows=self.deleted_rows,
            source=self.source,
            ingested_at=as_utc(self.ingested_at),
            offline_files=tuple(json.loads(self.offline_files)),
        )


class FeatureDatasetRow(Base):
    """A training set built from feature groups (``FeatureStore.dataset``), kept for
    lineage: ``output_hash`` is the registry's ``data_reference`` hash of the written
    file, so a model trained on it matches exactly."""

    __tablename__ = "feature_datasets"
    __table_args__ = (
        Index("ix_feature_datasets_created", "created_at"),
        Index("ix_feature_datasets_hash", "output_hash"),
        Index("ix_feature_datasets_run", "run_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32), nullable=False)
    groups: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of name@version
    features: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of columns
    entity_source: Mapped[str] = mapped_column(Text, nullable=False)
    entity_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    output_uri: Mapped[str | None] = mapped_column(Text)
    output_hash: Mapped[str | None] = mapped_column(String(80))
    # Not a foreign key: the record outlives a deleted run.
    run_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    def to_entity(self) -> FeatureDataset:
        return FeatureDataset(
            id=self.id,
            fingerprint=self.fingerprint,
            groups=tuple(json.loads(self.groups)),
            features=tuple(json.loads(self.features)),
            entity_source=self.entity_source,
            entity_rows=self.entity_rows,
            as_of=as_utc(self.as_of) if self.as_of else None,
            output_uri=self.output_uri,
            output_hash=self.output_hash,
            run_id=self.run_id,
            created_at=as_utc(self.created_at),
        )


class FeatureDatasetGroupRow(Base):
    """Which group versions a recorded dataset joined (the lineage query's index)."""

    __tablename__ = "feature_dataset_groups"
    __table_args__ = (Index("ix_feature_dataset_groups_group", "group_name", "group_version"),)

    dataset_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("feature_datasets.id", ondelete="CASCADE"), primary_key=True
    )
    group_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_version: Mapped[int] = mapped_column(Integer, primary_key=True)
