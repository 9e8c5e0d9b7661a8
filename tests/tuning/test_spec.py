"""Tuning specs: every bad input of the issue is refused with a message that says what to
fix, before anything runs; SageMaker's HyperParameterTuningJobConfig is read."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.tuning.spec import from_sagemaker, parse_tuning_spec, trial_training_spec
from jupyter_mlstudio.tuning.study import distributions, make_pruner, make_sampler

BASE = {"algorithm": "random-forest-classifier", "channels": {"train": "/d.csv"}, "target": "y"}
SCRIPT = {"entry_point": "/train.py", "channels": {"train": "/d.csv"}}


def spec(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "training": BASE,
        "search_space": {"n_estimators": {"type": "integer", "min_value": 5, "max_value": 50}},
        "objective": {"metric": "validation:accuracy"},
    }
    return data | changes


def test_names_in_any_case_as_the_sdk_writes_them() -> None:
    parsed = parse_tuning_spec(
        spec(
            strategy="hyperband",
            early_stopping="off",
            search_space={
                "max_features": {
                    "type": "continuous",
                    "min_value": 0.1,
                    "max_value": 1,
                    "scaling": "logarithmic",
                }
            },
        )
    )
    assert (parsed.strategy, parsed.early_stopping) == ("Hyperband", "Off")
    assert parsed.search_space["max_features"].scaling == "Logarithmic"  # type: ignore[union-attr]
    with pytest.raises(InvalidArgumentError, match="strategy: Input should be 'Bayesian'"):
        parse_tuning_spec(spec(strategy="simulated-annealing"))


def test_a_good_spec_and_its_defaults() -> None:
    parsed = parse_tuning_spec(spec(objective={"metric": "validation:f1", "direction": "minimize"}))
    assert (parsed.strategy, parsed.early_stopping, parsed.limits.max_trials) == (
        "Bayesian",
        "Off",
        10,
    )
    assert parsed.objective.direction == "Minimize"
    assert type(make_sampler(parsed)).__name__ == "TPESampler"
    assert type(make_pruner(parsed)).__name__ == "NopPruner"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"search_space": {"n_estimators": {"type": "integer", "min_value": 9, "max_value": 3}}},
            "search_space['n_estimators']: min_value 9 is above max_value 3",
        ),
        (
            {"search_space": {"n_estimators": {"type": "integer", "min_value": 9, "max_value": 9}}},
            "the range is empty",
        ),
        ({"search_space": {}}, "give at least one hyperparameter range"),
        (
            {
                "search_space": {
                    "max_features": {
                        "type": "continuous",
                        "min_value": 0,
                        "max_value": 1,
                        "scaling": "Logarithmic",
                    }
                }
            },
            "Logarithmic scaling needs min_value > 0 (got 0.0)",
        ),
        (
            {"search_space": {"criterion": {"type": "categorical", "values": []}}},
            "search_space['criterion']: a categorical range needs at least one value",
        ),
        (
            {"search_space": {"n_trees": {"type": "integer", "min_value": 1, "max_value": 5}}},
            "unknown hyperparameter 'n_trees' for random-forest-classifier; known: n_estimators",
        ),
        (
            {"search_space": {"n_estimators": {"type": "integer", "min_value": 0, "max_value": 5}}},
            "0 is not a valid n_estimators",
        ),
        (
            {"strategy": "Grid"},
            "strategy Grid needs categorical values for every hyperparameter; "
            "'n_estimators' is a range",
        ),
        (
            {"objective": {"metric": "validation:auc"}},
            "random-forest-classifier never logs 'validation:auc'; it logs validation:accuracy",
        ),
        (
            {"limits": {"max_trials": 2, "max_parallel_trials": 3}},
            "max_parallel_trials (3) is more than max_trials (2)",
        ),
        (
            {"training": BASE | {"hyperparameters": {"n_estimators": 10}}},
            "'n_estimators': both a fixed hyperparameter and a range",
        ),
        (
            {"second_objective": {"metric": "validation:f1"}, "strategy": "Hyperband"},
            "two objectives are searched with NSGA-II",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_tuning_spec(spec(**changes))
    assert message in str(caught.value)


def test_a_script_takes_any_hyperparameter_and_a_regex_objective() -> None:
    parsed = parse_tuning_spec(
        spec(
            training=SCRIPT,
            search_space={
                "lr": {"type": "continuous", "min_value": 1e-4, "max_value": 1.0},
                "momentum": {
                    "type": "continuous",
                    "min_value": 0.5,
                    "max_value": 0.999,
                    "scaling": "ReverseLogarithmic",
                },
            },
            objective={
                "metric": "val_loss",
                "regex": r"val_loss=([0-9.]+)",
                "direction": "Minimize",
            },
            strategy="Hyperband",
        )
    )
    dists = distributions(parsed)
    assert dists["lr"].log  # type: ignore[attr-defined]  # Auto over 4 decades is logarithmic
    assert type(make_pruner(parsed)).__name__ == "HyperbandPruner"
    trial = trial_training_spec(parsed, {"lr": 0.01, "momentum": 0.9}, "t-001")
    assert trial.hyperparameters == {"lr": 0.01, "momentum": 0.9}
    assert [(d.name, d.regex) for d in trial.metric_definitions] == [
        ("val_loss", r"val_loss=([0-9.]+)")
    ]
    with pytest.raises(InvalidArgumentError, match="needs one capturing group"):
        parse_tuning_spec(spec(training=SCRIPT, objective={"metric": "x", "regex": "x=1"}))


def test_sagemaker_config_with_the_ignored_fields_named() -> None:
    config = {
        "Strategy": "Hyperband",
        "StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 9}},
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:f1"},
        "ResourceLimits": {
            "MaxNumberOfTrainingJobs": 12,
            "MaxParallelTrainingJobs": 2,
            "MaxRuntimeInSeconds": 600,
        },
        "ParameterRanges": {
            "IntegerParameterRanges": [
                {"Name": "n_estimators", "MinValue": "10", "MaxValue": "100", "ScalingType": "Auto"}
            ],
            "CategoricalParameterRanges": [{"Name": "criterion", "Values": ["gini", "entropy"]}],
            "AutoParameters": [{"Name": "max_depth", "ValueHint": "3"}],
        },
        "TrainingJobEarlyStoppingType": "Off",
        "TuningJobCompletionCriteria": {"TargetObjectiveMetricValue": 0.99},
    }
    parsed, ignored = from_sagemaker(config, BASE)
    assert parsed.strategy == "Hyperband" and parsed.max_resource == 9
    assert (parsed.limits.max_trials, parsed.limits.max_parallel_trials) == (12, 2)
    assert parsed.limits.max_runtime_seconds == 600
    assert parsed.search_space["n_estimators"].model_dump() == {
        "type": "integer",
        "min_value": 10,
        "max_value": 100,
        "scaling": "Auto",
    }
    assert ignored == ["ParameterRanges.AutoParameters", "TuningJobCompletionCriteria"]

    request = {
        "HyperParameterTuningJobName": "from-sm",
        "HyperParameterTuningJobConfig": config,
        "WarmStartConfig": {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "earlier"}],
            "WarmStartType": "TransferLearning",
        },
        "TrainingJobDefinition": {"AlgorithmSpecification": {}},
    }
    parsed, ignored = from_sagemaker(request, BASE)
    assert (parsed.name, parsed.warm_start) == ("from-sm", ["earlier"])
    assert "TrainingJobDefinition" in ignored and "WarmStartConfig.WarmStartType" in ignored


@pytest.mark.parametrize(("strategy", "module"), [("GP", "torch"), ("CMA-ES", "cmaes")])
def test_a_strategy_whose_package_is_missing_is_refused_clearly(strategy: str, module: str) -> None:
    parsed = parse_tuning_spec(spec(strategy=strategy))
    if importlib.util.find_spec(module) is not None:
        assert make_sampler(parsed) is not None
        return
    with pytest.raises(InvalidArgumentError, match=f"needs the '{module}' package"):
        make_sampler(parsed)
