"""Signatures of models registered without data: the fitted estimator tells its columns
(``feature_names_in_`` or ``n_features_in_``) and classes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import jupyter_mlstudio as mls
from jupyter_mlstudio.registry.format import save_sklearn_model

X, y = load_iris(return_X_y=True, as_frame=True)


def test_an_estimator_fitted_on_a_frame_names_its_columns_and_classes() -> None:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    version = mls.register(model, "iris-bare")  # no input_example
    assert version.signature["inputs"] == [{"name": c, "dtype": "float64"} for c in X.columns]
    assert version.signature["outputs"] == [{"name": "prediction", "dtype": "int64"}]
    assert version.signature["inferred_from"] == "estimator"
    assert "sepal length (cm)" in json.dumps(version.card)  # the card lists the inputs


def test_an_estimator_fitted_on_an_array_gets_positional_columns() -> None:
    regressor = RandomForestRegressor(n_estimators=3, random_state=0).fit(X.values, y)
    version = mls.register(regressor, "iris-array")
    assert version.signature["inputs"] == [{"name": f"x{i}", "dtype": "float64"} for i in range(4)]
    assert version.signature["outputs"] == [{"name": "prediction", "dtype": "float64"}]


def test_a_pipeline_that_takes_text_gets_columns_of_any_type() -> None:
    frame = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "colour": ["red", "blue", "red", "blue"]})
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(frame, ["a", "b", "a", "b"])
    version = mls.register(model, "colours")
    assert version.signature["inputs"] == [
        {"name": "size", "dtype": "any"},
        {"name": "colour", "dtype": "any"},
    ]
    assert version.signature["outputs"][0]["dtype"] == "object"


def test_given_data_still_decides_and_an_unfitted_model_has_no_signature(tmp_path: Path) -> None:
    model = LogisticRegression(max_iter=500).fit(X, y)
    with_data = save_sklearn_model(model, tmp_path / "a", X=X)
    assert with_data.signature["inputs"][0] == {"name": "sepal length (cm)", "dtype": "float64"}
    assert "inferred_from" not in with_data.signature
    unfitted = save_sklearn_model(LogisticRegression(), tmp_path / "b")
    assert unfitted.signature == {"inputs": [], "outputs": []}
