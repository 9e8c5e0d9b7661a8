"""``GET /home`` on a real server: a real job process with its CPU and memory, Stop through
the jobs route, activity that links to the job and its run, the configuration, and
authentication."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Call


BUSY = "print('busy', flush=True)\nwhile True:\n    pass\n"


async def home_until(
    call: Call, test: Callable[[dict[str, Any]], bool], timeout: float = 90
) -> dict[str, Any]:
    for _ in range(int(timeout / 0.5)):
        status, home = await call("GET", "home")
        assert status == 200, home
        if test(home):
            return home  # type: ignore[no-any-return]
        await asyncio.sleep(0.5)
    raise AssertionError(f"the home never matched; last: {home}")


async def test_home_shows_a_running_job_and_stop_ends_it(
    call: Call, jp_root_dir: Path, mlstudio_home: Path
) -> None:
    status, home = await call("GET", "home")
    assert status == 200
    assert (home["running"], home["activity"]) == ([], [])
    config = home["configuration"]
    assert config["store_backend"] == "sqlite" and config["executor"] == "local"
    assert config["home"] == str(mlstudio_home)
    assert config["versions"]["jupyter_mlstudio"]

    (jp_root_dir / "busy.py").write_text(BUSY)
    status, job = await call("POST", "jobs", "processing", body=json.dumps({"code": "busy.py"}))
    assert status == 201, job

    def measured(home: dict[str, Any]) -> bool:
        items = [i for i in home["running"] if i["id"] == job["id"]]
        return bool(items) and items[0]["usage"] is not None and items[0]["status"] == "Running"

    home = await home_until(call, measured)
    (item,) = home["running"]
    assert (item["kind"], item["name"], item["detail"]) == ("job", job["name"], "processing")
    assert item["usage"]["cpu_percent"] > 0 and item["usage"]["memory_bytes"] > 2**20
    assert item["started_at"] and item["pid"]
    assert any(
        a["kind"] == "run-started"
        and a["target"] == {"resource": "run", "id": job["run_id"], "version": None}
        for a in home["activity"]
    )

    status, _ = await call("POST", "jobs", job["id"], "stop")
    assert status == 200
    home = await home_until(call, lambda h: h["running"] == [])
    stopped = [a for a in home["activity"] if a["target"]["id"] == job["run_id"]]
    assert [a["kind"] for a in stopped] == ["run-stopped", "run-started"]


async def test_home_needs_authentication(call: Call) -> None:
    status, payload = await call("GET", "home", headers={"Authorization": "token wrong"})
    assert status in (401, 403)
    assert set(payload["error"]) == {"code", "message"}


SLEEPY_TRIAL = "import time\ntime.sleep(120)\nprint('score=1')\n"


async def test_home_shows_a_running_tuning_job_and_its_stop(call: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "sleepy.py").write_text(SLEEPY_TRIAL)
    status, tuning = await call(
        "POST",
        "tuning-jobs",
        body={
            "name": "sleepy",
            "training": {"entry_point": "sleepy.py", "experiment": "home-tuning"},
            "search_space": {"lr": {"type": "continuous", "min_value": 0.01, "max_value": 0.1}},
            "objective": {"metric": "score", "regex": r"score=([-0-9.]+)"},
            "strategy": "Random",
            "limits": {"max_trials": 4, "max_parallel_trials": 1},
        },
    )
    assert status == 201, tuning

    def trial_running(home: dict[str, Any]) -> bool:
        items = [i for i in home["running"] if i["id"] == tuning["id"]]
        return bool(items) and items[0]["trials"]["running"] == 1

    home = await home_until(call, trial_running)
    (item,) = [i for i in home["running"] if i["kind"] == "tuning-job"]
    assert (item["name"], item["status"], item["detail"]) == ("sleepy", "Running", "Random")
    assert item["trials"] == {
        "done": 0,
        "max_trials": 4,
        "running": 1,
        "best_value": None,
        "objective": "score",
    }
    assert item["usage"] is None and item["pid"] is None

    # the home's Stop calls the tuning job's own stop
    status, _ = await call("POST", "tuning-jobs", tuning["id"], "stop")
    assert status == 200
    home = await home_until(call, lambda h: h["running"] == [])
    assert {
        "kind": "tuning-job-stopped",
        "title": "Tuning job sleepy stopped",
        "target": {"resource": "tuning-job", "id": tuning["id"], "version": None},
    }.items() <= next(a for a in home["activity"] if a["kind"] == "tuning-job-stopped").items()
