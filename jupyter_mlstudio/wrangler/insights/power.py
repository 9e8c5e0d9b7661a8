"""Per-feature prediction power and correlations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._common import HIGH_CORRELATION, MAX_CORR_COLUMNS, POWER_TRAIN_ROWS, FloatArray, _Col, _f
from .models import CorrelationPair, Correlations, FeaturePower, PredictionPower, ProblemType

POWER_METHOD = (
    "single-feature model: for each feature alone, a decision tree (up to 64 leaves, missing "
    "values handled natively; categories as codes of their top values) -- plus a linear fit "
    "for numeric features with a regression target, the better one counts -- trained on the "
    "quick model's training split (at most 20,000 rows of it) and scored on its held-out "
    "split, normalized against a naive "
    "baseline: power = max(0, (score - baseline) / (1 - baseline)) with weighted F1 for "
    "classification (baseline: the better of always-the-majority-class and random guessing "
    "with the class frequencies), and power = max(0, 1 - MAE / MAE_baseline) for regression "
    "(baseline: the training median). 0 = no better than the baseline, 1 = perfect."
)


def _prediction_power(
    names: list[str],
    x: FloatArray,
    y: Any,
    train: NDArray[np.intp],
    test: NDArray[np.intp],
    problem: ProblemType,
    random_state: int,
) -> PredictionPower:
    from sklearn.metrics import f1_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if train.size > POWER_TRAIN_ROWS:  # one feature at a time: 20k rows are plenty
        keep = np.random.default_rng(random_state).choice(train.size, POWER_TRAIN_ROWS, False)
        train = np.sort(train[keep])
    ytr, yte = y[train], y[test]
    leaf = max(3, train.size // 1000)
    out = PredictionPower(
        method=POWER_METHOD,
        metric="f1_weighted" if problem == "classification" else "mae",
        train_rows=int(train.size),
        test_rows=int(test.size),
    )
    if problem == "classification":
        k = int(max(ytr.max(initial=0), yte.max(initial=0))) + 1
        p = np.bincount(ytr, minlength=k) / max(ytr.size, 1)
        qv = np.bincount(yte, minlength=k) / max(yte.size, 1)
        majority = int(p.argmax())
        f1_major = float(
            f1_score(yte, np.full_like(yte, majority), average="weighted", zero_division=0)
        )
        denom = p + qv
        f1_k = np.divide(2 * p * qv, denom, out=np.zeros_like(denom), where=denom > 0)
        f1_random = float(np.dot(qv, f1_k))
        base = max(f1_major, f1_random)
    else:
        med = float(np.median(ytr))
        base = float(np.mean(np.abs(yte - med)))
    for j, name in enumerate(names):
        xj = x[:, j]
        try:
            if problem == "classification":
                tree = DecisionTreeClassifier(
                    max_leaf_nodes=64, min_samples_leaf=leaf, random_state=random_state
                )
                tree.fit(xj[train, None], ytr)
                score = float(
                    f1_score(yte, tree.predict(xj[test, None]), average="weighted", zero_division=0)
                )
                power = (score - base) / (1 - base) if base < 1 else 0.0
                item = FeaturePower(
                    feature=name,
                    power=round(float(np.clip(power, 0.0, 1.0)), 4),
                    score=_f(score),
                    baseline_score=_f(base),
                    model="tree",
                )
            else:
                tree_r = DecisionTreeRegressor(
                    max_leaf_nodes=64, min_samples_leaf=leaf, random_state=random_state
                )
                tree_r.fit(xj[train, None], ytr)
                mae = float(np.mean(np.abs(tree_r.predict(xj[test, None]) - yte)))
                used = "tree"
                lin = _linear_mae(xj[train], ytr, xj[test], yte, tree_r.predict(xj[test, None]))
                if lin is not None and lin < mae:
                    mae, used = lin, "linear"
                power = 1.0 - mae / base if base > 0 else 0.0
                item = FeaturePower(
                    feature=name,
                    power=round(float(np.clip(power, 0.0, 1.0)), 4),
                    score=_f(mae),
                    baseline_score=_f(base),
                    model=used,
                )
        except Exception:  # one odd feature must not sink the section
            item = FeaturePower(feature=name, power=None)
        out.features.append(item)
    out.features.sort(key=lambda f: -1.0 if f.power is None else f.power, reverse=True)
    return out


def _linear_mae(
    xtr: FloatArray, ytr: FloatArray, xte: FloatArray, yte: FloatArray, fallback: FloatArray
) -> float | None:
    ok = ~np.isnan(xtr)
    if ok.sum() < 3:
        return None
    xs, ys = xtr[ok], ytr[ok]
    xc = xs - xs.mean()
    var = float(np.dot(xc, xc))
    if var <= 0:
        return None
    slope = float(np.dot(xc, ys - ys.mean())) / var
    pred = ys.mean() + slope * (xte - xs.mean())
    pred = np.where(np.isnan(xte), fallback, pred)
    return float(np.mean(np.abs(pred - yte)))


# --------------------------------------------------------------------------- correlations


def _correlations(
    cols: list[_Col], positions: NDArray[np.intp], target: _Col | None
) -> Correlations | None:
    numeric = [
        c
        for c in cols
        if c is not target and c.values is not None and c.kind in ("numeric", "boolean", "datetime")
    ]
    if len(numeric) < 2 or positions.size < 3:
        return None
    notes: list[str] = []
    if len(numeric) > MAX_CORR_COLUMNS:
        notes.append(
            f"only the first {MAX_CORR_COLUMNS} of {len(numeric)} numeric columns are correlated"
        )
        numeric = numeric[:MAX_CORR_COLUMNS]
    frame = pd.DataFrame(
        {i: c.values[positions] for i, c in enumerate(numeric) if c.values is not None}
    )
    with np.errstate(all="ignore"):
        corr = frame.corr(method="pearson", min_periods=3).to_numpy(dtype=np.float64)
    names = [c.name for c in numeric]
    pairs: list[CorrelationPair] = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            r = corr[i, j]
            if np.isfinite(r) and abs(r) >= HIGH_CORRELATION:
                pairs.append(CorrelationPair(a=names[i], b=names[j], r=round(float(r), 4)))
    pairs.sort(key=lambda p: -abs(p.r))
    return Correlations(
        rows=int(positions.size),
        columns=names,
        matrix=[[None if not np.isfinite(v) else round(float(v), 4) for v in row] for row in corr],
        high_pairs=pairs,
        notes=notes,
    )
