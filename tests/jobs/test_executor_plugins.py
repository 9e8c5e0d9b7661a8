"""A new executor plugs in by configuration, with no edit of ours: as ``module:Class`` or
through the ``jupyter_mlstudio.executors`` entry-point group of an installed package."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.studio import Studio

# A third-party executor: runs each job's supervision on a thread of its own and counts
# what it ran, so the test can tell it was used.
PLUGIN = textwrap.dedent(
    """
    import threading

    from jupyter_mlstudio.jobs.executors import JobExecutor
    from jupyter_mlstudio.jobs.supervisor import supervise

    RAN = []


    class ThreadPerJobExecutor(JobExecutor):
        name = "thread-per-job"

        def submit(self, job):
            RAN.append(job.id)
            args = (self.store, self.config, job.id)
            threading.Thread(target=supervise, args=args, daemon=True).start()


    class NotAnExecutor:
        pass
    """
)


@pytest.fixture
def plugin_package(tmp_path: Path) -> Iterator[Path]:
    """An installed package (a module and its dist-info) on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "mls_thread_executor.py").write_text(PLUGIN)
    dist = site / "mls_thread_executor-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mls-thread-executor\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[jupyter_mlstudio.executors]\nthreads = mls_thread_executor:ThreadPerJobExecutor\n"
    )
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))
    sys.modules.pop("mls_thread_executor", None)


def _run_a_job(executor: str, tmp_path: Path) -> tuple[str, str]:
    studio = Studio(StudioConfig.resolve(job_executor=executor))
    try:
        code = tmp_path / "hello.py"
        code.write_text("print('hello from a plugged-in executor')\n")
        job = studio.jobs.submit(ProcessingSpec(code=str(code)))
        done = studio.jobs.wait(job.id, timeout=120)
        assert done.status == "Completed", done.failure_reason
        return done.executor, job.id
    finally:
        studio.close()


@pytest.mark.parametrize("kind", ["threads", "mls_thread_executor:ThreadPerJobExecutor"])
def test_a_plugged_in_executor_runs_jobs(plugin_package: Path, tmp_path: Path, kind: str) -> None:
    executor, job_id = _run_a_job(kind, tmp_path)
    assert executor == kind
    assert job_id in sys.modules["mls_thread_executor"].RAN


def test_unknown_or_wrong_executors_are_refused_with_the_choices(plugin_package: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="use one of dask, local, threads"):
        Studio(StudioConfig.resolve(job_executor="nope")).jobs.executor  # noqa: B018
    with pytest.raises(InvalidArgumentError, match="not a JobExecutor subclass"):
        Studio(StudioConfig.resolve(job_executor="mls_thread_executor:NotAnExecutor")).jobs.executor  # noqa: B018
    with pytest.raises(InvalidArgumentError, match="Cannot load the job executor"):
        Studio(StudioConfig.resolve(job_executor="no_such_module:Executor")).jobs.executor  # noqa: B018
