"""XGBoost and LightGBM built-ins: SageMaker's hyperparameter names, per-round metrics,
early stopping, feature importance and the model folder every built-in writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.algorithms import describe_algorithms, validate_hyperparameters
from jupyter_mlstudio.jobs.builtin import load_builtin_model, train_builtin
from jupyter_mlstudio.jobs.specs import TrainingSpec
from jupyter_mlstudio.studio import Studio

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")


@pytest.fixture
def labelled_cancer(cancer_csv: Path, tmp_path: Path) -> Path:
    """Breast cancer with text labels, which XGBoost alone refuses."""
    frame = pd.read_csv(cancer_csv)
    frame["target"] = frame["target"].map({0: "malignant", 1: "benign"})
    path = tmp_path / "cancer-labels.csv"
    frame.to_csv(path, index=False)
    return path


def test_xgboost_job_logs_every_round_stops_early_and_keeps_the_labels(
    studio: Studio, labelled_cancer: Path
) -> None:
    job = studio.jobs.submit(
        TrainingSpec(
            algorithm="xgboost-classifier",
            # SageMaker's names, as text the way SageMaker passes them
            hyperparameters={
                "num_round": "300",
                "eta": "0.3",
                "max_depth": "3",
                "lambda": "2",
                "eval_metric": "auc",
                "early_stopping_rounds": "5",
            },
            channels={"train": str(labelled_cancer)},
            target="target",
        )
    )
    done = studio.jobs.wait(job.id, timeout=180)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    assert done.run_id is not None
    run = studio.experiments.get_run(done.run_id)
    assert float(run.params["lambda"]) == 2 and run.params["num_round"] == "300"
    history = studio.experiments.get_metric_history(done.run_id, "validation:auc")
    rounds = len(history)
    assert 5 < rounds < 300  # stopped early, long before num_round
    assert [m.step for m in history] == list(range(rounds))
    assert len(studio.experiments.get_metric_history(done.run_id, "train:auc")) == rounds
    # the round lines a SageMaker metric regex reads
    assert "[1]\ttrain-auc:" in log and "\tvalidation-auc:" in log
    assert "early stopping" in log
    # the final evaluation comes after the rounds
    final = studio.experiments.get_metric_history(done.run_id, "validation:roc_auc")
    assert [m.step for m in final] == [rounds] and final[0].value > 0.95
    repo = ArtifactRepository(run.artifact_uri)
    names = {a.name for a in repo.list("model")}
    assert {"model.skops", "metadata.json", "feature_importance.json"} <= names
    root = ArtifactRepository(done.artifact_uri).local_path
    assert root is not None
    importance = json.loads((root / "model" / "feature_importance.json").read_text())
    assert len(importance) == 30 and list(importance.values()) == sorted(
        importance.values(), reverse=True
    )
    model = load_builtin_model(root / "model")  # trusted without naming any type
    frame = pd.read_csv(labelled_cancer)
    predicted = model.predict(frame.drop(columns="target"))
    assert set(predicted) == {"malignant", "benign"}
    assert (predicted == frame["target"]).mean() > 0.95
    assert model.predict_proba(frame.drop(columns="target").head(2)).shape == (2, 2)


def _iris(tmp_path: Path) -> Path:
    from sklearn.datasets import load_iris

    path = tmp_path / "iris.csv"
    load_iris(as_frame=True).frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("algorithm", "hyperparameters", "metric"),
    [
        # binary metric names become the multi-class ones with three classes
        ("xgboost-classifier", {"num_round": 15, "eval_metric": "logloss"}, "mlogloss"),
        ("lightgbm-classifier", {"num_boost_round": 15, "metric": "binary_error"}, "multi_error"),
    ],
)
def test_three_classes_use_the_multiclass_metric(
    tmp_path: Path, algorithm: str, hyperparameters: dict[str, object], metric: str
) -> None:
    lines: list[str] = []
    result = train_builtin(
        algorithm,
        hyperparameters,
        {"train": _iris(tmp_path)},
        "target",
        tmp_path / "model",
        log=lines.append,
    )
    assert set(result.history) == {f"train:{metric}", f"validation:{metric}"}
    assert all(len(v) == 15 for v in result.history.values())
    assert result.final_step == 15
    assert result.metrics["validation:accuracy"] > 0.85
    assert load_builtin_model(tmp_path / "model").predict_proba(
        pd.read_csv(_iris(tmp_path)).drop(columns="target").head(1)
    ).shape == (1, 3)


def test_lightgbm_regressor_learns_and_logs_its_metric(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(
        kind=rng.choice(["p", "q"], 600), y=lambda f: 3 * f["a"] - f["b"] + (f["kind"] == "p")
    )
    path = tmp_path / "reg.csv"
    frame.to_csv(path, index=False)
    result = train_builtin(
        "lightgbm-regressor",
        {"num_boost_round": "60", "metric": "l1", "learning_rate": "0.2"},
        {"train": path},
        "y",
        tmp_path / "model",
        log=lambda _line: None,
    )
    l1 = result.history["validation:l1"]
    assert len(l1) == 60 and l1[-1] < l1[0] / 3
    assert result.metrics["validation:r2"] > 0.9
    assert next(iter(result.metadata["feature_importance"])) == "numeric__a"


def test_sagemaker_names_are_validated_with_messages() -> None:
    values = validate_hyperparameters("xgboost-classifier", {"lambda": "3", "eta": "0.1"})
    assert values["lambda"] == 3 and values["eta"] == 0.1 and values["num_round"] == 100
    with pytest.raises(InvalidArgumentError, match=r"'eta': must be <= 1 \(got '2'\)"):
        validate_hyperparameters("xgboost-classifier", {"eta": "2"})
    with pytest.raises(InvalidArgumentError, match="unknown hyperparameter 'n_estimators'"):
        validate_hyperparameters("xgboost-regressor", {"n_estimators": 10})
    with pytest.raises(InvalidArgumentError, match="'eval_metric': must be one of"):
        validate_hyperparameters("xgboost-regressor", {"eval_metric": "auc"})
    catalogue = {a["name"]: a for a in describe_algorithms()}
    xgb = catalogue["xgboost-classifier"]
    assert "lambda" in xgb["schema"]["properties"]
    assert {"validation:auc", "validation:logloss", "validation:accuracy"} <= set(xgb["metrics"])
    assert "validation:l2" in catalogue["lightgbm-regressor"]["metrics"]


def test_a_validation_class_the_training_data_lacks_is_a_clear_error(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"x": rng.normal(size=200), "label": rng.choice(["a", "b"], 200)})
    validation = train.head(20).assign(label="c")
    train.to_csv(tmp_path / "train.csv", index=False)
    validation.to_csv(tmp_path / "validation.csv", index=False)
    with pytest.raises(InvalidArgumentError, match="classes the training data does not"):
        train_builtin(
            "xgboost-classifier",
            {"num_round": 5},
            {"train": tmp_path / "train.csv", "validation": tmp_path / "validation.csv"},
            "label",
            tmp_path / "model",
            log=lambda _line: None,
        )


@pytest.mark.parametrize("algorithm", ["xgboost-classifier", "lightgbm-classifier"])
def test_boosters_take_missing_numbers_as_they_are(algorithm: str, tmp_path: Path) -> None:
    """No median imputation before a booster: it learns where missing values go (and a
    median over a million rows took seconds); categories are still imputed and encoded."""
    rng = np.random.default_rng(0)
    signal = rng.normal(size=400)
    frame = pd.DataFrame(
        {
            "signal": np.where(rng.random(400) < 0.2, np.nan, signal),
            "noise": rng.normal(size=400),
            "colour": rng.choice(["red", "blue", None], 400),
            "target": (signal > 0).astype(int),
        }
    )
    path = tmp_path / "missing.csv"
    frame.to_csv(path, index=False)
    train_builtin(algorithm, {}, {"train": path}, "target", tmp_path / "model", log=lambda _: None)
    model = load_builtin_model(tmp_path / "model")
    steps = {name: step for name, step, _ in model.named_steps["preprocess"].transformers}
    assert steps["numeric"] == "passthrough"
    rows = frame.drop(columns=["target"]).head(5).assign(signal=np.nan)
    assert len(model.predict(rows)) == 5
