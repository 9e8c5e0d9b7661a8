"""Functions the engine tests run as Python steps (each in its own job process)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def stamp(label: str, seconds: float, log: str) -> float:
    """Sleep, recording when it ran (to see that branches overlap); returns seconds.
    ``log`` is "log:<path>" (not a path: the file changes, which would change the cache
    key of a step that named it)."""
    started = time.time()
    time.sleep(seconds)
    with open(log.removeprefix("log:"), "a") as handle:
        handle.write(json.dumps({"name": label, "start": started, "end": time.time()}) + "\n")
    return seconds


def total(a: float, b: float) -> dict[str, object]:
    return {"sum": a + b, "report": {"metrics": {"auc": 0.5 + (a + b) / 10}}}


def write_file(text: str) -> str:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"out-{os.getpid()}.txt"
    path.write_text(text)
    return str(path)


def flaky(marker: str) -> int:
    """Fails while ``marker`` exists (the test removes it to "fix" the step)."""
    if Path(marker).exists():
        raise RuntimeError("flaky step failed on purpose")
    return 1


def fails_once(marker: str) -> int:
    """Fails the first time (removing ``marker``), succeeds after."""
    path = Path(marker)
    if path.exists():
        path.unlink()
        raise RuntimeError("first attempt fails")
    return 7
