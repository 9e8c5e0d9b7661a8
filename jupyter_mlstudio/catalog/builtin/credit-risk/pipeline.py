"""The credit-risk pipeline: prep flow → XGBoost → evaluation per group → (AUC high
enough) register with a model card → deploy.

Paths are relative to the project folder (the launcher runs ``build`` there and the
pipeline with it as the base folder).
"""

from __future__ import annotations

from typing import Any

import jupyter_mlstudio as mls
from jupyter_mlstudio.pipelines import (
    Condition,
    ConditionStep,
    DeployStep,
    FailStep,
    ProcessingStep,
    PythonStep,
    RegisterModelStep,
    TrainingStep,
)

MODEL_NAME = "credit-risk"
ENDPOINT_NAME = "credit-risk"
TARGET = "default"
EXCLUDED = ["sex"]  # a protected attribute: measured per group, never learnt
HYPERPARAMETERS: dict[str, Any] = {
    "num_round": 80,
    "max_depth": 3,
    "eta": 0.08,
    "subsample": 0.9,
    "colsample_bytree": 0.8,
    "seed": 0,
}


def build(parameters: dict[str, Any]) -> mls.Pipeline:
    values = dict(parameters or {})
    min_auc = mls.ParameterFloat(
        "min_auc",
        default=float(values.get("min_auc", 0.7)),
        description="Register and deploy only when the test AUC reaches this",
    )
    threshold = mls.ParameterFloat(
        "approval_threshold",
        default=float(values.get("approval_threshold", 0.3)),
        description="Decline when the predicted probability of default reaches this",
    )

    prep = ProcessingStep(
        "prep",
        code="prep.flow",
        inputs={"raw": "data/credit.csv"},  # the data's hash is part of the cache key
        outputs=["train", "test"],
        description="Clean categories, clip extremes, derive ratios, split 75/25",
    )
    train = TrainingStep(
        "train",
        algorithm="xgboost-classifier",
        data=prep.outputs["train"],
        target=TARGET,
        exclude_columns=EXCLUDED,
        hyperparameters={**HYPERPARAMETERS, "num_round": int(values.get("num_round", 80))},
        description="XGBoost on the training split (sex excluded)",
    )
    evaluate = PythonStep(
        "evaluate",
        "steps.py",
        "evaluate",
        kwargs={
            "model": train.outputs["model"],
            "test": prep.outputs["test"],
            "approval_threshold": threshold,
        },
        outputs={"auc": "Float", "report": "Json", "model": "File"},
        description="Test-set AUC, approval rates and per-group metrics (age band, sex)",
    )
    register = RegisterModelStep(
        "register",
        evaluate.outputs["model"],
        MODEL_NAME,
        approval_status="Approved",
        description="Credit-risk decision model (1 = decline), JumpStart solution credit-risk",
        tags={"catalog": "credit-risk", "project": str(values.get("project", ""))},
    )
    card = PythonStep(
        "model-card",
        "steps.py",
        "write_card",
        kwargs={
            "model_name": MODEL_NAME,
            "version": register.properties["ModelVersion"],
            "report": evaluate.outputs["report"],
        },
        outputs={"card": "String"},
        description="The model card: intended use, data, per-group evaluation, caveats",
    )
    deploy = DeployStep(
        "deploy", MODEL_NAME, ENDPOINT_NAME, version=register.properties["ModelVersion"]
    )
    check = ConditionStep(
        "auc-check",
        [Condition.ge(evaluate.outputs["auc"], min_auc)],
        if_steps=[register, card, deploy],
        else_steps=[FailStep("auc-too-low", "The test AUC is below min_auc: not deployed")],
    )
    return mls.Pipeline(
        str(values.get("project") or "credit-risk"),
        steps=[prep, train, evaluate, check],
        parameters=[min_auc, threshold],
        description="JumpStart credit-risk scoring with a model card and per-group metrics",
    )
