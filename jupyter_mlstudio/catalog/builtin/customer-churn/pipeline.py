"""The customer-churn pipeline: prep flow → train (or tune) XGBoost → evaluate on the
held-out split → if AUC ≥ min_auc: register, write the model card and deploy, else fail.

Paths are relative to the project folder (the launcher runs ``build`` there).
"""

from __future__ import annotations

from typing import Any

from steps import evaluate, write_card

import jupyter_mlstudio as mls
from jupyter_mlstudio.pipelines import (
    Condition,
    ConditionStep,
    DeployStep,
    FailStep,
    ProcessingStep,
    RegisterModelStep,
    TrainingStep,
    TuningStep,
)

MODEL_NAME = "churn"
ENDPOINT_NAME = "churn"
TARGET = "churned"
HYPERPARAMETERS = {"num_round": 60, "max_depth": 4, "eta": 0.15, "subsample": 0.9, "seed": 0}


def build(parameters: dict[str, Any]) -> mls.Pipeline:
    min_auc = mls.ParameterFloat("min_auc", default=float(parameters.get("min_auc", 0.75)))
    prep = ProcessingStep(
        "prep",
        code="prep.flow",
        outputs=["train", "test"],
        description="Data Wrangler flow: clean regions and payment methods, clip charges, split",
    )
    train: TrainingStep | TuningStep
    if parameters.get("tune"):
        train = TuningStep(
            "train",
            algorithm="xgboost-classifier",
            data=prep.outputs["train"],
            target=TARGET,
            hyperparameters={"num_round": 40, "seed": 0},
            ranges={"max_depth": range(2, 7), "eta": (0.05, 0.4, "log")},
            objective="validation:roc_auc",
            max_trials=int(parameters.get("trials", 4)),
            max_parallel=2,
            random_seed=0,
            description="Tune XGBoost's depth and learning rate on validation AUC",
        )
    else:
        train = TrainingStep(
            "train",
            algorithm="xgboost-classifier",
            data=prep.outputs["train"],
            target=TARGET,
            hyperparameters=HYPERPARAMETERS,
            description="Train XGBoost on the prepared training split",
        )
    ev = evaluate(model=train.outputs["model"], data=prep.outputs["test"], target=TARGET)
    register = RegisterModelStep(
        "register",
        train.outputs["model"],
        MODEL_NAME,
        approval_status="Approved",
        description="Customer churn classifier (JumpStart solution customer-churn)",
        tags={"catalog": "customer-churn", "project": str(parameters.get("project", ""))},
    )
    card = write_card(
        name="model-card",
        model_name=MODEL_NAME,
        version=register.properties["ModelVersion"],
        report=ev.outputs["report"],
    )
    deploy = DeployStep(
        "deploy", MODEL_NAME, ENDPOINT_NAME, version=register.properties["ModelVersion"]
    )
    check = ConditionStep(
        "check-auc",
        [Condition.ge(ev.outputs["auc"], min_auc)],
        if_steps=[register, card, deploy],
        else_steps=[FailStep("auc-too-low", "The model's test AUC is below min_auc.")],
    )
    return mls.Pipeline(
        str(parameters.get("project") or "customer-churn"),
        steps=[prep, train, ev, check],
        parameters=[min_auc],
        description="JumpStart customer churn: prep → train → evaluate → register → deploy",
    )
