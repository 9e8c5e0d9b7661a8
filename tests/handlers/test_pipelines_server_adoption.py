"""A real Jupyter server adopts pipeline executions whose driving process died: one
killed before the server starts (adopted at start) and one killed while it runs (adopted
by the periodic check); both complete with every step run once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_mlstudio.config import HOME_ENV

# A process that starts an execution of a two-step pipeline (the first step waits for a
# file), prints its id once the first step's job runs, and lives until it is killed.
_DRIVER = """
import json, sys, time
from jupyter_mlstudio.pipelines import Pipeline, PythonStep
from jupyter_mlstudio.studio import Studio

root, name = sys.argv[1], sys.argv[2]
out = {"label": str}
first = PythonStep("first", "fns.py", "wait_for", outputs=out, cache=False,
                   kwargs={"label": "first", "release": "release-" + name})
second = PythonStep("second", "fns.py", "wait_for", outputs=out, cache=False,
                    kwargs={"label": first.outputs["label"], "release": ""})
studio = Studio.open()
handle = Pipeline(name, steps=[first, second]).run(studio=studio, base_dir=root)
while True:
    step = handle.step("first")
    if step.job_id and studio.jobs.get(step.job_id).status == "Running":
        break
    time.sleep(0.05)
print(json.dumps({"id": handle.id}), flush=True)
sys.stdin.read()
"""

FUNCTIONS = """
import os, time


def wait_for(label: str, release: str) -> str:
    while release and not os.path.exists(release):
        time.sleep(0.05)
    with open("ran.txt", "a") as handle:
        handle.write(label + "\\n")
    return label + "+"
"""


def _orphan(root: Path, home: Path, name: str) -> str:
    driver = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(root), name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, HOME_ENV: str(home)},
        cwd=root,
    )
    assert driver.stdout is not None
    execution_id: str = json.loads(driver.stdout.readline())["id"]
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    (root / f"release-{name}").write_text("go")
    return execution_id


def _get(server: Any, *path: str) -> Any:
    request = urllib.request.Request(f"{server.api}/{'/'.join(path)}", headers=server.headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_server_adopts_executions_whose_driver_died(
    start_live_server: Callable[..., Any], tmp_path: Path, mlstudio_home: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "fns.py").write_text(FUNCTIONS)
    before = _orphan(root, mlstudio_home, "left-before")
    with start_live_server(root, mlstudio_home, "--MLStudio.pipeline_check_interval=0.5") as server:
        during = _orphan(root, mlstudio_home, "left-during")
        for execution_id in (before, during):
            deadline = time.monotonic() + 120
            while True:
                execution = _get(server, "pipeline-executions", execution_id)
                if execution["status"] not in ("Executing", "Stopping"):
                    break
                assert time.monotonic() < deadline, execution
                time.sleep(0.2)
            assert execution["status"] == "Succeeded", execution
            steps = {s["name"]: s for s in execution["steps"]}
            assert steps["second"]["outputs"]["label"] == "first++"
            assert all(s["attempts"] == 1 for s in steps.values())
    # each execution ran each step once
    assert sorted((root / "ran.txt").read_text().split()) == ["first", "first", "first+", "first+"]
