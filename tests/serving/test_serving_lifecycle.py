"""Configs, start-up failures, spawned workers, Parquet capture and a clean stop; and the
signature checks the server applies, in this process."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pytest
from serving_helpers import rows

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.serving import (
    EndpointConfig,
    EndpointProcess,
    EndpointStartError,
    read_capture,
)
from jupyter_mlstudio.serving.payloads import parse_csv, parse_infer, parse_mlflow_json
from jupyter_mlstudio.serving.schema import InputSchema, PayloadError


def test_configs_are_validated() -> None:
    good = {"name": "e1", "variants": [{"model": "m"}]}
    config = EndpointConfig.parse(json.dumps(good))
    assert (config.host, config.port, config.max_payload_bytes) == ("127.0.0.1", 0, 6 << 20)
    assert (config.batching.max_batch_size, config.batching.max_wait_ms) == (64, 2.0)
    assert config.worker_count == 1 and config.variants[0].name == "primary"
    bad: dict[str, dict[str, Any]] = {
        "repeated variant": {"variants": [{"model": "m"}, {"model": "n"}]},
        "no weight": {"variants": [{"model": "m", "weight": 0}]},
        "percent": {"variants": [{"model": "m"}], "capture": {"sampling_percent": 120}},
        "unknown key": {"variants": [{"model": "m"}], "colour": "red"},
        "model name": {"variants": [{"model": "../m"}]},
        "short token": {"variants": [{"model": "m"}], "token": "abc"},
    }
    messages = {
        "repeated variant": "Variant names must be unique; repeated: primary",
        "no weight": "At least one variant needs a weight above 0",
        "percent": "capture.sampling_percent",
        "unknown key": "colour: Extra inputs are not permitted",
        "model name": "variants.0.model",
        "short token": "token",
    }
    for label, fields in bad.items():
        with pytest.raises(InvalidArgumentError) as error:
            EndpointConfig.parse(json.dumps({"name": "e1", **fields}))
        assert messages[label] in error.value.message, (label, error.value.message)
    with pytest.raises(InvalidArgumentError, match="not valid JSON"):
        EndpointConfig.parse("{")


def test_an_unknown_model_stops_the_start_with_a_message(serving_env: dict[str, str]) -> None:
    config = EndpointConfig(name="nothing", variants=[{"model": "no-such-model"}])
    endpoint = EndpointProcess(config, env=serving_env)
    with pytest.raises(EndpointStartError, match="no-such-model"):
        endpoint.start(timeout=60)
    assert not endpoint.running


def test_an_untrusted_model_stops_the_start_with_a_message(serving_env: dict[str, str]) -> None:
    config = EndpointConfig(name="untrusted", variants=[{"model": "picky"}])
    endpoint = EndpointProcess(config, env=serving_env)
    with pytest.raises(EndpointStartError) as error:
        endpoint.start(timeout=60)
    assert "serving_models.Picky" in error.value.message
    assert "trusted=" in error.value.message and not endpoint.running


def test_spawned_workers_parquet_capture_and_a_clean_stop(
    serving_env: dict[str, str], tmp_path: Path
) -> None:
    capture = tmp_path / "capture"
    config = EndpointConfig(
        name="spawned",
        variants=[{"model": "cancer-rf", "alias": "latest"}],
        worker_start="spawn",
        capture={"enabled": True, "destination": str(capture), "format": "parquet"},
        ready_file=str(tmp_path / "ready.json"),
    )
    endpoint = EndpointProcess(config, env=serving_env, workdir=tmp_path / "run").start(120)
    try:
        ready = json.loads((tmp_path / "ready.json").read_text())
        assert ready["port"] == endpoint.port and ready["variants"][0]["version"] == 2
        ids = []
        for i in range(5):
            body = (
                rows(1, i).to_csv(index=False)
                if i % 2
                else {"instances": rows(1, i).values.tolist()}
            )
            reply = endpoint.request(
                "POST", "/invocations", body, {"Content-Type": "text/csv"} if i % 2 else None
            )
            assert reply.status == 200
            ids.append(str(reply.header("X-Inference-Id")))
        assert not list(capture.rglob("*.parquet"))  # written whole, when the file closes
    finally:
        assert endpoint.stop() == 0  # SIGTERM: drained, capture written, exit 0
    records = list(read_capture(str(capture)))
    assert sorted(r["inference_id"] for r in records) == sorted(ids)
    assert {r["model_version"] for r in records} == {2}
    assert all(r["response"]["status"] == 200 for r in records)
    assert (tmp_path / "run" / "endpoint.json").exists()  # a given workdir is kept


def _running(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_workers_exit_when_the_supervisor_is_killed(serving_env: dict[str, str]) -> None:
    config = EndpointConfig(name="orphans", variants=[{"model": "cancer-rf", "instances": 2}])
    endpoint = EndpointProcess(config, env=serving_env).start(120)
    try:
        workers = endpoint.worker_pids
        assert all(_running(pid) for pid in workers)
        os.kill(endpoint.pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while any(_running(pid) for pid in workers):
            assert time.monotonic() < deadline, "orphaned workers kept running"
            time.sleep(0.1)
    finally:
        endpoint.stop(timeout=5)


# -- the signature checks, in this process -------------------------------------------------
def test_columns_are_cast_to_the_signature_types() -> None:
    schema = InputSchema(
        [
            {"name": "n", "dtype": "int64"},
            {"name": "x", "dtype": "float32"},
            {"name": "flag", "dtype": "bool"},
            {"name": "when", "dtype": "datetime64[ns]"},
            {"name": "city", "dtype": "object"},
        ],
        feature_names=True,
    )
    part = parse_mlflow_json(
        {
            "dataframe_records": [
                {"n": 1, "x": "2.5", "flag": "true", "when": "2024-05-01", "city": "Oslo"},
                {"n": 2.0, "x": None, "flag": 0, "when": "2024-05-02T10:00", "city": 7},
            ]
        },
        schema,
    )
    frame = schema.model_input([part, part])
    assert list(frame.columns) == ["n", "x", "flag", "when", "city"] and len(frame) == 4
    assert [str(t) for t in frame.dtypes][:4] == ["int64", "float32", "bool", "datetime64[ns]"]
    assert str(frame.dtypes["city"]) in ("object", "str")  # pandas 3 infers its text dtype
    assert frame["city"].tolist() == ["Oslo", "7", "Oslo", "7"] and np.isnan(frame["x"][1])
    problems = {
        "n": (1.5, "Column 'n' expects int64 values; row 0 has 1.5, which is not a whole"),
        "flag": ("maybe", "Column 'flag' expects true or false; row 0 has 'maybe'"),
        "when": ("yesterday-ish", "Column 'when' expects dates and times"),
        "x": ([1], "Column 'x' expects float32 values; row 0 has [1]"),
    }
    good = {"n": 1, "x": 1.0, "flag": True, "when": "2024-05-01", "city": "a"}
    for column, (value, message) in problems.items():
        with pytest.raises(PayloadError) as error:
            schema.from_records([{**good, column: value}])
        assert error.value.status == 400 and message in error.value.message


def test_a_model_fitted_on_an_array_gets_an_array() -> None:
    signature = [{"name": f"x{i}", "dtype": "float64"} for i in range(3)]
    schema = InputSchema(signature, feature_names=False)
    part = parse_csv("1,2,3\n4,5,6\n", schema)
    assert isinstance(schema.model_input([part]), np.ndarray)
    tensor = {"name": "t", "shape": [1, 3], "datatype": "INT32", "data": [[7, 8, 9]]}
    infer = parse_infer(json.dumps({"inputs": [tensor]}).encode(), "application/json", schema)
    both = schema.model_input([part, infer.part])
    assert both.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_a_model_without_a_signature_takes_the_columns_it_is_sent() -> None:
    schema = InputSchema([], feature_names=True)
    first = parse_csv("a,b\n1,2\n", schema)
    second = parse_mlflow_json({"dataframe_records": [{"a": 3, "b": 4}]}, schema)
    frame = schema.model_input([first, second])
    assert isinstance(frame, pd.DataFrame) and frame.to_dict("list") == {
        "a": [1, 3],
        "b": [2, 4],
    }
