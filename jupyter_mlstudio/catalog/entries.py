"""Catalog sources and their entries: the built-in catalog shipped in the package, and
the folders or fsspec URLs configured as ``c.MLStudio.catalogs`` / ``MLSTUDIO_CATALOGS``
(a team's private hub). A malformed entry is an error of the listing, never the end of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidArgumentError, MLStudioError, NotFoundError
from .manifest import MANIFEST_FILE, CatalogManifest, parse_manifest

BUILTIN = Path(__file__).parent / "builtin"
BUILTIN_SOURCE = "built-in"
CATALOGS_ENV = "MLSTUDIO_CATALOGS"
REMOTE_TTL_SECONDS = 60.0  # a remote catalog is copied again at most this often


@dataclass(frozen=True)
class CatalogSource:
    name: str
    location: str
    builtin: bool = False


@dataclass(frozen=True)
class CatalogError:
    """A catalog entry (or a whole source) that could not be read."""

    source: str
    path: str
    message: str


@dataclass(frozen=True)
class CatalogEntry:
    manifest: CatalogManifest
    folder: Path  # a local folder (a remote entry's copy)
    source: str

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def kind(self) -> str:
        return self.manifest.kind

    def asset(self, key: str) -> Path | None:
        """The local path of asset ``key`` (``notebook``, ``pipeline``, ...), if named."""
        value = getattr(self.manifest.assets, key)
        return None if value is None else self.folder / value

    def readme(self) -> str:
        path = self.folder / "README.md"
        return path.read_text(encoding="utf-8") if path.is_file() else self.manifest.description

    def input_example(self) -> Any:
        path = self.asset("input_example")
        if path is None or not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class CatalogListing:
    entries: list[CatalogEntry] = field(default_factory=list)
    errors: list[CatalogError] = field(default_factory=list)
    sources: list[CatalogSource] = field(default_factory=list)


def configured_locations(configured: Sequence[str] | None = None) -> list[str]:
    """The private catalogs: the configuration's, then ``MLSTUDIO_CATALOGS``'s."""
    locations = [str(c) for c in configured or () if str(c).strip()]
    env = os.environ.get(CATALOGS_ENV, "")
    locations += [item for item in env.split(os.pathsep) if item.strip()]
    seen: set[str] = set()
    return [x for x in locations if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def _source_name(location: str, taken: set[str]) -> str:
    base = location.rstrip("/").rsplit("/", 1)[-1] or location
    name, n = base, 2
    while name in taken or name == BUILTIN_SOURCE:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


class Catalog:
    """Every source's entries, by name (the first source that has a name wins; a later
    entry of the same name is listed as an error)."""

    def __init__(self, locations: Sequence[str] = (), *, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        taken: set[str] = set()
        self.sources = [CatalogSource(BUILTIN_SOURCE, str(BUILTIN), builtin=True)] + [
            CatalogSource(_source_name(loc, taken), loc) for loc in locations
        ]
        self._lock = threading.Lock()
        self._copied: dict[str, float] = {}

    def load(self) -> CatalogListing:
        listing = CatalogListing(sources=list(self.sources))
        seen: dict[str, str] = {}
        for source in self.sources:
            try:
                root = self._local_root(source)
            except Exception as exc:  # an unreachable hub is an error of the listing
                listing.errors.append(CatalogError(source.name, source.location, str(exc)))
                continue
            for folder in sorted(p for p in root.iterdir() if p.is_dir()):
                manifest_path = folder / MANIFEST_FILE
                if folder.name.startswith((".", "_")) or not manifest_path.is_file():
                    continue
                where = f"{folder.name}/{MANIFEST_FILE}"
                try:
                    manifest = parse_manifest(manifest_path.read_text(encoding="utf-8"), where)
                    _check_assets(manifest, folder)
                except (MLStudioError, OSError, UnicodeDecodeError) as exc:
                    message = exc.message if isinstance(exc, MLStudioError) else str(exc)
                    listing.errors.append(CatalogError(source.name, where, message))
                    continue
                if manifest.name in seen:
                    listing.errors.append(
                        CatalogError(
                            source.name,
                            where,
                            f"{where}: the name {manifest.name!r} is already taken by an "
                            f"entry of {seen[manifest.name]!r}",
                        )
                    )
                    continue
                seen[manifest.name] = source.name
                listing.entries.append(CatalogEntry(manifest, folder, source.name))
        return listing

    def get(self, name: str) -> CatalogEntry:
        for entry in self.load().entries:
            if entry.name == name:
                return entry
        raise NotFoundError(f"The catalog has no entry {name!r}.")

    def _local_root(self, source: CatalogSource) -> Path:
        """The folder holding the source's entry folders (a remote one is copied into
        the cache first, again after ``REMOTE_TTL_SECONDS``)."""
        import fsspec

        if source.builtin:
            return BUILTIN
        fs, path = fsspec.core.url_to_fs(source.location)
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        if protocol in ("file", "local"):
            root = Path(path)
            if not root.is_dir():
                raise InvalidArgumentError(f"{source.location} is not a folder")
            return root
        key = hashlib.sha256(source.location.encode()).hexdigest()[:16]
        target = self.cache_dir / key
        with self._lock:
            if time.monotonic() - self._copied.get(key, -1e9) > REMOTE_TTL_SECONDS:
                if not fs.isdir(path):
                    raise InvalidArgumentError(f"{source.location} is not a folder")
                staging = self.cache_dir / f".{key}.{os.getpid()}.{threading.get_ident()}"
                import shutil

                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir(parents=True)
                fs.get(path.rstrip("/") + "/", str(staging) + "/", recursive=True)
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
                self._copied[key] = time.monotonic()
        return target


def _check_assets(manifest: CatalogManifest, folder: Path) -> None:
    missing = [
        f"assets.{key}: {value} is missing"
        for key, value in manifest.assets.model_dump().items()
        if value is not None and not (folder / value).exists()
    ]
    if missing:
        raise InvalidArgumentError(f"{folder.name}/{MANIFEST_FILE}: " + "; ".join(missing))
