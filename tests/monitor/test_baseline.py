"""Baselines: statistics and constraints in SageMaker's schema, and what they refuse."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.monitor import Baseline, check, load_constraints, suggest_baseline
from jupyter_mlstudio.monitor.baseline import SKETCH_SIZE, lineage_data_uri

from .scenario import traffic

# What a SageMaker baselining job writes (abridged, with keys this code does not use).
SAGEMAKER_STATISTICS = {
    "version": 0.0,
    "dataset": {"item_count": 4000},
    "features": [
        {
            "name": "age",
            "inferred_type": "Integral",
            "numerical_statistics": {
                "common": {"num_present": 4000, "num_missing": 0},
                "mean": 40.5,
                "sum": 162000.0,
                "std_dev": 11.5,
                "min": 21.0,
                "max": 60.0,
                "distribution": {
                    "kll": {
                        "buckets": [
                            {"lower_bound": 21.0, "upper_bound": 40.5, "count": 2000.0},
                            {"lower_bound": 40.5, "upper_bound": 60.0, "count": 2000.0},
                        ],
                        "sketch": {
                            "parameters": {"c": 0.64, "k": 2048.0},
                            "data": [
                                [float(v) for v in range(21, 61)],
                                [float(v) for v in range(21, 61, 2)],
                            ],
                        },
                    }
                },
            },
        },
        {
            "name": "state",
            "inferred_type": "String",
            "string_statistics": {
                "common": {"num_present": 3990, "num_missing": 10},
                "distinct_count": 2.0,
                "distribution": {
                    "categorical": {
                        "buckets": [
                            {"value": "CA", "count": 2000},
                            {"value": "NY", "count": 1990},
                        ]
                    }
                },
            },
        },
    ],
}
SAGEMAKER_CONSTRAINTS = {
    "version": 0.0,
    "features": [
        {
            "name": "age",
            "inferred_type": "Integral",
            "completeness": 1.0,
            "num_constraints": {"is_non_negative": True},
            "monitoringConfigOverrides": {},
        },
        {
            "name": "state",
            "inferred_type": "String",
            "completeness": 0.99,
            "string_constraints": {"domains": ["CA", "NY"]},
        },
    ],
    "monitoring_config": {
        "evaluate_constraints": "Enabled",
        "emit_metrics": "Enabled",
        "datatype_check_threshold": 1.0,
        "domain_content_threshold": 1.0,
        "distribution_constraints": {
            "perform_comparison": "Enabled",
            "comparison_threshold": 0.1,
            "comparison_method": "Robust",
            "categorical_comparison_threshold": 0.1,
            "categorical_drift_method": "LInfinity",
        },
    },
}


def test_statistics_and_constraints_of_mixed_data() -> None:
    data = traffic(5000, seed=1)
    data.loc[:99, "score"] = np.nan  # 2% missing
    data["flag"] = data["age"] > 50
    baseline = suggest_baseline(data)

    stats = baseline.statistics
    assert stats.dataset.item_count == 5000
    types = {f.name: f.inferred_type for f in stats.features}
    assert types == {
        "income": "Fractional",
        "balance": "Fractional",
        "tenure": "Integral",
        "age": "Integral",
        "score": "Fractional",
        "calls": "Integral",
        "plan": "String",
        "region": "String",
        "flag": "String",
    }
    score = stats.feature("score")
    assert score is not None and score.numerical_statistics is not None
    numbers = score.numerical_statistics
    assert (numbers.common.num_present, numbers.common.num_missing) == (4900, 100)
    present = data["score"].dropna()
    assert numbers.mean == pytest.approx(present.mean())
    assert numbers.sum == pytest.approx(present.sum())
    assert numbers.std_dev == pytest.approx(present.std(ddof=0))
    assert (numbers.min, numbers.max) == (present.min(), present.max())
    assert numbers.distribution is not None and numbers.distribution.kll is not None
    kll = numbers.distribution.kll
    assert sum(b.count for b in kll.buckets) == 4900
    assert len(kll.sketch.data) == 1 and len(kll.sketch.data[0]) == SKETCH_SIZE
    plan = stats.feature("plan")
    assert plan is not None and plan.string_statistics is not None
    assert plan.string_statistics.distinct_count == 3
    assert plan.string_statistics.distribution is not None
    categorical = plan.string_statistics.distribution.categorical
    assert categorical is not None
    counts = {b.value: b.count for b in categorical.buckets}
    assert counts == data["plan"].value_counts().to_dict()
    flag = stats.feature("flag")
    assert flag is not None and flag.string_statistics is not None
    assert flag.string_statistics.distribution is not None
    assert flag.string_statistics.distribution.categorical is not None
    assert {b.value for b in flag.string_statistics.distribution.categorical.buckets} == {
        "true",
        "false",
    }

    constraints = {f.name: f for f in baseline.constraints.features}
    assert constraints["score"].completeness == 0.98
    assert constraints["income"].completeness == 1.0
    assert constraints["score"].num_constraints is not None
    assert constraints["score"].num_constraints.is_non_negative is False
    assert constraints["balance"].num_constraints is not None
    assert constraints["balance"].num_constraints.is_non_negative is True
    assert constraints["plan"].string_constraints is not None
    assert constraints["plan"].string_constraints.domains == ["basic", "plus", "premium"]
    config = baseline.constraints.monitoring_config
    assert config.datatype_check_threshold == 1.0
    assert config.distribution_constraints.comparison_threshold == 0.1


def test_a_small_dataset_keeps_every_value_as_its_reference() -> None:
    data = traffic(300, seed=2)
    baseline = suggest_baseline(data)
    income = baseline.statistics.feature("income")
    assert income is not None and income.numerical_statistics is not None
    assert income.numerical_statistics.distribution is not None
    kll = income.numerical_statistics.distribution.kll
    assert kll is not None
    assert kll.sketch.data == [sorted(data["income"].tolist())]


def test_many_categories_are_folded_and_get_no_domain() -> None:
    data = pd.DataFrame({"user": [f"u{i % 1500}" for i in range(3000)]})
    baseline = suggest_baseline(data)
    user = baseline.statistics.feature("user")
    assert user is not None and user.string_statistics is not None
    assert user.string_statistics.distinct_count == 1500
    assert user.string_statistics.distribution is not None
    buckets = user.string_statistics.distribution.categorical
    assert buckets is not None and len(buckets.buckets) == 1001
    assert buckets.buckets[-1].value == "__other__" and buckets.buckets[-1].count == 1000
    assert sum(b.count for b in buckets.buckets) == 3000
    assert baseline.constraints.features[0].string_constraints is None


def test_files_round_trip_through_the_models(tmp_path: Path) -> None:
    baseline = suggest_baseline(traffic(3000, seed=3))
    baseline.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["constraints.json", "statistics.json"]
    constraints = json.loads((tmp_path / "constraints.json").read_text())
    # SageMaker's field names, nothing of ours that would surprise its tools
    assert set(constraints) == {"version", "features", "monitoring_config"}
    assert set(constraints["features"][0]) == {
        "name",
        "inferred_type",
        "completeness",
        "num_constraints",
    }
    loaded = Baseline.load(tmp_path)
    assert loaded == baseline
    assert check(traffic(1000, seed=4), loaded).violations == []
    # any fsspec URL, as the artifact store may be one
    baseline.save("memory://monitor-test/baseline")
    assert Baseline.load("memory://monitor-test/baseline/") == baseline


def test_a_sagemaker_baseline_loads_and_checks(tmp_path: Path) -> None:
    (tmp_path / "statistics.json").write_text(json.dumps(SAGEMAKER_STATISTICS))
    (tmp_path / "constraints.json").write_text(json.dumps(SAGEMAKER_CONSTRAINTS))
    baseline = Baseline.load(tmp_path)
    assert baseline.feature_names == ["age", "state"]
    distribution = baseline.constraints.monitoring_config.distribution_constraints
    assert distribution.model_extra == {
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    }
    age = baseline.constraints.feature("age")
    assert age is not None and age.monitoring_config_overrides is not None

    rng = np.random.default_rng(5)
    same = pd.DataFrame(
        {"age": rng.integers(21, 61, 2000), "state": rng.choice(["CA", "NY"], 2000)}
    )
    report = check(same, baseline)
    assert report.violations == []
    assert [f.method for f in report.features] == ["wasserstein", "jensenshannon"]

    older = same.assign(age=same["age"] + 25, state="TX")
    report = check(older, baseline)
    found = {(v.feature_name, v.constraint_check_type) for v in report.violations}
    assert found == {
        ("age", "baseline_drift_check"),
        ("state", "baseline_drift_check"),
        ("state", "categorical_values_check"),
    }
    # a round trip keeps the keys this code does not know
    baseline.save(tmp_path / "again")
    again = json.loads((tmp_path / "again" / "constraints.json").read_text())
    assert again["monitoring_config"]["distribution_constraints"]["categorical_drift_method"] == (
        "LInfinity"
    )
    assert again["features"][0]["monitoringConfigOverrides"] == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pd.DataFrame(), r"empty dataset \(0 rows, 0 columns\)"),
        (pd.DataFrame({"a": []}), r"empty dataset \(0 rows, 1 columns\)"),
        (pd.DataFrame({"a": [None, None], "b": [np.nan, np.nan]}), "every value of the 2 rows"),
        ([1, 2, 3], "pandas DataFrame, not list"),
    ],
)
def test_refuses_data_without_values(data: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        suggest_baseline(data)


def test_bad_files_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        Baseline.load(tmp_path)
    path = tmp_path / "constraints.json"
    path.write_text("{not json")
    with pytest.raises(InvalidArgumentError, match="is not JSON"):
        load_constraints(path)
    path.write_text(json.dumps({"features": [{"name": "a", "inferred_type": "Text"}]}))
    with pytest.raises(
        InvalidArgumentError, match=r"Not a valid constraints document: features\.0\.inferred_type"
    ):
        load_constraints(path)


def test_lineage_names_the_training_data() -> None:
    assert lineage_data_uri({"uri": "/data/train.csv", "hash": "sha256:00"}) == "/data/train.csv"
    with pytest.raises(InvalidArgumentError, match="records no training data"):
        lineage_data_uri(None)
