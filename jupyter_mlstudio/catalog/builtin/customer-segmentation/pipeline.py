"""The customer-segmentation pipeline: prep flow (drop identifiers, clip data-entry
slips, split) → choose k by tuning k-means over a grid of cluster counts on the
silhouette → profile the segments → if the held-out silhouette clears
``min_silhouette``: register and deploy (the endpoint answers each customer's segment).

Paths are relative to the project folder (the launcher runs ``build`` there).
"""

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
    ProcessingStep,
    RegisterModelStep,
    TuningStep,
)

HERE = Path(__file__).resolve().parent
MODEL_NAME = "segments"
ENDPOINT_NAME = "segments"


def _steps() -> Any:
    """steps.py of this folder, imported by path (whatever sys.path holds)."""
    name = f"customer_segmentation_steps_{abs(hash(str(HERE)))}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "steps.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def build(parameters: dict[str, Any]) -> mls.Pipeline:
    k_min = int(parameters.get("k_min", 3))
    k_max = max(k_min, int(parameters.get("k_max", 6)))
    min_silhouette = mls.ParameterFloat(
        "min_silhouette", default=float(parameters.get("min_silhouette", 0.3))
    )
    prep = ProcessingStep(
        "prep",
        code="prep.flow",
        outputs=["train", "test"],
        description="Data Wrangler flow: keep the behaviour columns, clip slips, split 80/20",
    )
    choices = list(range(k_min, k_max + 1))
    tune = TuningStep(
        "choose-k",
        algorithm="k-means",
        data=prep.outputs["train"],
        hyperparameters={"random_state": 0, "n_init": 4},
        ranges={"n_clusters": choices},
        objective="validation:silhouette",
        direction="Maximize",
        strategy="Grid",
        max_trials=len(choices),
        max_parallel=min(2, len(choices)),
        random_seed=0,
        description="k-means for each k in the grid; the best validation silhouette wins",
    )
    profiled = _steps().profile(
        model=tune.outputs["model"], customers="data/customers.csv", test=prep.outputs["test"]
    )
    register = RegisterModelStep(
        "register",
        tune.outputs["model"],
        MODEL_NAME,
        approval_status="Approved",
        description="Customer segments (k-means; JumpStart solution customer-segmentation)",
        tags={"catalog": "customer-segmentation", "project": str(parameters.get("project", ""))},
    )
    deploy = DeployStep(
        "deploy", MODEL_NAME, ENDPOINT_NAME, version=register.properties["ModelVersion"]
    )
    check = ConditionStep(
        "check-silhouette",
        [Condition.ge(profiled.outputs["silhouette"], min_silhouette)],
        if_steps=[register, deploy],
        else_steps=[
            FailStep("segments-unclear", "The held-out silhouette is below min_silhouette.")
        ],
    )
    return mls.Pipeline(
        str(parameters.get("project") or "customer-segmentation"),
        steps=[prep, tune, profiled, check],
        parameters=[min_silhouette],
        description="JumpStart customer segmentation: prep, choose k, profile, register, deploy",
    )
