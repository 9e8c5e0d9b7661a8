"""The digit-recognition pipeline: train (script mode, with the image inference code) →
evaluate on the held-out digits and the sample PNGs → register (trusting the entry's own
inference code) → deploy, when the accuracy clears ``min_accuracy``.

Paths are relative to the project folder (the launcher runs ``build`` there)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls
from jupyter_mlstudio.pipelines import (
    Condition,
    ConditionStep,
    DeployStep,
    FailStep,
    RegisterModelStep,
    TrainingStep,
)

HERE = Path(__file__).resolve().parent


def _steps() -> Any:
    """steps.py of this folder (imported by path: the launcher need not put the folder
    on sys.path)."""
    name = f"digit_recognition_steps_{abs(hash(str(HERE)))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "steps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build(parameters: dict[str, Any]) -> mls.Pipeline:
    project = str(parameters.get("project") or "digit-recognition")
    model_name = str(parameters.get("model_name") or "digits")
    endpoint_name = str(parameters.get("endpoint_name") or "digits")
    C = mls.ParameterFloat("C", default=float(parameters.get("C", 10.0)))
    gamma = mls.ParameterFloat("gamma", default=float(parameters.get("gamma", 0.001)))
    min_accuracy = mls.ParameterFloat(
        "min_accuracy", default=float(parameters.get("min_accuracy", 0.95))
    )

    train = TrainingStep(
        "train",
        entry_point="train.py",
        source_dir="code",
        channels={"train": "data/train.csv"},
        hyperparameters={"C": C, "gamma": gamma},
        description="Fit the SVM on 8x8 digits; the model folder carries code/inference.py",
    )
    evaluate = _steps().evaluate(
        model=train.outputs["model"], test="data/test.csv", samples="data/samples"
    )
    register = RegisterModelStep(
        "register",
        train.outputs["model"],
        model_name,
        approval_status="Approved",
        description="Handwritten digits (8x8) — takes PNG/JPEG images or 64-pixel rows",
        tags={"catalog": "digit-recognition", "project": project},
        trust_code=True,
    )
    deploy = DeployStep(
        "deploy", model_name, endpoint_name, version=register.properties["ModelVersion"]
    )
    check = ConditionStep(
        "check",
        [Condition.ge(evaluate.outputs["accuracy"], min_accuracy)],
        if_steps=[register, deploy],
        else_steps=[FailStep("too-inaccurate", "Test accuracy is below min_accuracy")],
    )
    return mls.Pipeline(
        project,
        steps=[train, evaluate, check],
        parameters=[C, gamma, min_accuracy],
        description="JumpStart digit recognition: train, evaluate, register, deploy",
    )
