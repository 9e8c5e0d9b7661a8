"""One monitoring execution's work, from its inputs to its output folder.

What a processing job runs for a baseline, a data-quality or a model-quality execution
(the scheduler decides when, the job gives it status, log and outputs). Outputs, in
SageMaker's names where it has them:

- baseline: ``statistics.json``, ``constraints.json``;
- data quality: ``constraint_violations.json``, ``statistics.json`` (of the window) and
  ``report.json`` (:class:`~.checks.CheckReport`: outcome, drift per feature, histograms);
- model quality: ``constraint_violations.json`` (metric violations) and ``report.json``
  (:class:`~.quality.QualityReport`).

A window without captured rows is the ``NoData`` outcome, written like any other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InvalidArgumentError
from .baseline import STATISTICS_FILE, Baseline, suggest_baseline, suggest_baseline_from_path
from .captures import PROBABILITY_PREFIX, NoData, read_window
from .checks import CheckReport, DriftOptions, check
from .quality import (
    CBPE,
    ProblemType,
    QualityConstraints,
    QualityReport,
    QualityViolation,
    model_quality,
    read_ground_truth,
    shifted_window,
)

REPORT_FILE = "report.json"
VIOLATIONS_FILE = "constraint_violations.json"


class QualityViolations(BaseModel):
    violations: list[QualityViolation]


def _write(folder: Path, name: str, model: BaseModel) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = model.model_dump_json(by_alias=True, exclude_none=True, indent=1)
    (folder / name).write_text(text + "\n", encoding="utf-8")


def run_baseline(data: str | Path, output: str | Path, **options: Any) -> Baseline:
    """The baseline of a table file or folder, written to ``output``."""
    baseline = suggest_baseline_from_path(data, **options)
    baseline.save(output)
    return baseline


def run_data_quality(
    capture: str,
    baseline: str | Path | Baseline,
    start: datetime,
    end: datetime,
    output: str | Path,
    *,
    variant: str | None = None,
    signature_inputs: Sequence[Mapping[str, Any]] | None = None,
    options: DriftOptions | Mapping[str, Any] | None = None,
) -> CheckReport:
    """Check the traffic captured under ``capture`` in ``[start, end)``."""
    folder = Path(output)
    reference = baseline if isinstance(baseline, Baseline) else Baseline.load(baseline)
    window = read_window(
        capture,
        start,
        end,
        variant=variant,
        signature_inputs=signature_inputs,
        feature_names=reference.feature_names,
    )
    if isinstance(window, NoData):
        report = CheckReport(outcome="NoData", rows=0, message=window.reason)
    else:
        report = check(window.features, reference, options)
        # every captured value null: no statistics to give, the checks said why
        with contextlib.suppress(InvalidArgumentError):
            _write(folder, STATISTICS_FILE, suggest_baseline(window.features).statistics)
    _write(folder, VIOLATIONS_FILE, report.constraint_violations())
    _write(folder, REPORT_FILE, report)
    return report


def run_model_quality(
    capture: str,
    ground_truth: str | Path,
    start: datetime,
    end: datetime,
    output: str | Path,
    *,
    offset: timedelta = timedelta(0),
    variant: str | None = None,
    problem_type: ProblemType | None = None,
    constraints: QualityConstraints | None = None,
    cbpe: CBPE | None = None,
) -> QualityReport:
    """Quality of the predictions of ``[start - offset, end - offset)`` against the
    labels uploaded under ``ground_truth`` so far; with ``cbpe``, also the estimated
    accuracy of every captured row of the window from its captured probabilities."""
    folder = Path(output)
    first, last = shifted_window(start, end, offset)
    window = read_window(capture, first, last, variant=variant)
    if isinstance(window, NoData):
        report = QualityReport(outcome="NoData", labelled_rows=0, message=window.reason)
    else:
        meta = window.meta
        if cbpe is not None and window.classes:
            meta = _probabilities_by_class(meta, [str(c) for c in window.classes], cbpe)
        report = model_quality(
            meta,
            read_ground_truth(ground_truth),
            problem_type=problem_type,
            constraints=constraints,
            cbpe=cbpe,
        )
    # SageMaker's model-quality file: metric violations under "violations"
    _write(folder, VIOLATIONS_FILE, QualityViolations(violations=report.violations))
    _write(folder, REPORT_FILE, report)
    return report


def _probabilities_by_class(meta: Any, classes: list[str], cbpe: CBPE) -> Any:
    """The captured ``probability_<j>`` columns (``j`` the endpoint's class index) in
    the order of the CBPE's classes, so the estimate calibrates each class with its own
    curve even when the endpoint lists its classes in another order."""
    if sorted(classes) != sorted(cbpe.classes) or classes == cbpe.classes:
        return meta
    columns = [f"{PROBABILITY_PREFIX}{classes.index(c)}" for c in cbpe.classes]
    if not all(c in meta.columns for c in columns):
        return meta
    renamed = {c: f"{PROBABILITY_PREFIX}{j}" for j, c in enumerate(columns)}
    ordered = meta.drop(columns=columns).assign(**{n: meta[o] for o, n in renamed.items()})
    return ordered
