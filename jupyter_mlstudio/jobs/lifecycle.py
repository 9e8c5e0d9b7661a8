"""What every party that ends a job does the same way: the runner, its supervisor and
the stopper all go through :func:`finish_job`, so the job and its run end together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..artifacts import ArtifactRepository
from ..config import StudioConfig
from .contract import Workspace
from .entities import Job

if TYPE_CHECKING:
    from .store import JobStore

# Parts of a working folder that are inputs, not results: never uploaded.
NOT_UPLOADED = ("input/data", "processing/input")


def workspace_for(config: StudioConfig, job: Job) -> Workspace:
    """The job's working folder: its artifact folder when artifacts are local, else a
    folder under the studio home that is uploaded as the job runs."""
    local = ArtifactRepository(job.artifact_uri).local_path
    root = local if local is not None else config.home / "jobs" / job.id
    root.mkdir(parents=True, exist_ok=True)
    return Workspace(root)


def upload_workspace(job: Job, ws: Workspace, *, only_log: bool = False) -> None:
    """Copy results to a remote artifact store (nothing to do when it is local)."""
    repo = ArtifactRepository(job.artifact_uri)
    if repo.local_path is not None:
        return
    if only_log:
        if ws.log_file.exists():
            repo.put_file(ws.log_file, "log.txt")
        return
    for path in sorted(ws.root.rglob("*")):
        rel = path.relative_to(ws.root).as_posix()
        if path.is_file() and not any(rel.startswith(prefix) for prefix in NOT_UPLOADED):
            repo.put_file(path, rel)


def finish_job(store: JobStore, job_id: str, status: str, reason: str | None = None) -> Job:
    """End the job (unless it already ended) and the run it logs to."""
    return store.finish(job_id, status, reason)
