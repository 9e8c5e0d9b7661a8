"""The run store: its contract and the SQLAlchemy implementation.

Writes are batched: ``log_batch`` inserts the metric history with one executemany and
keeps ``latest_metrics`` current with one upsert per key, all in one transaction.
"""

from __future__ import annotations

import abc
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidArgumentError, NotFoundError
from ..store.db import Database, fetch_plain_rows
from ..store.lookup import row_by_id
from ..store.orm import as_utc, utcnow
from ..store.pagination import DEFAULT_MAX_ITEMS, Page, PageWindow
from .orm import ExperimentRow
from .run_entities import (
    LIFECYCLES,
    MAX_BATCH,
    TERMINAL_STATUSES,
    Metric,
    Run,
    RunRecord,
    param_value,
    tag_value,
    validate_key,
    validate_run_name,
    validate_status,
)
from .runs_orm import LatestMetricRow, MetricRow, RunParamRow, RunRow, RunTagRow


class RunStore(abc.ABC):
    """What every run backend provides.

    Thread-safe; returned objects are immutable snapshots. Params are write-once (the
    same value again is accepted, a different one is a ``ConflictError``); tags can be
    overwritten; metrics are appended. Raises ``InvalidArgumentError`` for bad input,
    ``NotFoundError`` for unknown runs or experiments, ``ConflictError`` for changing a
    param or writing to a run in the trash.
    """

    @abc.abstractmethod
    def create_run(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_run_id: str | None = None,
        host: str = "",
        pid: int | None = None,
        start_time: datetime | None = None,
    ) -> Run:
        """A new RUNNING run; ``start_time`` (default now) is the client's clock when it
        says when the run started (MLflow's create_run does)."""

    @abc.abstractmethod
    def get_run(self, run_id: str) -> Run: ...

    @abc.abstractmethod
    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> None: ...

    @abc.abstractmethod
    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time: datetime | None = None
    ) -> Run:
        """End a run as ``status`` at ``end_time`` (default now; MLflow's client sends its
        clock)."""

    @abc.abstractmethod
    def resume_run(self, run_id: str) -> Run:
        """Set an ended run RUNNING again (MLflow's ``start_run(run_id=...)``); the process
        that resumes it is not recorded, so the dead-process sweep leaves it alone."""

    @abc.abstractmethod
    def record_runs(
        self,
        experiment_id: str,
        records: Sequence[RunRecord],
        *,
        parent_run_id: str | None = None,
    ) -> list[str]:
        """Store finished runs whole, all in one transaction (the same rules as
        ``create_run``, ``log_batch`` and ``end_run``; nothing is stored when one is
        refused); returns their ids in order."""

    @abc.abstractmethod
    def update_run(
        self, run_id: str, *, name: str | None = None, experiment_id: str | None = None
    ) -> Run:
        """Rename a run or move it (and its children stay where they are) to another experiment."""

    @abc.abstractmethod
    def delete_tag(self, run_id: str, key: str) -> None: ...

    @abc.abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Move a run to the trash; ``restore_run`` brings it back."""

    @abc.abstractmethod
    def restore_run(self, run_id: str) -> None: ...

    @abc.abstractmethod
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
        lifecycle: str = "active",
    ) -> Page[Run]:
        """Runs matching the filter grammar (docs/search-grammar.md), sorted, one page."""

    @abc.abstractmethod
    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every logged value of one metric, by step then timestamp."""

    @abc.abstractmethod
    def latest_metrics(self, run_ids: Sequence[str]) -> dict[str, list[Metric]]:
        """Each run's latest value of each metric with its step and timestamp (the run
        snapshot keeps only the value), in one query; runs without metrics are absent."""

    @abc.abstractmethod
    def count_runs(
        self, experiment_ids: Sequence[str], filter: str | None = None, lifecycle: str = "active"
    ) -> int:
        """How many runs ``search_runs`` would return over all its pages."""

    @abc.abstractmethod
    def list_keys(self, experiment_id: str) -> dict[str, list[str]]:
        """The metric, param and tag names used by an experiment's runs, sorted."""

    @abc.abstractmethod
    def purge_deleted(self, deleted_before: datetime, *, dry_run: bool = False) -> list[Run]:
        """Permanently remove runs trashed before ``deleted_before``; returns what went."""

    @abc.abstractmethod
    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(run id, last change, start time) of runs changed after ``since``, oldest first."""

    @abc.abstractmethod
    def fail_dead_runs(self, host: str, is_alive: Callable[[int], bool]) -> list[str]:
        """Mark FAILED the RUNNING runs started on ``host`` whose process is gone."""


class SqlRunStore(RunStore):
    def __init__(self, db: Database, artifact_root: str) -> None:
        self._db = db
        self._artifact_root = artifact_root.rstrip("/")

    # -- runs ------------------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_run_id: str | None = None,
        host: str = "",
        pid: int | None = None,
        start_time: datetime | None = None,
    ) -> Run:
        run_name = validate_run_name(name) if name is not None else _random_name()
        clean_tags = {validate_key(k, "Tag"): tag_value(k, v) for k, v in (tags or {}).items()}
        run_id = uuid.uuid4().hex
        with self._db.session(write=True) as session:
            row_by_id(session, ExperimentRow, experiment_id, "experiment")
            if parent_run_id is not None:
                self._require(session, parent_run_id)
            now = utcnow()
            session.add(
                RunRow(
                    id=run_id,
                    experiment_id=experiment_id,
                    name=run_name,
                    status="RUNNING",
                    parent_run_id=parent_run_id,
                    start_time=as_utc(start_time) if start_time else now,
                    lifecycle="active",
                    artifact_uri=(
                        f"{self._artifact_root}/experiments/{experiment_id}/runs/{run_id}/artifacts"
                    ),
                    host=host,
                    pid=pid,
                    heartbeat_at=now,
                )
            )
            session.flush()
            if clean_tags:
                session.execute(
                    insert(RunTagRow),
                    [{"run_id": run_id, "key": k, "value": v} for k, v in clean_tags.items()],
                )
            return self._load(session, [run_id])[0]

    def get_run(self, run_id: str) -> Run:
        with self._db.session() as session:
            self._require(session, run_id)
            return self._load(session, [run_id])[0]

    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time: datetime | None = None
    ) -> Run:
        final = validate_status(status)
        if final not in TERMINAL_STATUSES:
            raise InvalidArgumentError(f"A run ends as one of {', '.join(TERMINAL_STATUSES)}.")
        with self._db.session(write=True) as session:
            row = self._require(session, run_id)
            row.status = final
            row.heartbeat_at = utcnow()
            row.end_time = as_utc(end_time) if end_time else row.heartbeat_at
            session.flush()
            return self._load(session, [run_id])[0]

    def resume_run(self, run_id: str) -> Run:
        with self._db.session(write=True) as session:
            row = self._require(session, run_id)
            row.status = "RUNNING"
            row.end_time = None
            row.pid = None
            row.heartbeat_at = utcnow()
            session.flush()
            return self._load(session, [run_id])[0]

    def record_runs(
        self,
        experiment_id: str,
        records: Sequence[RunRecord],
        *,
        parent_run_id: str | None = None,
    ) -> list[str]:
        if not records:
            return []
        now = utcnow()
        runs: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        params: list[dict[str, Any]] = []
        for record in records:
            status = validate_status(record.status)
            if status not in TERMINAL_STATUSES:
                raise InvalidArgumentError(
                    f"A recorded run ends as one of {', '.join(TERMINAL_STATUSES)}."
                )
            if len(record.metrics) + len(record.params) + len(record.tags) > MAX_BATCH:
                raise InvalidArgumentError(f"A run holds at most {MAX_BATCH} values here.")
            run_id = uuid.uuid4().hex
            runs.append(
                {
                    "id": run_id,
                    "experiment_id": experiment_id,
                    "name": validate_run_name(record.name),
                    "status": status,
                    "parent_run_id": parent_run_id,
                    "start_time": record.start_time,
                    "end_time": record.end_time,
                    "lifecycle": "active",
                    "artifact_uri": (
                        f"{self._artifact_root}/experiments/{experiment_id}/runs/{run_id}/artifacts"
                    ),
                    "host": "",
                    "pid": None,
                    "heartbeat_at": now,  # written now: change watchers see it
                }
            )
            tags += [
                {"run_id": run_id, "key": validate_key(k, "Tag"), "value": tag_value(k, v)}
                for k, v in record.tags.items()
            ]
            params += [
                {"run_id": run_id, "key": validate_key(k, "Param"), "value": param_value(k, v)}
                for k, v in record.params.items()
            ]
        with self._db.session(write=True) as session:
            row_by_id(session, ExperimentRow, experiment_id, "experiment")
            if parent_run_id is not None:
                self._require(session, parent_run_id)
            session.execute(insert(RunRow), runs)
            if tags:
                session.execute(insert(RunTagRow), tags)
            if params:
                session.execute(insert(RunParamRow), params)
            # every run's metrics in one statement pair: one per run cost ~1 ms a run
            self._insert_metrics(
                session,
                [
                    (run["id"], metric)
                    for run, record in zip(runs, records, strict=True)
                    for metric in record.metrics
                ],
            )
        return [run["id"] for run in runs]

    def update_run(
        self, run_id: str, *, name: str | None = None, experiment_id: str | None = None
    ) -> Run:
        new_name = validate_run_name(name) if name is not None else None
        with self._db.session(write=True) as session:
            row = self._require(session, run_id)
            row.heartbeat_at = utcnow()
            if new_name is not None:
                row.name = new_name
            if experiment_id is not None and experiment_id != row.experiment_id:
                row_by_id(session, ExperimentRow, experiment_id, "experiment")
                row.experiment_id = experiment_id
            session.flush()
            return self._load(session, [run_id])[0]

    def delete_tag(self, run_id: str, key: str) -> None:
        with self._db.session(write=True) as session:
            self._require(session, run_id)
            result = session.execute(
                delete(RunTagRow).where(RunTagRow.run_id == run_id, RunTagRow.key == key)
            )
            if not getattr(result, "rowcount", 1):
                raise NotFoundError(f"Run {run_id!r} has no tag {key!r}.")

    def delete_run(self, run_id: str) -> None:
        self._set_lifecycle(run_id, "deleted")

    def restore_run(self, run_id: str) -> None:
        self._set_lifecycle(run_id, "active")

    def _set_lifecycle(self, run_id: str, lifecycle: str) -> None:
        with self._db.session(write=True) as session:
            row = self._require(session, run_id)
            row.lifecycle = lifecycle
            row.heartbeat_at = utcnow()
            row.deleted_at = row.heartbeat_at if lifecycle == "deleted" else None

    # -- logging ---------------------------------------------------------------------
    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> None:
        params = params or {}
        tags = tags or {}
        if len(metrics) + len(params) + len(tags) > MAX_BATCH:
            raise InvalidArgumentError(f"A batch holds at most {MAX_BATCH} values; split it.")
        clean_params = {validate_key(k, "Param"): param_value(k, v) for k, v in params.items()}
        clean_tags = {validate_key(k, "Tag"): tag_value(k, v) for k, v in tags.items()}
        with self._db.session(write=True) as session:
            row = self._require(session, run_id)
            if row.lifecycle != "active":
                raise ConflictError(f"Run {run_id!r} is in the trash; restore it to log to it.")
            if clean_params:
                self._insert_params(session, run_id, clean_params)
            if clean_tags:
                self._upsert_tags(session, run_id, clean_tags)
            if metrics:
                self._insert_metrics(session, [(run_id, m) for m in metrics])
            row.heartbeat_at = utcnow()

    def _insert_params(self, session: Session, run_id: str, params: dict[str, str]) -> None:
        query = select(RunParamRow.key, RunParamRow.value).where(
            RunParamRow.run_id == run_id, RunParamRow.key.in_(list(params))
        )
        # not dict(result): a Result has keys(), so dict() would read it as a mapping
        existing = {key: value for key, value in session.execute(query)}  # noqa: C416
        for key, old in existing.items():
            if old != params[key]:
                raise ConflictError(
                    f"Param {key!r} was already logged as {old!r}; params cannot change "
                    f"(got {params[key]!r}). Log a new run, or use a tag or metric instead."
                )
        new = [
            {"run_id": run_id, "key": k, "value": v} for k, v in params.items() if k not in existing
        ]
        if new:
            session.execute(insert(RunParamRow), new)

    def _upsert_tags(self, session: Session, run_id: str, tags: dict[str, str]) -> None:
        values = [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
        stmt = _upsert_statement(session, RunTagRow)
        if stmt is None:
            session.execute(
                delete(RunTagRow).where(RunTagRow.run_id == run_id, RunTagRow.key.in_(list(tags)))
            )
            session.execute(insert(RunTagRow), values)
            return
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["run_id", "key"], set_={"value": stmt.excluded.value}
            ),
            values,
        )

    def _insert_metrics(self, session: Session, metrics: Sequence[tuple[str, Metric]]) -> None:
        """(run id, metric) pairs: the history rows, and each run's latest value per key."""
        if not metrics:
            return
        rows: list[dict[str, Any]] = [
            {
                "run_id": run_id,
                "key": m.key,
                "step": m.step,
                "timestamp": m.timestamp,
                "value": None if math.isnan(m.value) else m.value,
            }
            for run_id, m in metrics
        ]
        session.execute(insert(MetricRow), rows)
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:  # the batch's own latest value per key: highest (step, timestamp)
            best = latest.get((r["run_id"], r["key"]))
            if best is None or (r["step"], r["timestamp"]) >= (best["step"], best["timestamp"]):
                latest[(r["run_id"], r["key"])] = r
        stmt = _upsert_statement(session, LatestMetricRow)
        if stmt is None:
            raise InvalidArgumentError(
                f"The {session.get_bind().dialect.name} backend is not supported for metrics."
            )
        table = LatestMetricRow.__table__
        newer = or_(
            stmt.excluded.step > table.c.step,
            and_(stmt.excluded.step == table.c.step, stmt.excluded.timestamp >= table.c.timestamp),
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["run_id", "key"],
                set_={
                    "step": stmt.excluded.step,
                    "timestamp": stmt.excluded.timestamp,
                    "value": stmt.excluded.value,
                },
                where=newer,
            ),
            list(latest.values()),
        )

    # -- reading ---------------------------------------------------------------------
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        next_token: str | None = None,
        lifecycle: str = "active",
    ) -> Page[Run]:
        from .search import run_search_query

        window = PageWindow.of(max_items, next_token)
        if lifecycle not in LIFECYCLES:
            raise InvalidArgumentError(f"lifecycle must be one of {', '.join(LIFECYCLES)}.")
        query = run_search_query(list(experiment_ids), filter, order_by, lifecycle=lifecycle)
        query = window.query(query.with_only_columns(RunRow.id))
        with self._db.session() as session:
            ids, token = window.cut(session.connection().execute(query).scalars().all())
            runs = self._load(session, ids)
        return Page(items=runs, next_token=token)

    def count_runs(
        self, experiment_ids: Sequence[str], filter: str | None = None, lifecycle: str = "active"
    ) -> int:
        from .search import run_search_query

        if lifecycle not in LIFECYCLES:
            raise InvalidArgumentError(f"lifecycle must be one of {', '.join(LIFECYCLES)}.")
        query = run_search_query(list(experiment_ids), filter, None, lifecycle=lifecycle)
        counted = select(func.count()).select_from(
            query.with_only_columns(RunRow.id).order_by(None).subquery()
        )
        with self._db.session() as session:
            return int(session.scalar(counted) or 0)

    def list_keys(self, experiment_id: str) -> dict[str, list[str]]:
        with self._db.session() as session:
            row_by_id(session, ExperimentRow, experiment_id, "experiment")
            runs = select(RunRow.id).where(
                RunRow.experiment_id == experiment_id, RunRow.lifecycle == "active"
            )
            result = {}
            for name, row in (
                ("metrics", LatestMetricRow),
                ("params", RunParamRow),
                ("tags", RunTagRow),
            ):
                keys = session.scalars(
                    select(row.key).where(row.run_id.in_(runs)).distinct().order_by(row.key)
                )
                result[name] = list(keys)
            return result

    def latest_metrics(self, run_ids: Sequence[str]) -> dict[str, list[Metric]]:
        if not run_ids:
            return {}
        cols = LatestMetricRow.__table__.c
        out: dict[str, list[Metric]] = {}
        with self._db.session() as session:
            rows = session.connection().execute(
                select(cols.run_id, cols.key, cols.value, cols.step, cols.timestamp)
                .where(cols.run_id.in_(list(run_ids)))
                .order_by(cols.run_id, cols.key)
            )
            for run_id, key, value, step, stamp in rows:
                value = math.nan if value is None else value
                out.setdefault(run_id, []).append(Metric(key, value, step, stamp))
        return out

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        with self._db.session() as session:
            self._require(session, run_id)
            rows = session.execute(
                select(MetricRow.step, MetricRow.timestamp, MetricRow.value)
                .where(MetricRow.run_id == run_id, MetricRow.key == key)
                .order_by(MetricRow.step, MetricRow.timestamp, MetricRow.id)
            )
            return [
                Metric(key=key, value=math.nan if v is None else v, step=s, timestamp=t)
                for s, t, v in rows
            ]

    def purge_deleted(self, deleted_before: datetime, *, dry_run: bool = False) -> list[Run]:
        with self._db.session(write=not dry_run) as session:
            ids = list(
                session.scalars(
                    select(RunRow.id).where(
                        RunRow.lifecycle == "deleted", RunRow.deleted_at <= deleted_before
                    )
                )
            )
            runs = self._load(session, ids)
            if ids and not dry_run:
                # children of purged runs lose their parent link (ON DELETE SET NULL)
                session.execute(
                    update(RunRow).where(RunRow.parent_run_id.in_(ids)).values(parent_run_id=None)
                )
                for table in (MetricRow, LatestMetricRow, RunParamRow, RunTagRow):
                    session.execute(delete(table).where(table.run_id.in_(ids)))
                session.execute(delete(RunRow).where(RunRow.id.in_(ids)))
            return runs

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        with self._db.session() as session:
            rows = session.execute(
                select(RunRow.id, RunRow.heartbeat_at, RunRow.start_time)
                .where(RunRow.heartbeat_at > since)
                .order_by(RunRow.heartbeat_at)
                .limit(1000)
            ).all()
        return [
            (run_id, as_utc(beat), as_utc(start))
            for run_id, beat, start in rows
            if beat is not None
        ]

    def fail_dead_runs(self, host: str, is_alive: Callable[[int], bool]) -> list[str]:
        """Mark FAILED the RUNNING runs started on ``host`` whose process is gone."""
        with self._db.session(write=True) as session:
            rows = session.scalars(
                select(RunRow).where(
                    RunRow.status == "RUNNING", RunRow.host == host, RunRow.pid.is_not(None)
                )
            ).all()
            dead = [row for row in rows if row.pid is not None and not is_alive(row.pid)]
            now = utcnow()
            for row in dead:
                row.status = "FAILED"
                row.end_time = now
                reason = f"process {row.pid} on {host} exited without ending the run"
                session.merge(RunTagRow(run_id=row.id, key="mlstudio.failure", value=reason))
            return [row.id for row in dead]

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _require(session: Session, run_id: str) -> RunRow:
        return row_by_id(session, RunRow, run_id, "run")

    @staticmethod
    def _load(session: Session, run_ids: Sequence[str]) -> list[Run]:
        """Runs with their params, tags and latest metrics, in the order of ``run_ids``.

        Reads through the Core connection, not ORM entities: loading 1,000 runs with 20
        values each is ~3x faster without per-row ORM bookkeeping.
        """
        if not run_ids:
            return []
        ids = list(run_ids)
        conn = session.connection()
        runs = RunRow.__table__.c
        rows = {
            r.id: r
            for r in conn.execute(
                select(
                    runs.id,
                    runs.experiment_id,
                    runs.name,
                    runs.status,
                    runs.parent_run_id,
                    runs.start_time,
                    runs.end_time,
                    runs.lifecycle,
                    runs.artifact_uri,
                ).where(runs.id.in_(ids))
            ).all()
        }
        values: list[dict[str, dict[str, Any]]] = []
        for table in (RunParamRow, RunTagRow, LatestMetricRow):
            cols = table.__table__.c
            values.append(
                _group(
                    fetch_plain_rows(
                        conn, select(cols.run_id, cols.key, cols.value).where(cols.run_id.in_(ids))
                    )
                )
            )
        params, tags, metrics = values
        result = []
        for run_id in ids:
            row = rows[run_id]
            result.append(
                Run(
                    id=row.id,
                    experiment_id=row.experiment_id,
                    name=row.name,
                    status=row.status,
                    parent_run_id=row.parent_run_id,
                    start_time=as_utc(row.start_time),
                    end_time=as_utc(row.end_time) if row.end_time else None,
                    lifecycle=row.lifecycle,
                    artifact_uri=row.artifact_uri,
                    params=params.get(run_id, {}),
                    tags=tags.get(run_id, {}),
                    metrics={
                        k: (math.nan if v is None else v)
                        for k, v in metrics.get(run_id, {}).items()
                    },
                )
            )
        return result


def _group(rows: Iterable[tuple[str, str, Any]]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = defaultdict(dict)
    for run_id, key, value in rows:
        grouped[run_id][key] = value
    return grouped


def _upsert_statement(session: Session, row: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(row)
    if dialect == "postgresql":
        return postgresql.insert(row)
    return None


_ADJECTIVES = (
    "amber",
    "bold",
    "brisk",
    "calm",
    "clever",
    "crisp",
    "deft",
    "eager",
    "fair",
    "gentle",
    "keen",
    "lively",
    "lucky",
    "merry",
    "nimble",
    "quiet",
    "rapid",
    "sunny",
    "swift",
    "tidy",
    "vivid",
    "witty",
)
_NOUNS = (
    "badger",
    "comet",
    "falcon",
    "fox",
    "heron",
    "lynx",
    "maple",
    "orca",
    "otter",
    "owl",
    "panda",
    "pine",
    "quail",
    "raven",
    "river",
    "robin",
    "sparrow",
    "tiger",
    "willow",
    "wren",
)


def _random_name() -> str:
    rng = random.SystemRandom()
    return f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{rng.randrange(100, 1000)}"
