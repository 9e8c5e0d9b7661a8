"""ORM rows for the feature catalog. Rows never leave the store: see ``to_entity``.

Feature records themselves are not rows here: offline they are Parquet files under the
artifact store, online they live in the online store (``online.py``).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc, ref_id
from .entities import FeatureDefinition, FeatureGroup, Ingestion


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
