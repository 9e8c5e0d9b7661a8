"""A monitoring execution's output folder, as a processing job would leave it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd

from jupyter_mlstudio.monitor import Baseline
from jupyter_mlstudio.monitor.execution import run_baseline, run_data_quality, run_model_quality
from jupyter_mlstudio.monitor.quality import (
    QualityConstraints,
    validate_ground_truth,
    write_ground_truth,
)

from .scenario import traffic
from .test_captures import T0, rows_as_records, write


def _json(path: Path) -> dict[str, object]:
    document: dict[str, object] = json.loads(path.read_text())
    return document


def test_baseline_then_data_and_model_quality_executions(tmp_path: Path) -> None:
    data = tmp_path / "train.parquet"
    traffic(20_000, seed=10).to_parquet(data)
    baseline = run_baseline(data, tmp_path / "baseline")
    assert Baseline.load(tmp_path / "baseline") == baseline

    capture = tmp_path / "capture"
    normal = traffic(500, seed=11)
    write(
        capture,
        rows_as_records(normal, T0, "n")
        + rows_as_records(
            traffic(500, seed=12, shifted=True, new_category=True), T0 + timedelta(hours=1), "s"
        ),
    )
    hour = timedelta(hours=1)
    first = run_data_quality(str(capture), tmp_path / "baseline", T0, T0 + hour, tmp_path / "e1")
    assert first.outcome == "Completed"
    assert _json(tmp_path / "e1" / "constraint_violations.json") == {"violations": []}
    statistics = _json(tmp_path / "e1" / "statistics.json")
    assert statistics["dataset"] == {"item_count": 500}
    assert _json(tmp_path / "e1" / "report.json")["outcome"] == "Completed"

    second = run_data_quality(str(capture), baseline, T0 + hour, T0 + 2 * hour, tmp_path / "e2")
    violations = _json(tmp_path / "e2" / "constraint_violations.json")["violations"]
    assert isinstance(violations, list)
    assert {v["feature_name"] for v in violations} == {"income", "balance", "tenure", "plan"}
    assert second.outcome == "CompletedWithViolations"

    empty = run_data_quality(str(capture), baseline, T0 + 5 * hour, T0 + 6 * hour, tmp_path / "e3")
    assert empty.outcome == "NoData" and empty.message is not None
    assert "No captured row between" in empty.message
    assert _json(tmp_path / "e3" / "report.json")["outcome"] == "NoData"
    assert not (tmp_path / "e3" / "statistics.json").exists()

    # labels for the first hour, uploaded later; judged by an execution 3 hours on
    truth = pd.DataFrame(
        {
            "inference_id": [f"n-{i}" for i in range(500)],
            "label": (normal["tenure"] > 30).astype(int),
        }
    )
    truth.loc[:49, "label"] = 1 - truth.loc[:49, "label"]  # 10% of the predictions wrong
    write_ground_truth(tmp_path / "labels", validate_ground_truth(truth, truth["inference_id"]))
    constraints = QualityConstraints.model_validate(
        {
            "binary_classification_constraints": {
                "accuracy": {"threshold": 0.95, "comparison_operator": "LessThanThreshold"}
            }
        }
    )
    quality = run_model_quality(
        str(capture),
        tmp_path / "labels",
        T0 + 3 * hour,
        T0 + 4 * hour,
        tmp_path / "q1",
        offset=3 * hour,
        constraints=constraints,
    )
    assert quality.quality is not None and quality.quality.metrics["accuracy"] == 0.9
    assert _json(tmp_path / "q1" / "constraint_violations.json") == {
        "violations": [
            {
                "metric_name": "accuracy",
                "constraint_check_type": "LessThanThreshold",
                "description": "Metric accuracy with 0.9 was LessThanThreshold '0.95'.",
            }
        ]
    }
    nothing = run_model_quality(
        str(capture), tmp_path / "labels", T0 + 3 * hour, T0 + 4 * hour, tmp_path / "q2"
    )
    assert nothing.outcome == "NoData"
