"""Data capture: sampled requests and responses, written off the request path.

Every invocation that reached a variant is a candidate, refused ones included (with
their 4xx/5xx status and error), so that monitoring sees bad traffic too.

A handler only decides whether a request is sampled (a hash of its inference id, so the
decision is reproducible) and puts a record on a bounded queue; a background thread of
the worker serializes the records and appends them to files. When the queue is full the
record is dropped and counted, never waited for.

Layout under the destination (a folder or any fsspec URL)::

    <variant>/<yyyy>/<mm>/<dd>/<hh>/<endpoint>-<worker>-<yyyymmddThhmmss>-<n>.jsonl|.parquet

A file is closed when it reaches ``rotate_bytes``, when the hour changes, after
``rotate_seconds`` and when the worker stops. JSON-lines files on a local disk are
appended and flushed as records arrive; on a remote store, and for Parquet, a file is
written whole when it is closed. ``read_capture`` reads either format back.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import posixpath
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import fsspec

from ..registry.format import json_safe

log = logging.getLogger("jupyter_mlstudio.serving.capture")

QUEUE_SIZE = 10_000


def sampled(inference_id: str, percent: float) -> bool:
    """Whether a request is captured at ``percent``: a stable function of its id."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.blake2b(inference_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 1_000_000 < percent * 10_000


@dataclass(frozen=True)
class CaptureRecord:
    inference_id: str
    time: float
    variant: str
    model: str
    model_version: int
    request_content_type: str
    request: Any  # the parsed JSON body, or the text of a CSV body
    status: int
    response: Any
    row: int  # the variant's metrics row
    # more fields of the JSON-lines record (a shadow capture's side and latency)
    extra: dict[str, Any] | None = None

    def as_json(self, endpoint: str) -> dict[str, Any]:
        return {
            **(self.extra or {}),
            "inference_id": self.inference_id,
            "time": datetime.fromtimestamp(self.time, timezone.utc).isoformat(),
            "endpoint": endpoint,
            "variant": self.variant,
            "model": self.model,
            "model_version": self.model_version,
            "request": {"content_type": self.request_content_type, "data": self.request},
            "response": {"status": self.status, "data": self.response},
        }


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return json.dumps(json_safe(value), separators=(",", ":"))


class _File:
    """One open capture file of one variant."""

    def __init__(self, fs: Any, path: str, parquet: bool, local: bool) -> None:
        self.fs = fs
        self.path = path
        self.parquet = parquet
        self.local = local and not parquet
        self.opened = time.monotonic()
        self.size = 0
        self.rows: list[dict[str, Any]] = []
        self.buffer = io.BytesIO()
        self.handle: Any = None
        if self.local:
            fs.makedirs(posixpath.dirname(path), exist_ok=True)
            self.handle = open(path, "ab")  # noqa: SIM115 - kept open until rotated

    def add(self, record: CaptureRecord, endpoint: str) -> None:
        if self.parquet:
            request, response = _dumps(record.request), _dumps(record.response)
            self.rows.append(
                {
                    "inference_id": record.inference_id,
                    "time": datetime.fromtimestamp(record.time, timezone.utc),
                    "endpoint": endpoint,
                    "variant": record.variant,
                    "model": record.model,
                    "model_version": record.model_version,
                    "request_content_type": record.request_content_type,
                    "request": request,
                    "response_status": record.status,
                    "response": response,
                }
            )
            self.size += len(request) + len(response) + 100
            return
        line = (_dumps(record.as_json(endpoint)) + "\n").encode()
        self.size += len(line)
        if self.handle is not None:
            self.handle.write(line)
        else:
            self.buffer.write(line)

    def flush(self) -> None:
        if self.handle is not None:
            self.handle.flush()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            return
        if self.parquet:
            if not self.rows:
                return
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist(self.rows)
            self._write_whole(lambda handle: pq.write_table(table, handle))
        elif self.size:
            data = self.buffer.getvalue()
            self._write_whole(lambda handle: handle.write(data))

    def _write_whole(self, write: Callable[[Any], Any]) -> None:
        self.fs.makedirs(posixpath.dirname(self.path), exist_ok=True)
        partial = f"{self.path}.partial" if _is_local(self.fs) else self.path
        with self.fs.open(partial, "wb") as handle:
            write(handle)
        if partial != self.path:
            os.replace(partial, self.path)


class CaptureWriter:
    """The worker's capture thread and its queue."""

    def __init__(
        self,
        destination: str,
        *,
        endpoint: str,
        worker: str,
        file_format: str,
        rotate_bytes: int,
        rotate_seconds: float,
        on_written: Callable[[int], None] | None = None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self.fs, self.root = fsspec.core.url_to_fs(destination)
        self.local = _is_local(self.fs)
        if self.local:
            self.fs.makedirs(self.root, exist_ok=True)
        self.endpoint = endpoint
        self.worker = worker
        self.parquet = file_format == "parquet"
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self._on_written = on_written
        self._queue: queue.Queue[CaptureRecord | None] = queue.Queue(maxsize=queue_size)
        self._files: dict[tuple[str, str], _File] = {}
        self._sequence = 0
        self._thread = threading.Thread(target=self._run, name="mlstudio-capture", daemon=True)
        self._thread.start()

    def submit(self, record: CaptureRecord) -> bool:
        """Queue a record; ``False`` (dropped) when the queue is full."""
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            return False
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, close every file."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=timeout)
        self._thread.join(timeout)

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        tick = min(1.0, self.rotate_seconds)
        running = True
        while running:
            try:
                first = self._queue.get(timeout=tick)
            except queue.Empty:
                self._rotate_old()
                continue
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while len(batch) < 1000:
                    batch.append(self._queue.get_nowait())
            for record in batch:
                if record is None:
                    running = False
                    continue
                try:
                    self._write(record)
                except Exception:  # a full disk or a store error must not end the thread
                    log.exception("Data capture could not write a record.")
            for file in self._files.values():
                with contextlib.suppress(OSError):
                    file.flush()
            self._rotate_old()
        for key in list(self._files):
            self._close(key)

    def _write(self, record: CaptureRecord) -> None:
        hour = datetime.fromtimestamp(record.time, timezone.utc).strftime("%Y/%m/%d/%H")
        key = (record.variant, hour)
        file = self._files.get(key)
        if file is None:
            for old in [k for k in self._files if k[0] == record.variant]:
                self._close(old)  # a new hour: the previous hour's file is done
            file = self._files[key] = self._open(record.variant, hour)
        file.add(record, self.endpoint)
        if self._on_written is not None:
            self._on_written(record.row)
        if file.size >= self.rotate_bytes:
            self._close(key)

    def _open(self, variant: str, hour: str) -> _File:
        self._sequence += 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        suffix = "parquet" if self.parquet else "jsonl"
        name = f"{self.endpoint}-{self.worker}-{stamp}-{self._sequence:04d}.{suffix}"
        path = f"{self.root.rstrip('/')}/{variant}/{hour}/{name}"
        return _File(self.fs, path, self.parquet, self.local)

    def _rotate_old(self) -> None:
        now = time.monotonic()
        for key, file in list(self._files.items()):
            if now - file.opened >= self.rotate_seconds:
                self._close(key)

    def _close(self, key: tuple[str, str]) -> None:
        file = self._files.pop(key)
        try:
            file.close()
        except Exception:
            log.exception("Data capture could not write %s.", file.path)


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol
    protocols = protocol if isinstance(protocol, tuple) else (protocol,)
    return "file" in protocols or "local" in protocols


def read_capture(destination: str) -> Iterator[dict[str, Any]]:
    """Every captured record under ``destination`` (both formats), as the JSON-lines
    records look; a last line still being written is skipped."""
    fs, root = fsspec.core.url_to_fs(destination)
    if not fs.exists(root):
        return
    for path in sorted(fs.find(root)):
        if path.endswith(".jsonl"):
            with fs.open(path, "rb") as handle:
                for line in handle:
                    if line.endswith(b"\n"):
                        yield json.loads(line)
        elif path.endswith(".parquet"):
            import pyarrow.parquet as pq

            with fs.open(path, "rb") as handle:
                rows = pq.read_table(handle).to_pylist()
            for row in rows:
                yield {
                    "inference_id": row["inference_id"],
                    "time": row["time"].isoformat(),
                    "endpoint": row["endpoint"],
                    "variant": row["variant"],
                    "model": row["model"],
                    "model_version": row["model_version"],
                    "request": {
                        "content_type": row["request_content_type"],
                        "data": json.loads(row["request"]),
                    },
                    "response": {
                        "status": row["response_status"],
                        "data": json.loads(row["response"]),
                    },
                }
