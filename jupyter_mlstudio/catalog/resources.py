"""The per-entry resource check before a launch: free memory and disk against the
manifest's estimate. It only warns; the user decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .manifest import Resources

MB = 1024 * 1024


@dataclass(frozen=True)
class ResourceCheck:
    ok: bool
    free_ram_mb: int
    free_disk_mb: int
    warnings: list[str] = field(default_factory=list)


def check_resources(needed: Resources, folder: Path) -> ResourceCheck:
    free_ram = int(psutil.virtual_memory().available / MB)
    probe = folder if folder.exists() else Path.cwd()
    free_disk = int(psutil.disk_usage(str(probe)).free / MB)
    warnings = []
    if free_ram < needed.ram_mb:
        warnings.append(
            f"Only {free_ram:,} MB of memory is free; this entry needs about "
            f"{needed.ram_mb:,} MB. It may run slowly or fail: close other work first."
        )
    if free_disk < needed.disk_mb:
        warnings.append(
            f"Only {free_disk:,} MB of disk is free where the project folder goes; this entry "
            f"needs about {needed.disk_mb:,} MB."
        )
    return ResourceCheck(not warnings, free_ram, free_disk, warnings)
