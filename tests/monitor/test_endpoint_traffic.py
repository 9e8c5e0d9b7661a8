"""A real endpoint's captured traffic, read back by window and checked for drift."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.monitor import check, suggest_baseline
from jupyter_mlstudio.monitor.captures import CapturedWindow, NoData, read_window


def test_an_endpoints_capture_read_by_window_and_checked(mlstudio_home: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    version = mls.register(model, "iris-monitored", input_example=X)
    baseline = suggest_baseline(X)

    start = datetime.now(timezone.utc)
    endpoint = mls.deploy("iris-monitored", version=1, capture=True, timeout=120)
    try:
        endpoint.predict(X)  # one request of 150 rows
        for _, row in X.head(20).iterrows():  # and 20 of one row each
            endpoint.predict(row.to_dict())
        time.sleep(1.1)
        middle = datetime.now(timezone.utc)
        time.sleep(1.1)
        shifted = X.assign(**{"petal length (cm)": X["petal length (cm)"] + 3.0})
        endpoint.predict(shifted)
    finally:
        endpoint.delete()
    end = datetime.now(timezone.utc) + timedelta(seconds=1)
    destination = str(mlstudio_home / "artifacts" / "endpoints" / "iris-monitored" / "data-capture")
    signature = version.signature["inputs"]

    deadline = time.monotonic() + 15
    first = read_window(destination, start, middle, signature_inputs=signature)
    while not (isinstance(first, CapturedWindow) and first.rows == 170):
        assert time.monotonic() < deadline, first
        time.sleep(0.2)
        first = read_window(destination, start, middle, signature_inputs=signature)
    assert first.requests == 21 and first.failed_requests == 0
    assert list(first.features.columns) == list(X.columns)
    assert first.features.head(150).equals(X.astype("float64"))
    assert first.meta["inference_id"].nunique() == 21
    assert first.meta["prediction"].head(150).tolist() == model.predict(X).tolist()
    assert check(first.features, baseline).violations == []

    second = read_window(destination, middle, end, signature_inputs=signature)
    assert isinstance(second, CapturedWindow) and second.rows == 150
    report = check(second.features, baseline)
    assert report.drifted_features == ["petal length (cm)"]
    assert isinstance(read_window(destination, end, end + timedelta(hours=1)), NoData)
