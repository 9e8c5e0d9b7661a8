"""The step types that run other components on a real studio: Tuning (a tuning job whose
best model a Condition and RegisterModel follow), FeatureIngest (an ingest job into a
feature group) and MonitorBaseline + MonitorCheck (a check whose violations a Condition
turns into a Fail)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.pipelines.definition import step_types, validate_document
from jupyter_mlstudio.studio import Studio


@pytest.fixture
def cancer_rows() -> int:
    return 120


def _doc(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "mlstudio.pipeline", "version": 1, "name": name, "steps": steps}


def _run(studio: Studio, document: dict[str, Any], base: Path) -> tuple[Any, dict[str, Any]]:
    pipeline = studio.pipelines.upsert(document)
    execution = studio.pipelines.start(pipeline.name, base_dir=base)
    ended = studio.pipelines.wait(execution.id, timeout=240)
    return ended, {s.name: s for s in studio.pipelines.steps(execution.id)}


def test_step_types_schema_lists_the_component_steps_and_validates_arguments() -> None:
    types = {t["type"]: t for t in step_types()}
    assert {"Tuning", "FeatureIngest", "MonitorBaseline", "MonitorCheck"} <= set(types)
    assert types["Tuning"]["outputs"] == ["model"] and types["Tuning"]["metrics"]
    assert "BestHyperparameters" in types["Tuning"]["properties"]
    assert "hyperparameter_ranges" in types["Tuning"]["schema"]["properties"]
    assert types["MonitorBaseline"]["outputs"] == ["baseline"]
    assert {"RowsIngested", "GroupVersion"} <= set(types["FeatureIngest"]["properties"])

    _, issues = validate_document(
        _doc(
            "bad",
            [
                {
                    "name": "tune",
                    "type": "Tuning",
                    "arguments": {
                        "algorithm": "random-forest-classifier",
                        "data": "d.csv",
                        "hyperparameter_ranges": {"n": {"type": "integer", "min_value": 1}},
                        "objective_metric": "validation:accuracy",
                        "max_trials": 1,
                        "max_parallel": 2,
                    },
                },
                {"name": "ingest", "type": "FeatureIngest", "arguments": {"data": "x.csv"}},
                {
                    "name": "check",
                    "type": "MonitorCheck",
                    "arguments": {"data": "x.csv", "baseline": {"Get": "Steps.ingest.Outputs.b"}},
                },
            ],
        )
    )
    text = [str(i) for i in issues]
    assert any("tune" in t and "max_value" in t for t in text), text
    assert any("ingest" in t and "feature_group" in t for t in text), text
    assert any("has no output 'b'" in t for t in text), text


def test_tuning_step_best_model_is_registered_after_a_condition(
    studio: Studio, tmp_path: Path, cancer_csv: Path
) -> None:
    document = _doc(
        "tune-register",
        [
            {
                "name": "tune",
                "type": "Tuning",
                "arguments": {
                    "algorithm": "random-forest-classifier",
                    "data": cancer_csv.name,
                    "target": "target",
                    "hyperparameters": {"random_state": 0},
                    "hyperparameter_ranges": {
                        "n_estimators": {"type": "integer", "min_value": 2, "max_value": 8}
                    },
                    "objective_metric": "validation:accuracy",
                    "objective_direction": "Maximize",
                    "max_trials": 2,
                    "max_parallel": 2,
                    "random_seed": 1,
                },
            },
            {
                "name": "good",
                "type": "Condition",
                "arguments": {
                    "conditions": [
                        {
                            "op": "GreaterThanOrEqualTo",
                            "left": {"Get": "Steps.tune.Properties.BestObjectiveValue"},
                            "right": 0.5,
                        }
                    ],
                    "if_steps": ["register"],
                },
            },
            {
                "name": "register",
                "type": "RegisterModel",
                "arguments": {
                    "model": {"Get": "Steps.tune.Outputs.model"},
                    "model_name": "tuned-cancer",
                },
            },
        ],
    )
    ended, steps = _run(studio, document, tmp_path)
    assert ended.status == "Succeeded", (ended.failure_reason, steps["tune"].error)
    tune = steps["tune"]
    best = tune.properties["BestObjectiveValue"]
    assert 0.5 <= best <= 1.0
    assert tune.metrics["validation:accuracy"] == best
    assert 2 <= tune.properties["BestHyperparameters"]["n_estimators"] <= 8
    job = studio.tuning.get(tune.properties["TuningJobName"])
    assert job.status == "Completed" and job.counts.completed == 2
    assert job.best_value == pytest.approx(best)
    assert Path(tune.outputs["model"].removeprefix("file://")).exists()
    assert steps["register"].properties == {"ModelName": "tuned-cancer", "ModelVersion": 1}


def test_feature_ingest_step_ingests_an_upstream_file(studio: Studio, tmp_path: Path) -> None:
    studio.features.create_group(
        "customers",
        record_identifier="customer_id",
        event_time_feature="ts",
        features=[
            {"name": "customer_id", "type": "integral"},
            {"name": "ts", "type": "timestamp"},
            {"name": "age", "type": "integral"},
        ],
    )
    pd.DataFrame(
        {"customer_id": range(7), "ts": ["2024-01-01T00:00:00Z"] * 7, "age": range(30, 37)}
    ).to_csv(tmp_path / "customers.csv", index=False)
    document = _doc(
        "ingest",
        [
            {
                "name": "ingest",
                "type": "FeatureIngest",
                "arguments": {"feature_group": "customers", "data": "customers.csv"},
            }
        ],
    )
    ended, steps = _run(studio, document, tmp_path)
    assert ended.status == "Succeeded", (ended.failure_reason, steps["ingest"].error)
    props = steps["ingest"].properties
    assert (props["RowsIngested"], props["FeatureGroup"], props["GroupVersion"]) == (
        7,
        "customers",
        1,
    )
    assert studio.features.get_record("customers", 6)["age"] == 36
    assert [i.rows for i in studio.features.ingestions("customers").items] == [7]


def _table(rows: int, seed: int, shifted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "plus"], rows).astype(object)
    if shifted:
        plan[: rows // 3] = "enterprise"  # a category the baseline never saw
    return pd.DataFrame(
        {"income": rng.normal(50_000 + (20_000 if shifted else 0), 10_000, rows), "plan": plan}
    )


def test_monitor_check_violations_fail_the_pipeline(studio: Studio, tmp_path: Path) -> None:
    _table(400, 1).to_csv(tmp_path / "train.csv", index=False)
    _table(400, 2).to_csv(tmp_path / "same.csv", index=False)
    _table(400, 3, shifted=True).to_csv(tmp_path / "shifted.csv", index=False)

    def document(data: str) -> dict[str, Any]:
        return _doc(
            "monitor-gate",
            [
                {"name": "baseline", "type": "MonitorBaseline", "arguments": {"data": "train.csv"}},
                {
                    "name": "check",
                    "type": "MonitorCheck",
                    "arguments": {
                        "baseline": {"Get": "Steps.baseline.Outputs.baseline"},
                        "data": data,
                    },
                },
                {
                    "name": "clean",
                    "type": "Condition",
                    "arguments": {
                        "conditions": [
                            {
                                "op": "LessThanOrEqualTo",
                                "left": {"Get": "Steps.check.Metrics.Violations"},
                                "right": 0,
                            }
                        ],
                        "else_steps": ["drifted"],
                    },
                },
                {
                    "name": "drifted",
                    "type": "Fail",
                    "arguments": {"error_message": "the data violates the baseline"},
                },
            ],
        )

    ended, steps = _run(studio, document("same.csv"), tmp_path)
    assert ended.status == "Succeeded", (ended.failure_reason, steps["check"].error)
    assert steps["check"].metrics["Violations"] == 0
    assert steps["drifted"].status == "Skipped"
    baseline = steps["baseline"].outputs["baseline"].removeprefix("file://")
    assert Path(baseline, "constraints.json").exists()

    ended, steps = _run(studio, document("shifted.csv"), tmp_path)
    assert steps["baseline"].status == "Cached"  # the same training data
    assert steps["check"].status == "Succeeded"  # a check is never reused
    assert ended.status == "Failed"
    assert "violates the baseline" in (ended.failure_reason or "")
    check = steps["check"]
    assert check.metrics["Violations"] >= 1
    assert check.properties["Status"] == "CompletedWithViolations"
    violations = studio.monitor.violations(check.properties["MonitoringExecutionId"])
    assert len(violations) == check.properties["Violations"]


def test_dsl_builds_the_component_steps() -> None:
    from jupyter_mlstudio.pipelines import (
        FeatureIngestStep,
        MonitorBaselineStep,
        MonitorCheckStep,
        Pipeline,
        TuningStep,
    )

    tune = TuningStep(
        "tune",
        algorithm="random-forest-classifier",
        data="train.csv",
        target="y",
        ranges={"n_estimators": range(2, 9), "criterion": ["gini", "entropy"]},
        objective="validation:accuracy",
        direction="maximize",
        max_trials=3,
    )
    baseline = MonitorBaselineStep("baseline", "train.csv")
    check = MonitorCheckStep("check", baseline.outputs["baseline"], "new.csv")
    ingest = FeatureIngestStep("ingest", "customers@1", "customers.csv", batch_size=100)
    pipeline = Pipeline("dsl-components", steps=[tune, baseline, check, ingest])
    document = pipeline.definition()
    validated, issues = validate_document(document)
    assert issues == [] and validated is not None
    assert validated.upstream["check"] == {"baseline"}
    args = {s["name"]: s["arguments"] for s in document["steps"]}
    assert args["tune"]["hyperparameter_ranges"] == {
        "n_estimators": {"type": "integer", "min_value": 2, "max_value": 8},
        "criterion": {"type": "categorical", "values": ["gini", "entropy"]},
    }
    assert args["tune"]["objective_direction"] == "Maximize"
    assert args["check"]["baseline"] == {"Get": "Steps.baseline.Outputs.baseline"}
    again = Pipeline.from_document(document)
    assert [type(s).__name__ for s in again.steps] == [
        "TuningStep",
        "MonitorBaselineStep",
        "MonitorCheckStep",
        "FeatureIngestStep",
    ]


def test_stopping_the_pipeline_stops_its_tuning_job(
    studio: Studio, tmp_path: Path, cancer_csv: Path
) -> None:
    import time

    document = _doc(
        "tune-stop",
        [
            {
                "name": "tune",
                "type": "Tuning",
                "arguments": {
                    "algorithm": "random-forest-classifier",
                    "data": cancer_csv.name,
                    "target": "target",
                    "hyperparameter_ranges": {
                        "n_estimators": {"type": "integer", "min_value": 2, "max_value": 8}
                    },
                    "objective_metric": "validation:accuracy",
                    "max_trials": 200,
                    "max_parallel": 1,
                },
            }
        ],
    )
    pipeline = studio.pipelines.upsert(document)
    execution = studio.pipelines.start(pipeline.name, base_dir=tmp_path)
    deadline = time.monotonic() + 60
    tuning = None
    while tuning is None and time.monotonic() < deadline:
        found = [j for j in studio.tuning.list().items if j.name.startswith("tune-tune-stop-")]
        tuning = found[0] if found else None
        time.sleep(0.2)
    assert tuning is not None
    studio.pipelines.stop(execution.id)
    ended = studio.pipelines.wait(execution.id, timeout=60)
    assert ended.status == "Stopped"
    done = studio.tuning.wait(tuning.id, timeout=60)
    assert done.status == "Stopped" and done.counts.completed < 200
