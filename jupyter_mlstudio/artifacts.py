"""Artifact storage through fsspec: a local folder by default, any fsspec URL to scale out.

Artifacts of a run live under its ``artifact_uri``; paths inside it are relative,
``/``-separated and may not climb out (``..``) — checked here, once, for every caller.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import fsspec

from .errors import InvalidArgumentError, NotFoundError

CHUNK_SIZE = 1 << 20
# Types the UI previews inline; the rest is served as a download.
mimetypes.add_type("text/csv", ".csv")
mimetypes.add_type("application/json", ".json")
mimetypes.add_type("text/markdown", ".md")
mimetypes.add_type("text/plain", ".log")


@dataclass(frozen=True)
class ArtifactInfo:
    path: str  # relative to the run's artifact root
    name: str
    is_dir: bool
    size: int | None


@dataclass(frozen=True)
class LogChunk:
    """A piece of a text log read from byte ``offset`` on (jobs' and endpoints' logs)."""

    text: str
    offset: int
    next_offset: int
    size: int
    complete: bool = False  # the writer ended and this chunk reaches the end of the log


def clean_relative_path(path: str | None) -> str:
    """'' for the root; otherwise a normalized relative path that stays inside the root."""
    if path is None or path in ("", ".", "/"):
        return ""
    if not isinstance(path, str) or "\x00" in path or "\\" in path:
        raise InvalidArgumentError(f"Invalid artifact path {path!r}.")
    normalized = posixpath.normpath(path.lstrip("/"))
    if normalized in ("", "."):
        return ""
    if normalized == ".." or normalized.startswith("../"):
        raise InvalidArgumentError(f"Artifact path {path!r} leaves the run's artifact folder.")
    return normalized


def content_type(path: str) -> str:
    if path.endswith(".plotly.json"):
        return "application/vnd.plotly.v1+json"
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


class ArtifactRepository:
    """Read and write the artifacts under one root URL (a run's ``artifact_uri``)."""

    def __init__(self, root_uri: str) -> None:
        self.root_uri = root_uri.rstrip("/")
        self._fs, self._root = fsspec.core.url_to_fs(self.root_uri)

    def _full(self, rel: str) -> str:
        return f"{self._root}/{rel}" if rel else self._root

    @property
    def local_path(self) -> Path | None:
        """The root as a local folder, or ``None`` when the store is remote."""
        protocols = (
            self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,)
        )
        return Path(self._root) if "file" in protocols or "local" in protocols else None

    # -- writing ---------------------------------------------------------------------
    def put_file(self, local_path: str | os.PathLike[str], dest: str | None = None) -> str:
        source = Path(local_path)
        if not source.is_file():
            raise InvalidArgumentError(f"{source} is not a file.")
        rel = clean_relative_path(dest or source.name)
        if not rel:
            raise InvalidArgumentError("An artifact needs a file name.")
        target = self._full(rel)
        self._fs.makedirs(posixpath.dirname(target), exist_ok=True)
        self._fs.put_file(str(source), target)
        return rel

    def put_dir(self, local_dir: str | os.PathLike[str], dest: str | None = None) -> list[str]:
        source = Path(local_dir)
        if not source.is_dir():
            raise InvalidArgumentError(f"{source} is not a folder.")
        prefix = clean_relative_path(dest)
        written = []
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            rel = file.relative_to(source).as_posix()
            written.append(self.put_file(file, f"{prefix}/{rel}" if prefix else rel))
        return written

    def put_bytes(self, data: bytes, dest: str) -> str:
        rel = clean_relative_path(dest)
        if not rel:
            raise InvalidArgumentError("An artifact needs a file name.")
        target = self._full(rel)
        self._fs.makedirs(posixpath.dirname(target), exist_ok=True)
        with self._fs.open(target, "wb") as handle:
            handle.write(data)
        return rel

    # -- reading ---------------------------------------------------------------------
    def list(self, path: str | None = None) -> list[ArtifactInfo]:
        rel = clean_relative_path(path)
        full = self._full(rel)
        if not self._fs.exists(full):
            if rel:
                raise NotFoundError(f"No artifact folder {rel!r}.")
            return []  # nothing logged yet
        if not self._fs.isdir(full):
            raise InvalidArgumentError(f"{rel!r} is a file, not a folder.")
        items = []
        for entry in self._fs.ls(full, detail=True):
            name = posixpath.basename(str(entry["name"]).rstrip("/"))
            is_dir = entry.get("type") == "directory"
            items.append(
                ArtifactInfo(
                    path=f"{rel}/{name}" if rel else name,
                    name=name,
                    is_dir=is_dir,
                    size=None if is_dir else _int_or_none(entry.get("size")),
                )
            )
        return sorted(items, key=lambda item: (not item.is_dir, item.name))

    def open(self, path: str) -> IO[bytes]:
        rel = clean_relative_path(path)
        full = self._full(rel)
        if not rel or not self._fs.isfile(full):
            raise NotFoundError(f"No artifact file {rel!r}.")
        handle: IO[bytes] = self._fs.open(full, "rb")
        return handle

    def read_range(self, path: str, offset: int, max_bytes: int) -> tuple[bytes, int]:
        """Up to ``max_bytes`` from ``offset`` and the file's current size (0 if absent)."""
        rel = clean_relative_path(path)
        full = self._full(rel)
        for attempt in range(3):
            try:
                if not rel or not self._fs.isfile(full):
                    return b"", 0
                size = int(self._fs.size(full) or 0)
                if offset >= size:
                    return b"", size
                with self._fs.open(full, "rb") as handle:
                    handle.seek(offset)
                    return handle.read(max_bytes), size
            except OSError as exc:
                # Object stores (s3fs: FileExpired, EBUSY) refuse a read when the object
                # was replaced since its details were cached, as a job's log is while the
                # job runs: forget the cached details and read the new object.
                if exc.errno != errno.EBUSY or attempt == 2:
                    raise
                self._fs.invalidate_cache(full)
        raise AssertionError("unreachable")

    def read_text_range(self, path: str, offset: int, max_bytes: int) -> tuple[str, int, int]:
        """(text, next offset, file size) from ``offset``: cut after the last line end
        when more follows, so a growing log is tailed without splitting a character."""
        data, size = self.read_range(path, offset, max_bytes)
        if data and offset + len(data) < size:
            cut = data.rfind(b"\n")
            if cut >= 0:
                data = data[: cut + 1]
        return data.decode("utf-8", errors="replace"), offset + len(data), size

    def iter_chunks(self, path: str) -> Iterator[bytes]:
        with self.open(path) as handle:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk

    def delete_all(self) -> None:
        if self._fs.exists(self._root):
            self._fs.rm(self._root, recursive=True)


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None
