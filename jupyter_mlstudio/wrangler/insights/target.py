"""The target analysis and the quick model."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._common import (
    IMBALANCE_HIGH,
    IMBALANCE_WARN,
    MAX_CLASSES,
    MIN_MODEL_ROWS,
    POWER_TRAIN_ROWS,
    SKEW_WARN,
    FloatArray,
    _Col,
    _f,
    _is_object_like,
    _label,
    _pct,
    _sample_positions,
)
from .columns import _feature, _numeric_summary
from .models import (
    ExcludedFeature,
    InsightWarning,
    PredictionPower,
    ProblemType,
    QuickModel,
    SamplingNote,
    TargetAnalysis,
    ValueCount,
    warn_about,
)
from .power import _prediction_power


class _Target:
    def __init__(self) -> None:
        self.problem: ProblemType | None = None
        self.y: FloatArray | NDArray[np.int64] | None = None  # per valid row
        self.valid: NDArray[np.intp] = np.zeros(0, dtype=np.intp)  # positions with a target
        self.labels: list[str] = []


def _analyze_target(
    col: _Col, series: Any, problem_type: str, warnings: list[InsightWarning]
) -> tuple[TargetAnalysis, _Target]:
    st = col.stats
    n = len(series)
    tgt = _Target()
    kind = col.kind
    problem: ProblemType | None
    if problem_type != "auto":
        problem = "classification" if problem_type == "classification" else "regression"
    elif kind == "datetime":
        problem = None
    elif col.values is not None and kind in ("numeric", "identifier"):
        finite = col.values[np.isfinite(col.values)]
        integral = bool(np.all(np.mod(finite, 1) == 0))
        problem = "classification" if integral and st.unique <= 20 else "regression"
    else:
        problem = "classification"
    analysis = TargetAnalysis(column=col.name, problem_type=problem, rows=0, missing=0)
    tgt.problem = problem
    if problem is None:
        analysis.notes.append("datetime targets are not analysed; no quick model")
        return analysis, tgt

    if problem == "regression":
        if col.values is None:
            x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            x = np.where(np.isfinite(x), x, np.nan)
        else:
            x = col.values
        valid = np.flatnonzero(~np.isnan(x))
        y_reg: FloatArray = x[valid]
        tgt.y = y_reg
        stats, hist, _, _, _ = _numeric_summary(y_reg, want_top=False)
        analysis.stats = stats
        analysis.histogram = hist
        if stats.skew is not None and abs(stats.skew) >= SKEW_WARN:
            analysis.notes.append(
                f"the target is skewed ({stats.skew:.2f}); consider a log transform"
            )
    else:
        if col.values is not None and not _is_object_like(series):
            present = ~np.isnan(col.values)
            raw = pd.Series(col.values).where(present)
        else:
            present = series.notna().to_numpy(dtype=bool)
            raw = series
        valid = np.flatnonzero(present)
        values = raw.iloc[valid]
        try:
            codes, uniques = pd.factorize(values, sort=True)
        except TypeError:
            codes, uniques = pd.factorize(values.astype(str), sort=True)
        tgt.y = codes.astype(np.int64)
        tgt.labels = [_label(u) for u in uniques]
        counts = np.bincount(codes, minlength=len(uniques)) if len(uniques) else np.zeros(0, int)
        order = np.argsort(-counts, kind="stable")
        analysis.classes = [
            ValueCount(value=tgt.labels[i], count=int(counts[i]), pct=_pct(counts[i], valid.size))
            for i in order
        ]
        if len(uniques) >= 2:
            ratio = float(counts.max() / max(counts.min(), 1))
            analysis.imbalance_ratio = round(ratio, 4)
            if ratio >= IMBALANCE_WARN:
                minority = tgt.labels[int(order[-1])]
                warn_about(
                    warnings,
                    col.name,
                    "high" if ratio >= IMBALANCE_HIGH else "warning",
                    "imbalance",
                    (
                        f"The target is imbalanced: the majority class has {ratio:.1f}x "
                        f"the rows of the minority class '{minority}'. Prefer F1/ROC-AUC "
                        "over accuracy, and consider class weights or resampling."
                    ),
                )
    tgt.valid = valid.astype(np.intp)
    analysis.rows = int(valid.size)
    analysis.missing = int(n - valid.size)
    if analysis.missing:
        analysis.notes.append(
            f"{analysis.missing:,} rows without a usable target value are left out of the "
            "target analysis, the quick model and the prediction power"
        )
        warn_about(
            warnings,
            col.name,
            "warning",
            "missing",
            (
                f"The target '{col.name}' is missing or invalid in {analysis.missing:,} "
                f"rows ({_pct(analysis.missing, n):.2f}%); those rows were dropped for the "
                "quick model and the prediction power."
            ),
        )
    n_distinct = (
        len(tgt.labels)
        if problem == "classification"
        else (int(np.unique(tgt.y).size) if tgt.y is not None and tgt.y.size else 0)
    )
    if valid.size and n_distinct < 2:
        warn_about(
            warnings,
            col.name,
            "high",
            "constant",
            f"The target '{col.name}' has a single value; there is nothing to predict.",
        )
    return analysis, tgt


def _split(
    n: int, y: Any, problem: ProblemType, random_state: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(n, dtype=np.intp)
    stratify = None
    if problem == "classification":
        counts = np.bincount(y)
        if counts[counts > 0].min() >= 2 and int((counts > 0).sum()) <= int(0.25 * n):
            stratify = y
    train, test = train_test_split(
        idx, test_size=0.25, random_state=random_state, stratify=stratify
    )
    return np.sort(train), np.sort(test)


def _quick_model(
    cols: list[_Col],
    df: pd.DataFrame,
    target_col: _Col,
    tgt: _Target,
    sample_rows: int,
    random_state: int,
    rng: np.random.Generator,
    sampling: list[SamplingNote],
) -> tuple[QuickModel, PredictionPower | None]:
    model = QuickModel(status="skipped", problem_type=tgt.problem)
    features: list[_Col] = []
    for col in cols:
        if col is target_col:
            continue
        if col.modelable:
            features.append(col)
        else:
            reason = {
                "identifier": "looks like an identifier (nearly every value is unique)",
                "text": "free text (high-cardinality strings)",
                "constant": "constant (or all missing)",
            }.get(col.kind, col.kind)
            model.excluded.append(ExcludedFeature(name=col.name, reason=reason))
    y_all = tgt.y
    if tgt.problem is None or y_all is None:
        model.reason = "no supported problem type for this target"
        return model, None
    n_valid = tgt.valid.size
    if n_valid == 0:
        model.reason = "no rows with a usable target value"
        return model, None
    n_distinct = len(tgt.labels) if tgt.problem == "classification" else int(np.unique(y_all).size)
    if n_distinct < 2:
        model.reason = "the target is constant"
        return model, None
    if tgt.problem == "classification" and n_distinct > MAX_CLASSES:
        model.reason = f"too many classes ({n_distinct}) for a quick model (limit {MAX_CLASSES})"
        return model, None
    if n_valid < MIN_MODEL_ROWS:
        model.reason = f"too few rows with a target ({n_valid}; need {MIN_MODEL_ROWS})"
        return model, None
    if not features:
        model.reason = "no usable feature columns"
        return model, None

    pick = _sample_positions(n_valid, sample_rows, rng)
    rows = tgt.valid[pick]
    y = y_all[pick]
    if tgt.problem == "classification":
        # classes absent from the sample would break the metrics: re-code densely
        present_codes, y = np.unique(y, return_inverse=True)
        labels = [tgt.labels[int(c)] for c in present_codes]
        if len(labels) < 2:
            model.reason = "the sample holds a single class"
            return model, None
    else:
        labels = []
    columns: list[FloatArray] = []
    cat_mask: list[bool] = []
    for col in features:
        values, is_cat = _feature(col, rows)
        columns.append(values)
        cat_mask.append(is_cat)
    x = np.column_stack(columns)
    train, test = _split(rows.size, y, tgt.problem, random_state)
    model.train_rows, model.test_rows = int(train.size), int(test.size)
    model.features = [c.name for c in features]
    detail = (
        f"random sample of {rows.size:,} of {n_valid:,} rows with a target"
        if rows.size < n_valid
        else f"all {n_valid:,} rows with a target"
    )
    # the quick model and the prediction power use the same rows
    for section, use in (
        ("model", f"75% train ({train.size:,}) / 25% held out ({test.size:,})"),
        (
            "prediction_power",
            "the quick model's split, single-feature models trained on up to "
            f"{min(train.size, POWER_TRAIN_ROWS):,} of its training rows",
        ),
    ):
        sampling.append(
            SamplingNote(
                section=section,
                rows_used=int(rows.size),
                total_rows=int(n_valid),
                sampled=rows.size < n_valid,
                detail=f"{detail}; {use}",
            )
        )
    start = time.perf_counter()
    try:
        _fit_quick_model(model, x, y, train, test, cat_mask, labels, tgt.problem, random_state)
    except Exception as exc:  # a report section must not sink the report
        model.status = "failed"
        model.reason = f"{type(exc).__name__}: {exc}"
    model.fit_seconds = round(time.perf_counter() - start, 4)
    start = time.perf_counter()
    power = _prediction_power(model.features, x, y, train, test, tgt.problem, random_state)
    power.seconds = round(time.perf_counter() - start, 4)
    return model, power


def _fit_quick_model(
    model: QuickModel,
    x: FloatArray,
    y: Any,
    train: NDArray[np.intp],
    test: NDArray[np.intp],
    cat_mask: list[bool],
    labels: list[str],
    problem: ProblemType,
    random_state: int,
) -> None:
    from sklearn import metrics as skm
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    params: dict[str, Any] = {
        "max_iter": 100,
        "learning_rate": 0.1,
        "max_leaf_nodes": 31,
        "early_stopping": False,
        "random_state": random_state,
    }
    mask = np.asarray(cat_mask, dtype=bool)
    categorical = mask if mask.any() else None
    xtr, xte, ytr, yte = x[train], x[test], y[train], y[test]
    if problem == "classification":
        clf = HistGradientBoostingClassifier(categorical_features=categorical, **params)
        clf.fit(xtr, ytr)
        pred = clf.predict(xte)
        proba = clf.predict_proba(xte)
        k = len(labels)
        majority = int(np.bincount(ytr, minlength=k).argmax())
        base = np.full_like(yte, majority)
        model.estimator = "HistGradientBoostingClassifier"
        model.metrics = {
            "accuracy": _f(skm.accuracy_score(yte, pred)),
            "balanced_accuracy": _f(skm.balanced_accuracy_score(yte, pred)),
            "f1_macro": _f(skm.f1_score(yte, pred, average="macro", zero_division=0)),
            "roc_auc": _roc_auc(yte, proba, clf.classes_, k),
        }
        model.baseline = {
            "accuracy": _f(skm.accuracy_score(yte, base)),
            "balanced_accuracy": _f(skm.balanced_accuracy_score(yte, base)),
            "f1_macro": _f(skm.f1_score(yte, base, average="macro", zero_division=0)),
            "roc_auc": 0.5,
        }
        model.baseline_strategy = f"always predict the most frequent class '{labels[majority]}'"
        model.labels = labels
        if k <= 20:
            cm = skm.confusion_matrix(yte, pred, labels=np.arange(k))
            model.confusion_matrix = cm.astype(int).tolist()
    else:
        reg = HistGradientBoostingRegressor(categorical_features=categorical, **params)
        reg.fit(xtr, ytr)
        pred = reg.predict(xte)
        base = np.full(yte.shape, float(np.mean(ytr)))
        model.estimator = "HistGradientBoostingRegressor"
        model.metrics = _regression_metrics(yte, pred)
        model.baseline = _regression_metrics(yte, base)
        model.baseline_strategy = "always predict the mean of the training target"
    model.params = {k: v for k, v in params.items() if k != "random_state"}
    model.status = "ok"
    model.reason = None


def _roc_auc(y: Any, proba: FloatArray, classes: Any, k: int) -> float | None:
    from sklearn.metrics import roc_auc_score

    if np.unique(y).size < k or proba.shape[1] != k:
        return None
    try:
        if k == 2:
            return _f(roc_auc_score(y, proba[:, 1]))
        return _f(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))
    except ValueError:
        return None


def _regression_metrics(y: FloatArray, pred: FloatArray) -> dict[str, float | None]:
    err = pred - y
    ss_res = float(np.dot(err, err))
    centered = y - y.mean()
    ss_tot = float(np.dot(centered, centered))
    return {
        "r2": _f(1.0 - ss_res / ss_tot) if ss_tot > 0 else None,
        "mae": _f(np.mean(np.abs(err))),
        "rmse": _f(np.sqrt(ss_res / max(y.size, 1))),
    }
