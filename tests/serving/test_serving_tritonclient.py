"""The real ``tritonclient.http`` against a real endpoint: the Open Inference Protocol's
binary tensor data extension (the client's default) and plain JSON, for inputs and
outputs, with FP64, FP32, INT64 and BYTES column tensors and one 2-D tensor."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from serving_helpers import TOKEN, StartEndpoint, X, rows
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.serving import EndpointProcess, read_capture
from jupyter_mlstudio.studio import Studio

httpclient = pytest.importorskip("tritonclient.http")
from tritonclient.utils import InferenceServerException  # noqa: E402


def auth() -> dict[str, str]:
    # a new dict each time: tritonclient adds Inference-Header-Content-Length to the one given
    return {"Authorization": f"Bearer {TOKEN}"}


N = 6


def mixed_frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "size": rng.normal(10, 3, n),  # float64
            "weight": rng.normal(2, 0.5, n).astype(np.float32),
            "count": rng.integers(0, 20, n).astype(np.int64),
            "colour": rng.choice(["red", "green", "blue"], n),  # text
        }
    )


@pytest.fixture(scope="module")
def mixed_model(serving_home: Path) -> Any:
    """A pipeline over float64, float32, int64 and text columns with text labels
    (so its output is a BYTES tensor), registered with its input example."""
    frame = mixed_frame()
    labels = np.where(frame["size"] + 2 * (frame["colour"] == "red") > 10.5, "yes", "no")
    model = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["colour"]), remainder="passthrough"
        ),
        LogisticRegression(max_iter=1000),
    ).fit(frame, labels)
    studio = Studio(StudioConfig.resolve(home=serving_home))
    try:
        studio.registry.register(model, "mixed", input_example=frame)
    finally:
        studio.close()
    return model


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("triton-capture")


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint, mixed_model: Any, capture_dir: Path) -> EndpointProcess:
    return start_endpoint(
        name="triton",
        token=TOKEN,
        variants=[
            {"name": "mixed", "model": "mixed"},
            {"name": "cancer", "model": "cancer-rf", "version": 1},
        ],
        capture={"enabled": True, "destination": str(capture_dir)},
    )


@pytest.fixture
def client(endpoint: EndpointProcess) -> Iterator[Any]:
    connection = httpclient.InferenceServerClient(url=f"127.0.0.1:{endpoint.port}")
    yield connection
    connection.close()


def column_inputs(frame: pd.DataFrame, binary: bool) -> list[Any]:
    inputs = []
    for name, datatype in (("size", "FP64"), ("weight", "FP32"), ("count", "INT64")):
        tensor = httpclient.InferInput(name, [len(frame)], datatype)
        tensor.set_data_from_numpy(frame[name].to_numpy(), binary_data=binary)
        inputs.append(tensor)
    colour = httpclient.InferInput("colour", [len(frame)], "BYTES")
    colour.set_data_from_numpy(frame["colour"].to_numpy(dtype=object), binary_data=binary)
    return [*inputs, colour]


def labels(array: np.ndarray[Any, Any]) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in array.tolist()]


def test_server_metadata_advertises_binary_tensor_data(client: Any) -> None:
    metadata = client.get_server_metadata(headers=auth())
    assert "binary_tensor_data" in metadata["extensions"]
    model = client.get_model_metadata("mixed", headers=auth())
    assert [(i["name"], i["datatype"]) for i in model["inputs"]] == [
        ("size", "FP64"),
        ("weight", "FP32"),
        ("count", "INT64"),
        ("colour", "BYTES"),
    ]
    assert model["outputs"] == [{"name": "predict", "datatype": "BYTES", "shape": [-1]}]


@pytest.mark.parametrize("binary_in", [True, False], ids=["binary-in", "json-in"])
@pytest.mark.parametrize(
    "binary_out", [True, False, None], ids=["binary-out", "json-out", "default"]
)
def test_column_tensors_in_both_modes(
    client: Any, mixed_model: Any, binary_in: bool, binary_out: bool | None
) -> None:
    frame = mixed_frame(60).iloc[40 : 40 + N].reset_index(drop=True)
    want = mixed_model.predict(frame).tolist()
    # no outputs named: tritonclient asks for all of them as binary (binary_data_output)
    outputs = (
        None
        if binary_out is None
        else [httpclient.InferRequestedOutput("predict", binary_data=binary_out)]
    )
    result = client.infer(
        "mixed",
        column_inputs(frame, binary_in),
        outputs=outputs,
        request_id=f"cols-{binary_in}-{binary_out}",
        headers=auth(),
    )
    output = result.get_output("predict")
    assert output["datatype"] == "BYTES" and output["shape"] == [N]
    sent_binary = binary_out is not False
    assert ("binary_data_size" in output.get("parameters", {})) is sent_binary
    assert ("data" in output) is not sent_binary
    assert labels(result.as_numpy("predict")) == want
    assert result.get_response()["id"] == f"cols-{binary_in}-{binary_out}"


@pytest.mark.parametrize("datatype", ["FP64", "FP32"])
@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_one_2d_tensor_in_both_modes(
    client: Any, cancer_model: Any, datatype: str, binary: bool
) -> None:
    frame = rows(N, start=200)
    dtype = np.float64 if datatype == "FP64" else np.float32
    table = httpclient.InferInput("input", [N, len(X.columns)], datatype)
    table.set_data_from_numpy(frame.to_numpy(dtype=dtype), binary_data=binary)
    result = client.infer(
        "cancer",
        [table],
        outputs=[httpclient.InferRequestedOutput("predict", binary_data=binary)],
        headers=auth(),
    )
    predictions = result.as_numpy("predict")
    assert predictions.dtype == np.int64 and predictions.shape == (N,)
    sent = pd.DataFrame(frame.to_numpy(dtype=dtype).astype(np.float64), columns=X.columns)
    want = cancer_model.predict(sent)
    assert predictions.tolist() == [int(v) for v in want]


def test_bad_binary_requests_are_400s_with_a_message(
    client: Any, endpoint: EndpointProcess
) -> None:
    frame = mixed_frame(N)
    wrong_name = column_inputs(frame, True)
    renamed = httpclient.InferInput("shade", [N], "BYTES")
    renamed.set_data_from_numpy(frame["colour"].to_numpy(dtype=object))
    with pytest.raises(InferenceServerException, match="Missing column 'colour'"):
        client.infer("mixed", [*wrong_name[:3], renamed], headers=auth())

    # hand-made bodies the client would not send: sizes that do not add up
    header = {
        "inputs": [
            {"name": "input", "shape": [1, 30], "datatype": "FP64",
             "parameters": {"binary_data_size": 240}}
        ]
    }  # fmt: skip
    head = json.dumps(header).encode()
    cases = [
        (head + b"\0" * 239, str(len(head)), "goes past the end of the body"),
        (head + b"\0" * 248, str(len(head)), "add up to 240"),
        (head + b"\0" * 240, "0", "is not the length of the JSON header"),
        (head + b"\0" * 240, None, "not valid JSON"),
    ]
    for body, length, message in cases:
        headers = {"Content-Type": "application/octet-stream"} if length else {}
        if length:
            headers["Inference-Header-Content-Length"] = length
        else:
            headers["Content-Type"] = "application/json"
        reply = endpoint.request("POST", "/v2/models/cancer/infer", body, headers)
        assert reply.status == 400, (message, reply.body[:200])
        assert message in reply.json()["error"], reply.json()


def test_binary_requests_are_captured_as_json(client: Any, capture_dir: Path) -> None:
    frame = mixed_frame(N)
    client.infer(
        "mixed", column_inputs(frame, True), headers={**auth(), "X-Inference-Id": "captured-bin"}
    )
    deadline = time.monotonic() + 15
    while True:
        found = [r for r in read_capture(str(capture_dir)) if r["inference_id"] == "captured-bin"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found
    request = found[0]["request"]["data"]
    inputs = {t["name"]: t for t in request["inputs"]}
    assert inputs["colour"]["data"] == frame["colour"].tolist()
    assert inputs["count"]["data"] == frame["count"].tolist()
    assert "binary_data_size" not in json.dumps(request)
    assert found[0]["response"]["data"]["outputs"][0]["data"]  # the predictions, as JSON
