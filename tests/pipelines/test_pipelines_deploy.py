"""Train → register → deploy the registered version (a RegisterModel property) as an
endpoint that serves it."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import MLStudioError
from jupyter_mlstudio.pipelines import DeployStep, Pipeline, RegisterModelStep, TrainingStep
from jupyter_mlstudio.studio import Studio


@pytest.fixture
def cancer_rows() -> int:
    return 120


def test_train_register_deploy(studio: Studio, tmp_path: Path, cancer_csv: Path) -> None:
    train = TrainingStep(
        "train",
        algorithm="random-forest-classifier",
        data=str(cancer_csv),
        target="target",
        hyperparameters={"n_estimators": 5, "random_state": 0},
    )
    register = RegisterModelStep("register", train.outputs["model"], "deploy-cancer")
    deploy = DeployStep(
        "deploy", "deploy-cancer", "pipeline-ep", version=register.properties["ModelVersion"]
    )
    pipeline = Pipeline("train-deploy", steps=[train, register, deploy])
    try:
        handle = pipeline.run(studio=studio, base_dir=tmp_path)
        execution = handle.wait(timeout=240)
        assert execution.status == "Succeeded", execution.failure_reason
        properties = handle.step("deploy").properties
        assert properties["EndpointName"] == "pipeline-ep"
        endpoint = studio.endpoints.get("pipeline-ep")
        assert endpoint.status == "InService"
        assert [v.version for v in endpoint.variants] == [1]
        assert endpoint.variants[0].model == "deploy-cancer"

    finally:
        with contextlib.suppress(MLStudioError):  # not deployed: nothing to clean
            studio.endpoints.delete("pipeline-ep")
