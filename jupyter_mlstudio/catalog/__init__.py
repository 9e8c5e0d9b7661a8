"""JumpStart: a catalog of ready solutions and pre-built models (``docs/jumpstart.md``).

Entries are folders with a ``manifest.yaml`` (``manifest.py``), found in the built-in
catalog and in configured private catalogs (``entries.py``); ``launcher.py`` launches a
solution, ``service.py`` is ``studio.catalog``. No server imports here.

This package is also ``mls.catalog``, the SDK (``sdk.py``): ``list``, ``get``,
``launch`` (a :class:`LaunchHandle`), ``launches``, ``deploy``, ``fine_tune``.
"""

from __future__ import annotations

from .entries import CatalogEntry, CatalogError, CatalogSource
from .launcher import CatalogLaunch
from .manifest import CatalogManifest
from .sdk import (
    LaunchFailedError,
    LaunchHandle,
    deploy,
    fine_tune,
    get,
    launch,
    launches,
    list,
)

__all__ = [
    "CatalogEntry",
    "CatalogError",
    "CatalogLaunch",
    "CatalogManifest",
    "CatalogSource",
    "LaunchFailedError",
    "LaunchHandle",
    "deploy",
    "fine_tune",
    "get",
    "launch",
    "launches",
    "list",
]
