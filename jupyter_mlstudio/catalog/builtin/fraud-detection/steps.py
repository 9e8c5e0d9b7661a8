"""The fraud-detection pipeline's Python step (it runs as a job; see pipeline.py).

``evaluate`` splits the hold-out set in two: on the **validation** half it picks the
alert threshold — the lowest score whose precision still reaches the target, i.e. the
most fraud caught at that precision — and on the **test** half, which played no part in
the choice, it measures what that threshold does: precision, recall, alerts per 1,000
transactions, plus the threshold-free PR-AUC (average precision) and ROC AUC. Accuracy
means nothing here: flagging nothing is 98 % accurate.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls

TARGET = "is_fraud"


def local_folder(uri: str) -> Path:
    """A local copy of a step output (a path, ``file://`` or any fsspec URL)."""
    if "://" not in uri.removeprefix("file://"):
        return Path(uri.removeprefix("file://"))
    import fsspec

    fs, root = fsspec.core.url_to_fs(uri)
    target = Path(tempfile.mkdtemp(prefix="fraud-")) / Path(root).name
    fs.get(root.rstrip("/") + "/", str(target), recursive=True)
    return target


def read_table(uri: str) -> Any:
    import pandas as pd

    path = local_folder(uri)
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def pick_threshold(y: Any, score: Any, target_precision: float) -> tuple[float, bool]:
    """The lowest threshold whose precision on (y, score) reaches ``target_precision``
    (the most recall at that precision), and whether one does; if none does, the
    threshold of the best F1."""
    import numpy as np
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, score)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    reaching = np.flatnonzero(precision >= target_precision)
    if reaching.size:
        best = reaching[np.argmax(recall[reaching])]
        return float(thresholds[best]), True
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1))]), False


def figures(y: Any, score: Any, threshold: float) -> dict[str, float]:
    """What a threshold does on (y, score): precision, recall, alerts per 1,000."""
    from sklearn.metrics import precision_score, recall_score

    flagged = (score >= threshold).astype(int)
    return {
        "precision": float(precision_score(y, flagged, zero_division=0)),
        "recall": float(recall_score(y, flagged, zero_division=0)),
        "alerts_per_1000": float(1000 * flagged.mean()),
        "frauds_caught": int(((flagged == 1) & (y == 1)).sum()),
        "frauds": int(y.sum()),
        "false_alarms": int(((flagged == 1) & (y == 0)).sum()),
    }


def recall_at_precision(y: Any, score: Any, target_precision: float) -> float:
    """The best recall any threshold reaches at ``target_precision`` (0 if none)."""
    import numpy as np
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(y, score)
    reaching = recall[precision >= target_precision]
    return float(np.max(reaching)) if reaching.size else 0.0


def evaluate(
    model: str,
    holdout: str,
    target_precision: float = 0.8,
    experiment: str | None = None,
) -> dict[str, Any]:
    """Pick the alert threshold on the validation half of ``holdout`` (a Parquet file
    or folder) and measure it on the test half. Returns ``pr_auc``, ``recall`` (on test
    at the chosen threshold), ``threshold`` (Floats), ``report`` (Json) and ``model``
    (File: the model answering 1 = alert at that threshold). The figures are logged to a
    run ``evaluation`` (in a pipeline, a child of the step's run; else in
    ``experiment``)."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import FixedThresholdClassifier, train_test_split

    from jupyter_mlstudio.registry.format import (
        load_sklearn_model,
        read_metadata,
        save_sklearn_model,
    )

    folder = local_folder(model)
    estimator = load_sklearn_model(folder)
    features = [c["name"] for c in read_metadata(folder).signature.get("inputs", [])]
    frame = read_table(holdout)
    validation, test = train_test_split(
        frame, test_size=0.5, stratify=frame[TARGET], random_state=0
    )
    positive = list(estimator.classes_).index(1)
    scores = {}
    for name, part in (("validation", validation), ("test", test)):
        scores[name] = estimator.predict_proba(part[features])[:, positive]
    y_val, y_test = validation[TARGET].to_numpy(), test[TARGET].to_numpy()

    threshold, reached = pick_threshold(y_val, scores["validation"], target_precision)
    chosen = figures(y_test, scores["test"], threshold)
    report = {
        "target_precision": target_precision,
        "threshold": threshold,
        "threshold_reached_target_on_validation": reached,
        "rows": {"validation": len(validation), "test": len(test)},
        "fraud_rate": float(frame[TARGET].mean()),
        "validation": figures(y_val, scores["validation"], threshold),
        "test": chosen,
        "test_at_0.5": figures(y_test, scores["test"], 0.5),
        "pr_auc": float(average_precision_score(y_test, scores["test"])),
        "roc_auc": float(roc_auc_score(y_test, scores["test"])),
        "recall_at_target_precision": recall_at_precision(y_test, scores["test"], target_precision),
        "features": features,
    }
    metrics = {
        "test:pr_auc": report["pr_auc"],
        "test:roc_auc": report["roc_auc"],
        "test:precision": chosen["precision"],
        "test:recall": chosen["recall"],
        "test:alerts_per_1000": chosen["alerts_per_1000"],
        "test:recall_at_target_precision": report["recall_at_target_precision"],
        "validation:precision": report["validation"]["precision"],
        "validation:recall": report["validation"]["recall"],
        "threshold": threshold,
    }
    with mls.start_run(experiment, name="evaluation") as run:
        run.log_params({"target_precision": target_precision, "threshold": threshold})
        run.log_metrics(metrics)
        run.log_dict(report, "evaluation.json")

    # what the endpoint answers: 1 = raise an alert (score >= the chosen threshold)
    alerting = FixedThresholdClassifier(estimator, threshold=threshold)
    out = Path(tempfile.mkdtemp(prefix="fraud-model-")) / "model"
    save_sklearn_model(
        alerting,
        out,
        X=test[features].head(5),
        extra={"decision_threshold": threshold, "positive_class": "fraud"},
    )
    print(json.dumps({k: report[k] for k in ("threshold", "pr_auc", "test")}, indent=2))
    return {
        "pr_auc": report["pr_auc"],
        "recall": chosen["recall"],
        "threshold": threshold,
        "report": report,
        "model": str(out),
    }
