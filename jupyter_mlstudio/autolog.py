"""``mls.autolog()``: log scikit-learn training to Experiments without changing the code.

``autolog()`` replaces ``fit`` on every estimator class scikit-learn lists in
``sklearn.utils.all_estimators()`` (which includes ``Pipeline``, ``GridSearchCV`` and the
other meta-estimators) with a wrapper; ``autolog(disable=True)`` puts the originals back.
Subclasses that inherit ``fit`` are covered through inheritance.

What one ``fit`` records:

- where: the active run (``mls.start_run``); if an earlier ``fit`` already logged into
  that run, a child run of it, so nothing is overwritten. With no active run, a new run
  in ``$MLSTUDIO_EXPERIMENT`` (or "Default"), ended when ``fit`` returns (FAILED if
  ``fit`` raises);
- params: ``get_params(deep=False)``, stringified; for hyperparameter searches also
  ``best_<param>`` and the metric ``best_cv_score``;
- metrics: the fitted model scored on the training data, ``training_<metric>``, and on
  ``fit(..., validation_data=(X_val, y_val))`` (the keyword is taken off before the real
  ``fit`` sees it) ``validation_<metric>``: accuracy, f1, precision, recall, roc_auc and
  log_loss for classifiers where they apply; r2, rmse and mae for regressors;
- the model: ``model/model.skops`` (``skops.io.dump``, loadable without pickle) and
  ``model/metadata.json`` (flavor, estimator class, library versions, input schema, the
  types ``skops.io.load`` must be told to trust).

Only the outermost ``fit`` logs: the fits a ``Pipeline`` or ``GridSearchCV`` makes
inside its own are not logged, including those joblib runs in worker threads. The
guard is process-wide, so a ``fit`` started in another thread while one is being logged
is not logged either. Fits in joblib worker processes never are (the patch lives in
this process only).

Logging never breaks training: any failure while logging becomes an
``AutologWarning`` and ``fit`` returns as it would have without autolog.
"""

from __future__ import annotations

import functools
import math
import platform
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import tracking
from .experiments.run_entities import PARAM_VALUE_MAX_LENGTH, Metric
from .studio import default_studio
from .tracking import ActiveRun

_ORIGINAL = "__mls_autolog_original__"


class AutologWarning(UserWarning):
    """Autolog could not record something; training itself was not affected."""


@dataclass
class _Settings:
    log_models: bool = True


_settings = _Settings()
_patch_lock = threading.Lock()
# (class, whether the class defined fit itself, the attribute it had) for each patch
_patched: list[tuple[type, bool, Any]] = []
_depth_lock = threading.Lock()
_depth = 0  # autologged fits in progress in this process
_logged_runs: set[str] = set()  # active runs an autologged fit has written into


def autolog(disable: bool = False, log_models: bool = True) -> None:
    """Log every scikit-learn ``fit`` to Experiments (``disable=True`` turns it off).

    ``log_models=False`` skips saving the fitted model. Calling it again changes the
    settings; it never patches twice.
    """
    with _patch_lock:
        if disable:
            _unpatch()
            return
        _settings.log_models = log_models
        if not _patched:
            _patch()


def _patch() -> None:
    try:
        from sklearn.utils import all_estimators
    except ImportError as exc:
        raise ImportError(
            "mls.autolog() needs scikit-learn: pip install 'jupyter_mlstudio[notebook]'"
        ) from exc
    # Resolve every original before patching any, so no wrapper wraps another.
    plan = []
    for _name, cls in all_estimators():
        fit = _resolve_fit(cls)
        if fit is not None:
            plan.append((cls, "fit" in cls.__dict__, cls.__dict__.get("fit"), fit))
    for cls, own, attr, fit in plan:
        setattr(cls, "fit", _wrap(fit))  # noqa: B010 - the attribute name reads better
        _patched.append((cls, own, attr))


def _unpatch() -> None:
    while _patched:
        cls, own, attr = _patched.pop()
        if own:
            setattr(cls, "fit", attr)  # noqa: B010
        else:
            delattr(cls, "fit")


def _resolve_fit(cls: type) -> Callable[..., Any] | None:
    """The plain function ``cls.fit`` resolves to, or None when it is something else."""
    for klass in cls.__mro__:
        if "fit" in klass.__dict__:
            attr = klass.__dict__["fit"]
            attr = getattr(attr, _ORIGINAL, attr)
            return attr if callable(attr) and hasattr(attr, "__get__") else None
    return None


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        validation = kwargs.pop("validation_data", None)
        global _depth
        with _depth_lock:
            outermost = _depth == 0
            _depth += 1
        try:
            if not outermost:
                return original(self, *args, **kwargs)
            return _logged_fit(original, self, args, kwargs, validation)
        finally:
            with _depth_lock:
                _depth -= 1

    setattr(fit, _ORIGINAL, original)
    return fit


def _logged_fit(
    original: Callable[..., Any],
    estimator: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    validation: Any,
) -> Any:
    run, owned = _guard("start a run", lambda: _open_run(estimator)) or (None, False)
    try:
        result = original(estimator, *args, **kwargs)
    except BaseException as exc:
        if owned and run is not None:
            status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
            _guard("end the run", lambda: run.end(status))
        raise
    if run is not None:
        X, y = _training_data(args, kwargs)
        _guard("log the fit", lambda: _log_fit(run, estimator, X, y, validation))
        if owned:
            _guard("end the run", lambda: run.end("FINISHED"))
    return result


def _guard(what: str, action: Callable[[], Any], stacklevel: int = 4) -> Any:
    """Run ``action``; a failure becomes a warning pointing at the user's ``fit`` call."""
    try:
        return action()
    except Exception as exc:
        warnings.warn(
            f"mlstudio autolog could not {what}: {type(exc).__name__}: {exc}",
            AutologWarning,
            stacklevel=stacklevel,
        )
        return None


def _open_run(estimator: Any) -> tuple[ActiveRun, bool]:
    """The run to log into, and whether this fit started it (and so ends it)."""
    name = type(estimator).__name__
    active = tracking.active_run()
    if active is not None and active.id not in _logged_runs:
        _logged_runs.add(active.id)
        return active, False
    studio = default_studio()
    if active is None:
        return tracking.start_run(studio, None, name=name), True
    experiment = studio.experiments.get_experiment(active.experiment_id).name
    return tracking.start_run(studio, experiment, name=name, nested=True), True


def _training_data(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, Any]:
    X = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y", kwargs.get("Y"))
    return X, y


# -- what gets logged ------------------------------------------------------------------
def _log_fit(run: ActiveRun, estimator: Any, X: Any, y: Any, validation: Any) -> None:
    cls = type(estimator)
    params = {k: _param_text(v) for k, v in estimator.get_params(deep=False).items()}
    best = getattr(estimator, "best_params_", None)
    if isinstance(best, Mapping):
        params.update({f"best_{k}": _param_text(v) for k, v in best.items()})
    metrics: dict[str, float] = {}
    if X is not None and y is not None:
        metrics.update(_prefixed("training", score(estimator, X, y)))
    if validation is not None:
        scored = _guard(
            "score validation_data", lambda: _score_validation(estimator, validation), 7
        )
        metrics.update(scored or {})
    best_score = getattr(estimator, "best_score_", None)
    if isinstance(best_score, int | float) and math.isfinite(best_score):
        metrics["best_cv_score"] = float(best_score)
    now = time.time()
    default_studio().experiments.log_batch(
        run.id,
        metrics=[Metric(key=k, value=v, step=0, timestamp=now) for k, v in metrics.items()],
        params=params,
        tags={
            "mlstudio.autolog": "sklearn",
            "estimator_name": cls.__name__,
            "estimator_class": f"{cls.__module__}.{cls.__qualname__}",
        },
    )
    if _settings.log_models:
        log_model(run, estimator, X)


def _score_validation(estimator: Any, validation: Any) -> dict[str, float]:
    try:
        X_val, y_val = validation
    except (TypeError, ValueError) as exc:
        raise TypeError("validation_data must be a pair (X_val, y_val)") from exc
    return _prefixed("validation", score(estimator, X_val, y_val))


def _param_text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > PARAM_VALUE_MAX_LENGTH:
        text = text[: PARAM_VALUE_MAX_LENGTH - 1] + "…"
    return text


def _prefixed(prefix: str, metrics: Mapping[str, float]) -> dict[str, float]:
    return {f"{prefix}_{k}": v for k, v in metrics.items()}


def score(estimator: Any, X: Any, y: Any) -> dict[str, float]:
    """The metrics that apply to this fitted estimator on ``(X, y)``; others are left out."""
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(estimator):
        return _classifier_metrics(estimator, X, y)
    if is_regressor(estimator):
        return _regressor_metrics(estimator, X, y)
    return {}


def _classifier_metrics(estimator: Any, X: Any, y: Any) -> dict[str, float]:
    from sklearn import metrics as m
    from sklearn.utils.multiclass import type_of_target

    y_pred = estimator.predict(X)
    kind = type_of_target(y)
    classes = getattr(estimator, "classes_", None)
    average: dict[str, Any] = {"average": "weighted"}
    if kind == "binary" and classes is not None and len(classes) == 2:
        average = {"average": "binary", "pos_label": classes[1]}
    proba = None
    if hasattr(estimator, "predict_proba"):
        proba = _maybe(lambda: estimator.predict_proba(X))
    out = {
        "accuracy": _maybe(lambda: m.accuracy_score(y, y_pred)),
        "f1": _maybe(lambda: m.f1_score(y, y_pred, zero_division=0, **average)),
        "precision": _maybe(lambda: m.precision_score(y, y_pred, zero_division=0, **average)),
        "recall": _maybe(lambda: m.recall_score(y, y_pred, zero_division=0, **average)),
    }
    if proba is not None and kind == "binary":
        out["roc_auc"] = _maybe(lambda: m.roc_auc_score(y, proba[:, 1]))
    elif proba is not None and kind == "multiclass":
        out["roc_auc"] = _maybe(
            lambda: m.roc_auc_score(y, proba, multi_class="ovr", average="weighted", labels=classes)
        )
    elif kind == "binary" and hasattr(estimator, "decision_function"):
        out["roc_auc"] = _maybe(lambda: m.roc_auc_score(y, estimator.decision_function(X)))
    if proba is not None:
        out["log_loss"] = _maybe(lambda: m.log_loss(y, proba, labels=classes))
    return _finite(out)


def _regressor_metrics(estimator: Any, X: Any, y: Any) -> dict[str, float]:
    from sklearn import metrics as m

    y_pred = estimator.predict(X)
    out = {
        "r2": _maybe(lambda: m.r2_score(y, y_pred)),
        "rmse": _maybe(lambda: math.sqrt(m.mean_squared_error(y, y_pred))),
        "mae": _maybe(lambda: m.mean_absolute_error(y, y_pred)),
    }
    return _finite(out)


def _finite(values: Mapping[str, Any]) -> dict[str, float]:
    """Drop what could not be computed; NaN (e.g. ROC AUC with one class) says nothing."""
    out = {}
    for key, value in values.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out[key] = number
    return out


def _maybe(compute: Callable[[], Any]) -> Any:
    """The value, or None where the metric does not apply (one class, multi-output, …)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compute()
    except Exception:
        return None


# -- the model artifact ----------------------------------------------------------------
def log_model(run: ActiveRun, estimator: Any, X: Any = None, name: str = "model") -> str:
    """Save a fitted estimator with skops as ``<name>/model.skops`` + ``<name>/metadata.json``
    (the registry's model format; ``inputs`` is kept for readers of the first format)."""
    import sklearn
    import skops

    from .registry.format import save_sklearn_model

    with tempfile.TemporaryDirectory(prefix="mlstudio-model-") as tmp:
        cls = type(estimator)
        save_sklearn_model(
            estimator,
            Path(tmp),
            X=X,
            extra={
                "serialization": "skops",
                "estimator_name": cls.__name__,
                "sklearn_version": sklearn.__version__,
                "skops_version": getattr(skops, "__version__", "unknown"),
                "python_version": platform.python_version(),
                "inputs": input_schema(X),
            },
        )
        run.log_artifacts(tmp, name)
    return f"{name}/model.skops"


def input_schema(X: Any) -> dict[str, Any] | None:
    """Column names and dtypes of a DataFrame; shape and dtype of an array."""
    if X is None:
        return None
    columns = getattr(X, "columns", None)
    dtypes = getattr(X, "dtypes", None)
    if columns is not None and dtypes is not None:
        return {
            "type": "dataframe",
            "columns": [
                {"name": str(c), "dtype": str(t)} for c, t in zip(columns, dtypes, strict=False)
            ],
        }
    shape = getattr(X, "shape", None)
    if shape is not None:
        return {
            "type": "ndarray",
            "shape": [None, *list(shape[1:])],
            "dtype": str(getattr(X, "dtype", "")),
        }
    return {"type": type(X).__name__}
