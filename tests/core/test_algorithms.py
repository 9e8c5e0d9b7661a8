"""Built-in training algorithms: hyperparameter validation, data reading, training, saving.

Real scikit-learn fits on its bundled datasets (written to files like a job's channels)
and on a synthetic frame with missing values, a text column and a datetime column.
"""

from __future__ import annotations

import importlib.util
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("skops")

import numpy as np
import pandas as pd
import skops.io as skops_io
from sklearn import datasets
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.preprocessing import FunctionTransformer

from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.jobs import builtin
from jupyter_mlstudio.jobs.algorithms import (
    ALGORITHMS,
    describe_algorithms,
    get_algorithm,
    validate_hyperparameters,
)
from jupyter_mlstudio.jobs.builtin import load_builtin_model, read_table, train_builtin

HAVE_PARQUET = any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet"))


# -- data ----------------------------------------------------------------------------
def _sklearn_frame(loader: Any, target: str, labels: bool) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    frame = bunch.frame.rename(columns={"target": target})
    if labels:
        frame[target] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    return frame


def _synthetic(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(100, 20, n).round(2),
            "visits": rng.integers(0, 10, n).astype(float),
            "color": rng.choice(["red", "green", "blue"], n),
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
            "member": rng.choice([True, False], n),
        }
    )
    score = (frame["amount"] - 100) / 20 + (frame["color"] == "red") * 1.5
    frame["label"] = np.where(score + rng.normal(0, 0.3, n) > 0.5, "churn", "stay")
    frame.loc[1::9, "amount"] = np.nan
    frame.loc[::11, "visits"] = np.nan
    frame.loc[::7, "color"] = None
    frame.loc[::25, "label"] = None
    return frame


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {
        "iris": _sklearn_frame(datasets.load_iris, "species", labels=True),
        "wine": _sklearn_frame(datasets.load_wine, "cultivar", labels=True),
        "breast_cancer": _sklearn_frame(datasets.load_breast_cancer, "diagnosis", labels=True),
        "diabetes": _sklearn_frame(datasets.load_diabetes, "progression", labels=False),
        "synthetic": _synthetic(),
    }


TARGETS = {
    "iris": "species",
    "wine": "cultivar",
    "breast_cancer": "diagnosis",
    "diabetes": "progression",
    "synthetic": "label",
}


@pytest.fixture(scope="module")
def data_dir(frames: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for name, frame in frames.items():
        frame.to_csv(root / f"{name}.csv", index=False)
        shuffled = frame.sample(frac=1.0, random_state=1)
        cut = int(len(shuffled) * 0.75)
        (root / name).mkdir()
        shuffled.iloc[:cut].to_csv(root / name / "train.csv", index=False)
        shuffled.iloc[cut:].to_csv(root / name / "validation.csv", index=False)
    return root


class Lines(list[str]):
    def __call__(self, line: str) -> None:
        self.append(line)

    def text(self) -> str:
        return "\n".join(self)


# -- every algorithm trains, saves and loads ---------------------------------------
#: dataset, hyperparameters (as a job passes them: some strings), main metric, minimum
CASES: dict[str, tuple[str, dict[str, Any], str, float]] = {
    "linear-regression": ("diabetes", {}, "r2", 0.3),
    "logistic-regression": ("breast_cancer", {"max_iter": "500", "C": "0.5"}, "accuracy", 0.9),
    "ridge": ("diabetes", {"alpha": "1.0"}, "r2", 0.3),
    "lasso": ("diabetes", {"alpha": 0.5}, "r2", 0.3),
    "elastic-net": ("diabetes", {"alpha": 0.1, "l1_ratio": "0.5"}, "r2", 0.3),
    "random-forest-classifier": ("iris", {"n_estimators": "25"}, "accuracy", 0.8),
    "random-forest-regressor": (
        "diabetes",
        {"n_estimators": 25, "min_samples_leaf": 5},
        "r2",
        0.2,
    ),
    "hist-gradient-boosting-classifier": ("wine", {"max_iter": 30}, "accuracy", 0.8),
    "hist-gradient-boosting-regressor": (
        "diabetes",
        {"max_iter": 30, "learning_rate": 0.05},
        "r2",
        0.2,
    ),
    "knn-classifier": ("wine", {"n_neighbors": "7", "weights": "distance"}, "accuracy", 0.8),
    "knn-regressor": ("diabetes", {"n_neighbors": 15}, "r2", 0.2),
    "svm-classifier": ("breast_cancer", {"C": "1", "kernel": "rbf"}, "accuracy", 0.9),
    "svm-regressor": ("diabetes", {"C": 100, "epsilon": 5}, "r2", 0.2),
    "mlp-classifier": (
        "iris",
        {"hidden_layer_sizes": "16", "max_iter": 500, "learning_rate_init": "0.01"},
        "accuracy",
        0.8,
    ),
    "mlp-regressor": (
        "diabetes",
        {"hidden_layer_sizes": [32, 16], "max_iter": 500, "learning_rate_init": 0.01},
        "r2",
        0.2,
    ),
    "k-means": ("iris", {"n_clusters": "3"}, "silhouette", 0.3),
    "isolation-forest": ("synthetic", {"n_estimators": 25, "contamination": "0.1"}, "", 0.0),
    "xgboost-classifier": ("wine", {"num_round": "30", "max_depth": 3}, "accuracy", 0.8),
    "xgboost-regressor": ("diabetes", {"num_round": 40, "eta": "0.1"}, "r2", 0.2),
    "lightgbm-classifier": ("synthetic", {"num_boost_round": 30}, "accuracy", 0.7),
    "lightgbm-regressor": ("diabetes", {"num_boost_round": 40, "num_leaves": 8}, "r2", 0.2),
}

EXPECTED_METRICS = {
    "classification": {"accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"},
    "regression": {"rmse", "mae", "r2"},
    "clustering": {"inertia", "silhouette"},
    "anomaly": {"anomaly_fraction", "mean_score"},
}


def test_every_algorithm_has_a_case() -> None:
    assert set(CASES) == set(ALGORITHMS)


@pytest.mark.parametrize("name", list(CASES))
def test_algorithm_trains_saves_and_loads(
    name: str, data_dir: Path, frames: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    dataset, hyperparameters, main_metric, minimum = CASES[name]
    algo = get_algorithm(name)
    target = TARGETS[dataset]
    model_dir = tmp_path / "model"
    log = Lines()
    steps: list[tuple[float, str]] = []

    result = train_builtin(
        name,
        hyperparameters,
        {
            "train": data_dir / dataset / "train.csv",
            "validation": data_dir / dataset / "validation.csv",
        },
        target,
        model_dir,
        progress=lambda fraction, message: steps.append((fraction, message)),
        log=log,
    )

    validation = pd.read_csv(data_dir / dataset / "validation.csv")
    if algo.needs_target:
        validation = validation[validation[target].notna()]
    metrics = result.metrics
    assert set(metrics) == {"train_rows", "validation_rows"} | {
        f"validation:{m}" for m in EXPECTED_METRICS[algo.task]
    }
    assert metrics["validation_rows"] == len(validation)
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in metrics.values())
    if main_metric:
        assert metrics[f"validation:{main_metric}"] > minimum, log.text()
    if algo.task == "classification":
        for metric in ("accuracy", "balanced_accuracy", "f1", "roc_auc"):
            assert 0 <= metrics[f"validation:{metric}"] <= 1
        assert metrics["validation:log_loss"] >= 0
    if algo.task == "anomaly":
        assert 0 < metrics["validation:anomaly_fraction"] < 0.3

    # progress from reading to done, in order
    assert [m for _, m in steps] == ["reading data", "fitting", "evaluating", "saving", "done"]
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert steps[-1][0] == 1.0
    assert "validation_rows" in log.text()

    # the files, and metadata.json as returned
    assert (model_dir / "model.skops").is_file()
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata == result.metadata
    assert metadata["flavor"] == "sklearn"
    assert metadata["format"] == "skops"
    assert metadata["algorithm"] == name
    assert metadata["task"] == algo.task
    assert metadata["hyperparameters"] == validate_hyperparameters(name, hyperparameters)
    assert metadata["metrics"] == metrics
    assert set(metadata["library_versions"]) == {
        "python",
        "scikit-learn",
        "skops",
        "pandas",
        "numpy",
        "jupyter_mlstudio",
    }
    assert datetime.fromisoformat(metadata["created_at"]).utcoffset() is not None
    inputs = [i["name"] for i in metadata["signature"]["inputs"]]
    assert target not in inputs
    assert "when" not in inputs  # the datetime column of the synthetic frame
    assert all(isinstance(i["dtype"], str) for i in metadata["signature"]["inputs"])
    output = metadata["signature"]["outputs"][0]
    if algo.needs_target:
        assert metadata["target"] == target
        assert output["name"] == target
    else:
        assert metadata["target"] is None
        assert output["name"] == "prediction"
        assert f"ignoring target {target!r}" in log.text()
    if algo.task == "classification":
        assert metadata["classes"] == sorted(frames[dataset][target].dropna().unique().tolist())
    else:
        assert "classes" not in metadata

    # the saved model reproduces the validation metric and predicts on the input example
    model = load_builtin_model(model_dir)
    X_val = validation.drop(columns=[target])
    if algo.task == "classification":
        again = accuracy_score(validation[target], model.predict(X_val))
        assert again == pytest.approx(metrics["validation:accuracy"])
    elif algo.task == "regression":
        again = math.sqrt(mean_squared_error(validation[target], model.predict(X_val)))
        assert again == pytest.approx(metrics["validation:rmse"])
    elif algo.task == "clustering":
        assert -model.score(X_val) == pytest.approx(metrics["validation:inertia"])
    else:
        again = float(np.mean(model.predict(X_val) == -1))
        assert again == pytest.approx(metrics["validation:anomaly_fraction"])
    example = metadata["input_example"]
    assert len(example) == 5
    assert list(example[0]) == inputs
    predictions = model.predict(pd.DataFrame(example))
    assert len(predictions) == 5


# -- data handling -----------------------------------------------------------------
def test_synthetic_frame_missing_values_text_and_datetime(data_dir: Path, tmp_path: Path) -> None:
    log = Lines()
    result = train_builtin(
        "logistic-regression",
        {},
        {"train": data_dir / "synthetic.csv"},
        "label",
        tmp_path / "model",
        log=log,
    )
    text = log.text()
    assert "dropped 16 training row(s) whose target 'label' is missing" in text
    assert "column 'when' is not used as a feature (datetime)" in text
    assert "features: 2 numeric, 2 categorical (color, member)" in text
    assert "stratified by 'label'" in text
    assert result.metrics["train_rows"] + result.metrics["validation_rows"] == 384
    assert result.metrics["validation:accuracy"] > 0.8
    metadata = result.metadata
    assert metadata["dropped_columns"] == {"when": "datetime"}
    assert [i["name"] for i in metadata["signature"]["inputs"]] == [
        "amount",
        "visits",
        "color",
        "member",
    ]
    assert metadata["classes"] == ["churn", "stay"]
    # NaN in the example is null, and the loaded model takes the example back
    example = metadata["input_example"]
    assert example[0]["amount"] is None
    json.dumps(example, allow_nan=False)
    model = load_builtin_model(tmp_path / "model")
    assert set(model.predict(pd.DataFrame(example))) <= {"churn", "stay"}
    # an unseen category and extra columns are fine; missing values are imputed
    unseen = pd.DataFrame(
        {
            "amount": [150.0, None],
            "visits": [None, 3.0],
            "color": ["purple", None],
            "member": [True, False],
            "when": ["2030-01-01", "2030-01-02"],
        }
    )
    assert len(model.predict(unseen)) == 2


def test_datetime_typed_column_from_jsonl_is_dropped(
    frames: dict[str, Any], tmp_path: Path
) -> None:
    frame = frames["synthetic"].copy()
    frame["when"] = frame["when"].dt.tz_localize("UTC")
    path = tmp_path / "data.jsonl"
    frame.to_json(path, orient="records", lines=True, date_format="iso")
    log = Lines()
    result = train_builtin(
        "hist-gradient-boosting-classifier",
        {"max_iter": 10},
        {"train": path},
        "label",
        tmp_path / "model",
        log=log,
    )
    assert result.metadata["dropped_columns"] == {"when": "datetime"}
    assert "from channel 'train'" in log.text()


def test_validation_channel_is_used(data_dir: Path, tmp_path: Path) -> None:
    log = Lines()
    result = train_builtin(
        "random-forest-classifier",
        {"n_estimators": 10},
        {
            "train": data_dir / "wine" / "train.csv",
            "validation": data_dir / "wine" / "validation.csv",
        },
        "cultivar",
        tmp_path / "model",
        log=log,
    )
    assert result.metrics["validation_rows"] == len(
        pd.read_csv(data_dir / "wine" / "validation.csv")
    )
    assert result.metrics["train_rows"] == len(pd.read_csv(data_dir / "wine" / "train.csv"))
    assert "no validation channel" not in log.text()


def test_automatic_split_is_stratified(data_dir: Path, tmp_path: Path) -> None:
    log = Lines()
    result = train_builtin(
        "knn-classifier",
        {},
        {"train": data_dir / "iris.csv"},
        "species",
        tmp_path / "model",
        validation_fraction=0.1,
        log=log,
    )
    assert result.metrics["validation_rows"] == 15
    assert result.metrics["train_rows"] == 135
    assert "split 10% of the 150 training rows off for validation (stratified by 'species')" in (
        log.text()
    )
    # the same split, looked at directly: every class, in proportion
    frame = pd.read_csv(data_dir / "iris.csv")
    X, y = frame.drop(columns="species"), frame["species"]
    _, _, y_train, y_val = builtin._split(X, y, get_algorithm("knn-classifier"), 0.1, 0, Lines())
    assert y_train is not None
    assert y_val is not None
    assert y_val.value_counts().to_dict() == {"setosa": 5, "versicolor": 5, "virginica": 5}
    assert set(y_train) == set(y)


def test_split_falls_back_to_random_when_a_class_is_tiny(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": range(40), "y": ["a"] * 20 + ["b"] * 19 + ["c"]})
    frame.to_csv(tmp_path / "data.csv", index=False)
    log = Lines()
    result = train_builtin(
        "logistic-regression", {}, {"train": tmp_path / "data.csv"}, "y", tmp_path / "m", log=log
    )
    assert "random split: some class has fewer than 2 rows" in log.text()
    assert result.metrics["validation_rows"] == 8


def test_unsupervised_ignores_the_target_and_drops_its_column(
    data_dir: Path, tmp_path: Path
) -> None:
    log = Lines()
    result = train_builtin(
        "k-means",
        {"n_clusters": 3},
        {"train": data_dir / "iris.csv"},
        "species",
        tmp_path / "m",
        log=log,
    )
    assert "k-means (clustering) uses no target; ignoring target 'species'" in log.text()
    inputs = [i["name"] for i in result.metadata["signature"]["inputs"]]
    assert "species" not in inputs
    assert len(inputs) == 4
    assert result.metadata["signature"]["outputs"] == [{"name": "prediction", "dtype": "int32"}]


def test_svm_without_probabilities_leaves_probability_metrics_out(
    data_dir: Path, tmp_path: Path
) -> None:
    log = Lines()
    result = train_builtin(
        "svm-classifier",
        {"probability": "false"},
        {"train": data_dir / "iris.csv"},
        "species",
        tmp_path / "m",
        log=log,
    )
    assert "validation:roc_auc" not in result.metrics
    assert "validation:log_loss" not in result.metrics
    assert result.metrics["validation:accuracy"] > 0.8
    assert "no probabilities" in log.text()


def test_read_table_concatenates_a_folder_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "channel"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_csv(folder / "1.csv", index=False)
    pd.DataFrame({"a": [3], "b": ["z"]}).to_csv(folder / "2.tsv", sep="\t", index=False)
    pd.DataFrame({"a": [4], "b": ["w"]}).to_json(folder / "3.jsonl", orient="records", lines=True)
    pd.DataFrame({"a": [5], "b": ["v"]}).to_csv(folder / "sub" / "4.csv.gz", index=False)
    (folder / ".DS_Store").write_bytes(b"\x00\x01garbage")
    (folder / ".hidden" / "x.csv").write_text("not,used\n1,2\n")
    (folder / "_SUCCESS").write_text("")
    frame = read_table(folder)
    assert frame["a"].tolist() == [1, 2, 3, 4, 5]
    assert frame["b"].tolist() == ["x", "y", "z", "w", "v"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"data.csv": bytes(range(256)) * 8}, "could not read data.csv as CSV: it holds binary"),
        ({"data.csv": b"a,b\n\xff\xfe,1\n"}, "could not read data.csv as CSV: 'utf-8' codec"),
        ({"data.csv": b"a,b\n1,2\n3,4,5,6\n"}, "could not read data.csv as CSV: Error tokenizing"),
        ({"data.csv": b""}, "could not read data.csv as CSV: the file is empty"),
        ({"data.csv": b"a,b\n"}, "holds an empty table (no rows)"),
        ({"data.jsonl": b"{not json\n"}, "could not read data.jsonl as JSON lines:"),
        (
            {"notes.txt": b"hello"},
            "unsupported file type: notes.txt; supported file types: .csv, .tsv, .parquet, .pq, "
            ".jsonl, .ndjson",
        ),
    ],
)
def test_unreadable_files(tmp_path: Path, files: dict[str, bytes], message: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    path = tmp_path / next(iter(files))
    with pytest.raises(InvalidArgumentError) as caught:
        read_table(path)
    assert message in caught.value.message
    # through a job, the message names the channel
    with pytest.raises(InvalidArgumentError, match=r"^channel 'train': "):
        train_builtin("ridge", {}, {"train": path}, "a", tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_folders_without_data_and_missing_paths(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".keep").write_text("")
    with pytest.raises(InvalidArgumentError, match="holds no data files; supported file types"):
        read_table(empty)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        read_table(tmp_path / "nowhere")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.csv").write_text("x\n1\n")
    (mixed / "readme.md").write_text("hi")
    with pytest.raises(InvalidArgumentError, match=r"unsupported file type: readme\.md in "):
        read_table(mixed)


@pytest.mark.skipif(not HAVE_PARQUET, reason="no Parquet engine installed")
def test_parquet(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    frames["synthetic"].to_parquet(tmp_path / "data.parquet")
    frame = read_table(tmp_path / "data.parquet")
    assert len(frame) == 400
    assert pd.api.types.is_datetime64_any_dtype(frame["when"])
    result = train_builtin(
        "random-forest-classifier",
        {"n_estimators": 10},
        {"train": tmp_path / "data.parquet"},
        "label",
        tmp_path / "m",
    )
    assert result.metadata["dropped_columns"] == {"when": "datetime"}


@pytest.mark.skipif(HAVE_PARQUET, reason="a Parquet engine is installed")
def test_parquet_without_an_engine_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"PAR1")
    with pytest.raises(
        InvalidArgumentError, match=r"could not read data\.parquet as Parquet: .*pyarrow"
    ):
        read_table(tmp_path / "data.parquet")


# -- target errors -----------------------------------------------------------------
def test_missing_target_column_lists_the_columns(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        train_builtin("ridge", {}, {"train": data_dir / "iris.csv"}, "price", tmp_path / "m")
    assert caught.value.message == (
        "target column 'price' is not in the training data; columns are: sepal length (cm), "
        "sepal width (cm), petal length (cm), petal width (cm), species"
    )
    wide = pd.DataFrame({f"c{i}": [1, 2, 3] for i in range(30)})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    with pytest.raises(InvalidArgumentError, match=r"columns are: c0, c1, .*c19, … \(10 more\)$"):
        train_builtin("ridge", {}, {"train": tmp_path / "wide.csv"}, "y", tmp_path / "m")
    with pytest.raises(InvalidArgumentError, match="ridge needs a target column"):
        train_builtin("ridge", {}, {"train": data_dir / "iris.csv"}, None, tmp_path / "m")


def test_target_of_the_wrong_kind(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="must be numeric for ridge"):
        train_builtin("ridge", {}, {"train": data_dir / "iris.csv"}, "species", tmp_path / "m")
    with pytest.raises(InvalidArgumentError, match="holds continuous numbers"):
        train_builtin(
            "logistic-regression",
            {},
            {"train": data_dir / "diabetes.csv"},
            "bmi",
            tmp_path / "m",
        )


def test_other_argument_errors(data_dir: Path, tmp_path: Path) -> None:
    iris = data_dir / "iris.csv"
    with pytest.raises(InvalidArgumentError, match="channel 'train' is required"):
        train_builtin("ridge", {}, {"validation": iris}, "species", tmp_path / "m")
    with pytest.raises(InvalidArgumentError, match="validation_fraction must be between 0 and 1"):
        train_builtin(
            "knn-classifier", {}, {"train": iris}, "species", tmp_path / "m", validation_fraction=1
        )
    with pytest.raises(
        InvalidArgumentError, match=r"^unknown algorithm 'xgboost'; choose one of: "
    ):
        train_builtin("xgboost", {}, {"train": iris}, "species", tmp_path / "m")
    with pytest.raises(InvalidArgumentError, match=r"^hyperparameter 'n_neighbors': must be >= 1"):
        train_builtin(
            "knn-classifier", {"n_neighbors": "0"}, {"train": iris}, "species", tmp_path / "m"
        )
    # hyperparameters valid on their own, but not for this data: a clear error too
    with pytest.raises(InvalidArgumentError, match="knn-classifier could not be evaluated"):
        train_builtin(
            "knn-classifier", {"n_neighbors": 500}, {"train": iris}, "species", tmp_path / "m"
        )


# -- hyperparameters ---------------------------------------------------------------
def test_string_hyperparameters_are_coerced() -> None:
    values = validate_hyperparameters(
        "random-forest-classifier",
        {"n_estimators": "50", "max_depth": "None", "bootstrap": "false", "max_features": "0.5"},
    )
    assert values["n_estimators"] == 50
    assert values["max_depth"] is None
    assert values["bootstrap"] is False
    assert values["max_features"] == 0.5
    assert values["criterion"] == "gini"  # defaults filled
    assert values["random_state"] == 0
    json.dumps(values)
    mlp = get_algorithm("mlp-classifier")
    assert validate_hyperparameters(mlp, {"hidden_layer_sizes": "64,32"})["hidden_layer_sizes"] == [
        64,
        32,
    ]
    assert validate_hyperparameters(mlp, {"hidden_layer_sizes": "[8, 4]"})[
        "hidden_layer_sizes"
    ] == [
        8,
        4,
    ]
    assert validate_hyperparameters(mlp, {"hidden_layer_sizes": 10})["hidden_layer_sizes"] == [10]
    assert (
        validate_hyperparameters(mlp, {"early_stopping": "True", "alpha": "1e-3"})["alpha"] == 0.001
    )
    # a count and a fraction stay apart
    forest = "isolation-forest"
    assert validate_hyperparameters(forest, {"max_samples": "64"})["max_samples"] == 64
    assert validate_hyperparameters(forest, {"max_samples": "0.5"})["max_samples"] == 0.5
    assert validate_hyperparameters(forest, {"contamination": "auto"})["contamination"] == "auto"
    assert validate_hyperparameters("k-means", {"n_init": "3"})["n_init"] == 3


@pytest.mark.parametrize(
    ("algorithm", "raw", "message"),
    [
        (
            "random-forest-classifier",
            {"n_estimators": 0},
            "hyperparameter 'n_estimators': must be >= 1 (got 0)",
        ),
        (
            "random-forest-classifier",
            {"n_estimators": "many"},
            "hyperparameter 'n_estimators': must be an integer (got 'many')",
        ),
        (
            "random-forest-classifier",
            {"criterion": "best"},
            "hyperparameter 'criterion': must be one of 'gini', 'entropy' or 'log_loss' "
            "(got 'best')",
        ),
        (
            "random-forest-classifier",
            {"max_features": "most"},
            "hyperparameter 'max_features': must be 'sqrt', 'log2', a number > 0 and <= 1, or "
            "null (got 'most')",
        ),
        ("ridge", {"alpha": "-1"}, "hyperparameter 'alpha': must be >= 0 (got '-1')"),
        ("elastic-net", {"l1_ratio": 2}, "hyperparameter 'l1_ratio': must be <= 1 (got 2)"),
        ("svm-classifier", {"C": "NaN"}, "hyperparameter 'C': must be a finite number (got 'NaN')"),
        (
            "svm-classifier",
            {"shrinking": "maybe"},
            "hyperparameter 'shrinking': must be true or false",
        ),
        (
            "k-means",
            {"n_init": "often"},
            "hyperparameter 'n_init': must be 'auto' or an integer >= 1 (got 'often')",
        ),
        (
            "mlp-regressor",
            {"hidden_layer_sizes": "64,0"},
            "hyperparameter 'hidden_layer_sizes': item 1 must be >= 1 (got '64,0')",
        ),
        (
            "logistic-regression",
            {"l1_ratio": 0.5},
            "hyperparameters: l1_ratio 0.5 needs solver 'saga', got solver 'lbfgs'",
        ),
        (
            "random-forest-classifier",
            {"foo": 1},
            "unknown hyperparameter 'foo' for random-forest-classifier; known: n_estimators, ",
        ),
    ],
)
def test_bad_hyperparameters_are_explained(
    algorithm: str, raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        validate_hyperparameters(algorithm, raw)
    assert message in caught.value.message


def test_every_bad_hyperparameter_is_named() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        validate_hyperparameters("hist-gradient-boosting-regressor", {"max_iter": 0, "loss": "l3"})
    assert "'max_iter': must be >= 1 (got 0)" in caught.value.message
    assert "'loss': must be one of" in caught.value.message


def test_unknown_algorithm() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        get_algorithm("foo")
    assert caught.value.message.startswith("unknown algorithm 'foo'; choose one of: ")
    assert "random-forest-classifier" in caught.value.message
    with pytest.raises(InvalidArgumentError, match="unknown algorithm 'foo'"):
        validate_hyperparameters("foo", {})


def test_default_hyperparameters_build_every_estimator() -> None:
    for algo in ALGORITHMS.values():
        estimator = algo.build(algo.hyperparameters())
        assert hasattr(estimator, "fit")
        assert algo.needs_target == (algo.task in ("classification", "regression"))


def test_describe_algorithms_is_json_with_complete_schemas() -> None:
    described = describe_algorithms()
    text = json.dumps(described, allow_nan=False)
    assert json.loads(text) == described
    assert [d["name"] for d in described] == list(ALGORITHMS)
    for entry in described:
        assert set(entry) == {
            "name",
            "title",
            "task",
            "description",
            "needs_target",
            "distributed",
            "schema",
            "metrics",
        }
        # the boosters train across Dask workers, the scikit-learn algorithms on one host
        assert entry["distributed"] == entry["name"].startswith(("xgboost", "lightgbm"))
        assert entry["task"] in EXPECTED_METRICS
        # the objectives a tuning job may name: metrics this task's jobs log
        logged = {f"validation:{m}" for m in EXPECTED_METRICS[entry["task"]]}
        logged |= set(get_algorithm(entry["name"]).round_metrics)  # a booster's per round
        assert entry["metrics"] and set(entry["metrics"]) <= logged, entry["name"]
        properties = entry["schema"]["properties"]
        assert properties
        assert entry["schema"]["additionalProperties"] is False
        for name, prop in properties.items():
            assert {"default", "type", "description", "title"} <= set(prop), (entry["name"], name)
        # the defaults are themselves valid
        assert validate_hyperparameters(
            entry["name"], {k: p["default"] for k, p in properties.items()}
        ) == validate_hyperparameters(entry["name"], {})
    forest = next(d for d in described if d["name"] == "random-forest-classifier")["schema"]
    props = forest["properties"]
    assert props["n_estimators"] == {
        "default": 100,
        "description": "Number of trees in the forest.",
        "minimum": 1,
        "title": "N Estimators",
        "type": "integer",
    }
    assert props["criterion"]["enum"] == ["gini", "entropy", "log_loss"]
    assert props["max_depth"]["type"] == ["integer", "null"]
    assert props["max_features"]["anyOf"][1] == {
        "exclusiveMinimum": 0,
        "maximum": 1,
        "type": "number",
    }


# -- loading -----------------------------------------------------------------------
def test_load_refuses_types_outside_the_trust_list(tmp_path: Path) -> None:
    skops_io.dump(FunctionTransformer(json.dumps), tmp_path / "model.skops")
    with pytest.raises(
        InvalidArgumentError, match=r"not scikit-learn.s, NumPy.s or SciPy.s own: json\.dumps"
    ):
        load_builtin_model(tmp_path)
    with pytest.raises(NotFoundError, match=r"no model\.skops"):
        load_builtin_model(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model.skops").write_bytes(b"not a zip")
    with pytest.raises(InvalidArgumentError, match="is not a readable skops file"):
        load_builtin_model(tmp_path / "bad")
