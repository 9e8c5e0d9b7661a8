"""Model quality: predictions against ground truth, and estimates before it arrives.

Ground truth arrives late and is joined to the captured predictions by inference id
(and, for a request of several rows, the row's position: ``inference_row``, 0 when
absent). It is kept as JSON-lines files in SageMaker's ground-truth record shape,
filed by the hour it was uploaded::

    {"groundTruthData": {"data": "1", "encoding": "CSV"},
     "eventMetadata": {"eventId": "<inference id>", "inferenceRow": 0}, "eventVersion": "0"}

A model-quality execution over ``[start, end)`` with an ``offset`` looks at the
predictions of ``[start - offset, end - offset)``: their labels had ``offset`` to come.

Metrics are scikit-learn's: accuracy, precision, recall, F1 (binary: of the positive
class; multiclass: weighted), ROC AUC when probabilities were captured, the confusion
matrix; MAE, RMSE, R² for regression. They are compared with thresholds in the shape
of SageMaker's model-quality ``constraints.json``.

Before labels arrive, :class:`CBPE` (NannyML's confidence-based performance
estimation) estimates accuracy from the predicted probabilities: calibrated on a
labelled reference set (isotonic regression per class), the expected accuracy of a set
of rows is the mean calibrated probability of each row's predicted class.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidArgumentError
from .captures import INFERENCE_ID, PREDICTION, PROBABILITY_PREFIX, ROW

LABEL = "label"
ProblemType = Literal["binary", "multiclass", "regression"]
Operator = Literal["LessThanThreshold", "GreaterThanThreshold"]
#: Metrics where lower is better (a violation is going above the threshold).
LOWER_IS_BETTER = frozenset({"mae", "rmse", "mse"})


class ConfusionMatrix(BaseModel):
    labels: list[str]
    # counts[i][j]: rows of true label i predicted as label j
    counts: list[list[int]]


class QualityMetrics(BaseModel):
    problem_type: ProblemType
    rows: int
    metrics: dict[str, float | None]
    confusion_matrix: ConfusionMatrix | None = None


class MetricThreshold(BaseModel):
    model_config = ConfigDict(extra="allow")
    threshold: float
    comparison_operator: Operator


class QualityConstraints(BaseModel):
    """SageMaker's model-quality ``constraints.json``: one of the three sections."""

    model_config = ConfigDict(extra="allow")
    version: float = 0.0
    binary_classification_constraints: dict[str, MetricThreshold] | None = None
    multiclass_classification_constraints: dict[str, MetricThreshold] | None = None
    regression_constraints: dict[str, MetricThreshold] | None = None

    def thresholds(self) -> dict[str, MetricThreshold]:
        return {
            **(self.binary_classification_constraints or {}),
            **(self.multiclass_classification_constraints or {}),
            **(self.regression_constraints or {}),
        }


class QualityViolation(BaseModel):
    metric_name: str
    constraint_check_type: Operator
    description: str


class Calibration(BaseModel):
    """One class's isotonic calibration: the points ``(x, y)`` it interpolates."""

    x: list[float]
    y: list[float]


class CBPEReference(BaseModel):
    """A fitted :class:`CBPE`, as stored with a monitor."""

    classes: list[str]
    calibration: list[Calibration]


class QualityOptions(BaseModel):
    """The options of a model-quality monitor."""

    model_config = ConfigDict(extra="forbid", strict=False)

    problem_type: ProblemType | None = None
    offset_seconds: float = Field(default=0, ge=0)


class QualityReport(BaseModel):
    outcome: Literal["Completed", "CompletedWithViolations", "NoData"]
    labelled_rows: int
    message: str | None = Field(default=None, description="Why there was no data.")
    quality: QualityMetrics | None = None
    violations: list[QualityViolation] = Field(default_factory=list)
    estimated_accuracy: float | None = None


# -- ground truth --------------------------------------------------------------------------
def _ids(values: pd.Series) -> pd.Series:
    return values.astype(str)


def validate_ground_truth(
    ground_truth: pd.DataFrame,
    known_ids: Sequence[str] | pd.Series | None = None,
    *,
    label: str = LABEL,
    problem_type: ProblemType | None = None,
    classes: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Ground truth as ``inference_id``, ``inference_row``, ``label``; refuses missing
    columns, null labels, duplicates, ids not among ``known_ids`` (the captured ones)
    and labels of the wrong type: not numbers for a ``regression`` model, not among the
    ``classes`` of a classifier."""
    if not isinstance(ground_truth, pd.DataFrame):
        raise InvalidArgumentError(
            f"Ground truth must be a DataFrame with columns {INFERENCE_ID!r} and {label!r}, "
            f"not {type(ground_truth).__name__}."
        )
    missing = [c for c in (INFERENCE_ID, label) if c not in ground_truth.columns]
    if missing:
        raise InvalidArgumentError(
            f"Ground truth needs the columns {INFERENCE_ID!r} and {label!r}; missing: "
            f"{', '.join(missing)} (it has {', '.join(map(str, ground_truth.columns))})."
        )
    if len(ground_truth) == 0:
        raise InvalidArgumentError("The ground truth has no rows.")
    frame = pd.DataFrame(
        {
            INFERENCE_ID: _ids(ground_truth[INFERENCE_ID]),
            ROW: (
                pd.to_numeric(ground_truth[ROW], errors="raise").astype(np.int64)
                if ROW in ground_truth.columns
                else 0
            ),
            LABEL: ground_truth[label].to_numpy(),
        }
    )
    nulls = int(frame[LABEL].isna().sum())
    if nulls:
        raise InvalidArgumentError(f"{nulls} ground-truth rows have no label.")
    duplicated = frame.duplicated([INFERENCE_ID, ROW])
    if duplicated.any():
        shown = ", ".join(frame.loc[duplicated, INFERENCE_ID].head(5))
        raise InvalidArgumentError(
            f"Ground truth gives two labels for the same inference: {shown}."
        )
    if known_ids is not None:
        unknown = frame.loc[~frame[INFERENCE_ID].isin(set(map(str, known_ids))), INFERENCE_ID]
        if len(unknown):
            shown = ", ".join(unknown.unique()[:5])
            raise InvalidArgumentError(
                f"{len(unknown)} ground-truth rows name inference ids the endpoint never "
                f"captured (e.g. {shown}): labels join captured requests by the "
                "X-Inference-Id of their response."
            )
    if problem_type == "regression":
        numbers = pd.to_numeric(frame[LABEL], errors="coerce")
        bad = frame.loc[numbers.isna(), LABEL]
        if len(bad):
            raise InvalidArgumentError(
                f"A regression model's labels are numbers; {len(bad)} are not "
                f"(e.g. {bad.iloc[0]!r})."
            )
        frame[LABEL] = numbers.astype(np.float64)
    elif classes is not None:
        names = {_label_text(c) for c in classes}
        bad = frame.loc[~frame[LABEL].map(_label_text).isin(names), LABEL]
        if len(bad):
            shown = ", ".join(sorted(names)[:10])
            raise InvalidArgumentError(
                f"{len(bad)} labels are not classes of the model ({shown}), e.g. "
                f"{bad.iloc[0]!r}: the label type does not match the model's classes."
            )
    return frame


def write_ground_truth(
    destination: str | Path, ground_truth: pd.DataFrame, *, at: datetime | None = None
) -> Path:
    """Append validated ground truth as one JSON-lines file under the upload's hour."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    folder = Path(destination) / moment.strftime("%Y/%m/%d/%H")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ground-truth-{moment:%Y%m%dT%H%M%S%f}.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for inference_id, row, value in ground_truth[[INFERENCE_ID, ROW, LABEL]].itertuples(
            index=False
        ):
            record = {
                "groundTruthData": {"data": _label_text(value), "encoding": "CSV"},
                "eventMetadata": {"eventId": str(inference_id), "inferenceRow": int(row)},
                "eventVersion": "0",
            }
            handle.write(json.dumps(record) + "\n")
    return path


def _label_text(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def read_ground_truth(destination: str | Path) -> pd.DataFrame:
    """Every label uploaded under ``destination``; a later upload of the same inference
    replaces an earlier one. Labels are text as stored (see :func:`merge_ground_truth`)."""
    root = Path(destination)
    ids: list[str] = []
    rows: list[int] = []
    labels: list[str] = []
    if root.exists():
        for path in sorted(root.rglob("*.jsonl")):
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if not line.endswith("\n"):
                        continue
                    record = json.loads(line)
                    meta = record.get("eventMetadata") or {}
                    ids.append(str(meta["eventId"]))
                    rows.append(int(meta.get("inferenceRow", 0)))
                    labels.append(str(record["groundTruthData"]["data"]))
    frame = pd.DataFrame({INFERENCE_ID: ids, ROW: rows, LABEL: labels})
    return frame.drop_duplicates([INFERENCE_ID, ROW], keep="last").reset_index(drop=True)


def shifted_window(start: datetime, end: datetime, offset: timedelta) -> tuple[datetime, datetime]:
    """The predictions a model-quality window over ``[start, end)`` looks at."""
    return start - offset, end - offset


def _coerce_labels(
    labels: pd.Series, predictions: pd.Series, problem_type: ProblemType
) -> pd.Series:
    """Labels in the predictions' type; an :class:`InvalidArgumentError` when they
    cannot be (text labels for a model predicting numbers, say)."""
    if problem_type == "regression" or pd.api.types.is_numeric_dtype(predictions.dtype):
        numbers = pd.to_numeric(labels, errors="coerce")
        bad = labels[numbers.isna()]
        if len(bad):
            raise InvalidArgumentError(
                f"The model predicts numbers but {len(bad)} labels are not numbers "
                f"(e.g. {bad.iloc[0]!r}): the label type does not match the predictions."
            )
        return numbers.astype(np.float64)
    text = labels.astype(str)
    known = set(predictions.astype(str).unique())
    if not text.isin(known).any() and len(known) and len(text):
        raise InvalidArgumentError(
            f"No label is one of the classes the model predicts ({', '.join(sorted(known)[:10])}); "
            f"got e.g. {text.iloc[0]!r}: the label type does not match the predictions."
        )
    return text


def merge_ground_truth(captured: pd.DataFrame, ground_truth: pd.DataFrame) -> pd.DataFrame:
    """The captured rows that have a label: their capture columns plus ``label``.

    ``captured``: a window's capture columns (:attr:`CapturedWindow.meta`).
    """
    if PREDICTION not in captured.columns:
        raise InvalidArgumentError(
            "The captured responses hold no predictions to compare the labels with."
        )
    missing = [c for c in (INFERENCE_ID, LABEL) if c not in ground_truth.columns]
    if missing:
        raise InvalidArgumentError(f"Ground truth needs the columns {', '.join(missing)}.")
    truth = ground_truth.assign(**({} if ROW in ground_truth.columns else {ROW: 0}))
    truth = truth[[INFERENCE_ID, ROW, LABEL]].copy()
    truth[INFERENCE_ID] = _ids(truth[INFERENCE_ID])
    # a later label of the same inference replaces an earlier one
    truth = truth.drop_duplicates([INFERENCE_ID, ROW], keep="last")
    left = captured.copy()
    left[INFERENCE_ID] = _ids(left[INFERENCE_ID])
    # a client may send one X-Inference-Id twice: both captured rows get its label
    return left.merge(truth, on=[INFERENCE_ID, ROW], how="inner", validate="many_to_one")


def infer_problem_type(predictions: pd.Series) -> ProblemType:
    if pd.api.types.is_float_dtype(predictions.dtype):
        values = predictions.dropna().to_numpy(dtype=np.float64)
        if not np.all(np.mod(values, 1) == 0) or len(np.unique(values)) > 20:
            return "regression"
    return "binary" if predictions.nunique() <= 2 else "multiclass"


def check_label_type(ground_truth: pd.DataFrame, predictions: pd.Series | None) -> None:
    """Refuse labels whose type cannot match what the endpoint predicted: words for a
    model that answers numbers (a classifier of class numbers or a regressor)."""
    if predictions is None or not pd.api.types.is_numeric_dtype(predictions.dtype):
        return
    numbers = pd.to_numeric(ground_truth[LABEL], errors="coerce")
    bad = ground_truth.loc[numbers.isna(), LABEL]
    if len(bad):
        raise InvalidArgumentError(
            f"The endpoint predicts numbers but {len(bad)} labels are not numbers "
            f"(e.g. {bad.iloc[0]!r}): the label type does not match the model's predictions."
        )


# -- metrics -------------------------------------------------------------------------------
def _clean(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def classification_metrics(
    labels: pd.Series | np.ndarray[Any, Any],
    predictions: pd.Series | np.ndarray[Any, Any],
    probabilities: pd.DataFrame | None = None,
) -> QualityMetrics:
    """Accuracy, precision, recall, F1, AUC (with probabilities) and the confusion
    matrix; ``probabilities``: ``probability_<class>`` columns."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    y_true = np.asarray(labels)
    y_pred = np.asarray(predictions)
    classes = np.unique(np.concatenate([y_true, y_pred]))
    binary = len(classes) <= 2
    if binary and len(classes) == 2:
        positive = classes[1]
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_true, y_pred, average="binary", pos_label=positive, zero_division=0
        )
    else:
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_true, y_pred, average="weighted", zero_division=0
        )
    metrics: dict[str, float | None] = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "auc": None,
    }
    if probabilities is not None and probabilities.shape[1] >= 2 and len(np.unique(y_true)) >= 2:
        names = [str(c).removeprefix(PROBABILITY_PREFIX) for c in probabilities.columns]
        scores = probabilities.to_numpy(dtype=np.float64)
        if set(map(str, np.unique(y_true))) <= set(names):
            try:
                if len(names) == 2:
                    metrics["auc"] = _clean(
                        roc_auc_score(y_true.astype(str) == names[1], scores[:, 1])
                    )
                else:
                    metrics["auc"] = _clean(
                        roc_auc_score(
                            y_true.astype(str),
                            scores / scores.sum(axis=1, keepdims=True),
                            multi_class="ovr",
                            labels=names,
                        )
                    )
            except ValueError:  # a class absent from the labels of this window
                metrics["auc"] = None
    matrix = confusion_matrix(y_true, y_pred, labels=classes)
    return QualityMetrics(
        problem_type="binary" if binary else "multiclass",
        rows=len(y_true),
        metrics=metrics,
        confusion_matrix=ConfusionMatrix(
            labels=[str(c) for c in classes], counts=matrix.astype(int).tolist()
        ),
    )


def regression_metrics(
    labels: pd.Series | np.ndarray[Any, Any], predictions: pd.Series | np.ndarray[Any, Any]
) -> QualityMetrics:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(labels, dtype=np.float64)
    y_pred = np.asarray(predictions, dtype=np.float64)
    metrics: dict[str, float | None] = {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(math.sqrt(mean_squared_error(y_true, y_pred))),
        "r2": _clean(r2_score(y_true, y_pred)) if len(y_true) >= 2 else None,
    }
    return QualityMetrics(problem_type="regression", rows=len(y_true), metrics=metrics)


def suggest_quality_constraints(
    metrics: QualityMetrics, *, tolerance: float = 0.05
) -> QualityConstraints:
    """Thresholds from a validation run's metrics: higher-is-better metrics may drop by
    ``tolerance`` (absolute), errors may grow by ``tolerance`` (relative)."""
    thresholds: dict[str, MetricThreshold] = {}
    for name, value in metrics.metrics.items():
        if value is None:
            continue
        if name in LOWER_IS_BETTER:
            thresholds[name] = MetricThreshold(
                threshold=value * (1 + tolerance), comparison_operator="GreaterThanThreshold"
            )
        else:
            thresholds[name] = MetricThreshold(
                threshold=value - tolerance, comparison_operator="LessThanThreshold"
            )
    section = {
        "binary": "binary_classification_constraints",
        "multiclass": "multiclass_classification_constraints",
        "regression": "regression_constraints",
    }[metrics.problem_type]
    return QualityConstraints.model_validate({section: thresholds})


def quality_violations(
    metrics: QualityMetrics, constraints: QualityConstraints
) -> list[QualityViolation]:
    violations = []
    for name, limit in constraints.thresholds().items():
        value = metrics.metrics.get(name)
        if value is None:
            continue
        below = limit.comparison_operator == "LessThanThreshold" and value < limit.threshold
        above = limit.comparison_operator == "GreaterThanThreshold" and value > limit.threshold
        if below or above:
            violations.append(
                QualityViolation(
                    metric_name=name,
                    constraint_check_type=limit.comparison_operator,
                    description=(
                        f"Metric {name} with {value:.4g} was {limit.comparison_operator} "
                        f"'{limit.threshold:.4g}'."
                    ),
                )
            )
    return violations


def model_quality(
    captured: pd.DataFrame,
    ground_truth: pd.DataFrame,
    *,
    problem_type: ProblemType | None = None,
    constraints: QualityConstraints | None = None,
    cbpe: CBPE | None = None,
) -> QualityReport:
    """Realized quality of the labelled captured rows, checked against ``constraints``;
    with ``cbpe``, also the estimated accuracy of every captured row (labelled or not)."""
    estimated = None
    probabilities = _probabilities(captured)
    if cbpe is not None and probabilities is not None and len(captured):
        estimated = cbpe.estimate(probabilities)
    if len(captured) == 0:
        return QualityReport(outcome="NoData", labelled_rows=0, message="No captured rows.")
    captured = with_predictions(captured)
    merged = merge_ground_truth(captured, ground_truth)
    if len(merged) == 0:
        return QualityReport(
            outcome="NoData",
            labelled_rows=0,
            message=f"None of the {len(captured)} captured rows has a label yet.",
            estimated_accuracy=estimated,
        )
    predictions = merged[PREDICTION]
    kind = problem_type or infer_problem_type(captured[PREDICTION])
    labels = _coerce_labels(merged[LABEL], predictions, kind)
    if kind == "regression":
        quality = regression_metrics(labels, pd.to_numeric(predictions))
    else:
        if pd.api.types.is_numeric_dtype(predictions.dtype):
            predictions = predictions.astype(np.float64)
            both = np.concatenate([predictions.to_numpy(), labels.to_numpy()])
            if np.all(np.mod(both, 1) == 0):  # class numbers: 1, not 1.0, in the matrix
                predictions, labels = predictions.astype(np.int64), labels.astype(np.int64)
        else:
            predictions = predictions.astype(str)
        quality = classification_metrics(labels, predictions, _probabilities(merged))
    violations = quality_violations(quality, constraints) if constraints else []
    return QualityReport(
        outcome="CompletedWithViolations" if violations else "Completed",
        labelled_rows=len(merged),
        quality=quality,
        violations=violations,
        estimated_accuracy=estimated,
    )


def with_predictions(captured: pd.DataFrame) -> pd.DataFrame:
    """Captured rows with a ``prediction``: when the responses held only probabilities,
    the class of the highest one (``probability_<class>`` names the class; a class
    that reads as a whole number becomes one)."""
    probabilities = _probabilities(captured)
    if PREDICTION in captured.columns or probabilities is None:
        return captured
    names = [str(c).removeprefix(PROBABILITY_PREFIX) for c in probabilities.columns]
    best = np.argmax(probabilities.to_numpy(dtype=np.float64), axis=1)
    labels: list[Any] = [names[j] for j in best]
    if all(n.lstrip("-").isdigit() for n in names):
        labels = [int(n) for n in labels]
    return captured.assign(**{PREDICTION: labels})


def _probabilities(frame: pd.DataFrame) -> pd.DataFrame | None:
    columns = [c for c in frame.columns if str(c).startswith(PROBABILITY_PREFIX)]
    return frame[columns] if len(columns) >= 2 else None


# -- CBPE ----------------------------------------------------------------------------------
class CBPE:
    """Confidence-based performance estimation of a classifier's accuracy.

    Fit on a reference set with labels (the validation set: predicted probabilities and
    true classes); :meth:`estimate` then needs only probabilities. Each class's
    probability is calibrated by isotonic regression on the reference (one-vs-rest),
    rows renormalized; a row's expected accuracy is the calibrated probability of the
    class it is predicted as (the most probable one).
    """

    def __init__(self, classes: Sequence[str], calibration: Sequence[Calibration]) -> None:
        self.classes = [str(c) for c in classes]
        self.calibration = list(calibration)

    def to_model(self) -> CBPEReference:
        """What a monitor stores (a few KB of JSON) to estimate without the reference."""
        return CBPEReference(classes=self.classes, calibration=self.calibration)

    @classmethod
    def from_model(cls, reference: CBPEReference) -> CBPE:
        return cls(reference.classes, reference.calibration)

    @classmethod
    def fit(
        cls,
        probabilities: pd.DataFrame | np.ndarray[Any, Any],
        labels: Sequence[Any] | pd.Series | np.ndarray[Any, Any],
        classes: Sequence[Any] | None = None,
    ) -> CBPE:
        """``probabilities``: one column per class (``probability_<class>`` columns of a
        frame name them, else ``classes`` does)."""
        from sklearn.isotonic import IsotonicRegression

        scores, names = _scores(probabilities, classes)
        truth = np.asarray(labels).astype(str)
        if len(truth) != len(scores):
            raise InvalidArgumentError(
                f"{len(truth)} labels for {len(scores)} rows of reference probabilities."
            )
        if len(truth) < 2:
            raise InvalidArgumentError("CBPE needs a labelled reference set of several rows.")
        unknown = sorted(set(truth) - set(names))
        if unknown:
            raise InvalidArgumentError(
                f"Reference labels {', '.join(unknown[:5])} are not among the classes "
                f"{', '.join(names)} of the probabilities."
            )
        calibration = []
        for j, name in enumerate(names):
            calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            calibrator.fit(scores[:, j], (truth == name).astype(np.float64))
            # the fitted step points: predicting is interpolating between them, clipped
            # at the ends, exactly as IsotonicRegression.predict does
            calibration.append(
                Calibration(
                    x=[float(v) for v in calibrator.X_thresholds_],
                    y=[float(v) for v in calibrator.y_thresholds_],
                )
            )
        return cls(names, calibration)

    def calibrated(
        self, probabilities: pd.DataFrame | np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any]:
        scores, _ = _scores(probabilities, self.classes)
        if scores.shape[1] != len(self.classes):
            raise InvalidArgumentError(
                f"Expected {len(self.classes)} probability columns, got {scores.shape[1]}."
            )
        columns = [np.interp(scores[:, j], c.x, c.y) for j, c in enumerate(self.calibration)]
        calibrated = np.column_stack(columns)
        totals = calibrated.sum(axis=1, keepdims=True)
        return np.asarray(
            np.divide(
                calibrated, totals, out=np.full_like(calibrated, 1 / len(columns)), where=totals > 0
            )
        )

    def row_confidence(
        self, probabilities: pd.DataFrame | np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any]:
        scores, _ = _scores(probabilities, self.classes)
        predicted = np.argmax(scores, axis=1)
        return np.asarray(self.calibrated(scores)[np.arange(len(scores)), predicted])

    def estimate(self, probabilities: pd.DataFrame | np.ndarray[Any, Any]) -> float | None:
        """The expected accuracy of the rows (None for no rows)."""
        confidence = self.row_confidence(probabilities)
        return float(confidence.mean()) if len(confidence) else None

    def estimate_by_window(
        self, times: pd.Series, probabilities: pd.DataFrame, freq: str = "1h"
    ) -> pd.DataFrame:
        """Estimated accuracy and row count per ``freq`` window of ``times``."""
        confidence = pd.Series(self.row_confidence(probabilities), index=pd.DatetimeIndex(times))
        grouped = confidence.groupby(pd.Grouper(freq=freq))
        frame = pd.DataFrame({"estimated_accuracy": grouped.mean(), "rows": grouped.size()})
        return frame[frame["rows"] > 0]


def _scores(
    probabilities: pd.DataFrame | np.ndarray[Any, Any], classes: Sequence[Any] | None
) -> tuple[np.ndarray[Any, Any], list[str]]:
    if isinstance(probabilities, pd.DataFrame):
        names = [str(c).removeprefix(PROBABILITY_PREFIX) for c in probabilities.columns]
        scores = probabilities.to_numpy(dtype=np.float64)
    else:
        scores = np.asarray(probabilities, dtype=np.float64)
        if scores.ndim == 1:  # a binary classifier's positive-class probability
            scores = np.column_stack([1 - scores, scores])
        names = (
            [str(c) for c in classes]
            if classes is not None
            else [str(j) for j in range(scores.shape[1])]
        )
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise InvalidArgumentError("CBPE needs one probability column per class (at least two).")
    if classes is not None and len(classes) == scores.shape[1]:
        names = [str(c) for c in classes]
    if not np.all(np.isfinite(scores)):
        raise InvalidArgumentError("Probabilities must be finite numbers.")
    return scores, names
