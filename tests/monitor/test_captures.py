"""Captured traffic read back into a window's table, as the endpoint's writer files it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.monitor import check, suggest_baseline
from jupyter_mlstudio.monitor.captures import CapturedWindow, NoData, read_window
from jupyter_mlstudio.serving.capture import CaptureRecord, CaptureWriter

from .scenario import traffic

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def write(destination: Path, records: list[CaptureRecord], file_format: str = "jsonl") -> None:
    writer = CaptureWriter(
        str(destination),
        endpoint="churn",
        worker="w0",
        file_format=file_format,
        rotate_bytes=1 << 20,
        rotate_seconds=60,
    )
    for record in records:
        assert writer.submit(record)
    writer.close()


def record(
    inference_id: str,
    at: datetime,
    request: object,
    response: object,
    *,
    content_type: str = "application/json",
    status: int = 200,
    variant: str = "AllTraffic",
) -> CaptureRecord:
    return CaptureRecord(
        inference_id,
        at.timestamp(),
        variant,
        "churn",
        1,
        content_type,
        request,
        status,
        response,
        0,
    )


def rows_as_records(frame: pd.DataFrame, start: datetime, prefix: str) -> list[CaptureRecord]:
    """One request per row, as ``dataframe_records``; a prediction per row."""
    out = []
    for i, row in enumerate(frame.to_dict(orient="records")):
        at = start + timedelta(seconds=i)
        out.append(
            record(
                f"{prefix}-{i}",
                at,
                {"dataframe_records": [row]},
                {"predictions": [int(row["tenure"] > 30)]},
            )
        )
    return out


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
def test_every_request_shape_reads_back(tmp_path: Path, file_format: str) -> None:
    at = T0 + timedelta(minutes=5)
    records = [
        record(
            "split",
            at,
            {"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}},
            {"predictions": [0, 1]},
        ),
        record("csv", at, "a,b\n3,z\n", {"predictions": [1]}, content_type="text/csv"),
        record("inst", at, {"instances": [{"a": 4, "b": "x"}]}, {"predictions": [[0.2, 0.8]]}),
        record(
            "oip",
            at,
            {
                "inputs": [
                    {"name": "a", "shape": [1], "datatype": "INT64", "data": [5]},
                    {"name": "b", "shape": [1], "datatype": "BYTES", "data": ["y"]},
                ]
            },
            {
                "model_name": "churn",
                "outputs": [{"name": "predict", "shape": [1], "datatype": "INT64", "data": [1]}],
            },
        ),
        record(
            "refused",
            at,
            {"dataframe_records": [{"a": "?"}]},
            {"error": {"message": "bad"}},
            status=400,
        ),
    ]
    destination = tmp_path / "capture"
    write(destination, records, file_format)

    window = read_window(f"file://{destination}", T0, T0 + timedelta(hours=1))
    assert isinstance(window, CapturedWindow)
    assert (window.requests, window.failed_requests, window.rows) == (5, 1, 5)
    features = window.features.sort_values("a").reset_index(drop=True)
    assert features.to_dict(orient="list") == {"a": [1, 2, 3, 4, 5], "b": ["x", "y", "z", "x", "y"]}
    meta = window.meta.set_index(["inference_id", "inference_row"])
    assert meta.loc[("split", 1), "prediction"] == 1
    assert meta.loc[("csv", 0), "prediction"] == 1
    assert meta.loc[("oip", 0), "prediction"] == 1
    assert meta.loc[("inst", 0), "probability_1"] == 0.8
    assert str(window.meta["capture_time"].dt.tz) == "UTC"


def test_a_window_reads_only_its_hours_and_an_empty_one_is_no_data(tmp_path: Path) -> None:
    destination = tmp_path / "capture"
    frame = traffic(6, seed=1)
    write(
        destination,
        rows_as_records(frame.head(3), T0 + timedelta(minutes=50), "early")
        + rows_as_records(frame.tail(3), T0 + timedelta(hours=2), "late")
        + [
            record(
                "other",
                T0 + timedelta(minutes=55),
                {"instances": [[1]]},
                {"predictions": [1]},
                variant="B",
            )
        ],
    )
    window = read_window(str(destination), T0 + timedelta(minutes=50), T0 + timedelta(hours=1))
    assert isinstance(window, CapturedWindow)
    assert sorted(window.meta["inference_id"]) == ["early-0", "early-1", "early-2", "other"]
    only_a = read_window(str(destination), T0, T0 + timedelta(hours=3), variant="AllTraffic")
    assert isinstance(only_a, CapturedWindow) and only_a.rows == 6
    naive = read_window(str(destination), datetime(2026, 11, 30, 11), datetime(2026, 11, 30, 12))
    assert isinstance(naive, CapturedWindow) and naive.rows == 3  # naive times are UTC

    empty = read_window(str(destination), T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert isinstance(empty, NoData)
    assert "No captured row between 2026-11-30 10:00:00 and 2026-11-30 11:00:00 UTC" in empty.reason
    assert isinstance(read_window(str(tmp_path / "nothing"), T0, T0 + timedelta(hours=1)), NoData)
    with pytest.raises(InvalidArgumentError, match="is not after its start"):
        read_window(str(destination), T0, T0)


def test_captured_windows_checked_against_the_training_baseline(tmp_path: Path) -> None:
    """The acceptance scenario from the capture files on: a window of training-like
    traffic, then a window with three shifted features and a new category."""
    training = traffic(20_000, seed=10)
    baseline = suggest_baseline(training)
    destination = tmp_path / "capture"
    write(
        destination,
        rows_as_records(traffic(2000, seed=11), T0, "normal")
        + rows_as_records(
            traffic(2000, seed=12, shifted=True, new_category=True),
            T0 + timedelta(hours=1),
            "shifted",
        ),
    )
    first = read_window(str(destination), T0, T0 + timedelta(hours=1))
    assert isinstance(first, CapturedWindow) and first.rows == 2000
    assert check(first.features, baseline).violations == []

    second = read_window(str(destination), T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert isinstance(second, CapturedWindow) and second.rows == 2000
    report = check(second.features, baseline)
    assert sorted(report.drifted_features) == ["balance", "income", "plan", "tenure"]
    assert {v.constraint_check_type for v in report.violations if v.feature_name == "plan"} == {
        "baseline_drift_check",
        "categorical_values_check",
    }
