"""``return_probabilities``: a classifier endpoint answers predict_proba's rows and its
classes, on both protocols, and its captured traffic carries them for Model Monitor."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window
from jupyter_mlstudio.serving import read_capture

X, y = load_iris(return_X_y=True, as_frame=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])


def test_probabilities_are_predict_proba_and_are_captured(mlstudio_home: Path) -> None:
    labels = NAMES[y]  # string classes: the answer names them
    model = LogisticRegression(C=0.5, max_iter=500).fit(X, labels)
    mls.register(model, "iris-proba", input_example=X)
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    endpoint = mls.deploy("iris-proba", return_probabilities=True, capture=True, timeout=120)
    try:
        assert endpoint.endpoint.config["return_probabilities"] is True  # persisted
        answer = endpoint._service.invoke(endpoint.name, X)
        assert sorted(answer) == ["classes", "predictions", "probabilities"]
        assert answer["classes"] == NAMES.tolist()
        assert answer["predictions"] == model.predict(X).tolist()
        np.testing.assert_allclose(answer["probabilities"], model.predict_proba(X), rtol=1e-12)

        frame = endpoint.predict_proba(X.head(5))
        assert frame.columns.tolist() == NAMES.tolist()
        np.testing.assert_allclose(frame.to_numpy(), model.predict_proba(X.head(5)), rtol=1e-12)
        assert endpoint.predict(X.head(3)).tolist() == model.predict(X.head(3)).tolist()

        # Open Inference Protocol v2: a second output tensor, predict_proba, with the classes
        rows = X.head(4).to_numpy()
        body = {
            "inputs": [
                {
                    "name": "input-0",
                    "shape": list(rows.shape),
                    "datatype": "FP64",
                    "data": rows.ravel().tolist(),
                }
            ]
        }
        status, _, raw = endpoint._service.request(
            endpoint.name,
            "POST",
            "/v2/models/iris-proba/infer",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 200, raw
        outputs = {o["name"]: o for o in json.loads(raw)["outputs"]}
        assert outputs["predict"]["data"] == model.predict(X.head(4)).tolist()
        proba = outputs["predict_proba"]
        assert proba["shape"] == [4, 3] and proba["parameters"]["classes"] == NAMES.tolist()
        np.testing.assert_allclose(
            np.reshape(proba["data"], (4, 3)), model.predict_proba(X.head(4)), rtol=1e-12
        )
        # the binary tensor data extension: both outputs' bytes, in the header's order
        binary = {**body, "parameters": {"binary_data_output": True}}
        status, headers, raw = endpoint._service.request(
            endpoint.name,
            "POST",
            "/v2/models/iris-proba/infer",
            json.dumps(binary).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 200, raw
        length = int(headers["inference-header-content-length"])
        header = json.loads(raw[:length])
        sizes = [o["parameters"]["binary_data_size"] for o in header["outputs"]]
        assert [o["name"] for o in header["outputs"]] == ["predict", "predict_proba"]
        assert length + sum(sizes) == len(raw)
        probabilities = np.frombuffer(raw[length + sizes[0] :], dtype="<f8").reshape(4, 3)
        np.testing.assert_allclose(probabilities, model.predict_proba(X.head(4)), rtol=1e-12)
    finally:
        endpoint.delete()

    destination = mlstudio_home / "artifacts" / "endpoints" / "iris-proba" / "data-capture"
    deadline = time.monotonic() + 10
    records: list[dict[str, object]] = []
    while time.monotonic() < deadline and len(records) < 5:
        records = list(read_capture(str(destination)))
        time.sleep(0.1)
    assert len(records) == 5
    window = read_window(
        str(destination),
        start,
        datetime.now(timezone.utc) + timedelta(seconds=1),
        signature_inputs=mls.get_model_version("iris-proba", 1).signature["inputs"],
    )
    assert isinstance(window, CapturedWindow)
    assert window.rows == len(X) + 5 + 3 + 4 + 4
    assert window.classes == NAMES.tolist()
    assert window.predictions is not None and window.probabilities is not None
    # every captured row's probabilities and prediction are the model's on that row
    inputs = window.features[X.columns]
    np.testing.assert_allclose(
        window.probabilities.to_numpy(dtype=float), model.predict_proba(inputs), rtol=1e-12
    )
    assert window.predictions.tolist() == model.predict(inputs).tolist()


def test_a_model_without_predict_proba_is_refused(mlstudio_home: Path) -> None:
    mls.register(LinearRegression().fit(X, y), "iris-linear", input_example=X)
    with pytest.raises(mls.InvalidArgumentError, match="has no predict_proba"):
        mls.deploy("iris-linear", return_probabilities=True, timeout=120)
    assert mls.list_endpoints() == []  # nothing half-created
    endpoint = mls.deploy("iris-linear", timeout=120)
    try:
        with pytest.raises(ValueError, match="does not return probabilities"):
            endpoint.predict_proba(X.head(2))
        with pytest.raises(mls.InvalidArgumentError, match="has no predict_proba"):
            endpoint.update(return_probabilities=True, timeout=120)
        assert endpoint.refresh().status == "InService"
    finally:
        endpoint.delete()
