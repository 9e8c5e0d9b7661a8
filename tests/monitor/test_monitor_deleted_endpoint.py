"""A monitor outlives its endpoint: executions after the endpoint is deleted read what it
captured (the capture folder kept at creation); without that record, a clear failure."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fsspec
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.service import SOURCE_FILE
from jupyter_mlstudio.studio import Studio


def test_a_monitor_of_a_deleted_endpoint_reads_its_captures(studio: Studio, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris-gone", input_example=X)
    suggest_baseline(X).save(tmp_path / "baseline")
    start = datetime.now(timezone.utc)
    endpoint = mls.deploy("iris-gone", version=1, capture=True, timeout=120)
    try:
        monitor = studio.monitor.create_monitor(
            "gone", endpoint="iris-gone", baseline=str(tmp_path / "baseline")
        )
        kept = studio.monitor.create_monitor(
            "gone-unrecorded", endpoint="iris-gone", baseline=str(tmp_path / "baseline")
        )
        endpoint.predict(X)
    finally:
        endpoint.delete()  # waits for the workers, whose capture writers flush on exit
    end = datetime.now(timezone.utc) + timedelta(seconds=1)
    time.sleep(0.1)

    execution = studio.monitor.run_now(monitor.name, start=start, end=end)
    ended = studio.monitor.wait(execution.id, timeout=120)
    assert ended.status == "Completed", ended
    report = studio.monitor.report(ended.id)
    assert report is not None and report["rows"] == len(X)

    # a monitor made before creation kept the record: refused with the reason, not a crash
    fs, path = fsspec.core.url_to_fs(
        f"{studio.monitor.artifact_root}/monitors/{kept.name}/{SOURCE_FILE}"
    )
    fs.rm(path)
    failed = studio.monitor.run_now(kept.name, start=start, end=end)
    assert failed.status == "Failed" and "was deleted" in (failed.failure_reason or ""), failed
