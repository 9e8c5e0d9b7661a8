"""The statuses of long work kept as a row (jobs, tuning jobs): Pending → Running →
Completed | Failed, and Stopping → Stopped on request (a Pending row stops at once).

A leaf: the entities name these; the stores' transitions are ``store/transitions.py``.
"""

from __future__ import annotations

PENDING = "Pending"
RUNNING = "Running"
COMPLETED = "Completed"
FAILED = "Failed"
STOPPING = "Stopping"
STOPPED = "Stopped"
STATUSES: tuple[str, ...] = (PENDING, RUNNING, COMPLETED, FAILED, STOPPING, STOPPED)
TERMINAL_STATUSES: frozenset[str] = frozenset({COMPLETED, FAILED, STOPPED})
ACTIVE_STATUSES: frozenset[str] = frozenset({PENDING, RUNNING, STOPPING})

#: How the work's end maps onto the status of the run it logs to.
RUN_STATUS_OF = {COMPLETED: "FINISHED", FAILED: "FAILED", STOPPED: "KILLED"}
