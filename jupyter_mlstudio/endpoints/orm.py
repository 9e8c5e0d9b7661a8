"""ORM row of an endpoint. Rows never leave the store: see ``to_entity``."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
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
