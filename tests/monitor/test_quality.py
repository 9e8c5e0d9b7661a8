"""Model quality from late labels, checked against thresholds; CBPE before labels come."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window
from jupyter_mlstudio.monitor.quality import (
    CBPE,
    CBPEReference,
    classification_metrics,
    model_quality,
    read_ground_truth,
    regression_metrics,
    shifted_window,
    suggest_quality_constraints,
    validate_ground_truth,
    write_ground_truth,
)
from jupyter_mlstudio.serving.capture import CaptureRecord, CaptureWriter

from .scenario import traffic

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
NUMERIC = ["income", "balance", "tenure", "age", "score", "calls"]


def churned(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Labels from a fixed logistic law of the features: its boundary sits at an income
    of 65,000, one standard deviation above the training mean, where the shifted
    traffic lives, so the same model is right less often there."""
    logit = 2.0 * (frame["income"] - 65_000) / 15_000 + frame["score"]
    return np.asarray(rng.random(len(frame)) < 1 / (1 + np.exp(-logit)), dtype=int)


class Scenario:
    def __init__(self, tmp_path: Path) -> None:
        rng = np.random.default_rng(0)
        train = traffic(20_000, seed=10)
        self.model = LogisticRegression(max_iter=1000).fit(train[NUMERIC], churned(train, rng))
        reference = traffic(5000, seed=13)
        self.reference_labels = churned(reference, rng)
        self.reference_proba = self.model.predict_proba(reference[NUMERIC])
        self.cbpe = CBPE.fit(self.reference_proba, self.reference_labels, classes=[0, 1])
        reference_metrics = classification_metrics(
            pd.Series(self.reference_labels),
            pd.Series(self.model.predict(reference[NUMERIC])),
            pd.DataFrame(self.reference_proba, columns=["probability_0", "probability_1"]),
        )
        self.reference_accuracy = reference_metrics.metrics["accuracy"]
        self.constraints = suggest_quality_constraints(reference_metrics, tolerance=0.05)

        self.capture = tmp_path / "capture"
        self.labels: dict[str, int] = {}
        records = []
        for hour, frame in enumerate(
            [traffic(2000, seed=11), traffic(2000, seed=12, shifted=True, new_category=True)]
        ):
            proba = self.model.predict_proba(frame[NUMERIC])
            truth = churned(frame, rng)
            for i, row in enumerate(frame.to_dict(orient="records")):
                inference_id = f"h{hour}-{i}"
                self.labels[inference_id] = int(truth[i])
                records.append(
                    CaptureRecord(
                        inference_id,
                        (T0 + timedelta(hours=hour, seconds=i)).timestamp(),
                        "AllTraffic",
                        "churn",
                        1,
                        "application/json",
                        {"dataframe_records": [row]},
                        200,
                        {"predictions": [proba[i].tolist()]},
                        0,
                    )
                )
        writer = CaptureWriter(
            str(self.capture),
            endpoint="churn",
            worker="w0",
            file_format="parquet",
            rotate_bytes=1 << 22,
            rotate_seconds=60,
        )
        for record in records:
            assert writer.submit(record)
        writer.close()
        self.ground_truth = tmp_path / "ground-truth"

    def window(self, start: datetime, end: datetime) -> CapturedWindow:
        found = read_window(str(self.capture), start, end)
        assert isinstance(found, CapturedWindow)
        return found

    def upload(self, ids: list[str], at: datetime) -> None:
        known = self.window(T0, T0 + timedelta(hours=2)).meta["inference_id"]
        frame = pd.DataFrame({"inference_id": ids, "label": [self.labels[i] for i in ids]})
        write_ground_truth(
            self.ground_truth, validate_ground_truth(frame, known, classes=[0, 1]), at=at
        )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return Scenario(tmp_path_factory.mktemp("quality"))


def test_quality_from_late_labels_and_the_estimate_before_them(scenario: Scenario) -> None:
    first, second = (
        scenario.window(T0 + timedelta(hours=h), T0 + timedelta(hours=h + 1)) for h in (0, 1)
    )
    # no label yet: no realized quality, but an estimate
    before = model_quality(first.meta, read_ground_truth(scenario.ground_truth), cbpe=scenario.cbpe)
    assert before.outcome == "NoData" and before.labelled_rows == 0
    assert before.estimated_accuracy == pytest.approx(scenario.reference_accuracy, abs=0.03)

    # half the first hour's labels arrive an hour late, the rest and the second hour's later
    first_ids = [f"h0-{i}" for i in range(2000)]
    scenario.upload(first_ids[:1000], T0 + timedelta(hours=2))
    partial = model_quality(first.meta, read_ground_truth(scenario.ground_truth))
    assert partial.labelled_rows == 1000
    scenario.upload(first_ids[1000:] + [f"h1-{i}" for i in range(2000)], T0 + timedelta(hours=5))
    labels = read_ground_truth(scenario.ground_truth)
    assert len(labels) == 4000

    reports = [
        model_quality(w.meta, labels, constraints=scenario.constraints, cbpe=scenario.cbpe)
        for w in (first, second)
    ]
    accuracies = []
    for report in reports:
        assert report.quality is not None and report.labelled_rows == 2000
        realized = report.quality.metrics["accuracy"]
        assert realized is not None
        accuracies.append(realized)
        # the estimate made without labels tracked the realized accuracy
        assert report.estimated_accuracy == pytest.approx(realized, abs=0.03)
        matrix = report.quality.confusion_matrix
        assert matrix is not None and matrix.labels == ["0", "1"]
        assert sum(map(sum, matrix.counts)) == 2000
        assert report.quality.metrics["auc"] is not None
    assert reports[0].outcome == "Completed" and reports[0].violations == []
    assert accuracies[1] < accuracies[0] - 0.05  # the shifted traffic sits on the boundary
    assert reports[1].outcome == "CompletedWithViolations"
    assert "accuracy" in {v.metric_name for v in reports[1].violations}
    violation = next(v for v in reports[1].violations if v.metric_name == "accuracy")
    assert violation.constraint_check_type == "LessThanThreshold"
    assert violation.description.startswith(f"Metric accuracy with {accuracies[1]:.4g} was")

    # an execution at 11:00-12:00 with a 2-hour offset judges the 9:00 predictions
    start, end = shifted_window(
        T0 + timedelta(hours=2), T0 + timedelta(hours=3), timedelta(hours=2)
    )
    assert (start, end) == (T0, T0 + timedelta(hours=1))
    offset = model_quality(scenario.window(start, end).meta, labels)
    assert offset.quality is not None
    assert offset.quality.metrics["accuracy"] == accuracies[0]

    # per-window estimates, e.g. for a chart next to the realized accuracy
    both = scenario.window(T0, T0 + timedelta(hours=2))
    probabilities = both.probabilities
    assert probabilities is not None
    estimates = scenario.cbpe.estimate_by_window(both.meta["capture_time"], probabilities, "1h")
    assert estimates["rows"].tolist() == [2000, 2000]
    assert estimates["estimated_accuracy"].tolist() == pytest.approx(
        [r.estimated_accuracy for r in reports]
    )


def test_cbpe_recovers_accuracy_of_a_miscalibrated_multiclass_model() -> None:
    rng = np.random.default_rng(4)

    def sample(n: int, center: float) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(center, 1.5, n)
        logits = np.column_stack([-2 * x, np.zeros(n), 2 * x - 1])
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        y = np.array([rng.choice(3, p=p) for p in proba])
        # the model is over-confident: its scores are the true law sharpened
        sharp = proba**3 / (proba**3).sum(axis=1, keepdims=True)
        return sharp, y

    ref_scores, ref_y = sample(5000, 0.0)
    cbpe = CBPE.fit(
        pd.DataFrame(ref_scores, columns=["probability_a", "probability_b", "probability_c"]),
        np.array(["a", "b", "c"])[ref_y],
    )
    assert cbpe.classes == ["a", "b", "c"]
    cur_scores, cur_y = sample(3000, 0.4)
    realized = accuracy_score(cur_y, cur_scores.argmax(axis=1))
    naive = float(cur_scores.max(axis=1).mean())  # the uncalibrated confidence is far off
    estimate = cbpe.estimate(cur_scores)
    assert estimate is not None
    assert abs(naive - realized) > 0.05
    assert estimate == pytest.approx(realized, abs=0.03)
    # stored as JSON with a monitor and loaded back, it estimates the same
    stored = CBPEReference.model_validate_json(cbpe.to_model().model_dump_json())
    assert CBPE.from_model(stored).estimate(cur_scores) == estimate
    assert len(cbpe.to_model().model_dump_json()) < 100_000


def test_ground_truth_refusals(scenario: Scenario) -> None:
    known = ["h0-1", "h0-2"]
    with pytest.raises(
        InvalidArgumentError,
        match=r"1 ground-truth rows name inference ids the endpoint never captured \(e\.g\. nope\)",
    ):
        validate_ground_truth(
            pd.DataFrame({"inference_id": ["h0-1", "nope"], "label": [0, 1]}), known
        )
    with pytest.raises(InvalidArgumentError, match="missing: label"):
        validate_ground_truth(pd.DataFrame({"inference_id": ["h0-1"], "y": [1]}), known)
    with pytest.raises(InvalidArgumentError, match="two labels for the same inference: h0-1"):
        validate_ground_truth(
            pd.DataFrame({"inference_id": ["h0-1", "h0-1"], "label": [0, 1]}), known
        )
    with pytest.raises(InvalidArgumentError, match="1 ground-truth rows have no label"):
        validate_ground_truth(pd.DataFrame({"inference_id": ["h0-1"], "label": [None]}), known)
    with pytest.raises(InvalidArgumentError, match="no rows"):
        validate_ground_truth(pd.DataFrame({"inference_id": [], "label": []}), known)
    with pytest.raises(
        InvalidArgumentError, match=r"labels are not classes of the model \(0, 1\), e\.g\. 'yes'"
    ):
        validate_ground_truth(
            pd.DataFrame({"inference_id": ["h0-1"], "label": ["yes"]}), known, classes=[0, 1]
        )
    with pytest.raises(
        InvalidArgumentError, match="A regression model's labels are numbers; 1 are not"
    ):
        validate_ground_truth(
            pd.DataFrame({"inference_id": ["h0-1", "h0-2"], "label": [1.5, "high"]}),
            known,
            problem_type="regression",
        )
    # labels of another type reach the metrics only as a clear error
    window = scenario.window(T0, T0 + timedelta(hours=1))
    wrong = pd.DataFrame({"inference_id": ["h0-1"], "inference_row": [0], "label": ["yes"]})
    with pytest.raises(InvalidArgumentError, match="the label type does not match the predictions"):
        model_quality(window.meta, wrong)


def test_regression_and_multiclass_metrics() -> None:
    truth = np.array([3.0, 5.0, 2.5, 7.0])
    predicted = np.array([2.5, 5.0, 4.0, 8.0])
    quality = regression_metrics(truth, predicted)
    assert quality.metrics["mae"] == pytest.approx(np.mean(np.abs(truth - predicted)))
    assert quality.metrics["rmse"] == pytest.approx(np.sqrt(np.mean((truth - predicted) ** 2)))
    r2 = 1 - np.sum((truth - predicted) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert quality.metrics["r2"] == pytest.approx(r2)
    constraints = suggest_quality_constraints(quality, tolerance=0.1)
    assert constraints.regression_constraints is not None
    assert constraints.regression_constraints["mae"].comparison_operator == "GreaterThanThreshold"
    worse = regression_metrics(truth, predicted + 2)
    from jupyter_mlstudio.monitor.quality import quality_violations

    assert {v.metric_name for v in quality_violations(worse, constraints)} == {"mae", "rmse", "r2"}

    labels = pd.Series(["cat", "dog", "bird", "dog", "cat", "bird"])
    predictions = pd.Series(["cat", "dog", "dog", "dog", "bird", "bird"])
    multi = classification_metrics(labels, predictions)
    assert multi.problem_type == "multiclass"
    assert multi.metrics["accuracy"] == pytest.approx(4 / 6)
    assert multi.confusion_matrix is not None
    assert multi.confusion_matrix.labels == ["bird", "cat", "dog"]
    assert multi.confusion_matrix.counts == [[1, 0, 1], [1, 1, 0], [0, 0, 2]]


def test_labels_join_repeated_ids_and_frames_without_row_numbers() -> None:
    captured = pd.DataFrame(
        {
            "inference_id": ["a", "a", "b", "c"],
            "inference_row": [0, 0, 0, 0],
            "prediction": [1, 1, 0, 1],
        }
    )
    labels = pd.DataFrame({"inference_id": ["a", "b", "b"], "label": [1, 1, 0]})
    report = model_quality(captured, labels, problem_type="binary")
    assert report.labelled_rows == 3  # both captures of "a"; "b"'s later label wins
    assert report.quality is not None and report.quality.metrics["accuracy"] == 1.0
