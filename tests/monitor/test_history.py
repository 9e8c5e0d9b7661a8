"""A monitor's drift over time, read from the reports of real executions (real
processing jobs on a real SQLite store), and model quality next to its estimate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.errors import NotFoundError
from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.history import DriftPoint, _quality_point, monitor_history
from jupyter_mlstudio.monitor.quality import CBPE, model_quality
from jupyter_mlstudio.studio import Studio

from .scenario import traffic


def test_drift_over_time_across_executions(studio: Studio, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(1500, seed=1)).save(baseline)
    table = tmp_path / "scored.csv"
    traffic(1500, seed=2).to_csv(table, index=False)
    service = studio.monitor
    monitor = service.create_monitor("scored", data=str(table), baseline=str(baseline))
    ended = []
    # the same distribution first, then the shifted one: drift appears in the second
    for shifted in (False, True):
        traffic(1500, seed=2, shifted=shifted).to_csv(table, index=False)
        execution = service.run_now(monitor.name)
        ended.append(service.wait(execution.id, timeout=120))
    assert [e.status for e in ended] == ["Completed", "CompletedWithViolations"]

    history = monitor_history(service, "scored")
    assert history.kind == "data-quality" and history.quality == []
    assert [e.id for e in history.executions] == [e.id for e in ended]  # oldest first
    names = [f.name for f in history.features]
    # the three shifted features first (each drifted once), the rest after
    assert set(names[:3]) == {"income", "balance", "tenure"}
    assert set(names) == {"income", "balance", "tenure", "age", "score", "calls", "plan", "region"}
    income = history.features[names.index("income")]
    assert [p.execution_id for p in income.points] == [e.id for e in ended]
    assert [p.drifted for p in income.points] == [False, True]
    assert income.points[0].method == "wasserstein" and income.points[0].threshold == 0.1
    first, second = (p.severity or 0.0 for p in income.points)
    assert first < 1 < second
    plan = history.features[names.index("plan")]
    assert plan.kind == "categorical" and plan.points[0].method == "jensenshannon"
    # the same numbers as each execution's report
    report = service.report(ended[1].id)
    assert report is not None
    reported = next(f for f in report["features"] if f["name"] == "income")
    assert income.points[1].statistic == reported["statistic"]

    # compact: no histograms, a few numbers per feature and execution
    assert (
        len(json.dumps([p.__dict__ for f in history.features for p in f.points], default=str))
        < 8000
    )
    assert monitor_history(service, "scored", max_items=1).executions[0].id == ended[1].id
    with pytest.raises(NotFoundError):
        monitor_history(service, "nope")


def test_severity_puts_p_values_and_distances_on_one_scale() -> None:
    def point(
        method: str, statistic: float | None, p: float | None, threshold: float
    ) -> DriftPoint:
        return DriftPoint(
            "e", pd.Timestamp("2026-01-01").to_pydatetime(), method, statistic, p, threshold, False
        )

    assert point("ks", 0.2, 0.05, 0.05).severity == pytest.approx(1.0)
    assert (
        (point("ks", 0.2, 0.5, 0.05).severity or 0)
        < 1
        < (point("ks", 0.2, 1e-6, 0.05).severity or 0)
    )
    assert point("ks", 0.9, 0.0, 0.05).severity == pytest.approx(np.log(1e-300) / np.log(0.05))
    assert point("psi", 0.25, None, 0.1).severity == pytest.approx(2.5)
    assert point("wasserstein", None, None, 0.1).severity is None


def test_quality_points_carry_the_realized_metrics_and_the_estimate() -> None:
    rng = np.random.default_rng(3)
    scores = rng.random(400)
    proba = pd.DataFrame({"probability_0": 1 - scores, "probability_1": scores})
    labels = (rng.random(400) < scores).astype(int)
    cbpe = CBPE.fit(proba, labels, classes=[0, 1])
    captured = proba.assign(
        inference_id=[f"i{i}" for i in range(400)],
        inference_row=0,
        prediction=(scores > 0.5).astype(int),
    )
    truth = pd.DataFrame({"inference_id": captured["inference_id"], "label": labels})
    report = model_quality(captured, truth, problem_type="binary", cbpe=cbpe)
    from jupyter_mlstudio.monitor.entities import Execution

    moment = pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime()
    execution = Execution("x", "m", moment, moment, moment, "Completed", moment, moment)
    point = _quality_point(execution, json.loads(report.model_dump_json()))
    assert point is not None and point.problem_type == "binary" and point.labelled_rows == 400
    assert report.quality is not None
    assert point.metrics["accuracy"] == report.quality.metrics["accuracy"]
    assert point.metrics["auc"] is not None
    assert point.estimated_accuracy == report.estimated_accuracy is not None
    assert abs((point.estimated_accuracy or 0) - (point.metrics["accuracy"] or 0)) < 0.08
    # before labels: only the estimate
    unlabelled = model_quality(captured, truth.head(0), problem_type="binary", cbpe=cbpe)
    early = _quality_point(execution, json.loads(unlabelled.model_dump_json()))
    assert early is not None and early.metrics == {} and early.estimated_accuracy is not None
