"""``JobHandle``: what ``mls.train`` and ``mls.process`` return — wait for the job with
a progress bar, read or follow its log, stop it, reach its run and model."""

from __future__ import annotations

import hashlib
import sys
import time
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import MLStudioError
from ..experiments.run_entities import Run
from .entities import FAILED, STOPPED, Job

if TYPE_CHECKING:
    from ..studio import Studio

FOLLOW_INTERVAL = 0.5


class JobFailedError(MLStudioError):
    """``wait()`` on a job that ended Failed or Stopped; the message is the reason."""

    def __init__(self, job: Job) -> None:
        super().__init__(
            f"Job {job.name!r} {job.status.lower()}: {job.failure_reason or 'no reason given'}"
        )
        self.job = job


class RegistrationWarning(UserWarning):
    """``wait()`` on a job that completed but could not register its model."""


class JobHandle:
    def __init__(self, studio: Studio, job: Job) -> None:
        self._studio = studio
        self._job = job
        self.id = job.id
        self.name = job.name
        self.kind = job.kind

    def __repr__(self) -> str:
        return f"<Job {self.name!r} {self._job.kind} {self._job.status}>"

    def refresh(self) -> Job:
        self._job = self._studio.jobs.get(self.id)
        return self._job

    @property
    def job(self) -> Job:
        """The latest snapshot (refreshed)."""
        return self.refresh()

    @property
    def status(self) -> str:
        return self.refresh().status

    @property
    def outputs(self) -> dict[str, str]:
        return dict(self.refresh().outputs)

    @property
    def failure_reason(self) -> str | None:
        return self.refresh().failure_reason

    @property
    def run(self) -> Run | None:
        run_id = self.refresh().run_id
        return self._studio.experiments.get_run(run_id) if run_id else None

    @property
    def metrics(self) -> dict[str, float]:
        run = self.run
        return dict(run.metrics) if run else {}

    def wait(self, progress: bool = False, timeout: float | None = None, check: bool = True) -> Job:
        """Block until the job ends. ``progress=True`` shows a tqdm bar; ``check=True``
        raises ``JobFailedError`` when it ended Failed or Stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=100,
                desc=self.name,
                unit="%",
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
            )
        try:
            while True:
                job = self.refresh()
                if bar is not None:
                    done = 100 if job.status == "Completed" else round((job.progress or 0) * 100)
                    bar.n = done
                    bar.set_postfix_str(
                        f"{job.status} {job.progress_message or ''}".strip(), refresh=False
                    )
                    bar.refresh()
                if job.is_terminal:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"Job {job.name!r} is still {job.status} after {timeout} s.")
                time.sleep(0.25)
        finally:
            if bar is not None:
                bar.close()
        if check and job.status in (FAILED, STOPPED):
            raise JobFailedError(job)
        if job.registration_error:  # trained fine; only register_as did not happen
            warnings.warn(job.registration_error, RegistrationWarning, stacklevel=2)
        return job

    def logs(self, follow: bool = False, file: IO[str] | None = None) -> str | None:
        """Print the log (``follow=True``: keep printing until the job ends). Without a
        ``file`` and without follow, the text is returned instead of printed."""
        service = self._studio.jobs
        offset = 0
        if not follow and file is None:
            parts = []
            while True:
                chunk = service.read_log(self.id, offset)
                parts.append(chunk.text)
                if chunk.next_offset >= chunk.size:
                    return "".join(parts)
                offset = chunk.next_offset
        out = file or sys.stdout
        while True:
            chunk = service.read_log(self.id, offset)
            if chunk.text:
                out.write(chunk.text)
                out.flush()
            offset = chunk.next_offset
            if chunk.complete or (not follow and offset >= chunk.size):
                return None
            if offset >= chunk.size:
                time.sleep(FOLLOW_INTERVAL)

    def stop(self, wait: bool = True, timeout: float | None = 60) -> Job:
        self._studio.jobs.stop(self.id)
        return self.wait(timeout=timeout, check=False) if wait else self.refresh()


def stage_dataframe(studio: Studio, frame: Any) -> Path:
    """Save an in-memory DataFrame where a job can read it (content-addressed Parquet)."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError("data must be a path or a pandas DataFrame")
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    path = studio.config.home / "staged-data" / f"{digest.hexdigest()[:24]}.parquet"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    return path
