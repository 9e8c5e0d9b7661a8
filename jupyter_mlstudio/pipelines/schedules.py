"""Pipeline schedules and triggers: what starts an execution without anyone clicking Run.

A *trigger* belongs to a pipeline and is one of

- ``Schedule``: a ``rate()``/``cron()`` expression (parsed by the monitor's
  :mod:`~jupyter_mlstudio.monitor.schedule`, so both agree on fire times);
- ``ModelApproved``: a version of model ``source`` becomes Approved in the registry;
- ``MonitorViolation``: an execution of monitor ``source`` ends with violations.

The server's scheduler tick calls :meth:`PipelineSchedules.run_due`. Each firing is
claimed first by inserting ``(trigger id, event key)`` into ``pipeline_trigger_fires``
(its primary key): of several processes ticking at once exactly one inserts it and
starts the execution, and a restart never fires an event twice. A schedule's event
key is its fire time; an event's is what identifies it in the registry or the monitor
(see :mod:`.triggers`, which reads them through the services' public APIs: the
registry and the monitor know nothing of pipelines).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Boolean, DateTime, Index, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..errors import InvalidArgumentError, NotFoundError
from ..store.orm import Base, as_utc, ref_id, utcnow

if TYPE_CHECKING:
    from ..store.db import Database
    from ..studio import Studio
    from .entities import Execution

log = logging.getLogger(__name__)

TriggerKind = Literal["Schedule", "ModelApproved", "MonitorViolation"]
TRIGGER_KINDS: tuple[str, ...] = ("Schedule", "ModelApproved", "MonitorViolation")
# A scheduler that was down runs the most recent missed fire time once, if it is at
# most this old (the monitor's rule); older misses are skipped.
DEFAULT_STALENESS = timedelta(hours=1)
# What an event offers to ``event_parameters`` (pipeline parameter -> event field).
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "Schedule": ("scheduled_time",),
    "ModelApproved": ("model_name", "model_version", "model_version_id", "actor", "comment"),
    "MonitorViolation": (
        "monitor_name",
        "monitor_execution_id",
        "violations",
        "endpoint",
        "output",
        "scheduled_time",
    ),
}


class PipelineTriggerRow(Base):
    __tablename__ = "pipeline_triggers"
    __table_args__ = (Index("ix_pipeline_triggers_pipeline", "pipeline_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    pipeline_id: Mapped[str] = ref_id("pipelines", nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    expression: Mapped[str | None] = mapped_column(String(256))
    source: Mapped[str | None] = mapped_column(String(128))
    parameters: Mapped[str] = mapped_column(Text, nullable=False)
    event_parameters: Mapped[str] = mapped_column(Text, nullable=False)
    base_dir: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PipelineTriggerFireRow(Base):
    __tablename__ = "pipeline_trigger_fires"

    trigger_id: Mapped[str] = ref_id("pipeline_triggers", primary_key=True)
    event_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    execution_id: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Fire:
    trigger_id: str
    event_key: str
    fired_at: datetime
    execution_id: str | None
    error: str | None


@dataclass(frozen=True)
class Trigger:
    id: str
    pipeline_id: str
    pipeline_name: str
    kind: str
    expression: str | None
    source: str | None
    parameters: dict[str, Any]
    event_parameters: dict[str, str]
    base_dir: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime
    last_fire: Fire | None = None
    next_fire_time: datetime | None = None  # schedules only, when enabled


@dataclass(frozen=True)
class Event:
    """Something that fires a trigger: ``key`` identifies it for good (the claim),
    ``fields`` are what ``event_parameters`` may map onto pipeline parameters."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)


def _validate(
    kind: str,
    expression: str | None,
    source: str | None,
    parameters: Mapping[str, Any] | None,
    event_parameters: Mapping[str, str] | None,
) -> None:
    from ..monitor.schedule import parse_schedule

    if kind not in TRIGGER_KINDS:
        raise InvalidArgumentError(
            f"Unknown trigger kind {kind!r}: one of {', '.join(TRIGGER_KINDS)}."
        )
    if kind == "Schedule":
        if not expression:
            raise InvalidArgumentError(
                "A schedule needs an expression, e.g. 'cron(0 3 * * ? *)' or 'rate(1 day)'."
            )
        parse_schedule(expression)  # InvalidArgumentError names the expression
        if source:
            raise InvalidArgumentError("A schedule has no source (that is for event triggers).")
    else:
        if expression:
            raise InvalidArgumentError(f"A {kind} trigger has no schedule expression.")
        if not source:
            what = "model" if kind == "ModelApproved" else "monitor"
            raise InvalidArgumentError(f"A {kind} trigger needs the {what} name as 'source'.")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise InvalidArgumentError("'parameters' is an object: parameter name -> value.")
    offered = EVENT_FIELDS[kind]
    for name, event_field in (event_parameters or {}).items():
        if event_field not in offered:
            raise InvalidArgumentError(
                f"event_parameters: {name!r} maps to {event_field!r}, which a {kind} event "
                f"does not have (it has: {', '.join(offered)})."
            )


class PipelineSchedules:
    """Schedules and triggers of pipelines, and the scheduler tick that fires them."""

    def __init__(self, studio: Studio, *, staleness: timedelta = DEFAULT_STALENESS) -> None:
        self._studio = studio
        self._db: Database = studio.db
        self.staleness = staleness

    # -- CRUD ---------------------------------------------------------------------------
    def create(
        self,
        pipeline: str,
        kind: str = "Schedule",
        *,
        expression: str | None = None,
        source: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        event_parameters: Mapping[str, str] | None = None,
        enabled: bool = True,
        base_dir: Path | str | None = None,
    ) -> Trigger:
        """Add a schedule or trigger to ``pipeline`` (name or id). The parameters are
        checked against the pipeline's latest document now (event-mapped ones get a
        placeholder of the right type only when the event comes)."""
        expression = expression.strip() if isinstance(expression, str) else expression
        _validate(kind, expression, source, parameters, event_parameters)
        found = self._studio.pipelines.get(pipeline)
        if kind != "Schedule" and source:
            self._check_source(kind, source)
        self._check_parameters(found.id, parameters or {}, event_parameters or {})
        now = utcnow()
        row = PipelineTriggerRow(
            id=uuid.uuid4().hex,
            pipeline_id=found.id,
            kind=kind,
            expression=expression or None,
            source=source or None,
            parameters=json.dumps(dict(parameters or {})),
            event_parameters=json.dumps(dict(event_parameters or {})),
            base_dir=str(Path(base_dir).resolve()) if base_dir is not None else None,
            enabled=bool(enabled),
            created_at=now,
            updated_at=now,
        )
        with self._db.session(write=True) as session:
            session.add(row)
        return self.get(row.id)

    def _check_parameters(
        self, pipeline_id: str, parameters: Mapping[str, Any], event_parameters: Mapping[str, str]
    ) -> None:
        document = self._studio.pipelines.version(pipeline_id).document
        declared = {p["name"] for p in document.get("parameters", [])}
        unknown = sorted((set(parameters) | set(event_parameters)) - declared)
        if unknown:
            raise InvalidArgumentError(
                f"parameters: the pipeline has no parameter {', '.join(map(repr, unknown))} "
                f"(it has: {', '.join(sorted(declared)) or 'none'})"
            )
        from .definition import PipelineDocument

        doc = PipelineDocument.model_validate(document)
        given = dict(parameters)
        for p in doc.parameters:  # an event-mapped parameter: any value of its type
            if p.name in event_parameters and p.name not in given:
                given[p.name] = p.default if p.default is not None else _placeholder(p.type)
        self._studio.pipelines.parameters_for(doc, given)

    def _check_source(self, kind: str, source: str) -> None:
        if kind == "ModelApproved":
            self._studio.registry.get_group(source)  # NotFoundError names it
        else:
            self._studio.monitor.get_monitor(source)

    def get(self, trigger_id: str) -> Trigger:
        with self._db.session() as session:
            row = session.get(PipelineTriggerRow, trigger_id)
            if row is None:
                raise NotFoundError(f"No pipeline schedule or trigger {trigger_id!r}.")
            return self._entity(session, row)

    def list_triggers(self, pipeline: str | None = None, kind: str | None = None) -> list[Trigger]:
        query = select(PipelineTriggerRow)
        if pipeline is not None:
            query = query.where(
                PipelineTriggerRow.pipeline_id == self._studio.pipelines.get(pipeline).id
            )
        if kind is not None:
            query = query.where(PipelineTriggerRow.kind == kind)
        with self._db.session() as session:
            rows = session.scalars(query.order_by(PipelineTriggerRow.created_at)).all()
            return [self._entity(session, r) for r in rows]

    def update(
        self,
        trigger_id: str,
        *,
        expression: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        event_parameters: Mapping[str, str] | None = None,
        enabled: bool | None = None,
    ) -> Trigger:
        current = self.get(trigger_id)
        new_expression = expression.strip() if expression is not None else current.expression
        new_parameters = dict(parameters) if parameters is not None else current.parameters
        new_mapping = (
            dict(event_parameters) if event_parameters is not None else current.event_parameters
        )
        _validate(current.kind, new_expression, current.source, new_parameters, new_mapping)
        self._check_parameters(current.pipeline_id, new_parameters, new_mapping)
        with self._db.session(write=True) as session:
            row = session.get(PipelineTriggerRow, trigger_id)
            if row is None:
                raise NotFoundError(f"No pipeline schedule or trigger {trigger_id!r}.")
            row.expression = new_expression
            row.parameters = json.dumps(new_parameters)
            row.event_parameters = json.dumps(new_mapping)
            if enabled is not None:
                row.enabled = bool(enabled)
            row.updated_at = utcnow()
        return self.get(trigger_id)

    def delete(self, trigger_id: str) -> None:
        with self._db.session(write=True) as session:
            row = session.get(PipelineTriggerRow, trigger_id)
            if row is None:
                raise NotFoundError(f"No pipeline schedule or trigger {trigger_id!r}.")
            session.query(PipelineTriggerFireRow).filter_by(trigger_id=trigger_id).delete()
            session.delete(row)

    def fires(self, trigger_id: str, max_items: int = 100) -> list[Fire]:
        with self._db.session() as session:
            rows = session.scalars(
                select(PipelineTriggerFireRow)
                .where(PipelineTriggerFireRow.trigger_id == trigger_id)
                .order_by(PipelineTriggerFireRow.fired_at.desc())
                .limit(max_items)
            ).all()
            return [_fire(r) for r in rows]

    def _entity(self, session: Any, row: PipelineTriggerRow) -> Trigger:
        from .orm import PipelineRow

        pipeline = session.get(PipelineRow, row.pipeline_id)
        last = session.scalars(
            select(PipelineTriggerFireRow)
            .where(PipelineTriggerFireRow.trigger_id == row.id)
            .order_by(PipelineTriggerFireRow.fired_at.desc())
            .limit(1)
        ).first()
        next_fire = None
        if row.kind == "Schedule" and row.enabled and row.expression:
            from ..monitor.schedule import parse_schedule

            next_fire = parse_schedule(row.expression).next(datetime.now(timezone.utc))
        return Trigger(
            id=row.id,
            pipeline_id=row.pipeline_id,
            pipeline_name=pipeline.name if pipeline is not None else "",
            kind=row.kind,
            expression=row.expression,
            source=row.source,
            parameters=json.loads(row.parameters),
            event_parameters=json.loads(row.event_parameters),
            base_dir=row.base_dir,
            enabled=row.enabled,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
            last_fire=_fire(last) if last is not None else None,
            next_fire_time=next_fire,
        )

    # -- the scheduler tick -------------------------------------------------------------
    def due(self, now: datetime | None = None) -> list[tuple[Trigger, Event]]:
        """Every enabled trigger's events not fired yet: a schedule's latest fire time
        (at most ``staleness`` old, not before the schedule existed), a registry
        approval or a monitor violation that happened after the trigger was made."""
        from ..monitor.schedule import parse_schedule
        from .triggers import events_of

        moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        with self._db.session() as session:
            rows = session.scalars(
                select(PipelineTriggerRow).where(PipelineTriggerRow.enabled.is_(True))
            ).all()
            triggers = [self._entity(session, r) for r in rows]
        due: list[tuple[Trigger, Event]] = []
        for trigger in triggers:
            if trigger.kind == "Schedule" and trigger.expression:
                fire = parse_schedule(trigger.expression).previous(moment)
                if moment - fire > self.staleness:
                    continue
                if fire < trigger.created_at.replace(microsecond=0):
                    continue
                events = [Event(fire.isoformat(), {"scheduled_time": fire.isoformat()})]
            else:
                try:
                    events = events_of(self._studio, trigger)
                except NotFoundError:  # the model or monitor is gone: nothing to fire
                    continue
            fired = self._fired_keys(trigger.id, [e.key for e in events])
            due.extend((trigger, e) for e in events if e.key not in fired)
        return due

    def _fired_keys(self, trigger_id: str, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        with self._db.session() as session:
            return set(
                session.scalars(
                    select(PipelineTriggerFireRow.event_key).where(
                        PipelineTriggerFireRow.trigger_id == trigger_id,
                        PipelineTriggerFireRow.event_key.in_(keys),
                    )
                ).all()
            )

    def claim(self, trigger_id: str, event_key: str) -> bool:
        """Record that this process fires ``event_key``; False when another did."""
        try:
            with self._db.session(write=True) as session:
                session.add(
                    PipelineTriggerFireRow(
                        trigger_id=trigger_id, event_key=event_key, fired_at=utcnow()
                    )
                )
                session.flush()
        except IntegrityError:
            return False
        return True

    def _record(
        self, trigger_id: str, event_key: str, execution_id: str | None, error: str | None
    ) -> None:
        with self._db.session(write=True) as session:
            row = session.get(PipelineTriggerFireRow, (trigger_id, event_key))
            if row is not None:
                row.execution_id = execution_id
                row.error = error

    def run_due(self, now: datetime | None = None) -> list[Execution]:
        """One tick: claim and start every due execution. Safe from several processes
        at once: each event starts exactly one execution."""
        started: list[Execution] = []
        for trigger, event in self.due(now):
            if not self.claim(trigger.id, event.key):
                continue  # another scheduler won it
            try:
                execution = self._start(trigger, event)
            except Exception as exc:  # a bad parameter, a deleted pipeline: record it
                log.warning("Pipeline trigger %s could not start: %s", trigger.id, exc)
                self._record(trigger.id, event.key, None, str(exc) or type(exc).__name__)
                continue
            self._record(trigger.id, event.key, execution.id, None)
            started.append(execution)
        return started

    def _start(self, trigger: Trigger, event: Event) -> Execution:
        parameters = dict(trigger.parameters)
        for name, event_field in trigger.event_parameters.items():
            parameters[name] = event.fields.get(event_field)
        base_dir = Path(trigger.base_dir) if trigger.base_dir else None
        return self._studio.pipelines.start(trigger.pipeline_id, parameters, base_dir=base_dir)


def _fire(row: PipelineTriggerFireRow) -> Fire:
    return Fire(
        trigger_id=row.trigger_id,
        event_key=row.event_key,
        fired_at=as_utc(row.fired_at),
        execution_id=row.execution_id,
        error=row.error,
    )


def _placeholder(kind: str) -> Any:
    return {"String": "x", "Integer": 1, "Float": 1.0, "Boolean": True}.get(kind, "x")
