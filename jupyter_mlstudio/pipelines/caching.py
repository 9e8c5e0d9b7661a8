"""Cache keys of pipeline steps.

A step's key is the SHA-256 of its type and its arguments with references already
resolved, where every argument that names an existing file or folder (its code, its
inputs, an upstream step's output folder) is replaced by the hash of its content, plus
the Python and library versions. Identical work anywhere (another execution, another
pipeline) has the same key, so its result is reused; editing a script, changing a
parameter or an upstream result changes the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

# Libraries whose version changes what a step computes.
_LIBRARIES = ("jupyter_mlstudio", "scikit-learn", "pandas", "numpy", "xgboost", "lightgbm")
_CHUNK = 1 << 20


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


# (path, size, mtime_ns) → digest: a file is read once per process while unchanged.
_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    cached = _FILE_DIGESTS.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    value = digest.hexdigest()
    if len(_FILE_DIGESTS) > 10_000:
        _FILE_DIGESTS.clear()
    _FILE_DIGESTS[key] = value
    return value


def content_digest(path: Path) -> str:
    """The hash of a file's bytes, or of a folder's relative paths and their files' hashes."""
    if path.is_file():
        return file_digest(path)
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            item = Path(root) / name
            digest.update(item.relative_to(path).as_posix().encode())
            digest.update(file_digest(item).encode())
    return digest.hexdigest()


def _local(value: str, base: Path) -> Path | None:
    if "\x00" in value or len(value) > 4096 or "\n" in value:
        return None
    text = value.removeprefix("file://")
    if "://" in text:
        return None
    try:
        path = Path(text).expanduser()
        path = path if path.is_absolute() else base / path
        return path if path.exists() else None
    except (OSError, ValueError):
        return None


def _with_contents(value: Any, base: Path) -> Any:
    if isinstance(value, str):
        path = _local(value, base)
        return {"content": content_digest(path)} if path is not None else value
    if isinstance(value, Mapping):
        return {str(k): _with_contents(v, base) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_with_contents(v, base) for v in value]
    return value


def cache_key(step_type: str, arguments: Mapping[str, Any], base: Path) -> str:
    """The key of a step of ``step_type`` with these (resolved) ``arguments``."""
    material = {
        "type": step_type,
        "arguments": _with_contents(dict(arguments), base),
        "versions": library_versions(),
    }
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
