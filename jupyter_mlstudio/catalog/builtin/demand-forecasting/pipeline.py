"""The demand-forecasting pipeline: prep flow (lags, rolling means, calendar) → a
rolling-origin backtest and the final XGBoost fit side by side → (backtest MAPE low
enough) register → deploy.

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

MODEL_NAME = "demand-forecasting"
ENDPOINT_NAME = "demand-forecasting"
TARGET = "units_sold"
HYPERPARAMETERS: dict[str, Any] = {
    "num_round": 200,
    "max_depth": 5,
    "eta": 0.08,
    "subsample": 0.9,
    "colsample_bytree": 0.9,
    "seed": 0,
}


def build(parameters: dict[str, Any]) -> mls.Pipeline:
    values = dict(parameters or {})
    max_mape = mls.ParameterFloat(
        "max_mape",
        default=float(values.get("max_mape", 0.3)),
        description="Deploy only when the backtest's mean MAPE is at most this",
    )
    hyperparameters = {**HYPERPARAMETERS, "num_round": int(values.get("num_round", 200))}

    prep = ProcessingStep(
        "prep",
        code="prep.flow",
        inputs={"raw": "data/sales.csv"},  # the data's hash is part of the cache key
        outputs=["df"],
        description="Lags (1, 7, 14, 28, 364 days), 7/28-day means, calendar features",
    )
    backtest = PythonStep(
        "backtest",
        "steps.py",
        "backtest",
        kwargs={
            "data": prep.outputs["df"],
            "hyperparameters": hyperparameters,
            "folds": int(values.get("folds", 3)),
            "horizon_days": int(values.get("horizon_days", 28)),
        },
        outputs={"mape": "Float", "rmse": "Float", "report": "Json"},
        description="Rolling-origin backtest: MAPE and RMSE per fold, against seasonal naive",
    )
    train = TrainingStep(
        "train",
        algorithm="xgboost-regressor",
        data=prep.outputs["df"],
        target=TARGET,
        exclude_columns=["date"],
        hyperparameters=hyperparameters,
        description="The final XGBoost model on all the history",
    )
    register = RegisterModelStep(
        "register",
        train.outputs["model"],
        MODEL_NAME,
        approval_status="Approved",
        description="Next-day unit sales per store and item, JumpStart demand-forecasting",
        tags={
            "catalog": "demand-forecasting",
            "project": str(values.get("project", "")),
            "backtest_mape": backtest.outputs["mape"],
            "backtest_rmse": backtest.outputs["rmse"],
        },
    )
    deploy = DeployStep(
        "deploy", MODEL_NAME, ENDPOINT_NAME, version=register.properties["ModelVersion"]
    )
    check = ConditionStep(
        "backtest-check",
        [Condition.le(backtest.outputs["mape"], max_mape)],
        if_steps=[register, deploy],
        else_steps=[
            FailStep("backtest-error-too-high", "The backtest's mean MAPE is above max_mape")
        ],
    )
    return mls.Pipeline(
        str(values.get("project") or "demand-forecasting"),
        steps=[prep, backtest, train, check],
        parameters=[max_mape],
        description="JumpStart demand forecasting with a rolling-origin backtest",
    )
