"""ORM row of an endpoint. Rows never leave the store: see ``to_entity``."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.orm import Base, as_utc
from .entities import DeployedVariant, Endpoint, EndpointStatus


class EndpointRow(Base):
    __tablename__ = "endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    config_json: Mapped[str] = mapped_column(Text, nullable=False)
    variants_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    token: Mapped[str | None] = mapped_column(String(128))
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    url: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None] = mapped_column(Integer)
    pid: Mapped[int | None] = mapped_column(Integer)
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )

    def to_entity(self) -> Endpoint:
        return Endpoint(
            id=self.id,
            name=self.name,
            status=EndpointStatus(self.status),
            config=json.loads(self.config_json),
            variants=[DeployedVariant(**v) for v in json.loads(self.variants_json)],
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
            host=self.host,
            url=self.url,
            port=self.port,
            pid=self.pid,
            token=self.token,
            failure_reason=self.failure_reason,
            generation=self.generation,
            owner_pid=self.owner_pid,
        )


class AsyncRequestRow(Base):
    """One asynchronous inference request: the durable queue of ``async_inference``."""

    __tablename__ = "async_requests"
    __table_args__ = (
        Index("ix_async_requests_queue", "endpoint", "status", "created_at"),
        Index("ix_async_requests_lease", "status", "lease_until"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(64), nullable=False)
    variant: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    input_location: Mapped[str] = mapped_column(Text, nullable=False)
    output_location: Mapped[str] = mapped_column(Text, nullable=False)
    failure_location: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(String(128), nullable=False)
    accept: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
