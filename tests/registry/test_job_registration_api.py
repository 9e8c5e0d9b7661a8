"""Issue 13, defects 7 and 8 over REST on a real server with real job processes: the
Register button of a job's run records the job's data, and a script-mode job whose model
is not registrable completes with its registration_error in the job's representation."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris

from jupyter_mlstudio.registry.service import data_reference

if TYPE_CHECKING:
    from conftest import Call, JobWait


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}}}


@pytest.fixture
def iris_data(jp_root_dir: Path) -> dict[str, str]:
    folder = jp_root_dir / "datasets"
    folder.mkdir()
    frame = load_iris(as_frame=True).frame
    frame.iloc[:120].to_csv(folder / "train.csv", index=False)
    frame.iloc[120:].to_csv(folder / "validation.csv", index=False)
    return {"train": "datasets/train.csv", "validation": "datasets/validation.csv"}


async def test_registering_a_jobs_run_over_rest_records_its_data(
    call: Call, jp_root_dir: Path, iris_data: dict[str, str], wait_job_ended: JobWait
) -> None:
    status, job = await call(
        "POST",
        "jobs",
        "training",
        body={"algorithm": "logistic-regression", "channels": iris_data, "target": "target"},
    )
    assert status == 201, job
    done = await wait_job_ended(job["id"])
    assert done["status"] == "Completed", done["failure_reason"]
    assert done["registration_error"] is None

    # the run view's Register model button posts the run id
    status, version = await call(
        "POST", "models", "iris", "versions", body={"run_id": done["run_id"]}
    )
    assert status == 201, version
    train = str((jp_root_dir / iris_data["train"]).resolve())
    assert version["source_job_id"] == job["id"]
    assert version["data_ref"]["uri"] == train
    assert version["data_ref"]["hash"] == data_reference(train)["hash"]
    assert set(version["data_ref"]["channels"]) == {"train", "validation"}
    assert version["data_ref"]["hash"] in version["card"]["training_data"]

    status, lineage = await call("GET", "models", "iris", "versions", "1", "lineage")
    assert status == 200 and lineage["data"] == version["data_ref"]
    assert lineage["job"]["id"] == job["id"]


async def test_a_joblib_script_with_register_as_completes_with_its_registration_error(
    call: Call, jp_root_dir: Path, iris_data: dict[str, str], wait_job_ended: JobWait
) -> None:
    (jp_root_dir / "train_joblib.py").write_text(
        textwrap.dedent(
            """
            import os

            import joblib
            import pandas as pd
            from sklearn.tree import DecisionTreeClassifier

            frame = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"))
            model = DecisionTreeClassifier().fit(frame.drop(columns="target"), frame["target"])
            joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
            """
        ).lstrip()
    )
    status, job = await call(
        "POST",
        "jobs",
        "training",
        body={
            "entry_point": "train_joblib.py",
            "channels": {"train": iris_data["train"]},
            "register_as": "iris-tree",
        },
    )
    assert status == 201, job
    done = await wait_job_ended(job["id"])
    assert done["status"] == "Completed" and done["failure_reason"] is None
    error = done["registration_error"]
    assert error and "model.joblib" in error and "metadata.json" in error
    assert done["outputs"]["registration_error"] == error
    status, listed = await call("GET", "jobs")
    assert next(j for j in listed["items"] if j["id"] == job["id"])["registration_error"] == error

    # registering its run from the run view explains the format too (a 400, not a 500)
    status, refused = await call(
        "POST", "models", "iris-tree", "versions", body={"run_id": done["run_id"]}
    )
    assert status == 400
    message = refused["error"]["message"]
    assert "model.joblib" in message and "has no model under" not in message
