"""kill -9 of the process driving an execution: another process adopts it, follows the
running step's job where it is, and the execution completes with no step run twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jupyter_mlstudio.studio import Studio

HERE = Path(__file__).parent

_DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from jupyter_mlstudio.pipelines import Pipeline, step
from jupyter_mlstudio.studio import Studio
import pipeline_step_functions as fns

stamp = step(fns.stamp, outputs={"seconds": float})
log = "log:" + sys.argv[2]
first = stamp(name="first", label="first", log=log, seconds=2.0)
second = stamp(name="second", label="second", log=log, seconds=first.outputs["seconds"])
third = stamp(name="third", label="third", log=log, seconds=0.0, depends_on=[second])
studio = Studio.open()
handle = Pipeline("resumable", steps=[first, second, third]).run(
    studio=studio, base_dir=sys.argv[3]
)
print(json.dumps({"id": handle.id}), flush=True)
sys.stdin.read()  # live until killed
"""


def test_kill_9_of_the_driver_then_adoption(studio: Studio, tmp_path: Path) -> None:
    log = tmp_path / "runs.jsonl"
    driver = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(HERE), str(log), str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert driver.stdout is not None
    execution_id = json.loads(driver.stdout.readline())["id"]
    deadline = time.monotonic() + 60
    while True:  # the first step's job is running (not only submitted)
        first_job = studio.pipelines.store.step(execution_id, "first").job_id
        if first_job is not None and studio.jobs.get(first_job).status == "Running":
            break
        assert time.monotonic() < deadline, "the first step did not start"
        time.sleep(0.05)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()

    adopted = studio.pipelines.resume()
    assert [e.id for e in adopted] == [execution_id]
    assert studio.pipelines.resume() == []  # adopted once
    execution = studio.pipelines.wait(execution_id, timeout=120)
    assert execution.status == "Succeeded", execution.failure_reason
    assert execution.owner_pid == os.getpid()
    steps = {s.name: s for s in studio.pipelines.steps(execution_id)}
    assert all(s.status == "Succeeded" and s.attempts == 1 for s in steps.values())
    assert steps["first"].job_id == first_job  # followed, not run again
    ran = [json.loads(line)["name"] for line in log.read_text().splitlines()]
    assert sorted(ran) == ["first", "second", "third"]
