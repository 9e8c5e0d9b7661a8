"""Asynchronous inference (SageMaker's InvokeEndpointAsync), local-first.

A request is a row of ``async_requests`` plus its payload in the artifact store. Whoever
processes requests (see :func:`process_queue`) *claims* one with a compare-and-set
``UPDATE ... WHERE status = 'Queued'`` and holds a lease it renews while working. A
process killed with SIGKILL leaves rows ``InProgress`` with a lease that runs out;
:meth:`AsyncInferenceQueue.requeue_stale` puts them back in the queue. Delivery is
therefore at-least-once: a request whose worker died after writing its output but
before marking the row runs again and overwrites the output with the same prediction
(predictions are deterministic), so results are idempotent and nothing is lost.

No tornado here: REST handlers, the SDK and the serving process call this module.
"""

from __future__ import annotations

import enum
import os
import posixpath
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

import fsspec
from sqlalchemy import CursorResult, delete, select, update

from ..errors import InvalidArgumentError, NotFoundError
from ..store.db import Database
from ..store.orm import as_utc, utcnow
from .orm import AsyncRequestRow

#: Largest payload an async request takes (SageMaker's limit is 1 GB too).
MAX_PAYLOAD_BYTES = 1 << 30
CHUNK = 1 << 20
DEFAULT_LEASE_SECONDS = 30.0


class AsyncStatus(str, enum.Enum):
    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"


@dataclass(frozen=True)
class AsyncRequest:
    id: str
    endpoint: str
    variant: str | None
    status: AsyncStatus
    input_location: str
    output_location: str
    failure_location: str
    content_type: str
    accept: str | None
    attempts: int
    error: str | None
    claimed_by: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_row(cls, row: AsyncRequestRow) -> AsyncRequest:
        return cls(
            id=row.id,
            endpoint=row.endpoint,
            variant=row.variant,
            status=AsyncStatus(row.status),
            input_location=row.input_location,
            output_location=row.output_location,
            failure_location=row.failure_location,
            content_type=row.content_type,
            accept=row.accept,
            attempts=row.attempts,
            error=row.error,
            claimed_by=row.claimed_by,
            created_at=as_utc(row.created_at),
            started_at=as_utc(row.started_at) if row.started_at else None,
            ended_at=as_utc(row.ended_at) if row.ended_at else None,
        )


def worker_id() -> str:
    """Who holds a claim: host, pid and thread (unique among live workers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:128]


def _write_stream(url: str, source: IO[bytes] | bytes, limit: int) -> int:
    """Copy ``source`` to ``url`` in chunks; refuse (and remove) more than ``limit`` bytes."""
    fs, path = fsspec.core.url_to_fs(url)
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    written = 0
    try:
        with fs.open(path, "wb") as out:
            if isinstance(source, bytes):
                if len(source) > limit:
                    raise InvalidArgumentError(_too_large(limit))
                out.write(source)
                return len(source)
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise InvalidArgumentError(_too_large(limit))
                out.write(chunk)
    except BaseException:
        fs.rm(path)
        raise
    return written


def _too_large(limit: int) -> str:
    return f"The payload is larger than {limit} bytes, the limit of an async request."


#: What the API and the SDK show instead of a webhook secret (kept in the store).
REDACTED = "********"
FINISHED = (AsyncStatus.COMPLETED.value, AsyncStatus.FAILED.value)
#: (id, changed at, created at): what the server's change watcher reads
Changes = list[tuple[str, datetime, datetime]]


def shown_async_config(settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An endpoint's ``async_config`` as shown outside the server: the webhook secret
    redacted (the serving process reads it from the endpoint's config file)."""
    if not settings:
        return None
    shown = dict(settings)
    if shown.get("notification_secret"):
        shown["notification_secret"] = REDACTED
    return shown


def merged_async_config(
    current: Mapping[str, Any] | None, change: Mapping[str, Any] | bool
) -> dict[str, Any] | None:
    """The ``async_config`` after an update: ``False`` turns asynchronous inference off,
    ``True`` on with the current (or default) settings; a mapping changes the settings
    it names. A secret given back as :data:`REDACTED` keeps the stored one."""
    if change is False:
        return None
    merged = dict(current or {})
    if change is not True:
        merged.update(change)
        if merged.get("notification_secret") == REDACTED:
            merged["notification_secret"] = (current or {}).get("notification_secret")
    return merged


def read_location(url: str) -> bytes:
    with fsspec.open(url, "rb") as handle:
        data: bytes = handle.read()
    return data


class AsyncInferenceQueue:
    """The durable queue of one store: ``root_uri`` is where payloads and results go
    unless a request names its own ``output_path``."""

    def __init__(self, db: Database, root_uri: str) -> None:
        self.db = db
        self.root_uri = root_uri.rstrip("/")

    # -- producers ---------------------------------------------------------------------
    def enqueue(
        self,
        endpoint: str,
        *,
        payload: IO[bytes] | bytes | None = None,
        input_location: str | None = None,
        content_type: str = "application/json",
        accept: str | None = None,
        output_path: str | None = None,
        variant: str | None = None,
        max_bytes: int = MAX_PAYLOAD_BYTES,
    ) -> AsyncRequest:
        """Queue a request: ``payload`` (bytes or a readable stream, copied to the store)
        or ``input_location`` (a path or fsspec URL that must exist)."""
        if (payload is None) == (input_location is None):
            raise InvalidArgumentError("Give either a payload or an input_location.")
        request_id = uuid.uuid4().hex
        base = f"{self.root_uri}/async-inference/{endpoint}"
        if input_location is None:
            input_location = f"{base}/{request_id}.in"
            assert payload is not None
            _write_stream(input_location, payload, max_bytes)
        else:
            try:
                fs, path = fsspec.core.url_to_fs(input_location)
                is_file, size = fs.isfile(path), None
                if is_file:
                    size = fs.size(path)
            except (ValueError, ImportError, OSError) as exc:  # unknown protocol, bad path
                raise InvalidArgumentError(
                    f"input_location {input_location!r} cannot be read: {exc}"
                ) from None
            if not is_file:
                raise InvalidArgumentError(f"input_location {input_location!r} is not a file.")
            if size is not None and size > max_bytes:
                raise InvalidArgumentError(_too_large(max_bytes))
        out = (output_path or base).rstrip("/")
        row = AsyncRequestRow(
            id=request_id,
            endpoint=endpoint,
            variant=variant,
            status=AsyncStatus.QUEUED.value,
            input_location=input_location,
            output_location=f"{out}/{request_id}.out",
            failure_location=f"{out}/{request_id}.error",
            content_type=content_type,
            accept=accept,
            attempts=0,
            created_at=utcnow(),
        )
        with self.db.session(write=True) as s:
            s.add(row)
            s.flush()
            return AsyncRequest.from_row(row)

    # -- readers -----------------------------------------------------------------------
    def get(self, request_id: str, endpoint: str | None = None) -> AsyncRequest:
        with self.db.session() as s:
            row = s.get(AsyncRequestRow, request_id)
            if row is None or (endpoint is not None and row.endpoint != endpoint):
                raise NotFoundError(f"No async inference request {request_id!r}.")
            return AsyncRequest.from_row(row)

    def list(
        self, endpoint: str, *, status: AsyncStatus | None = None, limit: int = 100
    ) -> list[AsyncRequest]:
        """Newest first."""
        if not 1 <= limit <= 10_000:
            raise InvalidArgumentError("limit must be between 1 and 10000.")
        stmt = select(AsyncRequestRow).where(AsyncRequestRow.endpoint == endpoint)
        if status is not None:
            stmt = stmt.where(AsyncRequestRow.status == status.value)
        stmt = stmt.order_by(AsyncRequestRow.created_at.desc()).limit(limit)
        with self.db.session() as s:
            return [AsyncRequest.from_row(r) for r in s.scalars(stmt)]

    def result(self, request_id: str) -> bytes:
        """The output of a completed request (``NotFoundError`` until then)."""
        req = self.get(request_id)
        if req.status is not AsyncStatus.COMPLETED:
            raise NotFoundError(f"Async request {request_id} is {req.status.value}.")
        return read_location(req.output_location)

    def finished_since(self, since: datetime) -> Changes:
        """``("<endpoint>/<id>", ended_at, created_at)`` of the requests that completed or
        failed since ``since``: what the Jupyter server's change watcher announces (a
        JupyterLab notification per request). Uses the status index, so it reads the
        finished rows' (status, lease) index entries, not the payload columns."""
        stmt = select(
            AsyncRequestRow.endpoint,
            AsyncRequestRow.id,
            AsyncRequestRow.ended_at,
            AsyncRequestRow.created_at,
        ).where(AsyncRequestRow.status.in_(FINISHED), AsyncRequestRow.ended_at >= since)
        with self.db.session() as s:
            return [
                (f"{endpoint}/{rid}", as_utc(ended), as_utc(created))
                for endpoint, rid, ended, created in s.execute(stmt)
                if ended is not None
            ]

    def delete_endpoint(self, endpoint: str) -> int:
        """Forget an endpoint's requests (when the endpoint is deleted): their rows, the
        payload copies and the output and error files written for them. Input files the
        caller named (``input_location``) are theirs and stay. The number of rows."""
        base = f"{self.root_uri}/async-inference/{endpoint}"
        with self.db.session() as s:
            rows = list(
                s.execute(
                    select(AsyncRequestRow.output_location, AsyncRequestRow.failure_location).where(
                        AsyncRequestRow.endpoint == endpoint
                    )
                )
            )
        for output, failure in rows:  # those outside the endpoint's folder (output_path)
            for url in (output, failure):
                if not url.startswith(base + "/"):
                    _remove(url)
        _remove(base, recursive=True)
        with self.db.session(write=True) as s:
            res = s.execute(delete(AsyncRequestRow).where(AsyncRequestRow.endpoint == endpoint))
            assert isinstance(res, CursorResult)
            return int(res.rowcount)

    # -- consumers ---------------------------------------------------------------------
    def claim(
        self, endpoint: str, worker: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS
    ) -> AsyncRequest | None:
        """Take the oldest queued request of ``endpoint``, or ``None``. Two workers never
        get the same request: the update only matches a row still ``Queued``."""
        for _ in range(8):
            with self.db.session(write=True) as s:
                candidate = s.scalars(
                    select(AsyncRequestRow.id)
                    .where(
                        AsyncRequestRow.endpoint == endpoint,
                        AsyncRequestRow.status == AsyncStatus.QUEUED.value,
                    )
                    .order_by(AsyncRequestRow.created_at)
                    .limit(1)
                ).first()
                if candidate is None:
                    return None
                now = utcnow()
                res = s.execute(
                    update(AsyncRequestRow)
                    .where(
                        AsyncRequestRow.id == candidate,
                        AsyncRequestRow.status == AsyncStatus.QUEUED.value,
                    )
                    .values(
                        status=AsyncStatus.IN_PROGRESS.value,
                        claimed_by=worker,
                        lease_until=now + timedelta(seconds=lease_seconds),
                        started_at=now,
                        ended_at=None,
                        attempts=AsyncRequestRow.attempts + 1,
                    )
                )
                assert isinstance(res, CursorResult)
                if res.rowcount == 1:
                    row = s.get(AsyncRequestRow, candidate, populate_existing=True)
                    assert row is not None
                    return AsyncRequest.from_row(row)
        return None

    def renew(self, request_id: str, worker: str, lease_seconds: float) -> bool:
        """Extend the lease; ``False`` when the claim was lost (requeued meanwhile)."""
        return self._finish_or_touch(
            request_id, worker, lease_until=utcnow() + timedelta(seconds=lease_seconds)
        )

    def complete(self, request: AsyncRequest, worker: str, output: bytes) -> bool:
        """Write the output, then mark the row; ``False`` if the claim was lost."""
        _write_stream(request.output_location, output, MAX_PAYLOAD_BYTES)
        return self._finish_or_touch(
            request.id,
            worker,
            status=AsyncStatus.COMPLETED.value,
            ended_at=utcnow(),
            lease_until=None,
            error=None,
        )

    def fail(self, request: AsyncRequest, worker: str, error: str) -> bool:
        """Write the error file, then mark the row ``Failed`` with ``error``."""
        _write_stream(request.failure_location, error.encode(), MAX_PAYLOAD_BYTES)
        return self._finish_or_touch(
            request.id,
            worker,
            status=AsyncStatus.FAILED.value,
            ended_at=utcnow(),
            lease_until=None,
            error=error[:10_000],
        )

    def _finish_or_touch(self, request_id: str, worker: str, **values: object) -> bool:
        with self.db.session(write=True) as s:
            res = s.execute(
                update(AsyncRequestRow)
                .where(
                    AsyncRequestRow.id == request_id,
                    AsyncRequestRow.status == AsyncStatus.IN_PROGRESS.value,
                    AsyncRequestRow.claimed_by == worker,
                )
                .values(**values)
            )
            assert isinstance(res, CursorResult)
            return res.rowcount == 1

    def requeue_stale(self, endpoint: str | None = None, *, now: datetime | None = None) -> int:
        """Put back requests whose worker stopped renewing its lease (it died)."""
        stmt = update(AsyncRequestRow).where(
            AsyncRequestRow.status == AsyncStatus.IN_PROGRESS.value,
            AsyncRequestRow.lease_until < (now or utcnow()),
        )
        if endpoint is not None:
            stmt = stmt.where(AsyncRequestRow.endpoint == endpoint)
        with self.db.session(write=True) as s:
            res = s.execute(
                stmt.values(status=AsyncStatus.QUEUED.value, claimed_by=None, lease_until=None)
            )
            assert isinstance(res, CursorResult)
            return int(res.rowcount)


def _remove(url: str, recursive: bool = False) -> None:
    try:
        fs, path = fsspec.core.url_to_fs(url)
        if fs.exists(path):
            fs.rm(path, recursive=recursive)
    except (OSError, ValueError, ImportError):  # already gone, or a store we cannot reach
        pass


class InvocationFailed(RuntimeError):
    """The endpoint answered the request with an error: its message is the request's
    error as it is (other exceptions are prefixed with their type)."""


#: ``invoke(payload, content_type, accept) -> output bytes``; raising fails the request.
Invoke = Callable[[bytes, str, "str | None"], bytes]


def process_queue(
    queue: AsyncInferenceQueue,
    endpoint: str,
    invoke: Invoke,
    *,
    max_concurrent: int = 1,
    stop: threading.Event,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    poll_seconds: float = 0.2,
    on_done: Callable[[AsyncRequest], None] | None = None,
) -> None:
    """Work ``endpoint``'s queue with ``max_concurrent`` threads until ``stop`` is set.

    Each thread requeues expired leases, claims a request, renews its lease while the
    model runs, and completes or fails it. Blocks; run it on a thread of the serving
    process so a SIGKILL of that process stops the work (and the leases lapse).
    """
    if max_concurrent < 1:
        raise InvalidArgumentError("max_concurrent_invocations must be at least 1.")

    def work() -> None:
        me = worker_id()
        next_sweep = 0.0
        while not stop.is_set():
            if time.monotonic() >= next_sweep:  # a write: not on every poll
                queue.requeue_stale(endpoint)
                next_sweep = time.monotonic() + min(5.0, lease_seconds / 3)
            req = queue.claim(endpoint, me, lease_seconds=lease_seconds)
            if req is None:
                stop.wait(poll_seconds)
                continue
            done = threading.Event()

            def keep_lease(request_id: str = req.id, finished: threading.Event = done) -> None:
                while not finished.wait(lease_seconds / 3):
                    queue.renew(request_id, me, lease_seconds)

            renewer = threading.Thread(target=keep_lease, daemon=True)
            renewer.start()
            try:
                output = invoke(read_location(req.input_location), req.content_type, req.accept)
            except Exception as exc:  # the model's error is the request's error
                done.set()
                message = str(exc) if isinstance(exc, InvocationFailed) else None
                queue.fail(req, me, message or f"{type(exc).__name__}: {exc}")
            else:
                done.set()
                queue.complete(req, me, output)
            renewer.join()
            if on_done is not None:
                on_done(queue.get(req.id))

    threads = [
        threading.Thread(target=work, name=f"async-{endpoint}-{i}", daemon=True)
        for i in range(max_concurrent)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
