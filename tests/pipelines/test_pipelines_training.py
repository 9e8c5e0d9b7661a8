"""A training pipeline end to end: a built-in algorithm trains on a parameterized data
file, a condition on its validation metric registers the model (else Fail), and the
model version is in the registry with the pipeline's tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlstudio.pipelines import (
    Condition,
    ConditionStep,
    FailStep,
    ParameterFloat,
    ParameterString,
    Pipeline,
    RegisterModelStep,
    TrainingStep,
)
from jupyter_mlstudio.studio import Studio


@pytest.fixture
def cancer_rows() -> int:
    return 150


def test_train_condition_register(studio: Studio, tmp_path: Path, cancer_csv: Path) -> None:
    data = ParameterString("data", default=cancer_csv.name)
    threshold = ParameterFloat("min_accuracy", default=0.5)
    train = TrainingStep(
        "train",
        algorithm="random-forest-classifier",
        data=data,
        target="target",
        hyperparameters={"n_estimators": 10, "random_state": 0},
    )
    register = RegisterModelStep(
        "register", train.outputs["model"], "pipeline-cancer", approval_status="Approved"
    )
    check = ConditionStep(
        "check",
        [Condition.ge(train.metrics["validation:accuracy"], threshold)],
        if_steps=[register],
        else_steps=[FailStep("fail", "not accurate enough")],
    )
    pipeline = Pipeline("train-register", steps=[train, check], parameters=[data, threshold])
    handle = pipeline.run(studio=studio, base_dir=tmp_path)
    execution = handle.wait(timeout=180)
    assert execution.status == "Succeeded", execution.failure_reason
    steps = {s.name: s for s in handle.steps()}
    assert steps["train"].metrics["validation:accuracy"] > 0.5
    assert steps["fail"].status == "Skipped"
    assert steps["register"].properties == {"ModelName": "pipeline-cancer", "ModelVersion": 1}
    version = studio.registry.get_version("pipeline-cancer", 1)
    assert version.approval_status == "Approved"
    assert version.tags["mlstudio.pipeline_execution"] == handle.id
    assert version.tags["mlstudio.pipeline_step"] == "register"

    # an engine that adopted the execution after a crash runs the step again: the version
    # registered the first time is its result, nothing is registered twice
    from jupyter_mlstudio.pipelines.engine import ExecutionEngine

    execution = studio.pipelines.get_execution(handle.id)
    stored = studio.pipelines.version(execution.pipeline_id, execution.version)
    engine = ExecutionEngine(
        studio, studio.pipelines.store, execution, studio.pipelines.validated(stored.document)
    )
    again_props = engine._inline_step(
        engine.document.step("register"),
        engine.resolve(
            engine.document.step("register").arguments, {s.name: s for s in handle.steps()}
        ),
    )
    assert again_props == {"ModelName": "pipeline-cancer", "ModelVersion": 1}
    assert [v.version for v in studio.registry.list_versions("pipeline-cancer")] == [1]

    # an impossible threshold takes the else branch: the Fail step fails the execution;
    # training is cached (same data, same code), nothing is registered
    again = pipeline.run(parameters={"min_accuracy": 1.5}, studio=studio, base_dir=tmp_path)
    execution = again.wait(timeout=120, check=False)
    assert execution.status == "Failed" and "not accurate enough" in (
        execution.failure_reason or ""
    )
    steps = {s.name: s for s in again.steps()}
    assert steps["train"].status == "Cached" and steps["register"].status == "Skipped"
    assert [v.version for v in studio.registry.list_versions("pipeline-cancer")] == [1]
