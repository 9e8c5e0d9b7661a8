"""Jobs over REST on a real server: real job processes, paths inside the server root."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris

if TYPE_CHECKING:
    from conftest import Call, JobOwnerStart, JobWait


@pytest.fixture
def iris_csv(jp_root_dir: Path) -> str:
    folder = jp_root_dir / "datasets"
    folder.mkdir()
    load_iris(as_frame=True).frame.to_csv(folder / "iris.csv", index=False)
    return "datasets/iris.csv"


async def test_training_job_from_the_api_to_completion(
    call: Call, iris_csv: str, wait_job_ended: JobWait
) -> None:
    status, algorithms = await call("GET", "algorithms")
    assert status == 200
    forest = next(a for a in algorithms["items"] if a["name"] == "random-forest-classifier")
    assert forest["needs_target"] and "n_estimators" in forest["hyperparameters"]["properties"]
    # the catalogue names the metrics each algorithm logs (the tuning form's objectives)
    assert forest["metrics"] == [
        "validation:accuracy",
        "validation:balanced_accuracy",
        "validation:f1",
        "validation:roc_auc",
        "validation:log_loss",
    ]
    ridge = next(a for a in algorithms["items"] if a["name"] == "ridge")
    assert ridge["metrics"] == ["validation:rmse", "validation:mae", "validation:r2"]

    status, columns = await call("GET", "data", "columns", params={"path": iris_csv})
    assert (status, columns["columns"][-1]) == (200, "target")

    status, job = await call(
        "POST",
        "jobs",
        "training",
        body={
            "name": "iris-forest",
            "algorithm": "random-forest-classifier",
            "hyperparameters": {"n_estimators": 15},
            "channels": {"train": iris_csv},
            "target": "target",
        },
    )
    assert status == 201, job
    assert job["status"] in ("Pending", "Running") and job["kind"] == "training"
    done = await wait_job_ended(job["id"])
    assert done["status"] == "Completed", done["failure_reason"]
    assert set(done["outputs"]) == {"model"}

    # the log, read in small chunks by offset, adds up to the whole log
    pieces, offset = [], 0
    while True:
        status, chunk = await call(
            "GET", "jobs", job["id"], "log", params={"offset": offset, "max_bytes": 64}
        )
        assert status == 200 and chunk["offset"] == offset
        pieces.append(chunk["text"])
        offset = chunk["next_offset"]
        if chunk["complete"]:
            break
    log = "".join(pieces)
    assert len(log.encode()) == chunk["size"] and "job completed" in log

    status, run = await call("GET", "runs", done["run_id"])
    assert run["metrics"]["validation:accuracy"] > 0.8
    # and those are the ones the trained job logged
    assert {m for m in run["metrics"] if m.startswith("validation:")} == set(forest["metrics"])

    status, page = await call("GET", "jobs", params={"kind": "training"})
    assert [j["name"] for j in page["items"]] == ["iris-forest"]
    status, page = await call("GET", "jobs", params={"status": "Running"})
    assert page["items"] == []

    # ended: stop is a conflict; clone starts the same spec again under a new name
    status, error = await call("POST", "jobs", job["id"], "stop")
    assert status == 409 and "already ended" in error["error"]["message"]
    status, clone = await call("POST", "jobs", job["id"], "clone", body={})
    assert status == 201 and clone["name"] != "iris-forest"
    assert clone["spec"]["hyperparameters"] == done["spec"]["hyperparameters"]
    assert (await wait_job_ended(clone["id"]))["status"] == "Completed"
    status, error = await call("POST", "jobs", job["id"], "clone", body={"name": "iris-forest"})
    assert status == 409


async def test_processing_job_runs_a_script_and_can_be_stopped(
    call: Call, jp_root_dir: Path, wait_job_ended: JobWait
) -> None:
    (jp_root_dir / "slow.py").write_text(
        "import time\nprint('started', flush=True)\ntime.sleep(120)\n"
    )
    status, job = await call("POST", "jobs", "processing", body={"code": "slow.py"})
    assert status == 201, job
    for _ in range(100):
        _, chunk = await call("GET", "jobs", job["id"], "log")
        if "started" in chunk["text"]:
            break
        await asyncio.sleep(0.1)
    status, stopping = await call("POST", "jobs", job["id"], "stop")
    assert status == 200 and stopping["status"] in ("Stopping", "Stopped")
    done = await wait_job_ended(job["id"], timeout=60)
    assert done["status"] == "Stopped"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "training",
            {"algorithm": "nope", "channels": {"train": "datasets/iris.csv"}},
            "unknown algorithm",
        ),
        (
            "training",
            {"algorithm": "ridge", "channels": {"train": "datasets/iris.csv"}, "target": "petal"},
            "column 'petal' is not in the training data",
        ),
        (
            "training",
            {
                "algorithm": "random-forest-classifier",
                "channels": {"train": "datasets/iris.csv"},
                "target": "target",
                "hyperparameters": {"max_depth": -3},
            },
            "max_depth",
        ),
        (
            "training",
            {
                "algorithm": "ridge",
                "channels": {"train": "datasets/iris.csv"},
                "validation_fraction": "0.3",
            },
            "validation_fraction",
        ),
        ("training", {"channels": {"train": "datasets/iris.csv"}}, "either a built-in 'algorithm'"),
        ("training", {"entry_point": "/etc/passwd.py"}, "relative to the server's root"),
        ("processing", {"code": "../outside.py"}, "relative to the server's root"),
        ("processing", {"code": "missing.py"}, "does not exist"),
        (
            "processing",
            {"code": "notes.txt"},
            "must be a Python script (.py), a notebook (.ipynb) or a flow",
        ),
        ("processing", {"code": "a.py", "surprise": 1}, "surprise"),
    ],
    ids=[
        "algorithm",
        "target",
        "range",
        "strict-type",
        "no-source",
        "absolute",
        "escape",
        "missing",
        "extension",
        "unknown-field",
    ],
)
async def test_bad_job_requests_get_400_with_a_message(
    call: Call,
    jp_root_dir: Path,
    iris_csv: str,
    path: str,
    body: dict[str, Any],
    message: str,
) -> None:
    status, error = await call("POST", "jobs", path, body=body)
    assert status == 400, error
    assert message in error["error"]["message"]
    assert str(jp_root_dir) not in error["error"]["message"]  # paths as the user gave them
    _, page = await call("GET", "jobs")
    assert page["items"] == []


async def test_data_columns_errors(call: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "fake.parquet").write_text("this is not parquet")
    for path, message in [
        ("../etc/passwd", "relative to the server's root"),
        ("fake.parquet", "Could not read the columns of fake.parquet"),
    ]:
        status, error = await call("GET", "data", "columns", params={"path": path})
        assert status == 400, (path, error)
        assert message in error["error"]["message"]
        assert str(jp_root_dir) not in error["error"]["message"]
    status, error = await call("GET", "data", "columns", params={"path": "nothing.csv"})
    assert (status, error["error"]["message"]) == (404, "nothing.csv does not exist.")


async def test_unknown_job_is_404(call: Call) -> None:
    for method, path in [("GET", ()), ("POST", ("stop",)), ("POST", ("clone",)), ("GET", ("log",))]:
        status, error = await call(method, "jobs", "nope", *path)
        assert status == 404, (method, path)
        assert error["error"]["code"] == "NOT_FOUND"


async def test_batch_transform_job_from_the_api(
    call: Call, jp_root_dir: Path, iris_csv: str, wait_job_ended: JobWait
) -> None:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls

    iris = load_iris(as_frame=True)
    estimator = LogisticRegression(max_iter=500).fit(iris.data, iris.target)
    mls.register(estimator, "iris-lr", input_example=iris.data.head())
    status, job = await call(
        "POST",
        "jobs",
        "batch-transform",
        body={
            "model": "iris-lr",
            "input": iris_csv,
            "output": "scored",
            "chunk_rows": 40,
            "join_input_columns": ["target"],
        },
    )
    assert status == 201, job
    assert job["kind"] == "batch-transform" and job["spec"]["model"] == "iris-lr"
    done = await wait_job_ended(job["id"])
    assert done["status"] == "Completed", done["failure_reason"]
    assert done["outputs"] == {"predictions": str(jp_root_dir / "scored")}
    scored = pd.read_parquet(jp_root_dir / "scored" / "part-00000.parquet")
    assert scored["prediction"].tolist() == estimator.predict(iris.data).tolist()
    assert scored["target"].tolist() == iris.target.tolist()
    _, page = await call("GET", "jobs", params={"kind": "batch-transform"})
    assert [j["id"] for j in page["items"]] == [job["id"]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "iris-lr", "input": "nothing.csv", "output": "o"}, "nothing.csv does not exist"),
        ({"model": "iris-lr", "input": "../x.csv", "output": "o"}, "relative to the server's root"),
        ({"model": "iris-lr", "input": "datasets/iris.csv", "output": "/tmp/o"}, "output:"),
        ({"model": "nope", "input": "datasets/iris.csv", "output": "o"}, "model: "),
        ({"model": "iris-lr", "input": "datasets/iris.csv"}, "output: Field required"),
        (
            {"model": "iris-lr", "input": "datasets/iris.csv", "output": "o", "chunk_rows": "9"},
            "chunk_rows",
        ),
        (
            {"model": "iris-lr", "input": "datasets/short.csv", "output": "o"},
            "short.csv has no column 'petal width (cm)'",
        ),
    ],
)
async def test_bad_batch_transform_requests_get_400(
    call: Call, jp_root_dir: Path, iris_csv: str, body: dict[str, Any], message: str
) -> None:
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls

    iris = load_iris(as_frame=True)
    mls.register(
        LogisticRegression(max_iter=500).fit(iris.data, iris.target),
        "iris-lr",
        input_example=iris.data.head(),
    )
    iris.data.drop(columns=["petal width (cm)"]).to_csv(
        jp_root_dir / "datasets" / "short.csv", index=False
    )
    status, error = await call("POST", "jobs", "batch-transform", body=body)
    assert status == 400, error
    assert message in error["error"]["message"]
    assert str(jp_root_dir) not in error["error"]["message"]


def start_job_and_kill_its_server(
    root: Path, home: Path, start_job_owner: JobOwnerStart
) -> tuple[str, Path, int]:
    """Another server process starts a job and dies (SIGKILL) while the job runs.
    Returns the job id, the file that releases the job, and the job's pid."""
    import time

    release = root / "release"
    code = root / "waits.py"
    code.write_text(
        "import os, time\nprint('waiting', flush=True)\n"
        f"while not os.path.exists({str(release)!r}): time.sleep(0.05)\nprint('released')\n"
    )
    owner, job_id = start_job_owner(code)
    log = home / "artifacts" / "jobs" / job_id / "log.txt"
    deadline = time.monotonic() + 30
    while not (log.exists() and "waiting" in log.read_text()):
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    owner.kill()
    owner.wait()
    pid = int(log.read_text().split(" as process ")[1].split()[0])
    return job_id, release, pid


@pytest.fixture
def running_job_of_a_dead_server(
    jp_root_dir: Path, mlstudio_home: Path, start_job_owner: JobOwnerStart
) -> Iterator[tuple[str, Path, int]]:
    import contextlib
    import os
    import signal

    job_id, release, pid = start_job_and_kill_its_server(
        jp_root_dir, mlstudio_home, start_job_owner
    )
    yield job_id, release, pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # never leave the job behind when a test fails


@pytest.fixture
def lost_job_of_a_dead_server(
    jp_root_dir: Path, mlstudio_home: Path, start_job_owner: JobOwnerStart
) -> str:
    """As above, and the machine "rebooted": the job's process is gone too."""
    import os
    import signal

    job_id, _, pid = start_job_and_kill_its_server(jp_root_dir, mlstudio_home, start_job_owner)
    os.killpg(pid, signal.SIGKILL)
    return job_id


async def test_a_restarted_server_adopts_a_job_that_still_runs(
    running_job_of_a_dead_server: tuple[str, Path, int], call: Call, wait_job_ended: JobWait
) -> None:
    import os

    import jupyter_mlstudio as mls

    job_id, release, _ = running_job_of_a_dead_server  # set up before the server started
    status, job = await call("GET", "jobs", job_id)
    assert (status, job["status"]) == (200, "Running")
    assert mls.studio().stores.jobs.get_job(job_id).owner_pid == os.getpid()  # adopted
    release.write_text("go")
    done = await wait_job_ended(job_id, timeout=60)
    assert done["status"] == "Completed"
    _, chunk = await call("GET", "jobs", job_id, "log")
    assert "released" in chunk["text"]


async def test_a_restarted_server_fails_a_job_whose_process_is_gone(
    lost_job_of_a_dead_server: str, call: Call
) -> None:
    status, job = await call("GET", "jobs", lost_job_of_a_dead_server)
    assert (status, job["status"]) == (200, "Failed")
    assert "no server was watching" in job["failure_reason"]


async def test_rest_clone_keeps_paths_inside_the_root(
    call: Call, iris_csv: str, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    """The SDK may train on any file; a copy made over REST is checked like a new
    request, so it cannot read outside the server's root."""
    from jupyter_mlstudio.jobs.specs import TrainingSpec

    outside = jp_root_dir.parent / "elsewhere.csv"
    outside.write_text((jp_root_dir / iris_csv).read_text())
    studio = jp_serverapp.web_app.settings["mlstudio.studio"]
    spec = TrainingSpec(
        name="sdk-trained",
        algorithm="random-forest-classifier",
        channels={"train": str(outside)},
        target="target",
        hyperparameters={"n_estimators": 5},
    )
    loop = asyncio.get_running_loop()
    job = await loop.run_in_executor(None, lambda: studio.jobs.submit(spec))

    status, error = await call("POST", "jobs", job.id, "clone", body={"name": "copy"})
    assert status == 400, error
    assert "leaves the server's root folder" in error["error"]["message"]
    status, page = await call("GET", "jobs")
    assert [j["name"] for j in page["items"]] == ["sdk-trained"]
