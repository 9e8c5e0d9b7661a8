"""The transitions every store of long work kept as a row makes (jobs, tuning jobs; the
statuses are ``statuses.py``).

Each transition below changes one row read inside the caller's write session, so the
store's one transaction makes it a conditional update: racing callers never overwrite a
terminal status and a row stopped while Pending never starts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidArgumentError
from ..statuses import COMPLETED, PENDING, RUNNING, STATUSES, STOPPED, STOPPING, TERMINAL_STATUSES
from .orm import utcnow

MAX_REASON = 4000
STOPPED_BEFORE_START = "Stopped before it started."
STOPPED_ON_REQUEST = "Stopped on request."

R = TypeVar("R")


class LifecycleRow(Protocol):
    """The columns of a row with this lifecycle."""

    status: str
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    failure_reason: str | None
    owner_host: str | None
    owner_pid: int | None


def check_status(status: str) -> str:
    """``status`` as a list filter (``InvalidArgumentError`` when it is not one)."""
    if status not in STATUSES:
        raise InvalidArgumentError(f"status must be one of {', '.join(STATUSES)}.")
    return status


def check_end_status(status: str, what: str) -> str:
    """``status`` as the end of a ``what`` ("A job"): Completed, Failed or Stopped."""
    if status not in TERMINAL_STATUSES:
        raise InvalidArgumentError(f"{what} ends as one of {', '.join(sorted(TERMINAL_STATUSES))}.")
    return status


def rows_in(session: Session, model: type[R], statuses: frozenset[str] | set[str]) -> list[R]:
    """The rows in these statuses, oldest first (the queue order)."""
    columns: Any = model
    stmt = select(model).where(columns.status.in_(sorted(statuses))).order_by(columns.created_at)
    return list(session.scalars(stmt).all())


def start(row: LifecycleRow) -> bool:
    """Pending → Running. False when it was stopped (or started) meanwhile."""
    if row.status != PENDING:
        return False
    row.status = RUNNING
    row.started_at = row.updated_at = utcnow()
    return True


def claim_owner(
    row: LifecycleRow,
    host: str,
    pid: int,
    *,
    previous: tuple[str | None, int | None] | None = None,
) -> bool:
    """Become the owner of a row that has not ended; with ``previous``, only if that is
    still its owner (two servers adopting the same orphan: one wins)."""
    if row.status in TERMINAL_STATUSES:
        return False
    if previous is not None and (row.owner_host, row.owner_pid) != previous:
        return False
    row.owner_host, row.owner_pid = host, pid
    row.updated_at = utcnow()
    return True


def request_stop(row: LifecycleRow) -> bool:
    """Pending → Stopped at once (True: the caller notes why), Running → Stopping (its
    supervisor ends it). The caller refuses a row that already ended."""
    now = utcnow()
    row.updated_at = now
    if row.status == PENDING:
        row.status = STOPPED
        row.ended_at = now
        return True
    if row.status == RUNNING:
        row.status = STOPPING
    return False


def stopped_on_request(row: LifecycleRow, status: str) -> bool:
    """Whether a row asked to stop, whose end is reported as ``status``, ends Stopped on
    that request: anything but Completed is (whatever its process said)."""
    return row.status == STOPPING and status != COMPLETED


def end(row: LifecycleRow, status: str, reason: str | None) -> datetime:
    """End the row (not ended yet) as ``status``; ``reason`` is kept as the failure
    reason unless it completed. Returns the end time."""
    now = utcnow()
    row.status = status
    row.failure_reason = reason[:MAX_REASON] if reason and status != COMPLETED else None
    row.ended_at = row.updated_at = now
    if row.started_at is None:
        row.started_at = now
    return now
