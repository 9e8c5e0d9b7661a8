"""The experiment store: its contract and the SQLAlchemy implementation.

The contract is what every backend promises; tests in ``tests/stores/test_experiment_store.py``
run against every implementation.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyExistsError
from ..store.db import Database
from ..store.lookup import row_by_id, row_by_name
from ..store.orm import utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, PageWindow
from .entities import Experiment, Page, validate_description, validate_name, validate_tags
from .orm import ExperimentRow, ExperimentTagRow


class ExperimentStore(abc.ABC):
    """What every experiment backend provides.

    Thread-safe. Returned objects are immutable snapshots. Names are unique
    (case-sensitive) after stripping surrounding whitespace.

    Raises (all subclasses of ``jupyter_mlstudio.errors.MLStudioError``):
      ``InvalidArgumentError`` for a bad name, description, tags or pagination argument;
      ``NotFoundError`` for an unknown id or name;
      ``AlreadyExistsError`` when a create or rename would duplicate a name;
      ``StoreUnavailableError`` when the database cannot be reached.
    """

    @abc.abstractmethod
    def create_experiment(
        self, name: str, description: str = "", tags: Mapping[str, str] | None = None
    ) -> Experiment: ...

    @abc.abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment: ...

    @abc.abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment: ...

    @abc.abstractmethod
    def list_experiments(
        self, max_items: int = DEFAULT_MAX_ITEMS, next_token: str | None = None
    ) -> Page[Experiment]:
        """Newest first; follow ``next_token`` for the next page."""

    @abc.abstractmethod
    def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Experiment:
        """Change the given fields; ``tags`` replaces the whole tag set."""

    @abc.abstractmethod
    def delete_experiment(self, experiment_id: str) -> None:
        """Delete the experiment and everything it owns."""


class SqlExperimentStore(ExperimentStore):
    def __init__(self, db: Database) -> None:
        self._db = db

    def create_experiment(
        self, name: str, description: str = "", tags: Mapping[str, str] | None = None
    ) -> Experiment:
        name = validate_name(name)
        description = validate_description(description)
        clean_tags = validate_tags(tags or {})
        now = utcnow()
        row = ExperimentRow(
            id=uuid.uuid4().hex,
            name=name,
            description=description,
            created_at=now,
            updated_at=now,
            tags=[ExperimentTagRow(key=k, value=v) for k, v in clean_tags.items()],
        )
        try:
            with self._db.session(write=True) as session:
                if self._find_by_name(session, name) is not None:
                    raise _duplicate(name)
                session.add(row)
                session.flush()
                return row.to_entity()
        except IntegrityError as exc:  # lost a race with another writer
            raise _duplicate(name) from exc

    def get_experiment(self, experiment_id: str) -> Experiment:
        with self._db.session() as session:
            return self._require(session, experiment_id).to_entity()

    def get_experiment_by_name(self, name: str) -> Experiment:
        name = validate_name(name)
        with self._db.session() as session:
            return row_by_name(session, ExperimentRow, name, "experiment").to_entity()

    def list_experiments(
        self, max_items: int = DEFAULT_MAX_ITEMS, next_token: str | None = None
    ) -> Page[Experiment]:
        window = PageWindow.of(max_items, next_token)
        query = select(ExperimentRow).order_by(
            ExperimentRow.created_at.desc(), ExperimentRow.id.desc()
        )
        with self._db.session() as session:
            return window.fetch(session, query, ExperimentRow.to_entity)

    def count_experiments(self) -> int:
        with self._db.session() as session:
            return int(session.scalar(select(func.count()).select_from(ExperimentRow)) or 0)

    def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Experiment:
        new_name = validate_name(name) if name is not None else None
        new_description = validate_description(description) if description is not None else None
        new_tags = validate_tags(tags) if tags is not None else None
        try:
            with self._db.session(write=True) as session:
                row = self._require(session, experiment_id)
                if new_name is not None and new_name != row.name:
                    if self._find_by_name(session, new_name) is not None:
                        raise _duplicate(new_name)
                    row.name = new_name
                if new_description is not None:
                    row.description = new_description
                if new_tags is not None:
                    row.tags = [ExperimentTagRow(key=k, value=v) for k, v in new_tags.items()]
                row.updated_at = utcnow()
                session.flush()
                session.refresh(row)
                return row.to_entity()
        except IntegrityError as exc:
            raise _duplicate(new_name or "") from exc

    def delete_experiment(self, experiment_id: str) -> None:
        with self._db.session(write=True) as session:
            session.delete(self._require(session, experiment_id))

    # -- helpers --------------------------------------------------------------------
    @staticmethod
    def _require(session: Session, experiment_id: str) -> ExperimentRow:
        return row_by_id(session, ExperimentRow, experiment_id, "experiment")

    @staticmethod
    def _find_by_name(session: Session, name: str) -> ExperimentRow | None:
        return session.scalars(select(ExperimentRow).where(ExperimentRow.name == name)).first()


def _duplicate(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(f"An experiment named {name!r} already exists.")
