"""Checkpoints of a training script: ``/opt/ml/checkpoints`` kept in the artifact store.

SageMaker syncs a job's ``checkpoint_local_path`` to ``checkpoint_s3_uri`` while it
runs and copies it back when a job (or a retry of it) starts, so a script that looks for
its last checkpoint resumes instead of starting over. Here the store is the job's
artifacts (``<artifact uri>/checkpoints``) or any fsspec URL or folder the spec names;
files are uploaded when new or changed, every ``SYNC_SECONDS`` and once more at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import fsspec

SYNC_SECONDS = 2.0


class CheckpointSync:
    """Keeps ``local`` and the store at ``uri`` in step (the local folder is the truth
    while the script runs; the store is the truth when an attempt starts)."""

    def __init__(self, local: Path, uri: str, log: Callable[[str], None]) -> None:
        self.local = local
        self.uri = uri.rstrip("/")
        self._log = log
        self._fs, self._root = fsspec.core.url_to_fs(self.uri)
        self._sent: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    @property
    def same_place(self) -> bool:
        """The store is the local folder itself (a local artifact store)."""
        try:
            return Path(self._root).resolve() == self.local.resolve()
        except OSError:
            return False

    def restore(self, fresh: bool = False) -> int:
        """Copy the stored checkpoints into the local folder; how many files came.
        ``fresh`` empties the local folder first, as a new host would start (a retry)."""
        if fresh and not self.same_place and self.local.exists():
            shutil.rmtree(self.local)
        self.local.mkdir(parents=True, exist_ok=True)
        if self.same_place or not self._fs.exists(self._root):
            return sum(1 for p in self.local.rglob("*") if p.is_file())
        count = 0
        for remote in self._fs.find(self._root):
            rel = remote[len(self._root) :].lstrip("/")
            target = self.local / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            self._fs.get_file(remote, str(target))
            stat = target.stat()
            self._sent[rel] = (stat.st_size, stat.st_mtime_ns)
            count += 1
        return count

    def sync(self) -> int:
        """Upload new and changed files; how many went."""
        if self.same_place or not self.local.is_dir():
            return 0
        with self._lock:
            count = 0
            for path in sorted(p for p in self.local.rglob("*") if p.is_file()):
                rel = path.relative_to(self.local).as_posix()
                try:
                    stat = path.stat()
                except FileNotFoundError:  # the script replaced it meanwhile
                    continue
                key = (stat.st_size, stat.st_mtime_ns)
                if self._sent.get(rel) == key:
                    continue
                self._fs.makedirs(f"{self._root}/{Path(rel).parent.as_posix()}", exist_ok=True)
                self._fs.put_file(str(path), f"{self._root}/{rel}")
                self._sent[rel] = key
                count += 1
            return count

    @contextlib.contextmanager
    def syncing(self) -> Iterator[None]:
        """Sync in the background while the block runs, and once at its end."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(SYNC_SECONDS):
                try:
                    self.sync()
                except OSError as exc:  # the next round tries again
                    self._log(f"checkpoint sync failed, will retry: {exc}")

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.sync()
