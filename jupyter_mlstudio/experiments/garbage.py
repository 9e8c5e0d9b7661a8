"""Emptying the trash: runs deleted long enough ago go for good, with their artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..artifacts import ArtifactRepository
from .run_store import RunStore


@dataclass
class GarbageReport:
    run_ids: list[str] = field(default_factory=list)
    artifact_folders: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def collect_garbage(
    runs: RunStore, older_than_days: float = 0, dry_run: bool = False
) -> GarbageReport:
    """Purge runs trashed more than ``older_than_days`` ago and delete their artifacts.

    Rows go first, then files: if deleting a folder fails the run is gone from the
    studio and the folder is reported, never the other way round (no run left pointing
    at deleted artifacts).
    """
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    purged = runs.purge_deleted(cutoff, dry_run=dry_run)
    report = GarbageReport(run_ids=[r.id for r in purged])
    for run in purged:
        report.artifact_folders.append(run.artifact_uri)
        if dry_run:
            continue
        try:
            ArtifactRepository(run.artifact_uri).delete_all()
        except OSError as exc:
            report.errors.append(f"{run.artifact_uri}: {exc}")
    return report
