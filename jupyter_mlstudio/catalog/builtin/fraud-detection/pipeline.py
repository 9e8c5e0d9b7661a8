"""The fraud-detection pipeline: prep flow → class-weighted XGBoost → threshold picked on
validation, measured on test (PR-AUC, recall at the target precision) → (PR-AUC high
enough) register the alerting model → deploy.

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

MODEL_NAME = "fraud-detection"
ENDPOINT_NAME = "fraud-detection"
TARGET = "is_fraud"
HYPERPARAMETERS: dict[str, Any] = {
    "num_round": 150,
    "max_depth": 4,
    "eta": 0.08,
    "subsample": 0.9,
    "colsample_bytree": 0.8,
    "min_child_weight": 2.0,
    # fraud is ~2 % of the rows: each one weighs as much as this many legitimate ones
    "scale_pos_weight": 10.0,
    "eval_metric": "aucpr",
    "seed": 0,
}


def build(parameters: dict[str, Any]) -> mls.Pipeline:
    values = dict(parameters or {})
    min_pr_auc = mls.ParameterFloat(
        "min_pr_auc",
        default=float(values.get("min_pr_auc", 0.4)),
        description="Deploy only when the test PR-AUC reaches this",
    )
    target_precision = mls.ParameterFloat(
        "target_precision",
        default=float(values.get("target_precision", 0.8)),
        description="Alerts must be right this often (on validation)",
    )
    hyperparameters = {
        **HYPERPARAMETERS,
        "scale_pos_weight": float(values.get("fraud_weight", HYPERPARAMETERS["scale_pos_weight"])),
    }

    prep = ProcessingStep(
        "prep",
        code="prep.flow",
        inputs={"raw": "data/transactions.csv"},  # the data's hash is part of the cache key
        outputs=["train", "test"],
        description="Clean categories, hour/weekday from the timestamp, split 60/40 stratified",
    )
    train = TrainingStep(
        "train",
        algorithm="xgboost-classifier",
        data=prep.outputs["train"],
        target=TARGET,
        hyperparameters=hyperparameters,
        description="XGBoost with the fraud class weighted up (scale_pos_weight)",
    )
    evaluate = PythonStep(
        "evaluate",
        "steps.py",
        "evaluate",
        kwargs={
            "model": train.outputs["model"],
            "holdout": prep.outputs["test"],
            "target_precision": target_precision,
        },
        outputs={
            "pr_auc": "Float",
            "recall": "Float",
            "threshold": "Float",
            "report": "Json",
            "model": "File",
        },
        description="Threshold for the target precision on validation; PR-AUC, recall on test",
    )
    register = RegisterModelStep(
        "register",
        evaluate.outputs["model"],
        MODEL_NAME,
        approval_status="Approved",
        description="Fraud alerting model (1 = alert), JumpStart solution fraud-detection",
        tags={
            "catalog": "fraud-detection",
            "project": str(values.get("project", "")),
            "decision_threshold": evaluate.outputs["threshold"],
            "test_recall": evaluate.outputs["recall"],
        },
    )
    deploy = DeployStep(
        "deploy", MODEL_NAME, ENDPOINT_NAME, version=register.properties["ModelVersion"]
    )
    check = ConditionStep(
        "pr-auc-check",
        [Condition.ge(evaluate.outputs["pr_auc"], min_pr_auc)],
        if_steps=[register, deploy],
        else_steps=[FailStep("pr-auc-too-low", "The test PR-AUC is below min_pr_auc")],
    )
    return mls.Pipeline(
        str(values.get("project") or "fraud-detection"),
        steps=[prep, train, evaluate, check],
        parameters=[min_pr_auc, target_precision],
        description="JumpStart fraud detection on imbalanced transactions",
    )
