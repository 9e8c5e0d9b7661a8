"""The events that fire pipeline triggers, read through the registry's and the monitor
store's public APIs (nothing there knows of pipelines: they record approvals and
executions as they always do, and the scheduler tick looks for new ones).

- ``ModelApproved``: each approval event of model ``source`` whose new status is
  Approved, after the trigger was made. Its key is the version and the event's time, so
  a version rejected and approved again fires again, and an event fires once for good.
- ``MonitorViolation``: each execution of monitor ``source`` that ended
  CompletedWithViolations after the trigger was made; its key is the execution's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .schedules import Event, Trigger

if TYPE_CHECKING:
    from ..studio import Studio

# The newest monitor executions looked at per tick (a monitor runs at most every few
# minutes; a tick every few seconds sees each one).
MONITOR_WINDOW = 50


def events_of(studio: Studio, trigger: Trigger) -> list[Event]:
    """The events of an event trigger, oldest first (fired or not)."""
    if trigger.kind == "ModelApproved":
        return _approvals(studio, trigger)
    if trigger.kind == "MonitorViolation":
        return _violations(studio, trigger)
    return []


def _approvals(studio: Studio, trigger: Trigger) -> list[Event]:
    assert trigger.source is not None
    events: list[Event] = []
    for version in studio.registry.list_versions(trigger.source):
        for approval in version.approvals:
            if approval.to_status != "Approved" or approval.at < trigger.created_at:
                continue
            events.append(
                Event(
                    f"v{version.version}@{approval.at.isoformat()}",
                    {
                        "model_name": version.name,
                        "model_version": version.version,
                        "model_version_id": version.id,
                        "actor": approval.actor,
                        "comment": approval.comment,
                    },
                )
            )
    return sorted(events, key=lambda e: e.key.split("@", 1)[1])


def _violations(studio: Studio, trigger: Trigger) -> list[Event]:
    from ..monitor.store import SqlMonitorStore

    assert trigger.source is not None
    store = SqlMonitorStore(studio.db)
    monitor = store.get_monitor(trigger.source)
    events = [
        Event(
            execution.id,
            {
                "monitor_name": monitor.name,
                "monitor_execution_id": execution.id,
                "violations": execution.violations,
                "endpoint": monitor.endpoint or "",
                "output": execution.output or "",
                "scheduled_time": execution.scheduled_time.isoformat(),
            },
        )
        for execution in store.list_executions(monitor.id, max_items=MONITOR_WINDOW)
        if execution.status == "CompletedWithViolations"
        and execution.updated_at >= trigger.created_at
    ]
    return list(reversed(events))
