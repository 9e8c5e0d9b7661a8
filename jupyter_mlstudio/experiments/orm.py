"""ORM rows for experiments. Rows never leave the store: see ``to_entity``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..store.orm import Base, KeyValueColumns, as_utc, ref_id, utcnow
from .entities import Experiment


class ExperimentRow(Base):
    __tablename__ = "experiments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    tags: Mapped[list[ExperimentTagRow]] = relationship(
        back_populates="experiment",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ExperimentTagRow.key",
    )

    def to_entity(self) -> Experiment:
        return Experiment(
            id=self.id,
            name=self.name,
            description=self.description,
            tags={tag.key: tag.value for tag in self.tags},
            created_at=as_utc(self.created_at),
            updated_at=as_utc(self.updated_at),
        )


class ExperimentTagRow(KeyValueColumns, Base):
    __tablename__ = "experiment_tags"

    experiment_id: Mapped[str] = ref_id("experiments", primary_key=True)
    experiment: Mapped[ExperimentRow] = relationship(back_populates="tags")
