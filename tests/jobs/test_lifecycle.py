"""Job lifecycles with real processes: failures, stop, kill, restart, queueing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.jobs.executors import LocalExecutor
from jupyter_mlstudio.jobs.specs import ProcessingSpec, TrainingSpec
from jupyter_mlstudio.studio import Studio

if TYPE_CHECKING:
    from conftest import JobOwnerStart

Script = Callable[[str, str], Path]


def wait_for(predicate: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def gone(pid: int) -> bool:
    """Exited (a zombie waiting for a parent that never reaps counts as gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "raise ValueError('the learning rate must be positive')\n",
            "exited with code 1: ValueError: the learning rate must be positive",
        ),
        ("import sys\nprint('giving up')\nsys.exit(3)\n", "exited with code 3: giving up"),
        (
            "import os, sys\n"
            "open(os.path.join(os.environ['SM_OUTPUT_DIR'], 'failure'), 'w')"
            ".write('Column price has negative values; clean the data first.')\n"
            "sys.exit(1)\n",
            "Column price has negative values; clean the data first.",
        ),
    ],
    ids=["exception", "exit-code", "failure-file"],
)
def test_failing_scripts_fail_with_the_reason(
    studio: Studio, script: Script, tmp_path: Path, body: str, expected: str
) -> None:
    entry = script("fail.py", body)
    (tmp_path / "d.csv").write_text("a\n1\n")
    job = studio.jobs.submit(
        TrainingSpec(entry_point=str(entry), channels={"train": str(tmp_path / "d.csv")})
    )
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Failed"
    assert done.failure_reason is not None and expected in done.failure_reason
    assert done.run_id is not None
    run = studio.experiments.get_run(done.run_id)
    assert run.status == "FAILED"
    assert expected in run.tags["mlstudio.failure"]


def test_failure_file_fails_a_job_even_with_exit_code_zero(studio: Studio, script: Script) -> None:
    entry = script(
        "soft.py",
        "import os\n"
        "open(os.path.join(os.environ['SM_OUTPUT_DIR'], 'failure'), 'w').write('no data')\n",
    )
    job = studio.jobs.submit(TrainingSpec(entry_point=str(entry)))
    done = studio.jobs.wait(job.id, timeout=60)
    assert (done.status, done.failure_reason) == ("Failed", "no data")


SPAWNS_GRANDCHILD = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
# a grandchild that ignores SIGTERM, so only the SIGKILL after the grace period ends it
stubborn = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
with open(os.environ["PIDS_FILE"], "w") as f:
    f.write(f"{os.getpid()} {child.pid} {stubborn.pid}")
print("working", flush=True)
time.sleep(300)
"""


def test_stop_ends_the_whole_process_group(studio: Studio, script: Script, tmp_path: Path) -> None:
    studio.jobs.executor.stop_grace = 1.0  # type: ignore[attr-defined]
    pids_file = tmp_path / "pids"
    entry = script("sleepy.py", SPAWNS_GRANDCHILD)
    job = studio.jobs.submit(
        ProcessingSpec(code=str(entry), environment={"PIDS_FILE": str(pids_file)})
    )
    wait_for(lambda: pids_file.exists() and len(pids_file.read_text().split()) == 3, what="pids")
    running = studio.stores.jobs.get_job(job.id)
    assert running.status == "Running" and running.pid is not None
    pids = [running.pid, *map(int, pids_file.read_text().split())]

    stopped = studio.jobs.stop(job.id)
    assert stopped.status in ("Stopping", "Stopped")
    done = studio.jobs.wait(job.id, timeout=30)
    assert done.status == "Stopped"
    assert done.run_id is not None and studio.experiments.get_run(done.run_id).status == "KILLED"
    wait_for(lambda: all(gone(pid) for pid in pids), timeout=10, what="every process to end")


def test_a_job_killed_with_sigkill_fails(studio: Studio, script: Script) -> None:
    entry = script("forever.py", "import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    job = studio.jobs.submit(ProcessingSpec(code=str(entry)))
    wait_for(lambda: "up" in studio.jobs.read_log(job.id).text, what="the job to start")
    pid = studio.stores.jobs.get_job(job.id).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # the runner itself: it cannot report anything
    done = studio.jobs.wait(job.id, timeout=30)
    assert done.status == "Failed"
    assert done.failure_reason is not None and "SIGKILL" in done.failure_reason


def test_stopping_a_queued_job_never_starts_it(script: Script, tmp_path: Path) -> None:
    studio = Studio(StudioConfig.resolve(max_concurrent_jobs=1))
    try:
        blocker = studio.jobs.submit(
            ProcessingSpec(code=str(script("block.py", "import time\ntime.sleep(2)\n")))
        )
        marker = tmp_path / "ran"
        queued = studio.jobs.submit(
            ProcessingSpec(code=str(script("mark.py", f"open({str(marker)!r}, 'w').write('x')\n")))
        )
        assert studio.stores.jobs.get_job(queued.id).status == "Pending"
        assert studio.jobs.stop(queued.id).status == "Stopped"
        assert studio.jobs.wait(blocker.id, timeout=30).status == "Completed"
        executor = studio.jobs.executor
        assert isinstance(executor, LocalExecutor) and executor.wait_idle(30)
        assert not marker.exists()
        assert studio.stores.jobs.get_job(queued.id).status == "Stopped"
    finally:
        studio.close()


def test_twenty_jobs_with_concurrency_two_all_finish(script: Script) -> None:
    studio = Studio(StudioConfig.resolve(max_concurrent_jobs=2))
    try:
        entry = script(
            "quick.py", "import sys, time\ntime.sleep(0.1)\nprint('done', sys.argv[1:])\n"
        )
        jobs = [
            studio.jobs.submit(ProcessingSpec(code=str(entry), arguments=[str(i)]))
            for i in range(20)
        ]
        ended = [studio.jobs.wait(job.id, timeout=240) for job in jobs]
        assert [job.status for job in ended] == ["Completed"] * 20
        # never more than two at once: sweep the start/end times
        events = sorted(
            [(job.started_at, 1) for job in ended] + [(job.ended_at, -1) for job in ended],
            key=lambda event: (event[0], event[1]),
        )
        running = peak = 0
        for _, delta in events:
            running += delta
            peak = max(peak, running)
        assert peak <= 2
        # FIFO: started in the order they were submitted. Two jobs dispatched together
        # race to record their start, so a neighbour may swap places; nothing more.
        order = sorted(range(20), key=lambda i: ended[i].started_at.timestamp())
        assert all(abs(position - index) <= 1 for position, index in enumerate(order)), order
    finally:
        studio.close()


def test_timeout_fails_the_job(studio: Studio, script: Script) -> None:
    studio.jobs.executor.stop_grace = 1.0  # type: ignore[attr-defined]
    entry = script("slow.py", "import time\ntime.sleep(300)\n")
    job = studio.jobs.submit(ProcessingSpec(code=str(entry), timeout_seconds=1.0))
    done = studio.jobs.wait(job.id, timeout=30)
    assert done.status == "Failed"
    assert done.failure_reason == "Exceeded the timeout of 1 s."


def test_restart_keeps_watching_a_job_that_is_still_running(
    studio: Studio, script: Script, tmp_path: Path, start_job_owner: JobOwnerStart
) -> None:
    release = tmp_path / "release"
    entry = script(
        "waits.py",
        f"import os, time\nprint('waiting', flush=True)\n"
        f"while not os.path.exists({str(release)!r}): time.sleep(0.05)\nprint('released')\n",
    )
    owner, job_id = start_job_owner(entry)
    wait_for(lambda: studio.stores.jobs.get_job(job_id).status == "Running", what="Running")
    owner.kill()  # the "server" dies; its job lives on in its own process group
    owner.wait()
    job = studio.stores.jobs.get_job(job_id)
    assert job.pid is not None and not gone(job.pid)

    assert studio.jobs.executor.reconcile() == [job_id]  # the new "server"
    adopted = studio.stores.jobs.get_job(job_id)
    assert (adopted.status, adopted.owner_pid) == ("Running", os.getpid())
    assert studio.jobs.executor.reconcile() == []  # ours now: not picked up twice
    release.write_text("go")
    done = studio.jobs.wait(job_id, timeout=30)
    assert done.status == "Completed"
    assert "released" in studio.jobs.read_log(job_id).text


def test_restart_fails_a_job_whose_process_died_meanwhile(
    studio: Studio, script: Script, start_job_owner: JobOwnerStart
) -> None:
    entry = script("forever.py", "import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    owner, job_id = start_job_owner(entry)
    wait_for(lambda: studio.stores.jobs.get_job(job_id).status == "Running", what="Running")
    pid = studio.stores.jobs.get_job(job_id).pid
    assert pid is not None
    owner.kill()
    owner.wait()
    os.killpg(pid, signal.SIGKILL)  # the machine "rebooted": the job is gone too
    wait_for(lambda: gone(pid), what="the job process to end")

    assert studio.jobs.executor.reconcile() == [job_id]
    done = studio.stores.jobs.get_job(job_id)
    assert done.status == "Failed"
    assert done.failure_reason is not None and "no server was watching" in done.failure_reason


def test_restart_runs_jobs_that_were_still_queued(studio: Studio, script: Script) -> None:
    entry = script("hello.py", "print('hello from the queue')\n")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    spec = ProcessingSpec(code=str(entry)).model_dump(mode="json") | {"name": "left-behind"}
    queued = studio.stores.jobs.create_job(
        kind="processing",
        name="left-behind",
        spec=spec,
        executor="local",
        owner_host=__import__("socket").gethostname(),
        owner_pid=dead.pid,
    )
    assert studio.jobs.executor.reconcile() == [queued.id]
    done = studio.jobs.wait(queued.id, timeout=60)
    assert done.status == "Completed"
    assert "hello from the queue" in studio.jobs.read_log(queued.id).text


def test_a_job_started_by_a_dead_owner_before_it_was_marked_running_runs_once(
    studio: Studio, script: Script, tmp_path: Path
) -> None:
    # The owner started the job's process and died before marking the job Running: the
    # job is still Pending, so the next server starts it again. Only one may run it.
    from jupyter_mlstudio.jobs.lifecycle import workspace_for
    from jupyter_mlstudio.jobs.supervisor import runner_environment

    runs, release = tmp_path / "runs.txt", tmp_path / "release"
    entry = script(
        "once.py",
        f"import os, time\nwhile not os.path.exists({str(release)!r}): time.sleep(0.05)\n"
        f"with open({str(runs)!r}, 'a') as f:\n    f.write('ran\\n')\n",
    )
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    spec = ProcessingSpec(code=str(entry)).model_dump(mode="json") | {"name": "half-started"}
    queued = studio.stores.jobs.create_job(
        kind="processing",
        name="half-started",
        spec=spec,
        executor="local",
        owner_host=__import__("socket").gethostname(),
        owner_pid=dead.pid,
    )
    orphan = subprocess.Popen(  # what the dead owner had started; it waits to be marked
        [sys.executable, "-m", "jupyter_mlstudio.jobs.runner", queued.id],
        cwd=workspace_for(studio.config, queued).root,
        env=runner_environment(studio.config),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert studio.jobs.executor.reconcile() == [queued.id]
        # the job now runs in the process the new owner started; the orphan must leave
        # (it would wait for the release with the job's script otherwise)
        output = orphan.communicate(timeout=30)[0].decode()
    finally:
        orphan.kill()
        release.write_text("go")
    assert f"runs job {queued.id}" in output
    done = studio.jobs.wait(queued.id, timeout=60)
    assert done.status == "Completed"
    assert runs.read_text() == "ran\n"


def test_jobs_also_run_as_plain_processes_without_the_preloaded_launcher(
    studio: Studio, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_mlstudio.jobs.launcher import PRELOAD_ENV, shared_launcher

    monkeypatch.setenv(PRELOAD_ENV, "0")
    assert shared_launcher(dict(os.environ)) is None
    entry = script("plain.py", "import sys\nprint('plain start', sys.argv[1:])\n")
    job = studio.jobs.submit(ProcessingSpec(code=str(entry), arguments=["x"]))
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Completed", done.failure_reason
    assert "plain start ['x']" in studio.jobs.read_log(job.id).text
