"""The Python steps of the churn pipeline (module-level ``@mls.step`` functions: each
runs as a job that imports this file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls


def local_path(location: str) -> Path:
    """A step output's path (outputs are ``file://`` URLs in the artifact store)."""
    return Path(location.removeprefix("file://"))


def load_trained_model(folder: str) -> Any:
    """The estimator a training job (or the best tuning trial) wrote: our own artifact,
    so the XGBoost types its skops file names are trusted here."""
    import skops.io

    from jupyter_mlstudio.registry.format import load_sklearn_model, read_metadata

    path = local_path(folder)
    model_file = path / read_metadata(path).model_file
    trusted = [t for t in skops.io.get_untrusted_types(file=model_file) if t.startswith("xgboost.")]
    return load_sklearn_model(path, trusted=trusted)


def read_table(location: str) -> Any:
    import pandas as pd

    path = local_path(location)
    # a step output is a folder of one or more part files (parquet or CSV)
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    frames = [pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f) for f in files]
    return pd.concat(frames, ignore_index=True)


@mls.step(outputs={"auc": float, "accuracy": float, "report": "Json"})
def evaluate(model: str, data: str, target: str = "churned") -> dict[str, Any]:
    """Score the held-out test split: ROC AUC, accuracy and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, roc_auc_score

    estimator = load_trained_model(model)
    test = read_table(data)
    X, y = test.drop(columns=[target]), test[target]
    probabilities = estimator.predict_proba(X)[:, 1]
    predictions = estimator.predict(X)
    auc = float(roc_auc_score(y, probabilities))
    accuracy = float(accuracy_score(y, predictions))
    matrix = confusion_matrix(y, predictions).tolist()
    print(f"test rows: {len(test)}  AUC: {auc:.4f}  accuracy: {accuracy:.4f}")
    return {
        "auc": auc,
        "accuracy": accuracy,
        "report": {"metrics": {"auc": auc, "accuracy": accuracy}, "confusion_matrix": matrix},
    }


@mls.step(outputs={"card": str})
def write_card(model_name: str, version: int, report: dict[str, Any]) -> dict[str, Any]:
    """Fill the registered version's model card: intended use, data, evaluation, caveats."""
    metrics = report["metrics"]
    (tn, fp), (fn, tp) = report["confusion_matrix"]
    card = {
        "intended_use": (
            "Rank current subscribers by their risk of leaving in the coming months, so a "
            "retention team can contact the riskiest first. Not for pricing or for decisions "
            "about individual customers without a human review."
        ),
        "training_data": (
            "5,000 synthetic telecom customers generated with a fixed seed (data.py): contract, "
            "plan, tenure, charges, usage, support calls, late payments, satisfaction; 4% "
            "missing values in four columns. Prepared by prep.flow; 80/20 stratified split."
        ),
        "evaluation": (
            f"Held-out test split (1,000 customers): ROC AUC {metrics['auc']:.3f}, accuracy "
            f"{metrics['accuracy']:.3f}. Confusion matrix: {tn} stayed and predicted to stay, "
            f"{fp} false alarms, {fn} missed churners, {tp} churners caught."
        ),
        "caveats": (
            "Synthetic data: retrain on your own customers before use. Churn drivers drift "
            "with prices and competitors: the endpoint's data-quality monitor watches the "
            "inputs."
        ),
        "owner": "JumpStart solution customer-churn",
    }
    mls.update_model_version(model_name, int(version), card=card)
    return {"card": f"Model card: {model_name} version {version}"}
