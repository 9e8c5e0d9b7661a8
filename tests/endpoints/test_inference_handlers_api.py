"""Issue 20 over REST on a real server: a script-mode job whose script defines model_fn
registers with trust_code through ``POST /models/{name}/versions``; ``POST /endpoints``
refuses an untrusted code version with a 400 naming the flag and deploys it with
``trust_code``; the version's tags say which file runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris

if TYPE_CHECKING:
    from conftest import Call, JobWait

SCRIPT = """
import argparse, os
import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args = parser.parse_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    X, y = frame.drop(columns="target").values, frame["target"]
    model = LogisticRegression(max_iter=500).fit(X, y)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
"""


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}}}


async def test_code_model_register_and_deploy_over_rest(
    call: Call, jp_root_dir: Path, wait_job_ended: JobWait
) -> None:
    (jp_root_dir / "data").mkdir()
    load_iris(as_frame=True).frame.to_csv(jp_root_dir / "data" / "train.csv", index=False)
    (jp_root_dir / "train.py").write_text(SCRIPT)
    status, job = await call(
        "POST",
        "jobs",
        "training",
        body={"entry_point": "train.py", "channels": {"train": "data/train.csv"}},
    )
    assert status == 201, job
    done = await wait_job_ended(job["id"])
    assert done["status"] == "Completed", done["failure_reason"]

    status, version = await call(
        "POST", "models", "iris-rest", "versions", body={"job_id": job["id"]}
    )
    assert status == 201, version
    assert version["flavor"] == "sagemaker"
    assert version["tags"] == {
        "mlstudio.inference_code": "code/train.py",
        "mlstudio.trust_code": "false",
    }

    variants = [{"model": "iris-rest", "version": 1}]
    status, refused = await call(
        "POST", "endpoints", body={"name": "iris-rest", "variants": variants}
    )
    assert status == 400, refused
    assert "runs inference code (code/train.py)" in refused["error"]["message"]
    assert "trust_code=True" in refused["error"]["message"]

    status, created = await call(
        "POST", "endpoints", body={"name": "iris-rest", "variants": variants, "trust_code": True}
    )
    assert status == 202, created
    try:
        for _ in range(600):
            status, endpoint = await call("GET", "endpoints", "iris-rest")
            if endpoint["status"] not in ("Creating", "Updating"):
                break
            await asyncio.sleep(0.2)
        assert endpoint["status"] == "InService", endpoint
        status, answer = await call(
            "POST",
            "iris-rest",
            "invocations",
            body=json.dumps([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]),
            headers={"Content-Type": "application/json"},
            api=False,
        )
        assert status == 200, answer
        assert answer == [0, 2]
    finally:
        await call("DELETE", "endpoints", "iris-rest")

    # trusted at register: deploys without the flag
    status, version = await call(
        "POST", "models", "iris-rest", "versions", body={"job_id": job["id"], "trust_code": True}
    )
    assert status == 201 and version["tags"]["mlstudio.trust_code"] == "true"

    # the run view's Register button posts the job's run id: the same code model
    status, version = await call(
        "POST", "models", "iris-rest", "versions", body={"run_id": done["run_id"]}
    )
    assert status == 201, version
    assert version["flavor"] == "sagemaker" and version["source_job_id"] == job["id"]
    assert version["tags"]["mlstudio.inference_code"] == "code/train.py"
