"""XGBoost and LightGBM as built-in algorithms: hyperparameters, estimators, round history.

The hyperparameters carry SageMaker's names (``num_round``, ``eta``, ``lambda`` … for
XGBoost; ``num_boost_round``, ``num_leaves``, ``feature_fraction`` … for its LightGBM
algorithm), so tuning ranges and job specs written for SageMaker port unchanged. Each
model translates them into the library's scikit-learn estimator, which sits in the same
preprocessing pipeline and model folder as every other built-in.

Boosters are fitted with the training and the validation set as evaluation sets: every
round's metrics are logged as ``train:<metric>`` and ``validation:<metric>`` (the names
SageMaker's XGBoost prints), and ``early_stopping_rounds`` stops on the validation set.

XGBoost and LightGBM are imported only when an estimator is built (the ``boosting``
extra); listing and validating the algorithms works without them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidArgumentError

PositiveInt = Annotated[int, Field(ge=1)]
Unit = Annotated[float, Field(gt=0, le=1)]

_EARLY_STOPPING = (
    "Stop when the validation metric has not improved for this many rounds; null trains "
    "every round."
)
_SEED = "Seed of the random number generator, for reproducible results."

# Per-round metric names a booster may log (``train:`` and ``validation:`` each), as the
# catalogue offers them to tuning.
XGBOOST_CLASSIFICATION_METRICS = ("logloss", "mlogloss", "error", "merror", "auc", "aucpr")
XGBOOST_REGRESSION_METRICS = (
    "rmse",
    "mae",
    "rmsle",
    "mape",
    "mphe",
    "poisson-nloglik",
    "gamma-nloglik",
    "tweedie-nloglik",
)
LIGHTGBM_CLASSIFICATION_METRICS = (
    "binary_logloss",
    "binary_error",
    "auc",
    "average_precision",
    "multi_logloss",
    "multi_error",
)
LIGHTGBM_REGRESSION_METRICS = ("l2", "l1", "rmse", "mape", "huber", "poisson", "gamma", "tweedie")
# With more than two classes, XGBoost's binary metrics have multi-class names.
_XGBOOST_MULTICLASS = {"logloss": "mlogloss", "error": "merror"}
_LIGHTGBM_MULTICLASS = {"binary_logloss": "multi_logloss", "binary_error": "multi_error"}


class _BoostingParams(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class _XGBoostParams(_BoostingParams):
    num_round: int = Field(100, ge=1, description="Number of boosting rounds (trees).")
    eta: float = Field(
        0.3, ge=0, le=1, description="Step-size shrinkage applied to each tree (learning rate)."
    )
    max_depth: int = Field(
        6, ge=0, description="Maximum depth of a tree; 0 means no limit (needs tree_method hist)."
    )
    min_child_weight: float = Field(
        1.0, ge=0, description="Minimum sum of instance weight (hessian) needed in a child."
    )
    subsample: Unit = Field(1.0, description="Fraction of the rows sampled for each tree.")
    colsample_bytree: Unit = Field(1.0, description="Fraction of the columns sampled per tree.")
    gamma: float = Field(
        0.0, ge=0, description="Minimum loss reduction needed to split a leaf further."
    )
    alpha: float = Field(0.0, ge=0, description="L1 regularisation of the leaf weights.")
    lambda_: float = Field(
        1.0, ge=0, alias="lambda", description="L2 regularisation of the leaf weights."
    )
    max_delta_step: float = Field(
        0.0, ge=0, description="Maximum step of each leaf output; 0 means no constraint."
    )
    tree_method: Literal["auto", "exact", "approx", "hist"] = Field(
        "hist", description="Tree construction algorithm."
    )
    early_stopping_rounds: PositiveInt | None = Field(None, description=_EARLY_STOPPING)
    seed: int = Field(0, description=_SEED)


class XGBoostClassifierParams(_XGBoostParams):
    objective: Literal["binary:logistic", "binary:hinge", "multi:softprob", "multi:softmax"] = (
        Field(
            "binary:logistic",
            description="Learning objective; with more than two classes binary objectives "
            "become multi:softprob.",
        )
    )
    eval_metric: Literal[XGBOOST_CLASSIFICATION_METRICS] | None = Field(  # type: ignore[valid-type]
        None,
        description="Metric evaluated every round (early stopping watches it); null: "
        "logloss, or mlogloss with more than two classes.",
    )
    scale_pos_weight: float = Field(
        1.0, gt=0, description="Weight of the positive class (two classes only)."
    )


class XGBoostRegressorParams(_XGBoostParams):
    objective: Literal[
        "reg:squarederror",
        "reg:absoluteerror",
        "reg:pseudohubererror",
        "reg:squaredlogerror",
        "reg:gamma",
        "reg:tweedie",
        "count:poisson",
    ] = Field("reg:squarederror", description="Learning objective (loss).")
    eval_metric: Literal[XGBOOST_REGRESSION_METRICS] | None = Field(  # type: ignore[valid-type]
        None, description="Metric evaluated every round; null: the objective's default (rmse)."
    )


class _LightGBMParams(_BoostingParams):
    num_boost_round: int = Field(100, ge=1, description="Number of boosting rounds (trees).")
    learning_rate: float = Field(0.1, gt=0, le=1, description="Shrinkage applied to each tree.")
    num_leaves: int = Field(31, ge=2, le=131072, description="Maximum number of leaves per tree.")
    max_depth: int = Field(-1, ge=-1, description="Maximum depth of a tree; -1 means no limit.")
    min_data_in_leaf: int = Field(20, ge=0, description="Minimum number of rows in a leaf.")
    feature_fraction: Unit = Field(1.0, description="Fraction of the columns used per tree.")
    bagging_fraction: Unit = Field(
        1.0, description="Fraction of the rows used per tree (with bagging_freq > 0)."
    )
    bagging_freq: int = Field(0, ge=0, description="Bag every k rounds; 0 turns bagging off.")
    lambda_l1: float = Field(0.0, ge=0, description="L1 regularisation.")
    lambda_l2: float = Field(0.0, ge=0, description="L2 regularisation.")
    boosting: Literal["gbdt", "dart", "rf"] = Field("gbdt", description="Boosting type.")
    early_stopping_rounds: PositiveInt | None = Field(None, description=_EARLY_STOPPING)
    seed: int = Field(0, description=_SEED)


class LightGBMClassifierParams(_LightGBMParams):
    metric: Literal[LIGHTGBM_CLASSIFICATION_METRICS] | None = Field(  # type: ignore[valid-type]
        None,
        description="Metric evaluated every round; null: binary_logloss, or multi_logloss "
        "with more than two classes.",
    )


class LightGBMRegressorParams(_LightGBMParams):
    objective: Literal["regression", "regression_l1", "huber", "poisson", "gamma", "tweedie"] = (
        Field("regression", description="Learning objective (loss).")
    )
    metric: Literal[LIGHTGBM_REGRESSION_METRICS] | None = Field(  # type: ignore[valid-type]
        None, description="Metric evaluated every round; null: the objective's default (l2)."
    )


def round_metrics(names: tuple[str, ...]) -> tuple[str, ...]:
    """``train:<m>`` and ``validation:<m>`` of every per-round metric name."""
    return tuple(f"{split}:{name}" for name in names for split in ("validation", "train"))


def _class(path: str) -> Any:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        package = module.partition(".")[0]
        raise InvalidArgumentError(
            f"{package} is not installed: install it (pip install "
            f"'jupyter-mlstudio[boosting]') to train this built-in algorithm"
        ) from None


def _xgboost_kwargs(p: _XGBoostParams) -> dict[str, Any]:
    return {
        "n_estimators": p.num_round,
        "learning_rate": p.eta,
        "max_depth": p.max_depth,
        "min_child_weight": p.min_child_weight,
        "subsample": p.subsample,
        "colsample_bytree": p.colsample_bytree,
        "gamma": p.gamma,
        "reg_alpha": p.alpha,
        "reg_lambda": p.lambda_,
        "max_delta_step": p.max_delta_step,
        "tree_method": p.tree_method,
        "early_stopping_rounds": p.early_stopping_rounds,
        "random_state": p.seed,
        "n_jobs": 1,
    }


def xgboost_classifier(params: BaseModel) -> Any:
    assert isinstance(params, XGBoostClassifierParams)
    booster = _class("xgboost.XGBClassifier")(
        objective=params.objective,
        eval_metric=params.eval_metric,
        scale_pos_weight=params.scale_pos_weight,
        **_xgboost_kwargs(params),
    )
    from .label_encoding import LabelEncodedClassifier

    # XGBoost wants classes numbered 0..k-1; the wrapper keeps the labels users know.
    return LabelEncodedClassifier(booster)


def xgboost_regressor(params: BaseModel) -> Any:
    assert isinstance(params, XGBoostRegressorParams)
    return _class("xgboost.XGBRegressor")(
        objective=params.objective, eval_metric=params.eval_metric, **_xgboost_kwargs(params)
    )


def _lightgbm_kwargs(p: _LightGBMParams) -> dict[str, Any]:
    return {
        "n_estimators": p.num_boost_round,
        "learning_rate": p.learning_rate,
        "num_leaves": p.num_leaves,
        "max_depth": p.max_depth,
        "min_child_samples": p.min_data_in_leaf,
        "colsample_bytree": p.feature_fraction,
        "subsample": p.bagging_fraction,
        "subsample_freq": p.bagging_freq,
        "reg_alpha": p.lambda_l1,
        "reg_lambda": p.lambda_l2,
        "boosting_type": p.boosting,
        "random_state": p.seed,
        "importance_type": "gain",
        "n_jobs": 1,
        "verbose": -1,
    }


def lightgbm_classifier(params: BaseModel) -> Any:
    assert isinstance(params, LightGBMClassifierParams)
    extra = {} if params.metric is None else {"metric": params.metric}
    return _class("lightgbm.LGBMClassifier")(**_lightgbm_kwargs(params), **extra)


def lightgbm_regressor(params: BaseModel) -> Any:
    assert isinstance(params, LightGBMRegressorParams)
    extra = {} if params.metric is None else {"metric": params.metric}
    return _class("lightgbm.LGBMRegressor")(
        objective=params.objective, **_lightgbm_kwargs(params), **extra
    )


# -- fitting with evaluation sets ------------------------------------------------------
def _booster(estimator: Any, *, fitted: bool = True) -> Any:
    """The XGBoost or LightGBM estimator itself, also inside a LabelEncodedClassifier."""
    from .label_encoding import LabelEncodedClassifier

    if isinstance(estimator, LabelEncodedClassifier):
        return estimator.estimator_ if fitted else estimator.estimator
    return estimator


def fit_boosting(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_val: Any,
    y_val: Any,
    early_stopping_rounds: int | None,
    classes: int | None,
) -> None:
    """Fit an XGBoost or LightGBM estimator with the training and validation sets
    evaluated every round (early stopping on the validation set)."""
    booster = _booster(estimator, fitted=False)
    library = type(booster).__module__.partition(".")[0]
    if library == "xgboost":
        metric = booster.get_params().get("eval_metric")
        if classes is not None and classes > 2:
            if str(booster.get_params().get("objective", "")).startswith("binary:"):
                booster.set_params(objective="multi:softprob")
            if metric in _XGBOOST_MULTICLASS:
                booster.set_params(eval_metric=_XGBOOST_MULTICLASS[metric])
        estimator.fit(
            X_train, y_train, eval_set=[(X_train, y_train), (X_val, y_val)], verbose=False
        )
        return
    import lightgbm

    metric = booster.get_params().get("metric")
    if classes is not None and classes > 2 and metric in _LIGHTGBM_MULTICLASS:
        booster.set_params(metric=_LIGHTGBM_MULTICLASS[metric])
    callbacks: list[Any] = [lightgbm.log_evaluation(0)]
    if early_stopping_rounds:
        callbacks.append(lightgbm.early_stopping(early_stopping_rounds, verbose=False))
    estimator.fit(
        X_train,
        y_train,
        eval_set=[(X_train, y_train), (X_val, y_val)],
        eval_names=["training", "validation"],
        callbacks=callbacks,
    )


def round_history(estimator: Any) -> dict[str, list[float]]:
    """Every round's metrics of a fitted booster: ``{"validation:logloss": [...], ...}``."""
    booster = _booster(estimator)
    if type(booster).__module__.startswith("xgboost"):
        raw: Mapping[str, Mapping[str, list[float]]] = booster.evals_result()
        names = {"validation_0": "train", "validation_1": "validation"}
    else:
        raw = booster.evals_result_
        names = {"training": "train", "validation": "validation"}
    return {
        f"{names.get(split, split)}:{metric}": [float(v) for v in values]
        for split, metrics in raw.items()
        for metric, values in metrics.items()
    }


def best_round(estimator: Any) -> int | None:
    """The round early stopping kept (0-based), if it stopped early."""
    booster = _booster(estimator)
    best = getattr(booster, "best_iteration", None)
    if best is None:
        best = getattr(booster, "best_iteration_", None)
    return int(best) if best is not None and best >= 0 else None


def feature_importance(estimator: Any, names: list[str]) -> dict[str, float]:
    """Gain importance per (preprocessed) feature, highest first."""
    values = [float(v) for v in _booster(estimator).feature_importances_]
    pairs = sorted(zip(names, values, strict=True), key=lambda pair: -pair[1])
    return dict(pairs)
