"""The credit-risk pipeline's Python steps (each runs as a job; see pipeline.py).

- ``evaluate``: scores the held-out applications, turns the model into the lending
  decision (decline when the predicted probability of default reaches the threshold),
  and measures it overall and per group — by age band and by sex — as run metrics and a
  JSON report; its ``model`` output is the decision model that gets registered.
- ``write_card``: fills the registered version's model card (intended use, data,
  evaluation with the per-group tables, caveats).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls

TARGET = "default"
# Groups the card reports on. "sex" is never a feature (see pipeline.py): it is kept in
# the data only to measure the model per group.
AGE_BANDS = [(18, 25), (26, 35), (36, 50), (51, 65), (66, 120)]
GROUP_COLUMNS = ("age_band", "sex")
# Below this many defaults in a group its AUC is noise: reported, marked, left out of the gap.
MIN_DEFAULTS_FOR_AUC = 10


def local_folder(uri: str) -> Path:
    """A local copy of a step output (a path, ``file://`` or any fsspec URL)."""
    if "://" not in uri.removeprefix("file://"):
        return Path(uri.removeprefix("file://"))
    import fsspec

    fs, root = fsspec.core.url_to_fs(uri)
    target = Path(tempfile.mkdtemp(prefix="credit-risk-")) / Path(root).name
    fs.get(root.rstrip("/") + "/", str(target), recursive=True)
    return target


def read_table(uri: str) -> Any:
    import pandas as pd

    path = local_folder(uri)
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def age_band(age: Any) -> Any:
    import pandas as pd

    bins = [AGE_BANDS[0][0] - 1] + [high for _, high in AGE_BANDS]
    labels = [f"{low}-{high}" if high < 120 else f"{low}+" for low, high in AGE_BANDS]
    return pd.cut(age, bins=bins, labels=labels).astype("string")


def group_metrics(frame: Any, decline: Any, score: Any, column: str) -> dict[str, dict[str, Any]]:
    """Per value of ``column``: rows, default rate, AUC, approval rate, the share of good
    applicants declined and of defaulters approved."""
    from sklearn.metrics import roc_auc_score

    result: dict[str, dict[str, Any]] = {}
    for value, rows in frame.groupby(column, observed=True).groups.items():
        y = frame.loc[rows, TARGET].to_numpy()
        d = decline[frame.index.get_indexer(rows)]
        s = score[frame.index.get_indexer(rows)]
        good, bad = y == 0, y == 1
        result[str(value)] = {
            "rows": len(y),
            "defaults": int(bad.sum()),
            "default_rate": float(y.mean()),
            "auc": float(roc_auc_score(y, s)) if good.any() and bad.any() else None,
            "approval_rate": float(1 - d.mean()),
            "good_declined_rate": float(d[good].mean()) if good.any() else None,
            "bad_approved_rate": float(1 - d[bad].mean()) if bad.any() else None,
        }
    return result


def evaluate(
    model: str, test: str, approval_threshold: float = 0.3, experiment: str | None = None
) -> dict[str, Any]:
    """Score the test split (a Parquet file or folder) with the trained model; returns
    ``auc`` (Float), ``report`` (Json: overall and per-group metrics) and ``model`` (File:
    the decision model). The figures are logged to a run ``evaluation`` (in a pipeline:
    a child of the step's run; else in ``experiment``)."""
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import FixedThresholdClassifier

    from jupyter_mlstudio.registry.format import (
        load_sklearn_model,
        read_metadata,
        save_sklearn_model,
    )

    folder = local_folder(model)
    estimator = load_sklearn_model(folder)
    features = [c["name"] for c in read_metadata(folder).signature.get("inputs", [])]
    frame = read_table(test)
    frame["age_band"] = age_band(frame["age"])
    X = frame[features]
    y = frame[TARGET].to_numpy()
    score = estimator.predict_proba(X)[:, list(estimator.classes_).index(1)]
    decline = (score >= approval_threshold).astype(int)

    overall = {
        "auc": float(roc_auc_score(y, score)),
        "accuracy": float(accuracy_score(y, decline)),
        "approval_rate": float(1 - decline.mean()),
        "default_rate": float(y.mean()),
        "default_rate_approved": float(y[decline == 0].mean()) if (decline == 0).any() else 0.0,
        "rows": len(y),
    }
    groups = {c: group_metrics(frame, decline, score, c) for c in GROUP_COLUMNS}
    fairness: dict[str, dict[str, float]] = {}
    for column, values in groups.items():
        rates = [v["approval_rate"] for v in values.values()]
        aucs = [
            v["auc"]
            for v in values.values()
            if v["auc"] is not None and v["defaults"] >= MIN_DEFAULTS_FOR_AUC
        ]
        fairness[column] = {
            # the "four-fifths rule": lowest approval rate over the highest
            "approval_rate_ratio": float(min(rates) / max(rates)) if max(rates) else 0.0,
            "auc_gap": float(max(aucs) - min(aucs)) if aucs else 0.0,
        }
    report = {
        "approval_threshold": approval_threshold,
        "features": features,
        "overall": overall,
        "groups": groups,
        "fairness": fairness,
    }

    metrics = {f"test:{k}": v for k, v in overall.items() if k != "rows"}
    for column, values in groups.items():
        for value, m in values.items():
            for key in ("auc", "approval_rate", "default_rate"):
                if m[key] is not None:
                    metrics[f"{column}={value}:{key}"] = m[key]
        for key, number in fairness[column].items():
            metrics[f"{column}:{key}"] = number
    with mls.start_run(experiment, name="evaluation") as run:
        run.log_params({"approval_threshold": approval_threshold, "test_rows": len(y)})
        run.log_metrics(metrics)
        run.log_dict(report, "evaluation.json")
        run.log_text(report_markdown(report), "evaluation.md")

    # the decision the endpoint answers: 1 = decline (probability of default >= threshold)
    decision = FixedThresholdClassifier(estimator, threshold=approval_threshold)
    out = Path(tempfile.mkdtemp(prefix="credit-risk-model-")) / "model"
    save_sklearn_model(
        decision,
        out,
        X=X.head(5),
        extra={"decision_threshold": approval_threshold, "positive_class": "default"},
    )
    print(json.dumps(overall, indent=2))
    return {"auc": overall["auc"], "report": report, "model": str(out)}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def report_markdown(report: dict[str, Any]) -> str:
    """The evaluation as Markdown: overall figures, then a table per group column."""
    o = report["overall"]
    lines = [
        f"Held-out test set: {o['rows']} applications, {_pct(o['default_rate'])} defaulted.",
        f"Decision: decline when P(default) >= {report['approval_threshold']}.",
        "",
        f"- AUC: {o['auc']:.3f}",
        f"- Approval rate: {_pct(o['approval_rate'])}",
        f"- Default rate among approved: {_pct(o['default_rate_approved'])}",
        f"- Accuracy of the decision: {_pct(o['accuracy'])}",
    ]
    titles = {"age_band": "age band", "sex": "sex"}
    for column, values in report["groups"].items():
        fair = report["fairness"][column]
        lines += [
            "",
            f"Per {titles.get(column, column)} (approval-rate ratio "
            f"{fair['approval_rate_ratio']:.2f}, AUC gap {fair['auc_gap']:.3f}):",
            "",
            "| Group | Rows | Defaults | Default rate | AUC | Approval rate | Good declined "
            "| Bad approved |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        noisy = False
        for value, m in values.items():
            auc = "n/a" if m["auc"] is None else f"{m['auc']:.3f}"
            if m["auc"] is not None and m["defaults"] < MIN_DEFAULTS_FOR_AUC:
                auc, noisy = auc + " *", True
            lines.append(
                f"| {value} | {m['rows']} | {m['defaults']} | {_pct(m['default_rate'])} | {auc} | "
                f"{_pct(m['approval_rate'])} | {_pct(m['good_declined_rate'])} | "
                f"{_pct(m['bad_approved_rate'])} |"
            )
        if noisy:
            lines += [
                "",
                f"\\* fewer than {MIN_DEFAULTS_FOR_AUC} defaults: the AUC is noise (left out "
                "of the AUC gap).",
            ]
    return "\n".join(lines)


def write_card(model_name: str, version: int, report: dict[str, Any]) -> str:
    """Fill the registered version's model card; returns the model name and version."""
    fairness = report["fairness"]
    flagged = [c for c, f in fairness.items() if f["approval_rate_ratio"] < 0.8]
    card = {
        "intended_use": (
            "Scores retail loan applications for the probability of default and answers "
            f"the lending decision: 1 = decline (P(default) >= {report['approval_threshold']}), "
            "0 = approve. Meant as a worked example of a credit-risk model with a model "
            "card and per-group metrics; a human reviews declined applications."
        ),
        "training_data": (
            "Synthetic loan applications generated with a fixed seed (data.py): age, "
            "family and employment, income, housing, region, loan amount, term and purpose, "
            "bureau history (length, open accounts, late payments, utilisation, "
            "debt-to-income) and savings; ~4 % missing values. Prepared by prep.flow "
            "(category clean-up, extreme values clipped, loan-to-income and monthly "
            "payment), split 75/25 stratified on default. Features: "
            + ", ".join(report["features"])
            + ". Sex is not a feature: it is kept only to measure the model per group."
        ),
        "evaluation": report_markdown(report),
        "caveats": (
            "Synthetic data: the figures show the method, not a real portfolio. Age is a "
            "feature (as in many scorecards); check that your jurisdiction allows it. "
            "Excluding sex does not remove proxies for it. "
            + (
                "Approval rates differ by more than the four-fifths rule allows for: "
                + ", ".join(flagged)
                + "."
                if flagged
                else "Approval rates pass the four-fifths rule for age band and sex."
            )
        ),
    }
    tags = dict(mls.get_model_version(model_name, int(version)).tags)  # tags are replaced
    tags["approval_threshold"] = str(report["approval_threshold"])
    for column, figures in fairness.items():
        tags[f"fairness.{column}.approval_rate_ratio"] = f"{figures['approval_rate_ratio']:.3f}"
    mls.update_model_version(model_name, int(version), card=card, tags=tags)
    return f"{model_name}/{version}"
