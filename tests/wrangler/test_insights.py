"""The Data Quality and Insights report on real and synthetic data (no mocks)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler.insights import (
    InsightsReport,
    build_report,
    load_report,
    report_figures,
    report_html,
    save_report,
)
from jupyter_mlstudio.wrangler.insights.charts import _log_count_axis


def kinds(report: InsightsReport, kind: str) -> list[list[str]]:
    return [w.columns for w in report.warnings if w.kind == kind]


def power_of(report: InsightsReport, feature: str) -> float:
    assert report.prediction_power is not None
    for item in report.prediction_power.features:
        if item.feature == feature:
            assert item.power is not None
            return item.power
    raise AssertionError(f"no power for {feature}")


def strict_json(value: Any) -> str:
    return json.dumps(value, allow_nan=False)


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, InsightsReport]:
    df = load_breast_cancer(as_frame=True).frame
    rng = np.random.default_rng(7)
    df["leak"] = df["target"] + rng.normal(0, 0.01, len(df))
    df["noise"] = rng.normal(size=len(df))
    df["const"] = 3.0
    df["patient_id"] = [f"P-{i:06d}-{rng.integers(1000)}" for i in range(len(df))]
    return df, build_report(df, target="target")


@pytest.fixture(scope="module")
def cancer_html(cancer: tuple[pd.DataFrame, InsightsReport]) -> str:
    return report_html(cancer[1])


# --------------------------------------------------------------------------- warnings, power


def test_leakage_constant_identifier_and_correlation(
    cancer: tuple[pd.DataFrame, InsightsReport],
) -> None:
    _, report = cancer
    assert report.problem_type == "classification"
    assert ["leak", "target"] in kinds(report, "target_leakage")
    assert power_of(report, "leak") >= 0.99
    assert power_of(report, "noise") < 0.2
    # a genuinely predictive feature sits in between
    assert 0.3 < power_of(report, "worst radius") < 0.95
    assert ["const"] in kinds(report, "constant")
    assert report.column("const").inferred_type == "constant"
    assert ["patient_id"] in kinds(report, "high_cardinality")
    assert report.column("patient_id").inferred_type == "identifier"
    pairs = kinds(report, "high_correlation")
    assert ["mean radius", "mean perimeter"] in pairs
    # the target itself is never flagged as leaking or correlated with itself
    assert not any(w.columns == ["target"] for w in report.warnings if w.kind == "constant")
    assert report.warnings[0].severity == "high"


def test_quick_model_beats_baseline(cancer: tuple[pd.DataFrame, InsightsReport]) -> None:
    df, report = cancer
    model = report.model
    assert model is not None and model.status == "ok"
    assert model.estimator == "HistGradientBoostingClassifier"
    assert model.train_rows + model.test_rows == len(df)
    assert model.test_rows == pytest.approx(0.25 * len(df), abs=1)
    accuracy, baseline = model.metrics["accuracy"], model.baseline["accuracy"]
    assert accuracy is not None and baseline is not None and accuracy > baseline + 0.2
    assert model.metrics["roc_auc"] is not None and model.metrics["roc_auc"] > 0.9
    assert model.baseline["roc_auc"] == 0.5
    excluded = {e.name: e.reason for e in model.excluded}
    assert "patient_id" in excluded and "identifier" in excluded["patient_id"]
    assert "const" in excluded and "target" not in model.features
    assert model.confusion_matrix is not None
    assert sum(map(sum, model.confusion_matrix)) == model.test_rows
    classes = report.target_analysis.classes if report.target_analysis else None
    counts = df["target"].value_counts()
    assert classes is not None
    assert {c.value: c.count for c in classes} == {str(k): int(v) for k, v in counts.items()}


def test_iris_multiclass() -> None:
    df = load_iris(as_frame=True).frame
    df["species"] = df.pop("target").map({0: "setosa", 1: "versicolor", 2: "virginica"})
    report = build_report(df, "species")
    assert report.problem_type == "classification"
    assert report.target_analysis is not None
    assert report.target_analysis.imbalance_ratio == 1.0
    assert not kinds(report, "imbalance")
    assert report.model is not None and report.model.labels == ["setosa", "versicolor", "virginica"]
    assert report.model.metrics["accuracy"] is not None and report.model.metrics["accuracy"] > 0.85
    assert report.model.metrics["roc_auc"] is not None
    assert power_of(report, "petal length (cm)") > 0.7
    # very predictive is not leakage: nothing here is a copy of the target
    assert not kinds(report, "target_leakage")


def test_diabetes_regression_with_leak() -> None:
    df = load_diabetes(as_frame=True).frame
    rng = np.random.default_rng(3)
    df["leak"] = df["target"] + rng.normal(0, 0.01, len(df))
    df["noise"] = rng.normal(size=len(df))
    report = build_report(df, "target")
    assert report.problem_type == "regression"
    model = report.model
    assert model is not None and model.status == "ok"
    assert set(model.metrics) == {"r2", "mae", "rmse"}
    assert model.baseline["r2"] is not None and abs(model.baseline["r2"]) < 0.05
    assert power_of(report, "leak") >= 0.99
    assert power_of(report, "noise") < 0.2
    assert ["leak", "target"] in kinds(report, "target_leakage")
    ta = report.target_analysis
    assert ta is not None and ta.stats is not None and ta.histogram is not None
    assert ta.stats.mean == pytest.approx(df["target"].mean())
    assert sum(ta.histogram.counts) == len(df)


def test_boolean_string_target_keeps_its_labels() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=400)
    df = pd.DataFrame({"x": x, "churn": np.where(x + rng.normal(0, 1, 400) > 0, "yes", "no")})
    df["kind"] = pd.Categorical(rng.choice(["a", "b"], 400), categories=["a", "b", "unused"])
    report = build_report(df, "churn")
    assert report.column("churn").inferred_type == "boolean"
    assert report.target_analysis is not None and report.target_analysis.classes is not None
    assert {c.value for c in report.target_analysis.classes} == {"yes", "no"}
    assert report.model is not None and report.model.labels == ["no", "yes"]
    assert report.column("kind").unique == df["kind"].nunique() == 2


def test_problem_type_override() -> None:
    df = load_diabetes(as_frame=True).frame
    df["label"] = (df["target"] > df["target"].median()).astype(float)
    report = build_report(df.drop(columns="target"), "label", problem_type="regression")
    assert report.problem_type == "regression"
    assert report.model is not None and report.model.estimator == "HistGradientBoostingRegressor"


# --------------------------------------------------------------------------- exact stats


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.lognormal(0, 1, n)
    x[rng.random(n) < 0.1] = np.nan
    counts = rng.poisson(3, n).astype("float64")
    counts[:40] = np.nan
    df = pd.DataFrame(
        {
            "x": x,
            "counts": counts,
            "city": rng.choice(
                np.array(["Paris", "Lyon", "Nice", None], dtype=object), n, p=[0.5, 0.3, 0.15, 0.05]
            ),
            "flag": rng.random(n) < 0.3,
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        }
    )
    # duplicated rows, planted exactly
    df = pd.concat([df, df.iloc[:25]], ignore_index=True)
    return df


def test_stats_match_pandas(synthetic: pd.DataFrame) -> None:
    df = synthetic
    report = build_report(df)
    s = report.summary
    assert (s.rows, s.columns) == df.shape
    assert s.duplicate_rows == int(df.duplicated().sum()) >= 25
    assert s.missing_cells == int(df.isna().sum().sum())
    for name in df.columns:
        col = report.column(name)
        assert col.missing == int(df[name].isna().sum()), name
        assert col.count == int(df[name].notna().sum()), name
        assert col.unique == int(df[name].nunique()), name
    x = df["x"]
    num = report.column("x").numeric
    assert num is not None
    assert num.mean == pytest.approx(x.mean())
    assert num.std == pytest.approx(x.std())
    assert num.min == pytest.approx(x.min()) and num.max == pytest.approx(x.max())
    assert num.skew == pytest.approx(x.skew())
    assert num.kurtosis == pytest.approx(x.kurt())
    for q in (0.01, 0.25, 0.5, 0.75, 0.99):
        assert num.quantiles[f"p{round(q * 100)}"] == pytest.approx(x.quantile(q))
    med = x.median()
    mad = (x - med).abs().median()
    assert num.mad == pytest.approx(mad)
    assert num.outliers.method == "mad"
    lower, upper = med - 3.5 * 1.4826 * mad, med + 3.5 * 1.4826 * mad
    assert num.outliers.count == int(((x < lower) | (x > upper)).sum())
    hist = report.column("x").histogram
    assert hist is not None
    expected, _ = np.histogram(x.dropna(), bins=30)
    assert hist.counts == expected.tolist()
    # top values of a discrete column are its value counts
    top = report.column("counts").top_values
    vc = df["counts"].value_counts()
    assert [(t.value, t.count) for t in top[:3]] == [
        (str(int(k)), int(v)) for k, v in vc.iloc[:3].items()
    ]
    city = report.column("city")
    assert city.inferred_type == "categorical"
    assert [(t.value, t.count) for t in city.top_values] == list(df["city"].value_counts().items())
    assert report.column("flag").inferred_type == "boolean"
    when = report.column("when")
    assert when.inferred_type == "datetime" and when.datetime is not None
    assert when.datetime.min == df["when"].min().isoformat()
    assert when.histogram is not None and when.histogram.labels is not None
    assert ["x"] in kinds(report, "skew")
    assert any(w.kind == "duplicates" for w in report.warnings)


def test_duplicates_across_dtypes() -> None:
    rng = np.random.default_rng(9)
    n = 500
    base = pd.DataFrame(
        {
            "s": pd.Series(rng.choice(np.array(["a", "b", None], dtype=object), n)),
            "cat": pd.Categorical(rng.choice(["x", "y"], n)),
            "f": np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 2, n).astype(float)),
            "i": pd.array(
                [
                    None if r < 0.2 else int(v)
                    for r, v in zip(rng.random(n), rng.integers(0, 2, n), strict=True)
                ],
                "Int64",
            ),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 2, n), "D"),
            "b": rng.random(n) < 0.5,
        }
    )
    report = build_report(base)
    assert report.summary.duplicate_rows == int(base.duplicated().sum()) > 0
    assert build_report(base.drop_duplicates()).summary.duplicate_rows == 0


def test_invalid_values_and_inference() -> None:
    n = 200
    rng = np.random.default_rng(1)
    amounts: list[Any] = [f"{v:.2f}" for v in rng.normal(100, 10, n)]
    amounts[5], amounts[17], amounts[40] = "n/a", "abc", None
    ratio = rng.normal(size=n)
    ratio[:3] = [np.inf, -np.inf, np.nan]
    df = pd.DataFrame(
        {
            "amount": pd.Series(amounts, dtype=object),
            "ratio": ratio,
            "day": [f"2024-03-{1 + i % 28:02d}" for i in range(n - 1)] + ["not a date"],
            "yes_no": rng.choice(["yes", "no"], n),
            "note": [" ".join(["word"] * (5 + i % 7)) + f" {i}" for i in range(n)],
            "blank": rng.choice(["a", "b", "  "], n),
        }
    )
    report = build_report(df)
    amount = report.column("amount")
    assert amount.inferred_type == "numeric"
    assert (amount.missing, amount.invalid) == (1, 2)
    assert set(amount.invalid_examples) == {"n/a", "abc"}
    ratio_col = report.column("ratio")
    assert (ratio_col.missing, ratio_col.invalid) == (1, 2)
    assert ratio_col.numeric is not None and np.isfinite(ratio_col.numeric.max or np.nan)
    day = report.column("day")
    assert (day.inferred_type, day.invalid) == ("datetime", 1)
    assert report.column("yes_no").inferred_type == "boolean"
    assert report.column("note").inferred_type == "text"
    blank = report.column("blank")
    assert blank.inferred_type == "categorical"
    assert blank.invalid == int((df["blank"].str.strip() == "").sum())
    assert {tuple(c) for c in kinds(report, "invalid")} >= {("amount",), ("ratio",), ("day",)}
    assert ["note"] in kinds(report, "high_cardinality")


def test_correlated_columns_and_imbalance() -> None:
    rng = np.random.default_rng(2)
    n = 2000
    a = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "a": a,
            "b": 3 * a + rng.normal(0, 0.05, n),
            "c": rng.normal(size=n),
            "y": np.where(rng.random(n) < 0.04, "fraud", "ok"),
        }
    )
    report = build_report(df, "y")
    assert kinds(report, "high_correlation") == [["a", "b"]]
    assert report.correlations is not None
    assert report.correlations.high_pairs[0].r > 0.99
    imbalance = [w for w in report.warnings if w.kind == "imbalance"]
    assert len(imbalance) == 1 and imbalance[0].severity == "high"
    assert "fraud" in imbalance[0].message


def test_planted_outliers_are_top_anomalies() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    df = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    df["group"] = rng.choice(["x", "y", "z"], n)
    planted = [17, 512, 1200, 2222, 2999]
    for i, row in enumerate(planted):
        df.loc[row, ["a", "b", "c", "d"]] = [12 + i, -15 - i, 14 + i, -13 - i]
    df.index = df.index + 1000  # index labels are reported separately from positions
    report = build_report(df)
    anomalies = report.anomalies
    assert anomalies is not None and anomalies.status == "ok" and anomalies.rows == n
    top = anomalies.top[: len(planted)]
    assert sorted(a.row for a in top) == planted
    assert sorted(a.index for a in top) == sorted(str(p + 1000) for p in planted)
    assert all(a.reasons for a in top)
    assert top[0].score > anomalies.top[len(planted)].score
    assert anomalies.histogram is not None and sum(anomalies.histogram.counts) == n
    numeric = report.column("a").numeric
    assert numeric is not None and numeric.outliers.count >= len(planted)


def test_sampling_is_reported_and_stats_stay_exact() -> None:
    rng = np.random.default_rng(5)
    n = 5000
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df.loc[rng.random(n) < 0.2, "a"] = np.nan
    df["y"] = (df["b"] + rng.normal(0, 0.5, n) > 0).astype(int)
    report = build_report(df, "y", sample_rows=1000)
    notes = {note.section: note for note in report.sampling}
    assert notes["columns"].sampled is False and notes["columns"].rows_used == n
    assert notes["summary"].sampled is False
    for section in ("model", "prediction_power", "anomalies", "correlations"):
        assert notes[section].sampled is True, section
        assert notes[section].rows_used == 1000, section
        assert "1,000" in notes[section].detail
    assert report.model is not None and report.model.train_rows + report.model.test_rows == 1000
    assert report.column("a").missing == int(df["a"].isna().sum())
    assert report.anomalies is not None and report.anomalies.rows == 1000
    # the same seed gives the same report
    again = build_report(df, "y", sample_rows=1000)
    assert again.model is not None and again.model.metrics == report.model.metrics
    assert again.anomalies is not None and again.anomalies.top == report.anomalies.top


# --------------------------------------------------------------------------- messy data


def messy_frame() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    n = 300
    mixed: list[Any] = [1, "two", 3.5, None, True, pd.Timestamp("2024-01-01"), b"bytes"]
    target = rng.choice(["a", "b"], n).astype(object)
    target[::7] = None
    return pd.DataFrame(
        {
            "empty": [None] * n,
            "empty_float": np.full(n, np.nan),
            "mixed": [mixed[i % len(mixed)] for i in range(n)],
            "lists": [[i, i + 1] if i % 3 else None for i in range(n)],
            "nullable_int": pd.array([None if i % 5 == 0 else i % 4 for i in range(n)], "Int64"),
            "nullable_bool": pd.array(
                [None if i % 6 == 0 else i % 2 == 0 for i in range(n)], "boolean"
            ),
            "category": pd.Categorical(rng.choice(["lo", "mid", "hi"], n)),
            "tz_time": pd.date_range("2024-01-01", periods=n, freq="h", tz="Europe/Paris"),
            "span": pd.to_timedelta(rng.integers(0, 100, n), unit="m"),
            "text": [f"free text number {i} with some words in it" for i in range(n)],
            "huge_card": [f"k{i}" for i in range(n)],
            "value": rng.normal(size=n),
            "target": target,
        }
    )


def assert_serializable(report: InsightsReport) -> None:
    strict_json(report.model_dump(mode="json"))
    strict_json(report_figures(report))
    assert InsightsReport.model_validate_json(report.model_dump_json()) == report


def test_messy_columns_do_not_raise() -> None:
    df = messy_frame()
    report = build_report(df, "target")
    assert_serializable(report)
    assert report.column("empty").inferred_type == "constant"
    assert report.column("empty_float").inferred_type == "constant"
    assert report.column("empty").missing == len(df)
    assert report.column("category").inferred_type == "categorical"
    assert report.column("tz_time").inferred_type == "datetime"
    assert report.column("span").inferred_type == "numeric"
    assert report.column("nullable_int").missing == int(df["nullable_int"].isna().sum())
    assert report.column("nullable_bool").inferred_type == "boolean"
    assert report.column("mixed").missing == int(df["mixed"].isna().sum())
    assert report.column("text").inferred_type == "text"
    assert report.column("huge_card").inferred_type == "identifier"
    ta = report.target_analysis
    missing_target = int(df["target"].isna().sum())
    assert ta is not None and ta.missing == missing_target and ta.rows == len(df) - missing_target
    assert any("dropped" in w.message for w in report.warnings if w.columns == ["target"])
    model = report.model
    assert model is not None and model.status == "ok"
    assert model.train_rows + model.test_rows == len(df) - missing_target
    excluded = {e.name for e in model.excluded}
    assert {"empty", "empty_float", "text", "huge_card"} <= excluded
    assert {"value", "category", "tz_time"} <= set(model.features)
    assert ["empty"] in kinds(report, "constant")


def test_constant_target_skips_the_model() -> None:
    df = pd.DataFrame({"x": np.arange(50.0), "y": ["same"] * 50})
    report = build_report(df, "y")
    assert report.model is not None and report.model.status == "skipped"
    assert report.model.reason is not None and "constant" in report.model.reason
    assert report.prediction_power is None
    assert ["y"] in kinds(report, "constant")
    assert_serializable(report)


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"a": [1.0], "b": ["x"], "y": [0]}),
        pd.DataFrame(
            {
                "a": pd.Series([], dtype=float),
                "b": pd.Series([], dtype=object),
                "y": pd.Series([], dtype=int),
            }
        ),
        pd.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": ["x", "y", "x", None], "y": [0, 1, 0, 1]}),
        pd.DataFrame({"a": [np.nan] * 30, "y": [np.nan] * 30}),
        pd.DataFrame({"a": range(40), "y": [None] * 39 + [1]}),
    ],
    ids=["single-row", "zero-rows", "tiny", "all-missing", "target-almost-empty"],
)
def test_degenerate_frames(df: pd.DataFrame) -> None:
    report = build_report(df, "y")
    assert report.summary.rows == len(df)
    assert report.model is not None and report.model.status == "skipped"
    assert_serializable(report)
    assert "<table>" in report_html(report)


def test_no_columns_and_odd_names() -> None:
    assert build_report(pd.DataFrame()).summary.columns == 0
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 3)), columns=[0, 1, 1])
    report = build_report(df, "0")
    assert [c.name for c in report.columns] == ["0", "1", "1"]
    assert_serializable(report)


def test_invalid_arguments() -> None:
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(InvalidArgumentError, match="not in the data"):
        build_report(df, "missing")
    with pytest.raises(InvalidArgumentError, match="problem_type"):
        build_report(df, "a", problem_type="ranking")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        build_report(df.to_numpy())


# --------------------------------------------------------------------------- figures, HTML, I/O


def test_figures_are_plotly_json(cancer: tuple[pd.DataFrame, InsightsReport]) -> None:
    _, report = cancer
    figs = report_figures(report)
    strict_json(figs)
    ids = {f["id"] for f in figs}
    assert {"target", "model", "prediction_power", "correlations", "anomalies"} <= ids
    for fig in figs:
        layout = fig["figure"]["layout"]
        assert layout["paper_bgcolor"] == "rgba(0,0,0,0)"
        assert layout["plot_bgcolor"] == "rgba(0,0,0,0)"
        assert fig["figure"]["data"]
    per_column = [f for f in figs if f["section"] == "columns"]
    assert {f["column"] for f in per_column} >= {"mean radius", "noise"}


def test_html_is_standalone(cancer: tuple[pd.DataFrame, InsightsReport], cancer_html: str) -> None:
    _, report = cancer
    doc = cancer_html
    assert doc.startswith("<!DOCTYPE html>")
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert bundle[:2000] in doc  # plotly.js is embedded
    assert doc.count(bundle[:2000]) == 1  # once
    assert not re.search(r"<script[^>]*\bsrc\s*=", doc, re.IGNORECASE)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']https?:", doc, re.IGNORECASE)
    # the warnings come first, escaped
    assert doc.index("Warnings (") < doc.index('id="summary"')
    leak = next(w for w in report.warnings if w.kind == "target_leakage")
    assert leak.message.replace("'", "&#x27;") in doc
    assert "Plotly.newPlot" in doc and 'id="fig-prediction_power"' in doc


def test_save_and_load(cancer: tuple[pd.DataFrame, InsightsReport], tmp_path: Any) -> None:
    _, report = cancer
    written = save_report(report, tmp_path / "artifacts")
    assert [p.rsplit("/", 1)[-1] for p in written] == ["insights.json", "insights.html"]
    assert (tmp_path / "artifacts" / "insights.html").stat().st_size > 1_000_000
    assert load_report(tmp_path / "artifacts") == report
    assert load_report(tmp_path / "artifacts" / "insights.json") == report
    json.loads((tmp_path / "artifacts" / "insights.json").read_text())

    url = "memory://insights-test/run-1"
    save_report(report, url, html=False)
    assert load_report(url) == report


# --------------------------------------------------------------------------- chart legibility

# JupyterLab's theme backgrounds and text colours (--jp-layout-color0, --jp-ui-font-color1)
THEMES = {"light": ((255, 255, 255), (0, 0, 0, 0.87)), "dark": ((17, 17, 17), (255, 255, 255, 1.0))}


def _rgba(text: str) -> tuple[float, float, float, float]:
    if text.startswith("#"):
        return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16), 1.0
    parts = [float(p) for p in re.findall(r"[\d.]+", text)]
    return parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0


def _over(color: tuple[float, ...], background: tuple[float, ...]) -> tuple[float, ...]:
    alpha = color[3] if len(color) > 3 else 1.0
    return tuple(
        alpha * c + (1 - alpha) * b for c, b in zip(color[:3], background[:3], strict=True)
    )


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _scale_color(scale: list[list[Any]], t: float) -> tuple[float, ...]:
    (t0, c0), (t1, c1) = scale[0], scale[-1]
    a, b = _rgba(c0), _rgba(c1)
    f = (t - t0) / (t1 - t0)
    return tuple(x + (y - x) * f for x, y in zip(a, b, strict=True))


def test_confusion_matrix_numbers_read_in_both_themes(
    cancer: tuple[pd.DataFrame, InsightsReport],
) -> None:
    _, report = cancer
    fig = next(f for f in report_figures(report) if f["id"] == "confusion")["figure"]
    (trace,) = fig["data"]
    z = trace["z"]
    # one label per cell, in the theme's text colour (no colour of its own), none from
    # plotly's per-cell guess, which ignores the background behind a translucent cell
    assert "texttemplate" not in trace
    notes = fig["layout"]["annotations"]
    assert len(notes) == sum(len(row) for row in z)
    assert {n["text"] for n in notes} == {f"{v:,}" for row in z for v in row}
    assert all("color" not in n.get("font", {}) for n in notes)
    low, high = min(min(row) for row in z), max(max(row) for row in z)
    for value in {low, high, (low + high) / 2}:
        t = (value - low) / ((high - low) or 1)
        cell = _scale_color(trace["colorscale"], t)
        for name, (background, text) in THEMES.items():
            shown = _over(cell, background)
            ink = _over(text, shown)
            assert _contrast(ink, shown) >= 4.5, (name, value, shown)


def test_anomaly_histogram_ticks_only_powers_of_ten(
    cancer: tuple[pd.DataFrame, InsightsReport],
) -> None:
    _, report = cancer
    fig = next(f for f in report_figures(report) if f["id"] == "anomalies")["figure"]
    axis = fig["layout"]["yaxis"]
    assert axis["type"] == "log" and axis["tickmode"] == "array"
    top = max(fig["data"][0]["y"])
    # a short axis (< 100 rows per bar) keeps 2 and 5 of the first decade, nothing more
    assert top < 100 and axis["tickvals"] == [1, 2, 5, 10]
    assert math.log10(top * 1.5) == pytest.approx(axis["range"][1])
    # a long one: one tick per decade, 2s and 5s (plotly's default clutter) gone
    long_axis = _log_count_axis([3, 0, 40, 2500, 7])
    assert long_axis["tickvals"] == [1, 10, 100, 1000]
    assert long_axis["ticktext"] == ["1", "10", "100", "1k"]
