"""Data-quality checks and drift: the acceptance scenario at the core level."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.monitor import (
    ConstraintViolations,
    DriftOptions,
    FeatureOverrides,
    check,
    suggest_baseline,
)

from .scenario import NEW_CATEGORY_FEATURE, SHIFTED, traffic


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return traffic(20_000, seed=10)


# With at most 1000 reference rows the tests are KS and chi² at p < 0.05: each feature of
# a window from the training distribution is flagged by chance in about 5% of windows,
# more when the small reference sample itself is off. Seeds are fixed: the 1000-row
# reference is one whose unshifted windows flagged 4 features of 160 (20 windows).
@pytest.mark.parametrize(("training_rows", "seed"), [(20_000, 10), (1000, 47)])
def test_training_traffic_passes_and_shifted_traffic_flags_exactly_the_shift(
    training_rows: int, seed: int
) -> None:
    baseline = suggest_baseline(traffic(training_rows, seed=seed))
    small = training_rows <= 1000
    same = check(traffic(2000, seed=11), baseline)
    assert same.outcome == "Completed"
    assert same.violations == []
    assert same.dataset_drift is not None and not same.dataset_drift.drifted
    methods = {f.name: f.method for f in same.features}
    assert methods["income"] == ("ks" if small else "wasserstein")
    assert methods["plan"] == ("chisquare" if small else "jensenshannon")

    shifted = check(traffic(2000, seed=12, shifted=True, new_category=True), baseline)
    assert shifted.outcome == "CompletedWithViolations"
    found = {(v.feature_name, v.constraint_check_type) for v in shifted.violations}
    assert found == {
        *((name, "baseline_drift_check") for name in SHIFTED),
        (NEW_CATEGORY_FEATURE, "baseline_drift_check"),
        (NEW_CATEGORY_FEATURE, "categorical_values_check"),
    }
    assert sorted(shifted.drifted_features) == sorted([*SHIFTED, NEW_CATEGORY_FEATURE])
    assert shifted.dataset_drift is not None
    assert shifted.dataset_drift.drifted_features == 4
    assert shifted.dataset_drift.features_tested == 8
    assert shifted.dataset_drift.drifted  # 4 of 8 features: the default share of one half
    stricter = check(
        traffic(2000, seed=12, shifted=True, new_category=True),
        baseline,
        {"drift_share": 0.6},
    )
    assert stricter.dataset_drift is not None and not stricter.dataset_drift.drifted
    # a check switched off reports nothing; drift is still measured for the history
    quiet = check(
        traffic(2000, seed=12, shifted=True, new_category=True),
        baseline,
        {"skip_checks": ["categorical_values_check"]},
    )
    assert {v.constraint_check_type for v in quiet.violations} == {"baseline_drift_check"}
    no_drift = check(
        traffic(2000, seed=12, shifted=True, new_category=True),
        baseline,
        {"skip_checks": ["baseline_drift_check", "categorical_values_check"]},
    )
    assert no_drift.outcome == "Completed" and no_drift.violations == []
    assert sorted(no_drift.drifted_features) == sorted([*SHIFTED, NEW_CATEGORY_FEATURE])
    with pytest.raises(InvalidArgumentError, match="skip_checks"):
        check(traffic(100, seed=1), baseline, {"skip_checks": ["spelling_check"]})
    unknown = next(v for v in shifted.violations if v.constraint_check_type.startswith("categ"))
    assert "'enterprise'" in unknown.description


def test_the_report_is_small_and_has_histograms(training: pd.DataFrame) -> None:
    rng = np.random.default_rng(3)
    wide = pd.concat(
        [training]
        + [pd.DataFrame({f"extra{i}": rng.normal(i, 1, len(training))}) for i in range(22)],
        axis=1,
    )
    baseline = suggest_baseline(wide)
    report = check(wide.sample(5000, random_state=1), baseline)
    assert len(report.features) == 30
    size = len(report.model_dump_json())
    assert size < 100_000, size  # far below the 1 MB budget
    income = next(f for f in report.features if f.name == "income")
    assert income.histogram is not None and income.histogram.edges is not None
    assert len(income.histogram.reference) == len(income.histogram.current) == 10
    assert sum(income.histogram.reference) == pytest.approx(1, abs=1e-3)
    plan = next(f for f in report.features if f.name == "plan")
    assert plan.histogram is not None
    assert plan.histogram.categories == ["basic", "plus", "premium"]


def test_the_six_checks(training: pd.DataFrame) -> None:
    baseline = suggest_baseline(training)
    current = traffic(2000, seed=20)
    current["calls"] = current["calls"].astype(np.float64)
    current.loc[:99, "calls"] += 0.5  # 5% Fractional values in an Integral feature
    current.loc[:199, "income"] = np.nan  # 10% missing in a complete feature
    current.loc[:9, "balance"] = -5.0  # negative values in a non-negative feature
    current = current.drop(columns=["region"]).assign(device="ios")
    report = check(current, baseline, DriftOptions(histogram=False))
    by_check: dict[str, list[str]] = {}
    for v in report.violations:
        by_check.setdefault(v.constraint_check_type, []).append(v.feature_name)
    assert by_check == {
        "data_type_check": ["balance", "calls"],
        "completeness_check": ["income"],
        "missing_column_check": ["region"],
        "extra_column_check": ["device"],
    }
    descriptions = {
        (v.feature_name, v.constraint_check_type): v.description for v in report.violations
    }
    assert "Only 95% of data is Integral" in descriptions[("calls", "data_type_check")]
    assert "10 of 2000 values are negative" in descriptions[("balance", "data_type_check")]
    assert "Observed: 0.9 (1800 of 2000" in descriptions[("income", "completeness_check")]
    # the file: SageMaker's constraint_violations.json
    document = json.loads(report.constraint_violations().model_dump_json())
    assert set(document) == {"violations"}
    assert set(document["violations"][0]) == {
        "feature_name",
        "constraint_check_type",
        "description",
    }
    assert ConstraintViolations.model_validate(document) == report.constraint_violations()

    # text where a number belongs is a type violation, not a crash
    texts = traffic(500, seed=21).astype({"age": object})
    texts.loc[:4, "age"] = "unknown"
    report = check(texts, baseline, DriftOptions(histogram=False))
    assert [(v.feature_name, v.constraint_check_type) for v in report.violations] == [
        ("age", "data_type_check")
    ]
    # disabled checks stay quiet
    quiet = baseline.model_copy(deep=True)
    quiet.constraints.monitoring_config.evaluate_constraints = "Disabled"
    quiet.constraints.monitoring_config.distribution_constraints.perform_comparison = "Disabled"
    report = check(current, quiet)
    assert {v.constraint_check_type for v in report.violations} == {
        "missing_column_check",
        "extra_column_check",
    }


def test_methods_and_thresholds_per_feature(training: pd.DataFrame) -> None:
    baseline = suggest_baseline(
        training, overrides={"income": FeatureOverrides(comparison_threshold=5.0)}
    )
    shifted = traffic(2000, seed=30, shifted=True)
    report = check(shifted, baseline)
    assert sorted(report.drifted_features) == ["balance", "tenure"]  # income's bar is higher
    income = next(f for f in report.features if f.name == "income")
    assert income.threshold == 5.0 and income.statistic is not None and income.statistic > 0.5

    options = DriftOptions(
        numerical_method="psi",
        features={"income": FeatureOverrides(comparison_method="ks")},
    )
    report = check(shifted, baseline, options)
    methods = {f.name: (f.method, f.threshold) for f in report.features}
    assert methods["income"] == ("ks", 5.0)  # the constraint's threshold still applies
    assert methods["balance"] == ("psi", 0.1)
    assert methods["plan"] == ("jensenshannon", 0.1)
    assert sorted(report.drifted_features) == ["balance", "income", "tenure"]
    psi = {f.name: f.statistic for f in report.features if f.method == "psi"}
    assert psi["balance"] is not None and psi["balance"] > 0.25  # a major shift by PSI's rule
    assert psi["age"] is not None and psi["age"] < 0.05

    chi = check(shifted, baseline, {"numerical_method": "chisquare", "categorical_method": "psi"})
    assert {f.method for f in chi.features} == {"chisquare", "psi"}
    assert sorted(chi.drifted_features) == ["balance", "income", "tenure"]


def test_bad_options_and_empty_data(training: pd.DataFrame) -> None:
    baseline = suggest_baseline(training.head(2000))
    assert check(training.head(0), baseline).outcome == "NoData"
    with pytest.raises(InvalidArgumentError, match="features the baseline does not have: nope"):
        check(training, baseline, {"features": {"nope": {"comparison_method": "ks"}}})
    with pytest.raises(
        InvalidArgumentError,
        match=r"drift options document: drift_share: Input should be less than or equal to 1",
    ):
        check(training, baseline, {"drift_share": 2})
    with pytest.raises(InvalidArgumentError, match="Unknown drift method 'median'"):
        check(training, baseline, {"features": {"age": {"comparison_method": "median"}}})
    with pytest.raises(InvalidArgumentError, match="compares numbers"):
        check(training, baseline, {"categorical_method": "ks"})
    twice = pd.concat([training.head(10), training.head(10)[["age"]]], axis=1)
    with pytest.raises(InvalidArgumentError, match="Duplicate column names: age"):
        check(twice, baseline)
    with pytest.raises(InvalidArgumentError, match="pandas DataFrame, not dict"):
        check({"a": [1]}, baseline)


cells = st.one_of(st.none(), st.integers(-1000, 1000))
texts = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"]))
floats = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            st.lists(cells, min_size=n, max_size=n),
            st.lists(texts, min_size=n, max_size=n),
            st.lists(floats, min_size=n, max_size=n),
        )
    )
)
def test_a_dataset_meets_its_own_baseline(columns: tuple[list[object], ...]) -> None:
    data = pd.DataFrame(
        {
            "count": pd.array(columns[0], dtype="Int64").astype("float64"),
            "kind": pd.Series(columns[1], dtype=object),
            "value": pd.Series(columns[2], dtype="float64"),
        }
    )
    if not data.notna().to_numpy().any():
        with pytest.raises(InvalidArgumentError):
            suggest_baseline(data)
        return
    report = check(data, suggest_baseline(data))
    assert report.violations == []
    assert all(not f.drifted for f in report.features)
