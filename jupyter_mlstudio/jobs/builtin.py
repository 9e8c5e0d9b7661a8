"""Training with a built-in algorithm: data channels in, a fitted scikit-learn model out.

:func:`train_builtin` reads the ``train`` channel (and ``validation`` if given, otherwise
it splits a validation set off), builds a :class:`~sklearn.pipeline.Pipeline` of the
preprocessing and the algorithm's estimator, fits it, scores it on the validation set
and writes to ``model_dir``:

- ``model.skops``: the fitted pipeline (``skops.io.dump``, loadable without pickle). It
  takes the raw feature frame: missing values are imputed, categories one-hot encoded
  (unknown ones ignored) and, for scale-sensitive algorithms, numbers standardised
  inside the pipeline;
- ``metadata.json``: algorithm, hyperparameters, target, input/output signature, an
  input example, classes, metrics and library versions.

Metric names follow the ``validation:<name>`` convention of training jobs elsewhere.

scikit-learn and skops are imported when training or loading, not with this module.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..column_names import CAMEL_ID, ID_NAME
from ..data_files import read_table
from ..errors import InvalidArgumentError, NotFoundError
from ..registry.format import (
    MODEL_FILE,
    dump_estimator,
    library_versions,
    load_skops,
    write_metadata,
)
from .algorithms import Algorithm, get_algorithm, parse_hyperparameters

_MAX_COLUMNS_SHOWN = 20
FEATURE_IMPORTANCE_FILE = "feature_importance.json"
_SILHOUETTE_SAMPLE = 10_000

Progress = Callable[[float, str], None]
Log = Callable[[str], None]


@dataclass
class TrainingResult:
    metrics: dict[str, float]
    model_dir: Path
    metadata: dict[str, Any]
    #: columns of the data not used as features, and why
    dropped_columns: dict[str, str] = field(default_factory=dict)
    #: a booster's metrics per round (``validation:logloss`` → one value per round)
    history: dict[str, list[float]] = field(default_factory=dict)

    @property
    def final_step(self) -> int:
        """The step the final metrics are logged at: after every round of the history,
        so a metric a booster also logs per round ends on the final model's value."""
        return max((len(values) for values in self.history.values()), default=0)


# -- reading data --------------------------------------------------------------------
def _read_channel(channel: str, path: Path, log: Log) -> pd.DataFrame:
    try:
        frame = read_table(Path(path))
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"channel {channel!r}: {exc.message}") from exc
    log(f"read {len(frame)} rows x {frame.shape[1]} columns from channel {channel!r} ({path})")
    return frame


def _columns_list(frame: pd.DataFrame | Sequence[str]) -> str:
    columns = [str(c) for c in (frame.columns if isinstance(frame, pd.DataFrame) else frame)]
    shown = ", ".join(columns[:_MAX_COLUMNS_SHOWN])
    more = len(columns) - _MAX_COLUMNS_SHOWN
    return f"{shown}, … ({more} more)" if more > 0 else shown


# -- features ------------------------------------------------------------------------
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def _looks_like_datetime(column: pd.Series) -> bool:
    """Text that is all ISO dates or timestamps (as CSV and JSON hold datetimes)."""
    sample = column.dropna().head(100)
    if sample.empty:
        return False
    values = sample.tolist()
    if all(isinstance(v, (dt.date, np.datetime64)) for v in values):
        return True
    return all(isinstance(v, str) and _ISO_DATE.match(v.strip()) for v in values)


def _column_kind(column: pd.Series) -> str:
    """``numeric``, ``categorical``, ``datetime`` or ``unsupported``."""
    dtype = column.dtype
    types = pd.api.types
    if types.is_bool_dtype(dtype):
        return "categorical"
    if types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return "datetime"
    if types.is_timedelta64_dtype(dtype) or types.is_complex_dtype(dtype):
        return "unsupported"
    if types.is_numeric_dtype(dtype):
        return "numeric"
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or types.is_string_dtype(dtype)
        or types.is_object_dtype(dtype)
    ):
        return "datetime" if _looks_like_datetime(column) else "categorical"
    return "unsupported"


#: Identifier-like names (as the Data Wrangler's insights report reads them) ...
#: ... and columns that hold who a row is, not what it says (compared without _ - . or
#: spaces, lower case).
_PERSONAL_NAMES = frozenset(
    {
        "name",
        "firstname",
        "lastname",
        "fullname",
        "surname",
        "givenname",
        "familyname",
        "username",
        "customername",
        "email",
        "emailaddress",
        "phone",
        "phonenumber",
        "telephone",
    }
)
#: Uniqueness means little in a few rows: below this many values, only names count.
_MIN_ROWS_FOR_UNIQUENESS = 50


def _identifier_reason(name: str, column: pd.Series, kind: str) -> str | None:
    """Why a numeric or text column identifies rows instead of describing them (so no
    model can learn from it), or None. Integers: a distinct value per row that counts
    up (1, 2, 3 …) or is named like an id. Text: a person's name, e-mail or phone by its
    column name; or more distinct values than half the rows (identifiers, free text)."""
    types = pd.api.types
    if types.is_bool_dtype(column.dtype) or isinstance(column.dtype, pd.BooleanDtype):
        return None
    values = column.dropna()
    count = len(values)
    if kind == "numeric":
        if not types.is_integer_dtype(column.dtype) or count <= _MIN_ROWS_FOR_UNIQUENESS:
            return None
        unique = int(values.nunique())
        if unique != count or count != len(column):
            return None
        counts_up = int(values.max()) - int(values.min()) + 1 == unique
        if counts_up or ID_NAME.search(name) or CAMEL_ID.search(name):
            return "identifier: a distinct integer on every row"
        return None
    if re.sub(r"[\s_.-]+", "", name).lower() in _PERSONAL_NAMES:
        return "personal data: a name, e-mail or phone number identifies, it does not describe"
    unique = int(values.nunique())
    if count > _MIN_ROWS_FOR_UNIQUENESS and unique > _MIN_ROWS_FOR_UNIQUENESS:
        if unique == count:
            return f"identifier: a distinct value on every row ({unique})"
        if unique >= 0.5 * count:
            return f"free text or identifier: {unique} distinct values in {count} rows"
    return None


@dataclass
class _Features:
    numeric: list[str]
    categorical: list[str]
    dropped: dict[str, str]
    #: the categorical columns of pandas' nullable ``boolean`` dtype: scikit-learn turns
    #: those into floats, which then cannot share an imputer with text columns.
    nullable_boolean: list[str] = field(default_factory=list)
    #: the feature columns in the order of the data
    columns: list[str] = field(default_factory=list)


def _select_features(frame: pd.DataFrame, log: Log, exclude: Sequence[str] = ()) -> _Features:
    """The feature columns: all but the ``exclude``d ones, empty columns, datetimes,
    unsupported types and identifiers (see :func:`_identifier_reason`)."""
    features = _Features([], [], {})
    for name in frame.columns:
        column = frame[name]
        if name in exclude:
            features.dropped[name] = "excluded (exclude_columns)"
            continue
        kind = _column_kind(column)
        if column.isna().all():
            features.dropped[name] = "no values"
        elif kind in ("numeric", "categorical") and (
            reason := _identifier_reason(name, column, kind)
        ):
            features.dropped[name] = reason
        elif kind == "numeric":
            features.numeric.append(name)
            features.columns.append(name)
        elif kind == "categorical":
            features.categorical.append(name)
            features.columns.append(name)
            if isinstance(column.dtype, pd.BooleanDtype):
                features.nullable_boolean.append(name)
        elif kind == "datetime":
            features.dropped[name] = "datetime"
        else:
            features.dropped[name] = f"unsupported dtype {column.dtype}"
    for name, reason in features.dropped.items():
        log(f"note: column {name!r} is not used as a feature ({reason})")
    if not features.columns:
        raise InvalidArgumentError(
            f"no usable feature columns: every column is the target or was dropped "
            f"({', '.join(f'{k}: {v}' for k, v in features.dropped.items()) or 'none left'})"
        )
    log(
        f"features: {len(features.numeric)} numeric, {len(features.categorical)} categorical"
        + (f" ({', '.join(features.categorical[:10])})" if features.categorical else "")
    )
    return features


def _preprocessor(features: _Features, scale: bool, missing_native: bool = False) -> Any:
    """Impute, scale and one-hot encode the feature columns. ``missing_native``: the
    model handles missing numbers itself (XGBoost, LightGBM learn where they go), so
    numbers pass through untouched — a median over a million rows costs seconds."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    transformers: list[tuple[str, Any, list[str]]] = []
    if features.numeric and missing_native and not scale:
        transformers.append(("numeric", "passthrough", features.numeric))
    elif features.numeric:
        steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
        if scale:
            steps.append(("scale", StandardScaler()))
        transformers.append(("numeric", Pipeline(steps), features.numeric))
    groups = (
        ("categorical", [c for c in features.categorical if c not in features.nullable_boolean]),
        ("boolean", features.nullable_boolean),
    )
    for name, columns in groups:
        if columns:
            encode = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="most_frequent")),
                    ("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                ]
            )
            transformers.append((name, encode, columns))
    return ColumnTransformer(transformers, remainder="drop")


# -- training ------------------------------------------------------------------------
def train_builtin(
    algorithm: str,
    hyperparameters: Mapping[str, Any],
    channels: Mapping[str, Path],
    target: str | None,
    model_dir: Path,
    *,
    validation_fraction: float = 0.2,
    random_state: int = 0,
    exclude_columns: Sequence[str] = (),
    progress: Progress | None = None,
    log: Log = print,
) -> TrainingResult:
    """Train built-in ``algorithm`` on the ``train`` channel and save it to ``model_dir``.

    ``channels`` maps ``train`` (required) and ``validation`` (optional) to a file or a
    folder (see :func:`read_table`). Without a validation channel, ``validation_fraction``
    of the training rows is split off (stratified by class when every class has two
    rows). ``exclude_columns`` are never features; identifier-like columns are dropped
    too, each with a note in the log. Bad arguments and unusable data raise
    :class:`InvalidArgumentError`.
    """

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    algo = get_algorithm(algorithm)
    params = parse_hyperparameters(algo, hyperparameters)
    if not 0 < validation_fraction < 1:
        raise InvalidArgumentError(
            f"validation_fraction must be between 0 and 1 (got {validation_fraction!r})"
        )
    if "train" not in channels:
        raise InvalidArgumentError(
            f"channel 'train' is required; got: {', '.join(channels) or 'no channels'}"
        )
    for name in channels:
        if name not in ("train", "validation"):
            log(f"note: channel {name!r} is not used by built-in algorithms")

    report(0.0, "reading data")
    train = _read_channel("train", channels["train"], log)
    validation = (
        _read_channel("validation", channels["validation"], log)
        if channels.get("validation") is not None
        else None
    )

    check_excluded(exclude_columns, list(train.columns), target if algo.needs_target else None)
    if algo.needs_target:
        if not target:
            raise InvalidArgumentError(
                f"{algo.name} needs a target column; columns are: {_columns_list(train)}"
            )
        if target not in train.columns:
            raise InvalidArgumentError(
                f"target column {target!r} is not in the training data; "
                f"columns are: {_columns_list(train)}"
            )
        train = _drop_missing_target(train, target, "training", log)
        if validation is not None:
            if target not in validation.columns:
                raise InvalidArgumentError(
                    f"target column {target!r} is not in the validation data; "
                    f"columns are: {_columns_list(validation)}"
                )
            validation = _drop_missing_target(validation, target, "validation", log)
        _check_target(algo, train[target], target, log)
    elif target:
        log(f"note: {algo.name} ({algo.task}) uses no target; ignoring target {target!r}")
        if target in train.columns:
            train = train.drop(columns=[target])
            log(f"note: column {target!r} is not used as a feature either")
        if validation is not None and target in validation.columns:
            validation = validation.drop(columns=[target])
        target = None

    features = _select_features(
        train.drop(columns=[target]) if target else train, log, exclude_columns
    )
    columns = features.columns
    X = train[columns]
    y = train[target] if target else None

    if validation is not None:
        missing = [c for c in columns if c not in validation.columns]
        if missing:
            raise InvalidArgumentError(
                f"the validation data lacks feature column(s) of the training data: "
                f"{', '.join(missing[:_MAX_COLUMNS_SHOWN])}"
            )
        X_train, y_train = X, y
        X_val = validation[columns]
        y_val = validation[target] if target else None
        log(f"validation: {len(X_val)} rows from channel 'validation'")
    else:
        X_train, X_val, y_train, y_val = _split(X, y, algo, validation_fraction, random_state, log)

    estimator = _fit_ready(algo.build(params), y_train, log)
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline(
        [
            ("preprocess", _preprocessor(features, algo.scale_numeric, algo.boosting)),
            ("model", estimator),
        ]
    )

    report(0.2, "fitting")
    log(f"fitting {algo.name} on {len(X_train)} rows")
    history: dict[str, list[float]] = {}
    importance: dict[str, float] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if algo.boosting:
                history, importance = _fit_booster(
                    algo, params, pipeline, X_train, y_train, X_val, y_val, log
                )
            elif y_train is None:
                pipeline.fit(X_train)
            else:
                pipeline.fit(X_train, y_train)
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"{algo.name} could not be trained: {exc}") from exc
    _log_warnings(caught, log)

    report(0.7, "evaluating")
    try:
        metrics = _evaluate(algo, pipeline, X_val, y_val, random_state, log)
    except ValueError as exc:
        raise InvalidArgumentError(f"{algo.name} could not be evaluated: {exc}") from exc
    metrics = {"train_rows": len(X_train), "validation_rows": len(X_val), **metrics}
    for name, value in metrics.items():
        log(f"{name} = {value:.6g}" if isinstance(value, float) else f"{name} = {value}")

    report(0.9, "saving")
    model_dir = Path(model_dir)
    metadata = _save(
        pipeline,
        model_dir,
        algo=algo,
        params=params.model_dump(mode="json", by_alias=True),
        target=target,
        X=X,
        y=y,
        features=features,
        metrics=metrics,
        importance=importance,
    )
    log(f"saved the model to {model_dir / MODEL_FILE}")
    report(1.0, "done")
    return TrainingResult(
        metrics=metrics,
        model_dir=model_dir,
        metadata=metadata,
        dropped_columns=dict(features.dropped),
        history=history,
    )


def _fit_booster(
    algo: Algorithm,
    params: Any,
    pipeline: Any,
    X_train: pd.DataFrame,
    y_train: pd.Series | None,
    X_val: pd.DataFrame,
    y_val: pd.Series | None,
    log: Log,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Fit the preprocessing, then the booster on the preprocessed training set with the
    training and validation sets evaluated every round. Logs each round the way
    SageMaker's XGBoost does (``[3]\ttrain-logloss:0.41\tvalidation-logloss:0.45``), so
    metric regexes written for it read ours. Returns (history, feature importance)."""
    from .boosting import best_round, feature_importance, fit_boosting, round_history

    preprocess, model = pipeline.steps[0][1], pipeline.steps[-1][1]
    train = preprocess.fit_transform(X_train, y_train)
    validation = preprocess.transform(X_val)
    classes = (
        int(y_train.nunique()) if algo.task == "classification" and y_train is not None else None
    )
    fit_boosting(model, train, y_train, validation, y_val, params.early_stopping_rounds, classes)
    history = round_history(model)
    rounds = max((len(v) for v in history.values()), default=0)
    for i in range(rounds):
        cells = [f"{k.replace(':', '-')}:{v[i]:.5f}" for k, v in history.items() if i < len(v)]
        log("\t".join([f"[{i}]", *cells]))
    best = best_round(model) if params.early_stopping_rounds else None
    if best is not None and best < rounds - 1:
        log(f"early stopping: the model keeps rounds 0..{best} of {rounds}")
    names = [str(n) for n in preprocess.get_feature_names_out()]
    return history, feature_importance(model, names)


def check_excluded(exclude: Sequence[str], columns: Sequence[str], target: str | None) -> None:
    """``exclude_columns`` must name columns of the training data, and not the target."""
    unknown = [c for c in exclude if c not in columns]
    if unknown:
        raise InvalidArgumentError(
            f"exclude_columns: {', '.join(repr(c) for c in unknown)} "
            f"{'is not a column' if len(unknown) == 1 else 'are not columns'} of the training "
            f"data; its columns are {_columns_list(columns)}"
        )
    if target and target in exclude:
        raise InvalidArgumentError(
            f"exclude_columns: {target!r} is the target column; it is never a feature anyway"
        )


def _drop_missing_target(frame: pd.DataFrame, target: str, what: str, log: Log) -> pd.DataFrame:
    missing = int(frame[target].isna().sum())
    if missing:
        frame = frame[frame[target].notna()]
        log(f"dropped {missing} {what} row(s) whose target {target!r} is missing")
    if len(frame) == 0:
        raise InvalidArgumentError(f"no {what} rows have a value in target column {target!r}")
    return frame


def _check_target(algo: Algorithm, y: pd.Series, target: str, log: Log) -> None:
    if algo.task == "regression":
        if not pd.api.types.is_numeric_dtype(y.dtype):
            example = y.iloc[0]
            raise InvalidArgumentError(
                f"target column {target!r} must be numeric for {algo.name}; it holds "
                f"{y.dtype} values such as {example!r}; use a classification algorithm"
            )
        return
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if kind == "continuous":
        raise InvalidArgumentError(
            f"target column {target!r} holds continuous numbers; {algo.name} needs classes "
            "(use a regression algorithm)"
        )
    classes = y.nunique()
    if pd.api.types.is_numeric_dtype(y.dtype) and classes > max(50, len(y) // 5):
        log(
            f"note: target column {target!r} has {classes} distinct numbers, each one a class; "
            "if it is a quantity, use a regression algorithm"
        )
    if classes < 2:
        raise InvalidArgumentError(
            f"target column {target!r} has a single class ({y.iloc[0]!r}); "
            "classification needs at least two"
        )


def _split(
    X: pd.DataFrame,
    y: pd.Series | None,
    algo: Algorithm,
    fraction: float,
    random_state: int,
    log: Log,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series | None, pd.Series | None]:
    from sklearn.model_selection import train_test_split

    n = len(X)
    n_val = math.ceil(fraction * n)
    if n < 2 or n_val >= n:
        raise InvalidArgumentError(
            f"{n} training row(s) are too few to split {fraction:.0%} off for validation; "
            "add rows or pass a 'validation' channel"
        )
    stratify = None
    how = "random split"
    if algo.task == "classification" and y is not None:
        counts = y.value_counts()
        classes = len(counts)
        if counts.min() >= 2 and n_val >= classes and n - n_val >= classes:
            stratify = y
            how = f"stratified by {y.name!r}"
        else:
            how = "random split: some class has fewer than 2 rows or there are too many classes"
    if y is None:
        X_train, X_val = train_test_split(X, test_size=fraction, random_state=random_state)
        y_train = y_val = None
    else:
        X_train, X_val, y_train, y_val = train_test_split(
            X, y, test_size=fraction, random_state=random_state, stratify=stratify
        )
    log(
        f"no validation channel: split {fraction:.0%} of the {n} training rows off for "
        f"validation ({how}): {len(X_train)} train, {len(X_val)} validation"
    )
    return X_train, X_val, y_train, y_val


def _fit_ready(estimator: Any, y: pd.Series | None, log: Log) -> Any:
    """Adapt the estimator to the data where it must be (calibration folds vs class sizes)."""
    if type(estimator).__name__ == "CalibratedClassifierCV" and y is not None:
        smallest = int(y.value_counts().min())
        folds = int(estimator.get_params()["cv"])
        if smallest < 2:
            log("note: a class has a single training row: probabilities are not calibrated")
            return estimator.estimator
        if smallest < folds:
            log(f"note: calibrating probabilities with {smallest} folds (smallest class size)")
            estimator.set_params(cv=smallest)
    return estimator


def _log_warnings(caught: list[warnings.WarningMessage], log: Log) -> None:
    seen: set[str] = set()
    for warning in caught:
        text = str(warning.message).strip().splitlines()[0] if str(warning.message) else ""
        if text and text not in seen:
            seen.add(text)
            log(f"warning: {warning.category.__name__}: {text}")


# -- metrics -------------------------------------------------------------------------
def _evaluate(
    algo: Algorithm,
    pipeline: Any,
    X: pd.DataFrame,
    y: pd.Series | None,
    random_state: int,
    log: Log,
) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if algo.task == "classification":
            raw = _classification_metrics(pipeline, X, y, log)
        elif algo.task == "regression":
            raw = _regression_metrics(pipeline, X, y, log)
        elif algo.task == "clustering":
            raw = _clustering_metrics(pipeline, X, random_state, log)
        else:
            raw = _anomaly_metrics(pipeline, X)
    metrics: dict[str, float] = {}
    for name, value in raw.items():
        number = float(value)
        if math.isfinite(number):
            metrics[f"validation:{name}"] = number
        else:
            log(f"note: validation:{name} is not a finite number; left out")
    return metrics


def _classification_metrics(pipeline: Any, X: Any, y: Any, log: Log) -> dict[str, float]:
    from sklearn import metrics as skm

    predicted = pipeline.predict(X)
    classes = list(pipeline.classes_)
    out = {
        "accuracy": skm.accuracy_score(y, predicted),
        "balanced_accuracy": skm.balanced_accuracy_score(y, predicted),
    }
    if len(classes) == 2:
        out["f1"] = skm.f1_score(y, predicted, pos_label=classes[1], average="binary")
    else:
        out["f1"] = skm.f1_score(y, predicted, average="macro")
    if not hasattr(pipeline, "predict_proba"):
        log("note: the model gives no probabilities: roc_auc and log_loss left out")
        return out
    proba = pipeline.predict_proba(X)
    if pd.Series(y).nunique() < 2:
        log("note: the validation set holds a single class: roc_auc left out")
    else:
        try:
            if len(classes) == 2:
                out["roc_auc"] = skm.roc_auc_score(np.asarray(y) == classes[1], proba[:, 1])
            else:
                out["roc_auc"] = skm.roc_auc_score(
                    y, proba, multi_class="ovr", average="macro", labels=classes
                )
        except ValueError as exc:
            log(f"note: roc_auc left out: {exc}")
    try:
        out["log_loss"] = skm.log_loss(y, proba, labels=classes)
    except ValueError as exc:  # e.g. a validation class the model never saw
        log(f"note: log_loss left out: {exc}")
    return out


def _regression_metrics(pipeline: Any, X: Any, y: Any, log: Log) -> dict[str, float]:
    from sklearn import metrics as skm

    predicted = pipeline.predict(X)
    out = {
        "rmse": math.sqrt(skm.mean_squared_error(y, predicted)),
        "mae": skm.mean_absolute_error(y, predicted),
    }
    if len(y) >= 2:
        out["r2"] = skm.r2_score(y, predicted)
    else:
        log("note: r2 needs at least two validation rows; left out")
    return out


def _clustering_metrics(pipeline: Any, X: Any, random_state: int, log: Log) -> dict[str, float]:
    from sklearn.metrics import silhouette_score

    transformed = pipeline[:-1].transform(X)
    model = pipeline[-1]
    labels = model.predict(transformed)
    out: dict[str, float] = {"inertia": -float(model.score(transformed))}
    n_clusters = len(np.unique(labels))
    if 2 <= n_clusters <= len(labels) - 1:
        sample = _SILHOUETTE_SAMPLE if len(labels) > _SILHOUETTE_SAMPLE else None
        out["silhouette"] = silhouette_score(
            transformed, labels, sample_size=sample, random_state=random_state
        )
    else:
        log(
            f"note: silhouette needs 2 to n-1 clusters in the validation set, found "
            f"{n_clusters} in {len(labels)} rows; left out"
        )
    return out


def _anomaly_metrics(pipeline: Any, X: Any) -> dict[str, float]:
    predicted = np.asarray(pipeline.predict(X))
    return {
        "anomaly_fraction": float(np.mean(predicted == -1)),
        # score_samples: the opposite of the anomaly score; the lower, the more abnormal.
        "mean_score": float(np.mean(pipeline.score_samples(X))),
    }


# -- saving and loading --------------------------------------------------------------
def json_safe(value: Any) -> Any:
    """``value`` as plain JSON: NaN/NaT/NA → None, timestamps → ISO text, NumPy → Python."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in value]
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return str(value)


def _save(
    pipeline: Any,
    model_dir: Path,
    *,
    algo: Algorithm,
    params: dict[str, Any],
    target: str | None,
    X: pd.DataFrame,
    y: pd.Series | None,
    features: _Features,
    metrics: dict[str, float],
    importance: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    untrusted = dump_estimator(pipeline, model_dir)
    if y is not None:
        output = {"name": target, "dtype": str(y.dtype)}
    else:
        sample = np.asarray(pipeline.predict(X.head(1)))
        output = {"name": "prediction", "dtype": str(sample.dtype)}
    metadata: dict[str, Any] = {
        "flavor": "sklearn",
        "format": "skops",
        "model_file": MODEL_FILE,
        "algorithm": algo.name,
        "task": algo.task,
        "hyperparameters": params,
        "target": target,
        "signature": {
            "inputs": [{"name": c, "dtype": str(X[c].dtype)} for c in X.columns],
            "outputs": [output],
        },
        "input_example": json_safe(X.head(5).to_dict(orient="records")),
        "dropped_columns": dict(features.dropped),
        "metrics": dict(metrics),
        "untrusted_types": untrusted,
        "library_versions": library_versions(),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    if algo.task == "classification":
        metadata["classes"] = json_safe(list(pipeline.classes_))
    if importance:
        # gain per preprocessed feature (one-hot columns are named column_value)
        metadata["feature_importance"] = json_safe(dict(importance))
        write_json = (model_dir / FEATURE_IMPORTANCE_FILE).write_text
        write_json(json.dumps(metadata["feature_importance"], indent=1))
    write_metadata(model_dir, metadata, allow_nan=False)
    return metadata


def load_builtin_model(model_dir: Path) -> Any:
    """The fitted pipeline saved by :func:`train_builtin` in ``model_dir``.

    Trusts what every model folder's loader trusts (``registry.format.TRUSTED_MODULES``);
    a file that needs any other type loaded is refused with :class:`InvalidArgumentError`.
    """
    path = Path(model_dir) / MODEL_FILE
    if not path.is_file():
        raise NotFoundError(f"no {MODEL_FILE} in {model_dir}")
    return load_skops(path)
