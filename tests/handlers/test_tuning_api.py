"""Tuning jobs over REST on a real server: real trials (training job processes), paths
confined to the server root, bad input refused before anything is created, and a
tuning job left by a dead owner carried on by the server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_breast_cancer

if TYPE_CHECKING:
    from conftest import Call

TERMINAL = ("Completed", "Failed", "Stopped")
SPACE = {
    "n_estimators": {"type": "integer", "min_value": 2, "max_value": 20},
    "max_depth": {"type": "integer", "min_value": 1, "max_value": 4},
}


def _write_csv(root: Path) -> str:
    folder = root / "data"
    folder.mkdir(exist_ok=True)
    frame = load_breast_cancer(as_frame=True).frame.sample(150, random_state=0)
    frame.to_csv(folder / "cancer.csv", index=False)
    return "data/cancer.csv"


@pytest.fixture
def cancer_csv(jp_root_dir: Path) -> str:
    return _write_csv(jp_root_dir)


def tuning_body(csv: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "training": {
            "algorithm": "random-forest-classifier",
            "channels": {"train": csv},
            "target": "target",
            "hyperparameters": {"random_state": 1},
            "experiment": "tuning-api",
        },
        "search_space": SPACE,
        "objective": {"metric": "validation:accuracy", "direction": "Maximize"},
        "strategy": "Random",
        "limits": {"max_trials": 3, "max_parallel_trials": 2},
        "random_seed": 3,
    }
    return body | changes


async def wait_tuning_ended(call: Call, ref: str, timeout: float = 180) -> dict[str, Any]:
    for _ in range(int(timeout / 0.25)):
        status, job = await call("GET", "tuning-jobs", ref)
        assert status == 200, job
        if job["status"] in TERMINAL:
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.25)
    raise AssertionError(f"tuning job {ref} did not end")


async def test_tuning_job_over_rest(
    call: Call, cancer_csv: str, resource_events: list[dict[str, Any]]
) -> None:
    status, job = await call("POST", "tuning-jobs", body=tuning_body(cancer_csv, name="rf-rest"))
    assert status == 201, job
    assert job["name"] == "rf-rest" and job["status"] in ("Pending", "Running")
    assert job["objectives"] == [{"metric": "validation:accuracy", "direction": "Maximize"}]
    assert job["progress"]["max_trials"] == 3 and job["strategy"] == "Random"
    assert job["spec"]["search_space"] == {
        name: {**space, "scaling": "Auto"} for name, space in SPACE.items()
    }
    # the channel is stored resolved, inside the root
    assert job["spec"]["training"]["channels"]["train"].endswith("/data/cancer.csv")
    assert {"resource": "tuning-jobs", "action": "created", "id": job["id"]} in resource_events

    done = await wait_tuning_ended(call, job["id"])
    assert done["status"] == "Completed", done["failure_reason"]
    assert done["progress"] == {
        "max_trials": 3,
        "started": 3,
        "done": 3,
        "running": 0,
        "completed": 3,
        "pruned": 0,
        "failed": 0,
    }
    assert done["parent_run_id"] and done["experiment_id"] and done["ended_at"]

    # the server's change watcher saw the supervisor's writes (no REST call made them):
    # an update, or, when the whole job ran between two of its looks (a second apart;
    # three quick trials can), its first sighting, announced as created
    def announced() -> int:
        return sum(
            1 for e in resource_events if e["resource"] == "tuning-jobs" and e["id"] == job["id"]
        )

    for _ in range(50):
        if announced() >= 2:  # the POST's own event, and the watcher's
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"the watcher announced no tuning-job change: {resource_events}")

    # by name as well as by id; listed, and filtered by status
    status, by_name = await call("GET", "tuning-jobs", "rf-rest")
    assert (status, by_name["id"]) == (200, job["id"])
    status, page = await call("GET", "tuning-jobs")
    assert [j["name"] for j in page["items"]] == ["rf-rest"]
    status, page = await call("GET", "tuning-jobs", params={"status": "Running"})
    assert (status, page["items"]) == (200, [])

    # trials: pages by number, then by value (best first for Maximize, or ascending)
    status, first = await call("GET", "tuning-jobs", "rf-rest", "trials", params={"max_items": 2})
    assert status == 200, first
    assert [t["number"] for t in first["items"]] == [0, 1] and first["total"] == 3
    status, rest = await call(
        "GET",
        "tuning-jobs",
        "rf-rest",
        "trials",
        params={"max_items": 2, "next_token": first["next_token"]},
    )
    assert [t["number"] for t in rest["items"]] == [2] and rest["next_token"] is None
    trials = first["items"] + rest["items"]
    for trial in trials:
        assert trial["state"] == "Completed" and trial["tuning_job_id"] == job["id"]
        assert trial["job_id"] and trial["run_id"] and trial["warm_start"] is False
        assert 2 <= trial["params"]["n_estimators"] <= 20
        assert 1 <= trial["params"]["max_depth"] <= 4
        assert 0.5 < trial["value"] <= 1 and trial["values"] == [trial["value"]]
        assert trial["duration_seconds"] > 0
    values = [t["value"] for t in trials]
    assert done["best_value"] == max(values)
    assert values[done["best_trial"]] == max(values)
    status, by_value = await call(
        "GET", "tuning-jobs", job["id"], "trials", params={"sort_by": "value"}
    )
    assert [t["value"] for t in by_value["items"]] == sorted(values, reverse=True)
    status, ascending = await call(
        "GET", "tuning-jobs", job["id"], "trials", params={"sort_by": "value", "order": "asc"}
    )
    assert [t["value"] for t in ascending["items"]] == sorted(values)
    status, newest = await call("GET", "tuning-jobs", job["id"], "trials", params={"order": "desc"})
    assert [t["number"] for t in newest["items"]] == [2, 1, 0]
    status, pruned = await call(
        "GET", "tuning-jobs", job["id"], "trials", params={"state": "Pruned"}
    )
    assert (status, pruned["items"], pruned["total"]) == (200, [], 0)

    # a trial's run is a child of the tuning job's run
    status, run = await call("GET", "runs", trials[0]["run_id"])
    assert status == 200 and run["parent_run_id"] == done["parent_run_id"]

    status, importances = await call("GET", "tuning-jobs", "rf-rest", "importances")
    assert status == 200 and importances["completed_trials"] == 3
    assert {i["param"] for i in importances["items"]} <= set(SPACE)
    ranked = [i["importance"] for i in importances["items"]]
    assert ranked == sorted(ranked, reverse=True)

    status, front = await call("GET", "tuning-jobs", "rf-rest", "pareto")
    assert status == 200 and [t["value"] for t in front["items"]] == [max(values)]
    status, report = await call("GET", "tuning-jobs", "rf-rest", "warm-start-report")
    assert (status, report["sources"], report["added"]) == (200, [], {})

    # ended: stop is a conflict
    status, error = await call("POST", "tuning-jobs", "rf-rest", "stop")
    assert status == 409 and "already ended" in error["error"]["message"]

    # clone, warm-started from the source, one more trial at most; then stopped
    status, clone = await call(
        "POST",
        "tuning-jobs",
        "rf-rest",
        "clone",
        body={"name": "rf-rest-2", "warm_start_from_source": True, "limits": {"max_trials": 1}},
    )
    assert status == 201, clone
    assert clone["spec"]["warm_start"] == ["rf-rest"] and clone["progress"]["max_trials"] == 1
    assert clone["spec"]["search_space"] == done["spec"]["search_space"]
    status, report = await call("GET", "tuning-jobs", "rf-rest-2", "warm-start-report")
    assert report["sources"] == ["rf-rest"] and report["added"] == {"rf-rest": 3}, report
    status, copied = await call("GET", "tuning-jobs", "rf-rest-2", "trials")
    warm = [t for t in copied["items"] if t["warm_start"]]
    assert len(warm) == 3 and {t["warm_start_from"] for t in warm} == {
        f"rf-rest#{n}" for n in range(3)
    }
    assert sorted(t["value"] for t in warm) == sorted(values)

    status, stopping = await call("POST", "tuning-jobs", "rf-rest-2", "stop")
    assert status == 200 and stopping["status"] in ("Stopping", "Stopped", "Completed")
    ended = await wait_tuning_ended(call, "rf-rest-2")
    assert ended["status"] in ("Stopped", "Completed")  # its one trial may have been quick
    assert {"resource": "tuning-jobs", "action": "updated", "id": clone["id"]} in resource_events


# (what the body changes, what the message must say)
BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    (
        {"search_space": {"n_estimators": {"type": "integer", "min_value": 5, "max_value": 5}}},
        "the range is empty",
    ),
    (
        {"search_space": {"n_estimators": {"type": "integer", "min_value": 9, "max_value": 2}}},
        "is above max_value",
    ),
    (
        {
            "search_space": {
                "max_features": {
                    "type": "continuous",
                    "min_value": 0,
                    "max_value": 1,
                    "scaling": "Logarithmic",
                }
            }
        },
        "Logarithmic scaling needs min_value > 0",
    ),
    (
        {"search_space": {"criterion": {"type": "categorical", "values": []}}},
        "needs at least one value",
    ),
    (
        {
            "search_space": {
                "learning_rate": {"type": "continuous", "min_value": 0.1, "max_value": 1}
            }
        },
        "unknown hyperparameter 'learning_rate'",
    ),
    ({"strategy": "Grid"}, "strategy Grid needs categorical values"),
    (
        {"objective": {"metric": "validation:auc", "direction": "Maximize"}},
        "never logs 'validation:auc'",
    ),
    (
        {"limits": {"max_trials": 2, "max_parallel_trials": 3}},
        "max_parallel_trials (3) is more than max_trials (2)",
    ),
    ({"warm_start": ["no-such-tuning-job"]}, "no tuning job named 'no-such-tuning-job'"),
    ({"function": "my_objective"}, "either a base 'training' spec or a 'function'"),
    ({"search_space": {}}, "give at least one hyperparameter range"),
]


async def test_bad_input_is_400_and_creates_nothing(
    call: Call, cancer_csv: str, jp_root_dir: Path
) -> None:
    for changes, message in BAD_INPUT:
        status, error = await call("POST", "tuning-jobs", body=tuning_body(cancer_csv, **changes))
        assert status == 400, (changes, error)
        assert message in error["error"]["message"], (changes, error)

    # paths must stay inside the server's root folder
    outside = jp_root_dir.parent / "outside.csv"
    outside.write_text((jp_root_dir / cancer_csv).read_text())
    script = jp_root_dir.parent / "train.py"
    script.write_text("print('validation:accuracy=1')\n")
    path_cases: list[tuple[dict[str, Any], str]] = [
        ({"channels": {"train": "../outside.csv"}}, "must be a path relative to the server's root"),
        ({"channels": {"train": str(outside)}}, "must be a path relative to the server's root"),
        ({"channels": {"train": "data/missing.csv"}}, "does not exist"),
        (
            {"algorithm": None, "entry_point": "../train.py", "channels": {}},
            "must be a path relative to the server's root",
        ),
        ({"working_dir": "../"}, "must be a path relative to the server's root"),
    ]
    for training_changes, message in path_cases:
        body = tuning_body(cancer_csv)
        body["training"] = body["training"] | training_changes
        if "entry_point" in training_changes:
            body["objective"] = {"metric": "validation:accuracy", "regex": r"accuracy=(\S+)"}
        status, error = await call("POST", "tuning-jobs", body=body)
        assert status == 400, (training_changes, error)
        assert message in error["error"]["message"], (training_changes, error)
        assert str(jp_root_dir) not in error["error"]["message"]

    # a body that is not a spec at all
    status, error = await call("POST", "tuning-jobs", body={"name": "x"})
    assert status == 400 and "objective" in error["error"]["message"]

    status, page = await call("GET", "tuning-jobs")
    assert page["items"] == []
    status, jobs = await call("GET", "jobs")
    assert jobs["items"] == []
    status, experiments = await call("GET", "experiments")
    assert "tuning-api" not in {e["name"] for e in experiments["items"]}


async def test_rest_clone_keeps_paths_inside_the_root(
    call: Call, cancer_csv: str, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    """The SDK may tune on any file; a copy made over REST is checked like a new
    request, so it cannot read outside the server's root."""
    outside = jp_root_dir.parent / "elsewhere.csv"
    outside.write_text((jp_root_dir / cancer_csv).read_text())
    body = tuning_body(str(outside), name="sdk-tuned")
    studio = jp_serverapp.web_app.settings["mlstudio.studio"]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, lambda: studio.tuning.create(body, start=False))

    status, error = await call("POST", "tuning-jobs", "sdk-tuned", "clone", body={"name": "copy"})
    assert status == 400, error
    assert "must be a path relative to the server's root" in error["error"]["message"]
    status, page = await call("GET", "tuning-jobs")
    assert [j["name"] for j in page["items"]] == ["sdk-tuned"]


async def test_unknown_tuning_job_is_404(call: Call) -> None:
    for method, suffix in [
        ("GET", ()),
        ("GET", ("trials",)),
        ("GET", ("importances",)),
        ("GET", ("pareto",)),
        ("GET", ("warm-start-report",)),
        ("POST", ("stop",)),
        ("POST", ("clone",)),
    ]:
        status, error = await call(method, "tuning-jobs", "no-such-job", *suffix)
        assert status == 404, (method, suffix, error)
        assert error["error"]["code"] == "NOT_FOUND"
        assert "no-such-job" in error["error"]["message"]


async def test_sagemaker_config_over_rest(call: Call, cancer_csv: str) -> None:
    config = {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize",
                "MetricName": "validation:accuracy",
            },
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {
                "IntegerParameterRanges": [
                    {"Name": "n_estimators", "MinValue": "2", "MaxValue": "5"}
                ],
                "CategoricalParameterRanges": [{"Name": "criterion", "Values": ["gini"]}],
            },
            "TuningJobCompletionCriteria": {"TargetObjectiveMetricValue": 0.99},
        },
        "HyperParameterTuningJobName": "sagemaker",  # the name of the create route, too
        "Tags": [],
    }
    training = tuning_body(cancer_csv)["training"]
    status, created = await call(
        "POST", "tuning-jobs", "sagemaker", body={"config": config, "training": training}
    )
    assert status == 201, created
    job = created["tuning_job"]
    assert job["name"] == "sagemaker" and job["strategy"] == "Random"
    assert job["spec"]["search_space"]["n_estimators"]["max_value"] == 5
    assert sorted(created["ignored_fields"]) == ["Tags", "TuningJobCompletionCriteria"]
    ended = await wait_tuning_ended(call, job["id"])
    assert ended["status"] == "Completed", ended["failure_reason"]
    status, by_name = await call("GET", "tuning-jobs", "sagemaker")  # by name: no clash
    assert (status, by_name["id"]) == (200, job["id"])

    # a config of the wrong shape is a 400 that says so, and creates nothing
    broken = {"ParameterRanges": {"IntegerParameterRanges": [{"MinValue": 1, "MaxValue": 2}]}}
    status, error = await call(
        "POST", "tuning-jobs", "sagemaker", body={"config": broken, "training": training}
    )
    assert status == 400 and "not a HyperParameterTuningJobConfig" in error["error"]["message"]
    status, error = await call(
        "POST",
        "tuning-jobs",
        "sagemaker",
        body={"config": config, "training": training | {"channels": {"train": "../x.csv"}}},
    )
    assert status == 400 and "root folder" in error["error"]["message"]
    status, page = await call("GET", "tuning-jobs")
    assert [j["name"] for j in page["items"]] == ["sagemaker"]


# Another process that creates a tuning job (as a server would) and dies before driving it.
_ORPHAN = """
import json, sys
from pathlib import Path
from jupyter_mlstudio.studio import Studio
studio = Studio.open()
job = studio.tuning.create(json.loads(sys.argv[1]), base_dir=Path(sys.argv[2]), start=False)
print(json.dumps({"id": job.id}), flush=True)
"""


def _orphan_tuning_job(body: dict[str, Any], root: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _ORPHAN, json.dumps(body), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return str(json.loads(done.stdout.splitlines()[-1])["id"])


def _get(server: Any, *path: str) -> Any:
    request = urllib.request.Request("/".join([server.api, *path]), headers=server.headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _wait_ended(server: Any, ref: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _get(server, "tuning-jobs", ref)
        if job["status"] in TERMINAL:
            return job
        time.sleep(0.3)
    raise AssertionError(f"tuning job {ref} did not end: {job}")


def test_server_carries_on_tuning_jobs_whose_owner_died(
    start_live_server: Callable[..., Any], tmp_path: Path, mlstudio_home: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    csv = _write_csv(root)
    body = tuning_body(csv, limits={"max_trials": 2, "max_parallel_trials": 2})
    # left Pending by a process gone before the server starts (adopted at start), and by
    # one that dies while the server runs (adopted by the periodic check)
    first = _orphan_tuning_job(body | {"name": "left-behind"}, root)
    with start_live_server(root, mlstudio_home, "--MLStudio.tuning_check_interval=0.5") as server:
        second = _orphan_tuning_job(body | {"name": "left-later"}, root)
        for ref in (first, second):
            done = _wait_ended(server, ref)
            assert done["status"] == "Completed", done
            assert done["progress"]["started"] == 2


# A server initialized in a fresh process: which modules its start loaded, once the
# start-up checks (run on the extension's thread pool) are done.
_SERVER_START = """
import json, sys
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.initialize(argv=[
    "--ServerApp.jpserver_extensions={'jupyter_mlstudio': True}",
    "--ServerApp.root_dir=" + sys.argv[1], "--MLStudio.watch_interval=0",
])
app.web_app.settings["mlstudio.executor"].shutdown(wait=True)
print(json.dumps([m for m in ("optuna", "scipy", "croniter") if m in sys.modules]))
"""


def test_server_start_does_not_load_optuna_without_unfinished_tuning_jobs(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SERVER_START, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # nor scipy and croniter (the monitor's tick) without monitors
    assert json.loads(done.stdout.splitlines()[-1]) == [], done.stderr[-2000:]
