"""``mls.monitor`` end to end on a real endpoint with capture on: deploy, send traffic,
create a schedule, run it now, read executions and violations, upload labels."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.monitor import Monitor
from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window


def test_monitor_an_endpoint_from_the_sdk(mlstudio_home: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    version = mls.register(model, "iris-watched", input_example=X)
    baseline = mls.monitor.suggest_baseline(X)
    assert mls.monitor.check(X, baseline).violations == []

    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    endpoint = mls.deploy("iris-watched", version=1, capture=True, timeout=120)
    try:
        # no training data in the model's lineage: a baseline must be given
        with pytest.raises(InvalidArgumentError, match="no training data in its lineage"):
            mls.monitor.create_schedule(endpoint, cron="rate(1 hour)")
        with pytest.raises(InvalidArgumentError, match="Invalid cron"):
            mls.monitor.create_schedule(endpoint, cron="cron(0 * *)", baseline=baseline)
        monitor = mls.monitor.create_schedule(
            endpoint, kind="data-quality", cron="rate(1 hour)", baseline=baseline
        )
        assert (monitor.name, monitor.endpoint) == ("iris-watched-data-quality", "iris-watched")
        shifted = X.assign(**{"petal length (cm)": X["petal length (cm)"] + 3.0})
        endpoint.predict(shifted)
        for _, row in X.head(5).iterrows():
            endpoint.predict(row.to_dict())
        _monitor_while_serving(monitor, version.signature["inputs"], before, y, mlstudio_home)
    finally:
        endpoint.delete()


def _monitor_while_serving(
    monitor: Monitor, signature: list[dict[str, Any]], before: datetime, y: pd.Series, home: Path
) -> None:
    capture = str(home / "artifacts" / "endpoints" / "iris-watched" / "data-capture")
    deadline = time.monotonic() + 15
    end = datetime.now(timezone.utc) + timedelta(seconds=1)
    window = read_window(capture, before, end, signature_inputs=signature)
    while not (isinstance(window, CapturedWindow) and window.rows == 155):
        assert time.monotonic() < deadline, window
        time.sleep(0.2)
        window = read_window(capture, before, end, signature_inputs=signature)

    execution = mls.monitor.run_now(monitor, start=before, end=end, timeout=120)
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    found = mls.monitor.violations(execution)
    assert {v["feature_name"] for v in found} == {"petal length (cm)"}
    assert mls.monitor.violations(monitor) == found  # the latest ended execution's
    # a window without traffic ends NoData, not Failed
    quiet = mls.monitor.run_now(
        monitor, start=before - timedelta(hours=2), end=before - timedelta(hours=1)
    )
    assert (quiet.status, quiet.violations) == ("NoData", 0)
    table = mls.monitor.executions(monitor)
    assert isinstance(table, pd.DataFrame)
    assert sorted(table["status"]) == ["CompletedWithViolations", "NoData"]
    assert table["job_id"].notna().all() and table["manual"].all()

    # ground truth by inference id: unknown ids are refused, known ones stored
    labels = pd.DataFrame(
        {
            "inference_id": window.meta["inference_id"],
            "inference_row": window.meta["inference_row"],
            "label": list(y) + list(y.head(5)),
        }
    )
    with pytest.raises(InvalidArgumentError, match="inference"):
        mls.monitor.add_ground_truth(
            "iris-watched", labels.assign(inference_id="not-an-id-we-answered")
        )
    written = mls.monitor.add_ground_truth("iris-watched", labels)
    assert Path(written).is_file()
    quality = mls.monitor.create_schedule("iris-watched", kind="model-quality", cron=None)
    assert quality.schedule is None
    judged = mls.monitor.run_now(quality, start=before, end=end, timeout=120)
    assert judged.status == "Completed", judged.failure_reason
    report = mls.studio().monitor.report(judged.id)
    assert report is not None and report["labelled_rows"] == 155

    assert [m.name for m in mls.monitor.list_monitors("iris-watched")] == [
        "iris-watched-data-quality",
        "iris-watched-model-quality",
    ]
    mls.monitor.delete_monitor(monitor)
    with pytest.raises(NotFoundError):
        mls.monitor.get_monitor(monitor.name)
    assert [m.name for m in mls.monitor.list_monitors()] == ["iris-watched-model-quality"]


def test_an_endpoint_that_captures_nothing_is_refused(mlstudio_home: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris-blind", input_example=X)
    endpoint = mls.deploy("iris-blind", version=1, timeout=120)
    try:
        with pytest.raises(InvalidArgumentError, match="captures nothing"):
            mls.monitor.create_schedule(endpoint, baseline=mls.monitor.suggest_baseline(X))
        with pytest.raises(InvalidArgumentError, match="captures nothing"):
            mls.monitor.add_ground_truth(
                endpoint, pd.DataFrame({"inference_id": ["x"], "label": [1]})
            )
    finally:
        endpoint.delete()
    with pytest.raises(NotFoundError):
        mls.monitor.create_schedule("no-such-endpoint", baseline=mls.monitor.suggest_baseline(X))


def test_a_baseline_suggested_from_a_model_versions_lineage(
    mlstudio_home: Path, tmp_path: Path
) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    train = tmp_path / "train.csv"
    X.to_csv(train, index=False)
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, "iris-lineage", input_example=X, data=str(train))
    baseline = mls.monitor.suggest_baseline("iris-lineage:1", timeout=120)  # a baseline job
    assert baseline.feature_names == list(X.columns)
    assert baseline == mls.monitor.suggest_baseline(X)  # what a DataFrame gives, here
    with pytest.raises(InvalidArgumentError, match="DataFrame"):
        mls.monitor.suggest_baseline("iris-lineage", domain_max_values=3)
    mls.register(model, "iris-no-lineage", input_example=X)
    with pytest.raises(InvalidArgumentError, match="no training data in its lineage"):
        mls.monitor.suggest_baseline("iris-no-lineage")
