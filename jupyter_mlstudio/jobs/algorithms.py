"""Built-in training algorithms: scikit-learn estimators with validated hyperparameters.

Each :class:`Algorithm` pairs a kebab-case name (``random-forest-classifier``) with a
pydantic model of its hyperparameters (named exactly like the scikit-learn parameter,
every one with a default, a description and its allowed range) and a factory that
builds the unfitted estimator. :func:`validate_hyperparameters` accepts values the way a
training job receives them, as strings (``"100"``, ``"0.5"``, ``"true"``, ``"[64, 32]"``),
and explains every bad one. :func:`describe_algorithms` is what the REST API and the UI
show: names, tasks, the metrics each logs and the JSON schema of its hyperparameters.

scikit-learn is imported only when an estimator is built, so listing and validating
algorithms works without it.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InvalidArgumentError
from . import boosting

Task = Literal["classification", "regression", "clustering", "anomaly"]
TASKS: tuple[str, ...] = ("classification", "regression", "clustering", "anomaly")

# The quality metrics a built-in algorithm of each task logs (jobs/builtin.py names them
# ``validation:<name>``), plus the row counts every one logs. The REST catalogue offers them
# as tuning objectives and tuning refuses an objective outside them.
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
    "clustering": ("inertia", "silhouette"),
    "anomaly": ("anomaly_fraction", "mean_score"),
}
COMMON_METRICS = ("train_rows", "validation_rows")


def validation_metrics(task: str) -> list[str]:
    """The ``validation:<name>`` quality metrics a built-in algorithm of ``task`` logs."""
    return [f"validation:{m}" for m in TASK_METRICS.get(task, ())]


def builtin_metrics(task: str) -> list[str]:
    """Every metric a built-in algorithm of ``task`` logs (quality metrics and row counts)."""
    return validation_metrics(task) + list(COMMON_METRICS)


@dataclass(frozen=True)
class Algorithm:
    """One built-in algorithm.

    ``scale_numeric``: whether numeric features are standardised before the estimator
    (linear models, distance- and gradient-based ones); tree ensembles do not need it.
    """

    name: str
    title: str
    task: Task
    description: str
    hyperparameters: type[BaseModel]
    estimator: Callable[[BaseModel], Any]
    scale_numeric: bool = False
    #: a gradient booster fitted with evaluation sets (jobs/boosting.py), logging these
    #: per-round metrics besides the task's
    round_metrics: tuple[str, ...] = ()

    @property
    def needs_target(self) -> bool:
        return self.task in ("classification", "regression")

    @property
    def metrics(self) -> list[str]:
        """The quality metrics this algorithm logs, e.g. ``validation:accuracy``."""
        return validation_metrics(self.task) + list(self.round_metrics)

    @property
    def boosting(self) -> bool:
        return bool(self.round_metrics)

    def build(self, params: BaseModel) -> Any:
        """The unfitted estimator for validated hyperparameters."""
        return self.estimator(params)


# -- hyperparameter models -----------------------------------------------------------
class Hyperparameters(BaseModel):
    """Base of every hyperparameter model: unknown names and NaN/infinity are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


PositiveInt = Annotated[int, Field(ge=1)]
Fraction = Annotated[float, Field(gt=0, le=1)]

_RANDOM_STATE = "Seed of the random number generator, for reproducible results."
_FIT_INTERCEPT = "Whether to fit an intercept (bias) term."
_MAX_ITER = "Maximum number of iterations of the solver."
_TOL = "Tolerance of the stopping criterion."


class LinearRegressionParams(Hyperparameters):
    fit_intercept: bool = Field(True, description=_FIT_INTERCEPT)
    positive: bool = Field(False, description="Force the coefficients to be positive.")


class LogisticRegressionParams(Hyperparameters):
    C: float = Field(
        1.0, gt=0, description="Inverse of the regularisation strength; smaller is stronger."
    )
    l1_ratio: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Elastic-net mixing: 0 is an L2 penalty, 1 is L1; above 0 needs solver 'saga'.",
    )
    solver: Literal["lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"] = Field(
        "lbfgs",
        description="Optimisation algorithm; 'liblinear' handles two classes only.",
    )
    max_iter: int = Field(100, ge=1, description=_MAX_ITER)
    tol: float = Field(1e-4, gt=0, description=_TOL)
    fit_intercept: bool = Field(True, description=_FIT_INTERCEPT)
    class_weight: Literal["balanced"] | None = Field(
        None, description="'balanced' weights classes inversely to their frequency."
    )
    random_state: int = Field(0, description=_RANDOM_STATE)

    @model_validator(mode="after")
    def _solver_supports_penalty(self) -> LogisticRegressionParams:
        if self.l1_ratio == 0 or self.solver == "saga":
            return self
        if self.l1_ratio == 1 and self.solver == "liblinear":
            return self
        raise ValueError(
            f"l1_ratio {self.l1_ratio} needs solver 'saga'"
            + (" (or 'liblinear')" if self.l1_ratio == 1 else "")
            + f", got solver {self.solver!r}"
        )


class RidgeParams(Hyperparameters):
    alpha: float = Field(1.0, ge=0, description="Regularisation strength (L2 penalty).")
    fit_intercept: bool = Field(True, description=_FIT_INTERCEPT)
    solver: Literal["auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"] = Field(
        "auto", description="Solver; 'lbfgs' is the only one that supports positive."
    )
    positive: bool = Field(
        False, description="Force the coefficients to be positive (solver 'auto' or 'lbfgs')."
    )
    max_iter: PositiveInt | None = Field(
        None, description="Maximum iterations of iterative solvers; null uses the solver default."
    )
    tol: float = Field(1e-4, gt=0, description=_TOL)
    random_state: int = Field(0, description=_RANDOM_STATE + " Used by 'sag' and 'saga'.")

    @model_validator(mode="after")
    def _positive_needs_lbfgs(self) -> RidgeParams:
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(f"positive=true needs solver 'auto' or 'lbfgs', got {self.solver!r}")
        if self.solver == "lbfgs" and not self.positive:
            raise ValueError("solver 'lbfgs' is only supported with positive=true")
        return self


class _CoordinateDescentParams(Hyperparameters):
    fit_intercept: bool = Field(True, description=_FIT_INTERCEPT)
    max_iter: int = Field(1000, ge=1, description=_MAX_ITER)
    tol: float = Field(1e-4, gt=0, description=_TOL)
    selection: Literal["cyclic", "random"] = Field(
        "cyclic", description="Update coefficients in order ('cyclic') or at random."
    )
    positive: bool = Field(False, description="Force the coefficients to be positive.")


class LassoParams(_CoordinateDescentParams):
    alpha: float = Field(1.0, gt=0, description="Regularisation strength (L1 penalty).")
    random_state: int = Field(0, description=_RANDOM_STATE + " Used when selection='random'.")


class ElasticNetParams(_CoordinateDescentParams):
    alpha: float = Field(1.0, gt=0, description="Regularisation strength (sum of the penalties).")
    l1_ratio: float = Field(
        0.5, ge=0, le=1, description="Mix of the penalties: 0 is pure L2 (ridge), 1 is pure L1."
    )
    random_state: int = Field(0, description=_RANDOM_STATE + " Used when selection='random'.")


class _ForestParams(Hyperparameters):
    n_estimators: int = Field(100, ge=1, description="Number of trees in the forest.")
    max_depth: PositiveInt | None = Field(
        None, description="Maximum depth of each tree; null grows until leaves are pure."
    )
    min_samples_split: int = Field(
        2, ge=2, description="Minimum number of samples needed to split a node."
    )
    min_samples_leaf: int = Field(1, ge=1, description="Minimum number of samples in a leaf.")
    bootstrap: bool = Field(True, description="Whether each tree is fit on a bootstrap sample.")


class RandomForestClassifierParams(_ForestParams):
    criterion: Literal["gini", "entropy", "log_loss"] = Field(
        "gini", description="Function measuring the quality of a split."
    )
    max_features: Literal["sqrt", "log2"] | Fraction | None = Field(
        "sqrt",
        description="Features considered per split: 'sqrt', 'log2', a fraction, or null for all.",
    )
    class_weight: Literal["balanced", "balanced_subsample"] | None = Field(
        None, description="Weight classes inversely to their frequency, or null for equal weights."
    )
    random_state: int = Field(0, description=_RANDOM_STATE)


class RandomForestRegressorParams(_ForestParams):
    criterion: Literal["squared_error", "absolute_error", "friedman_mse", "poisson"] = Field(
        "squared_error", description="Function measuring the quality of a split."
    )
    max_features: Literal["sqrt", "log2"] | Fraction | None = Field(
        1.0,
        description="Features considered per split: 'sqrt', 'log2', a fraction, or null for all.",
    )
    random_state: int = Field(0, description=_RANDOM_STATE)


class _HistGradientBoostingParams(Hyperparameters):
    learning_rate: float = Field(0.1, gt=0, description="Shrinkage applied to each tree.")
    max_iter: int = Field(100, ge=1, description="Number of boosting iterations (trees).")
    max_leaf_nodes: Annotated[int, Field(ge=2)] | None = Field(
        31, description="Maximum number of leaves per tree; null for no limit."
    )
    max_depth: PositiveInt | None = Field(
        None, description="Maximum depth of each tree; null for no limit."
    )
    min_samples_leaf: int = Field(20, ge=1, description="Minimum number of samples in a leaf.")
    l2_regularization: float = Field(0.0, ge=0, description="L2 regularisation of leaf values.")
    max_bins: int = Field(255, ge=2, le=255, description="Number of bins features are cut into.")
    early_stopping: Literal["auto"] | bool = Field(
        "auto", description="Stop when the validation score stops improving; 'auto' above 10k rows."
    )


class HistGradientBoostingClassifierParams(_HistGradientBoostingParams):
    class_weight: Literal["balanced"] | None = Field(
        None, description="'balanced' weights classes inversely to their frequency."
    )
    random_state: int = Field(0, description=_RANDOM_STATE)


class HistGradientBoostingRegressorParams(_HistGradientBoostingParams):
    loss: Literal["squared_error", "absolute_error", "gamma", "poisson"] = Field(
        "squared_error", description="Loss function to minimise."
    )
    random_state: int = Field(0, description=_RANDOM_STATE)


class _KNeighborsParams(Hyperparameters):
    n_neighbors: int = Field(5, ge=1, description="Number of neighbours used for a prediction.")
    weights: Literal["uniform", "distance"] = Field(
        "uniform", description="Equal votes, or votes weighted by inverse distance."
    )
    algorithm: Literal["auto", "ball_tree", "kd_tree", "brute"] = Field(
        "auto", description="Algorithm used to find the nearest neighbours."
    )
    leaf_size: int = Field(30, ge=1, description="Leaf size of the ball or KD tree.")
    p: float = Field(2.0, ge=1, description="Power of the Minkowski metric: 1 Manhattan, 2 L2.")
    metric: Literal["minkowski", "euclidean", "manhattan", "chebyshev"] = Field(
        "minkowski", description="Distance metric."
    )


class KNeighborsClassifierParams(_KNeighborsParams):
    pass


class KNeighborsRegressorParams(_KNeighborsParams):
    pass


class _SVMParams(Hyperparameters):
    C: float = Field(1.0, gt=0, description="Inverse of the regularisation strength.")
    kernel: Literal["linear", "poly", "rbf", "sigmoid"] = Field(
        "rbf", description="Kernel function."
    )
    degree: int = Field(3, ge=1, description="Degree of the 'poly' kernel.")
    gamma: Literal["scale", "auto"] | Annotated[float, Field(gt=0)] = Field(
        "scale", description="Kernel coefficient for 'rbf', 'poly' and 'sigmoid'."
    )
    coef0: float = Field(0.0, description="Independent term of the 'poly' and 'sigmoid' kernels.")
    shrinking: bool = Field(True, description="Whether to use the shrinking heuristic.")
    tol: float = Field(1e-3, gt=0, description=_TOL)
    max_iter: int = Field(-1, ge=-1, description="Hard limit on solver iterations; -1 for none.")


class SVCParams(_SVMParams):
    class_weight: Literal["balanced"] | None = Field(
        None, description="'balanced' weights classes inversely to their frequency."
    )
    probability: bool = Field(
        True,
        description="Calibrate class probabilities (Platt scaling, 5-fold): enables ROC AUC "
        "and log loss, costs extra fits.",
    )
    random_state: int = Field(0, description=_RANDOM_STATE)


class SVRParams(_SVMParams):
    epsilon: float = Field(
        0.1, ge=0, description="Width of the tube within which errors are not penalised."
    )


class _MLPParams(Hyperparameters):
    hidden_layer_sizes: list[PositiveInt] = Field(
        [100],
        min_length=1,
        description="Neurons per hidden layer, e.g. [64, 32] (or the string '64,32').",
    )
    activation: Literal["identity", "logistic", "tanh", "relu"] = Field(
        "relu", description="Activation function of the hidden layers."
    )
    solver: Literal["lbfgs", "sgd", "adam"] = Field("adam", description="Weight optimiser.")
    alpha: float = Field(1e-4, ge=0, description="Strength of the L2 regularisation.")
    batch_size: Literal["auto"] | PositiveInt = Field(
        "auto", description="Minibatch size of 'sgd' and 'adam'; 'auto' is min(200, rows)."
    )
    learning_rate: Literal["constant", "invscaling", "adaptive"] = Field(
        "constant", description="Learning-rate schedule of the 'sgd' solver."
    )
    learning_rate_init: float = Field(
        1e-3, gt=0, description="Initial learning rate of 'sgd' and 'adam'."
    )
    max_iter: int = Field(200, ge=1, description="Maximum number of epochs (or solver steps).")
    early_stopping: bool = Field(
        False, description="Hold out 10% of the training data and stop when it stops improving."
    )
    random_state: int = Field(0, description=_RANDOM_STATE)

    @field_validator("hidden_layer_sizes", mode="before")
    @classmethod
    def _parse_layers(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.strip().strip("()[]").split(",")]
            return [p for p in parts if p]
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        if isinstance(value, tuple):
            return list(value)
        return value


class MLPClassifierParams(_MLPParams):
    pass


class MLPRegressorParams(_MLPParams):
    pass


class KMeansParams(Hyperparameters):
    n_clusters: int = Field(8, ge=1, description="Number of clusters.")
    init: Literal["k-means++", "random"] = Field(
        "k-means++", description="How the initial centroids are chosen."
    )
    n_init: Literal["auto"] | PositiveInt = Field(
        "auto", description="Number of runs with different centroid seeds; the best is kept."
    )
    max_iter: int = Field(300, ge=1, description="Maximum iterations of one run.")
    tol: float = Field(1e-4, ge=0, description="Relative tolerance to declare convergence.")
    algorithm: Literal["lloyd", "elkan"] = Field("lloyd", description="K-means algorithm.")
    random_state: int = Field(0, description=_RANDOM_STATE)


class IsolationForestParams(Hyperparameters):
    n_estimators: int = Field(100, ge=1, description="Number of trees in the ensemble.")
    max_samples: Literal["auto"] | PositiveInt | Fraction = Field(
        "auto",
        description="Rows drawn per tree: a count, a fraction of the rows, or 'auto' "
        "(min(256, rows)).",
    )
    contamination: Literal["auto"] | Annotated[float, Field(gt=0, le=0.5)] = Field(
        "auto", description="Expected fraction of anomalies; sets the decision threshold."
    )
    max_features: Fraction = Field(1.0, description="Fraction of the features drawn per tree.")
    bootstrap: bool = Field(False, description="Draw rows with replacement.")
    random_state: int = Field(0, description=_RANDOM_STATE)


# -- estimator factories -------------------------------------------------------------
def _load(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _kwargs(params: BaseModel) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.model_dump().items()}


def _plain(path: str) -> Callable[[BaseModel], Any]:
    """A factory passing every hyperparameter straight to the estimator class at ``path``."""

    def build(params: BaseModel) -> Any:
        return _load(path)(**_kwargs(params))

    build.__qualname__ = build.__name__ = f"build_{path.rpartition('.')[2]}"
    return build


def _logistic_regression(params: BaseModel) -> Any:
    import inspect

    cls = _load("sklearn.linear_model.LogisticRegression")
    kwargs = _kwargs(params)
    # scikit-learn 1.8 deprecated ``penalty``: l1_ratio alone selects it. Older versions
    # ignore l1_ratio unless penalty says elastic-net.
    penalty = inspect.signature(cls).parameters["penalty"].default
    if penalty != "deprecated" and kwargs["l1_ratio"] > 0:
        if kwargs["l1_ratio"] == 1:
            kwargs["penalty"] = "l1"
            del kwargs["l1_ratio"]
        else:
            kwargs["penalty"] = "elasticnet"
    elif penalty != "deprecated":
        del kwargs["l1_ratio"]
    return cls(**kwargs)


def _svc(params: BaseModel) -> Any:
    # scikit-learn 1.9 deprecated SVC(probability=True) for exactly this wrapper: the SVC
    # is fit on all the data, sigmoid calibration on cross-validated decision values.
    kwargs = _kwargs(params)
    probability = kwargs.pop("probability")
    svc = _load("sklearn.svm.SVC")(**kwargs)
    if not probability:
        return svc
    return _load("sklearn.calibration.CalibratedClassifierCV")(
        svc, method="sigmoid", cv=5, ensemble=False
    )


_ALGORITHM_LIST: tuple[Algorithm, ...] = (
    Algorithm(
        "linear-regression",
        "Linear regression",
        "regression",
        "Ordinary least squares: a straight-line fit of the target on the features.",
        LinearRegressionParams,
        _plain("sklearn.linear_model.LinearRegression"),
        scale_numeric=True,
    ),
    Algorithm(
        "logistic-regression",
        "Logistic regression",
        "classification",
        "A regularised linear classifier that models class probabilities.",
        LogisticRegressionParams,
        _logistic_regression,
        scale_numeric=True,
    ),
    Algorithm(
        "ridge",
        "Ridge regression",
        "regression",
        "Linear regression with an L2 penalty that shrinks the coefficients.",
        RidgeParams,
        _plain("sklearn.linear_model.Ridge"),
        scale_numeric=True,
    ),
    Algorithm(
        "lasso",
        "Lasso regression",
        "regression",
        "Linear regression with an L1 penalty that drives some coefficients to zero.",
        LassoParams,
        _plain("sklearn.linear_model.Lasso"),
        scale_numeric=True,
    ),
    Algorithm(
        "elastic-net",
        "Elastic net",
        "regression",
        "Linear regression with a mix of L1 and L2 penalties.",
        ElasticNetParams,
        _plain("sklearn.linear_model.ElasticNet"),
        scale_numeric=True,
    ),
    Algorithm(
        "random-forest-classifier",
        "Random forest classifier",
        "classification",
        "An ensemble of decision trees on bootstrap samples that vote on the class.",
        RandomForestClassifierParams,
        _plain("sklearn.ensemble.RandomForestClassifier"),
    ),
    Algorithm(
        "random-forest-regressor",
        "Random forest regressor",
        "regression",
        "An ensemble of decision trees on bootstrap samples whose predictions are averaged.",
        RandomForestRegressorParams,
        _plain("sklearn.ensemble.RandomForestRegressor"),
    ),
    Algorithm(
        "hist-gradient-boosting-classifier",
        "Gradient boosting classifier",
        "classification",
        "Histogram-based gradient-boosted trees, fast on large tabular data.",
        HistGradientBoostingClassifierParams,
        _plain("sklearn.ensemble.HistGradientBoostingClassifier"),
    ),
    Algorithm(
        "hist-gradient-boosting-regressor",
        "Gradient boosting regressor",
        "regression",
        "Histogram-based gradient-boosted trees, fast on large tabular data.",
        HistGradientBoostingRegressorParams,
        _plain("sklearn.ensemble.HistGradientBoostingRegressor"),
    ),
    Algorithm(
        "knn-classifier",
        "k-nearest neighbours classifier",
        "classification",
        "Predicts the majority class among the k closest training rows.",
        KNeighborsClassifierParams,
        _plain("sklearn.neighbors.KNeighborsClassifier"),
        scale_numeric=True,
    ),
    Algorithm(
        "knn-regressor",
        "k-nearest neighbours regressor",
        "regression",
        "Predicts the average target of the k closest training rows.",
        KNeighborsRegressorParams,
        _plain("sklearn.neighbors.KNeighborsRegressor"),
        scale_numeric=True,
    ),
    Algorithm(
        "svm-classifier",
        "Support vector classifier",
        "classification",
        "A kernel support vector machine with calibrated class probabilities.",
        SVCParams,
        _svc,
        scale_numeric=True,
    ),
    Algorithm(
        "svm-regressor",
        "Support vector regressor",
        "regression",
        "Kernel support vector regression with an epsilon-insensitive loss.",
        SVRParams,
        _plain("sklearn.svm.SVR"),
        scale_numeric=True,
    ),
    Algorithm(
        "mlp-classifier",
        "Neural network classifier",
        "classification",
        "A multi-layer perceptron trained with backpropagation.",
        MLPClassifierParams,
        _plain("sklearn.neural_network.MLPClassifier"),
        scale_numeric=True,
    ),
    Algorithm(
        "mlp-regressor",
        "Neural network regressor",
        "regression",
        "A multi-layer perceptron trained with backpropagation.",
        MLPRegressorParams,
        _plain("sklearn.neural_network.MLPRegressor"),
        scale_numeric=True,
    ),
    Algorithm(
        "k-means",
        "k-means clustering",
        "clustering",
        "Groups the rows into k clusters around centroids.",
        KMeansParams,
        _plain("sklearn.cluster.KMeans"),
        scale_numeric=True,
    ),
    Algorithm(
        "isolation-forest",
        "Isolation forest",
        "anomaly",
        "Flags rows that random trees isolate in few splits as anomalies.",
        IsolationForestParams,
        _plain("sklearn.ensemble.IsolationForest"),
    ),
    Algorithm(
        "xgboost-classifier",
        "XGBoost classifier",
        "classification",
        "Gradient-boosted trees from XGBoost, with SageMaker's XGBoost hyperparameter names "
        "and per-round train/validation metrics.",
        boosting.XGBoostClassifierParams,
        boosting.xgboost_classifier,
        round_metrics=boosting.round_metrics(boosting.XGBOOST_CLASSIFICATION_METRICS),
    ),
    Algorithm(
        "xgboost-regressor",
        "XGBoost regressor",
        "regression",
        "Gradient-boosted trees from XGBoost, with SageMaker's XGBoost hyperparameter names "
        "and per-round train/validation metrics.",
        boosting.XGBoostRegressorParams,
        boosting.xgboost_regressor,
        round_metrics=boosting.round_metrics(boosting.XGBOOST_REGRESSION_METRICS),
    ),
    Algorithm(
        "lightgbm-classifier",
        "LightGBM classifier",
        "classification",
        "Leaf-wise gradient-boosted trees from LightGBM, with SageMaker's LightGBM "
        "hyperparameter names and per-round train/validation metrics.",
        boosting.LightGBMClassifierParams,
        boosting.lightgbm_classifier,
        round_metrics=boosting.round_metrics(boosting.LIGHTGBM_CLASSIFICATION_METRICS),
    ),
    Algorithm(
        "lightgbm-regressor",
        "LightGBM regressor",
        "regression",
        "Leaf-wise gradient-boosted trees from LightGBM, with SageMaker's LightGBM "
        "hyperparameter names and per-round train/validation metrics.",
        boosting.LightGBMRegressorParams,
        boosting.lightgbm_regressor,
        round_metrics=boosting.round_metrics(boosting.LIGHTGBM_REGRESSION_METRICS),
    ),
)

ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in _ALGORITHM_LIST}


def get_algorithm(name: str) -> Algorithm:
    try:
        return ALGORITHMS[name]
    except (KeyError, TypeError):
        raise InvalidArgumentError(
            f"unknown algorithm {name!r}; choose one of: {', '.join(ALGORITHMS)}"
        ) from None


# -- validation ----------------------------------------------------------------------
_NULL_WORDS = frozenset({"none", "null"})
_BOOL_WORDS = {"true": True, "false": False}


def _coerce(value: Any) -> Any:
    """A string as a job passes it (``"100"``, ``"0.5"``, ``"true"``, ``"[1, 2]"``) as JSON-ish."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    lowered = text.lower()
    if lowered in _BOOL_WORDS:
        return _BOOL_WORDS[lowered]
    if lowered in _NULL_WORDS:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return number if math.isfinite(number) else value
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def parse_hyperparameters(algorithm: str | Algorithm, raw: Mapping[str, Any]) -> BaseModel:
    """The validated hyperparameter model, defaults filled: :func:`validate_hyperparameters`."""
    algo = algorithm if isinstance(algorithm, Algorithm) else get_algorithm(algorithm)
    model = algo.hyperparameters
    # the names users type: a field's alias where it has one (XGBoost's ``lambda``)
    fields = [field.alias or name for name, field in model.model_fields.items()]
    unknown = [str(k) for k in raw if str(k) not in fields]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise InvalidArgumentError(
            f"unknown hyperparameter{plural} {names} for {algo.name}; known: {', '.join(fields)}"
        )
    coerced = {str(k): _coerce(v) for k, v in raw.items()}
    try:
        return model.model_validate(coerced)
    except ValidationError as exc:
        schema = model.model_json_schema()
        raise InvalidArgumentError(
            _explain(exc, raw={str(k): v for k, v in raw.items()}, schema=schema)
        ) from None


def validate_hyperparameters(algorithm: str | Algorithm, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every hyperparameter of ``algorithm`` as plain JSON values, defaults filled.

    Strings are coerced the way a job passes them: ``"100"`` → 100, ``"0.5"`` → 0.5,
    ``"true"`` → True, ``"none"`` → None, ``"[64, 32]"`` → [64, 32]. Raises
    :class:`InvalidArgumentError` naming each bad parameter, its value and what is allowed.
    """
    return parse_hyperparameters(algorithm, raw).model_dump(mode="json", by_alias=True)


def _explain(exc: ValidationError, *, raw: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    by_field: dict[str, list[Any]] = {}
    for error in exc.errors():
        loc = error["loc"]
        by_field.setdefault(str(loc[0]) if loc else "", []).append(error)
    properties: Mapping[str, Any] = schema.get("properties", {})
    parts: list[str] = []
    for name, errors in by_field.items():
        if not name:  # a model validator: a rule across several parameters
            parts.extend(f"hyperparameters: {_error_message(e)}" for e in errors)
            continue
        given = raw[name] if name in raw else errors[0].get("input")
        if len(errors) == 1 and all(isinstance(p, int) for p in errors[0]["loc"][1:]):
            error = errors[0]
            where = "".join(f" item {p}" for p in error["loc"][1:])
            message = f"{where.strip()} {_error_message(error)}".strip()
        else:
            # A union (int | 'auto' | …): one error per alternative. A failed bound on an
            # alternative of the right type says most; otherwise list the alternatives.
            bounds = [e for e in errors if e["type"] in _BOUND_ERRORS]
            if len(bounds) == 1:
                message = _error_message(bounds[0])
            else:
                message = f"must be {_allowed(properties.get(name, {}))}"
        parts.append(f"hyperparameter {name!r}: {message} (got {given!r})")
    return "; ".join(parts)


_BOUND_ERRORS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}
_TYPE_ERRORS = {
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "int_type": "must be an integer",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
}


def _error_message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _BOUND_ERRORS:
        key, symbol = _BOUND_ERRORS[kind]
        return f"must be {symbol} {_number(ctx.get(key))}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind in _TYPE_ERRORS:
        return _TYPE_ERRORS[kind]
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _number(value: Any) -> Any:
    """0.0 as 0 and 1.0 as 1 in messages."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _allowed(schema: Mapping[str, Any]) -> str:
    """What a JSON-schema fragment accepts, in words: "'auto', an integer >= 1, or null"."""
    options = _alternatives(schema)
    if len(options) <= 2:
        return " or ".join(options)
    return f"{', '.join(options[:-1])}, or {options[-1]}"


def _alternatives(schema: Mapping[str, Any]) -> list[str]:
    if "anyOf" in schema:
        return [option for branch in schema["anyOf"] for option in _alternatives(branch)]
    if "const" in schema:
        return [repr(schema["const"])]
    if "enum" in schema:
        return [repr(v) for v in schema["enum"]]
    kind = schema.get("type")
    bounds = [
        f"{symbol} {_number(schema[key])}"
        for key, symbol in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if key in schema
    ]
    suffix = f" {' and '.join(bounds)}" if bounds else ""
    if kind == "integer":
        return [f"an integer{suffix}"]
    if kind == "number":
        return [f"a number{suffix}"]
    if kind == "boolean":
        return ["true", "false"]
    if kind == "null":
        return ["null"]
    if kind == "array":
        return [f"a list of {_allowed(schema.get('items', {}))}"]
    if kind == "string":
        return ["a string"]
    return ["a valid value"]


# -- description for the API and the UI ----------------------------------------------
def hyperparameter_schema(algorithm: str | Algorithm) -> dict[str, Any]:
    """The JSON schema of an algorithm's hyperparameters.

    Properties that accept several types (``int | None``, ``'auto' | float``) keep their
    ``anyOf`` and also get ``type`` as the list of the alternatives' types, so every
    property has ``type``, ``default``, ``title`` and ``description``.
    """
    algo = algorithm if isinstance(algorithm, Algorithm) else get_algorithm(algorithm)
    schema = algo.hyperparameters.model_json_schema()
    for prop in schema.get("properties", {}).values():
        if "type" not in prop and "anyOf" in prop:
            types: list[str] = []
            for branch in prop["anyOf"]:
                kind = branch.get("type")
                if isinstance(kind, str) and kind not in types:
                    types.append(kind)
            if types:
                prop["type"] = types[0] if len(types) == 1 else types
    schema["title"] = f"{algo.title} hyperparameters"
    return schema


def describe_algorithms() -> list[dict[str, Any]]:
    """Every algorithm for the REST API and the UI, with its hyperparameter JSON schema."""
    return [
        {
            "name": algo.name,
            "title": algo.title,
            "task": algo.task,
            "description": algo.description,
            "needs_target": algo.needs_target,
            "distributed": algo.boosting,
            "metrics": algo.metrics,
            "schema": hyperparameter_schema(algo),
        }
        for algo in ALGORITHMS.values()
    ]
