"""ORM rows of the registry. Rows never leave the store: see ``to_entity``."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..store.orm import Base, KeyValueColumns, as_utc, ref_id, utcnow
from .entities import ApprovalEvent, ModelGroup, ModelVersion


class ModelGroupRow(Base):
    __tablename__ = "model_groups"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Version numbers come from this counter, bumped under the row's lock, so two
    # processes registering at once get distinct numbers on SQLite and PostgreSQL.
    latest_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, index=True
    )
    tags: Mapped[list[ModelGroupTagRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ModelGroupTagRow.key"
    )
    aliases: Mapped[list[ModelAliasRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ModelAliasRow.alias"
    )

    def to_entity(self, versions_by_id: dict[str, int]) -> ModelGroup:
        return ModelGroup(
            id=self.id,
            name=self.name,
            description=self.description,
            tags={t.key: t.value for t in self.tags},
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            latest_version=self.latest_version,
            aliases={a.alias: versions_by_id[a.version_id] for a in self.aliases},
        )


class ModelGroupTagRow(KeyValueColumns, Base):
    __tablename__ = "model_group_tags"

    group_id: Mapped[str] = ref_id("model_groups", primary_key=True)


class ModelVersionRow(Base):
    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("group_id", "version"),
        Index("ix_model_versions_run", "source_run_id"),
        Index("ix_model_versions_job", "source_job_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[str] = ref_id("model_groups", nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    artifact_uri: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(80), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    flavor: Mapped[str] = mapped_column(String(32), nullable=False)
    signature: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    input_example: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    library_versions: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    metrics: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    data_ref: Mapped[str | None] = mapped_column(Text)
    source_run_id: Mapped[str | None] = ref_id("runs", on_delete="SET NULL")
    source_job_id: Mapped[str | None] = ref_id("jobs", on_delete="SET NULL")
    # the only mutable parts: description, tags, approval, card
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    approval_status: Mapped[str] = mapped_column(String(32), nullable=False)
    card: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    tags: Mapped[list[ModelVersionTagRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ModelVersionTagRow.key"
    )
    approvals: Mapped[list[ApprovalEventRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ApprovalEventRow.id"
    )

    def to_entity(self, name: str, aliases: tuple[str, ...]) -> ModelVersion:
        return ModelVersion(
            id=self.id,
            group_id=self.group_id,
            name=name,
            version=self.version,
            created_at=as_utc(self.created_at),
            artifact_uri=self.artifact_uri,
            content_hash=self.content_hash,
            size_bytes=self.size_bytes,
            flavor=self.flavor,
            signature=json.loads(self.signature),
            input_example=json.loads(self.input_example),
            library_versions=json.loads(self.library_versions),
            metrics=json.loads(self.metrics),
            params=json.loads(self.params),
            description=self.description,
            tags={t.key: t.value for t in self.tags},
            approval_status=self.approval_status,
            card=json.loads(self.card),
            source_run_id=self.source_run_id,
            source_job_id=self.source_job_id,
            data_ref=json.loads(self.data_ref) if self.data_ref else None,
            aliases=aliases,
            approvals=tuple(
                ApprovalEvent(
                    at=as_utc(e.at),
                    actor=e.actor,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    comment=e.comment,
                )
                for e in self.approvals
            ),
        )


class ModelVersionTagRow(KeyValueColumns, Base):
    __tablename__ = "model_version_tags"

    version_id: Mapped[str] = ref_id("model_versions", primary_key=True)


class ApprovalEventRow(Base):
    __tablename__ = "model_approvals"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    version_id: Mapped[str] = ref_id("model_versions", nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(256), nullable=False)
    from_status: Mapped[str] = mapped_column(String(32), nullable=False)
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False)


class ModelAliasRow(Base):
    __tablename__ = "model_aliases"

    group_id: Mapped[str] = ref_id("model_groups", primary_key=True)
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[str] = ref_id("model_versions", nullable=False)
