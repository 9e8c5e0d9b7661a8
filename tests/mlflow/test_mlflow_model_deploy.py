"""An MLflow-saved scikit-learn model, registered as a version, deploys as an endpoint (a
real serving process) whose answers equal the estimator's predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls

mlflow_sklearn = pytest.importorskip("mlflow.sklearn")


def test_an_mlflow_model_serves_its_predictions(mlstudio_home: Path, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    mlflow_sklearn.save_model(model, str(tmp_path / "mlflow-model"), input_example=X.head(3))
    version = mls.register(str(tmp_path / "mlflow-model"), "iris-mlflow")
    assert version.flavor == "sklearn"
    endpoint = mls.deploy("iris-mlflow", timeout=120)
    try:
        assert endpoint.predict(X).tolist() == model.predict(X).tolist()
        answer = endpoint._service.invoke(endpoint.name, X.head(7))
        assert answer["predictions"] == model.predict(X.head(7)).tolist()
        assert np.asarray(answer["predictions"]).shape == (7,)
    finally:
        endpoint.delete()
