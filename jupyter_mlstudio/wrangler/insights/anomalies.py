"""Row anomalies (isolation forest) and why a row stands out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._common import MIN_ANOMALY_ROWS, TOP_ANOMALIES, FloatArray, _Col, _iso, _label
from .columns import _frequency_feature, _numeric_summary
from .models import Anomalies, AnomalyRow


def _anomalies(
    cols: list[_Col],
    df: pd.DataFrame,
    positions: NDArray[np.intp],
    target: _Col | None,
    random_state: int,
) -> Anomalies:
    usable = [c for c in cols if c is not target and c.modelable]
    if positions.size < MIN_ANOMALY_ROWS:
        return Anomalies(status="skipped", reason=f"fewer than {MIN_ANOMALY_ROWS} rows")
    if not usable:
        return Anomalies(status="skipped", reason="no usable feature columns")
    from sklearn.ensemble import IsolationForest

    columns: list[FloatArray] = []
    for col in usable:
        if col.kind == "categorical":
            columns.append(_frequency_feature(col, positions))
        else:
            values = col.values[positions] if col.values is not None else np.zeros(positions.size)
            fill = col.median if col.median is not None else 0.0
            columns.append(np.where(np.isnan(values), fill, values))
    x = np.column_stack(columns)
    forest = IsolationForest(
        n_estimators=100, max_samples=min(256, positions.size), random_state=random_state
    )
    forest.fit(x)
    scores = -forest.score_samples(x)
    k = min(TOP_ANOMALIES, scores.size)
    top = np.argsort(-scores, kind="stable")[:k]
    index = df.index
    rows: list[AnomalyRow] = []
    for i in top:
        pos = int(positions[i])
        rows.append(
            AnomalyRow(
                row=pos,
                index=_label(index[pos]),
                score=round(float(scores[i]), 6),
                reasons=_anomaly_reasons(usable, x[i]),
            )
        )
    _, hist, _, _, _ = _numeric_summary(scores.astype(np.float64), want_top=False)
    return Anomalies(
        status="ok",
        rows=int(positions.size),
        features=[c.name for c in usable],
        top=rows,
        histogram=hist,
    )


def _anomaly_reasons(cols: list[_Col], row: FloatArray) -> list[str]:
    found: list[tuple[float, str]] = []
    for col, value in zip(cols, row, strict=True):
        if col.kind == "categorical":
            if value < 0.01:
                found.append((3.0 + (0.01 - value) * 100, f"{col.name}: rare value ({value:.2%})"))
        elif col.kind in ("numeric", "datetime") and col.scale and col.median is not None:
            z = abs(value - col.median) / col.scale
            if z >= 2:
                shown = _iso(float(value)) if col.kind == "datetime" else f"{value:.4g}"
                found.append((z, f"{col.name} = {shown} (robust z {z:.1f})"))
    found.sort(key=lambda t: -t[0])
    return [text for _, text in found[:3]]
