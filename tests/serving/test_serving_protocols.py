"""One real endpoint (two worker processes, a token, 50 % data capture) spoken to over
real HTTP: SageMaker's container contract, MLflow's JSON formats, the Open Inference
Protocol v2, validation errors, batching under concurrency, metrics and capture."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import TOKEN, Client, StartEndpoint, X, rows

from jupyter_mlstudio.serving import EndpointProcess, read_capture, sampled


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("capture")


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint, capture_dir: Path) -> EndpointProcess:
    return start_endpoint(
        name="cancer",
        token=TOKEN,
        variants=[{"model": "cancer-rf", "version": 1, "instances": 2}],
        capture={"enabled": True, "sampling_percent": 50, "destination": str(capture_dir)},
    )


@pytest.fixture
def client(endpoint: EndpointProcess) -> Any:
    connection = Client(endpoint)
    yield connection
    connection.close()


def expected(fitted: Any, start: int, n: int) -> list[int]:
    return [int(v) for v in fitted.predict(rows(n, start))]


def test_health_checks_answer_without_the_token(endpoint: EndpointProcess) -> None:
    anonymous = Client(endpoint, token=None)
    for path in ("/ping", "/v2/health/live", "/v2/health/ready"):
        status, headers, _ = anonymous.request("GET", path)
        assert status == 200, path
        assert len(headers["x-inference-id"]) == 32
    assert endpoint.info["workers"] == endpoint.worker_pids and len(endpoint.worker_pids) == 2


def test_everything_else_needs_the_token(endpoint: EndpointProcess) -> None:
    body = {"dataframe_records": rows(1).to_dict("records")}
    for token in (None, "wrong-token"):
        client = Client(endpoint, token=token)
        status, headers, reply = client.request("POST", "/invocations", body)
        assert status == 401 and reply["error"]["code"] == "UNAUTHENTICATED"
        assert "token" in reply["error"]["message"] and "x-inference-id" in headers
        for path in ("/metrics", "/v2/models/cancer"):
            assert client.request("GET", path)[0] == 401
    anonymous = Client(endpoint, token=None)
    status, _, _ = anonymous.request("POST", "/invocations", body, {"X-MLStudio-Token": TOKEN})
    assert status == 200
    assert endpoint.request("POST", "/invocations", body).status == 200  # Bearer


def test_csv_with_and_without_a_header(client: Client, cancer_model: Any) -> None:
    frame = rows(7, start=10)
    want = expected(cancer_model, 10, 7)
    csv_type = {"Content-Type": "text/csv"}
    for text in (
        frame.to_csv(index=False),
        frame.to_csv(index=False, header=False),
        frame[list(reversed(X.columns))].to_csv(index=False),  # a header in any order
    ):
        status, _, reply = client.request("POST", "/invocations", text, csv_type)
        assert status == 200, reply
        assert reply == {"predictions": want}
    status, headers, reply = client.request(
        "POST", "/invocations", frame.to_csv(index=False), {**csv_type, "Accept": "text/csv"}
    )
    assert status == 200 and headers["content-type"] == "text/csv"
    assert reply.decode().splitlines() == [str(v) for v in want]


def test_the_mlflow_json_formats(client: Client, cancer_model: Any) -> None:
    frame = rows(5, start=40)
    want = expected(cancer_model, 40, 5)
    bodies = {
        "split": {"dataframe_split": frame.to_dict("split")},
        "split without columns": {"dataframe_split": {"data": frame.values.tolist()}},
        "records": {"dataframe_records": frame.to_dict("records")},
        "instances as rows": {"instances": frame.values.tolist()},
        "instances as records": {"instances": frame.to_dict("records")},
        "inputs as rows": {"inputs": frame.values.tolist()},
        "inputs as columns": {"inputs": frame.to_dict("list")},
    }
    for label, body in bodies.items():
        status, headers, reply = client.request("POST", "/invocations", body)
        assert status == 200, (label, reply)
        assert reply == {"predictions": want}, label
        assert headers["x-invoked-variant"] == "primary"


def test_open_inference_protocol_v2(client: Client, cancer_model: Any) -> None:
    status, _, server = client.request("GET", "/v2")
    assert status == 200 and server["name"] == "jupyter-mlstudio"
    status, _, metadata = client.request("GET", "/v2/models/cancer")
    assert status == 200
    assert metadata["name"] == "cancer" and metadata["versions"] == ["1"]
    assert metadata["platform"] == "sklearn"
    assert [i["name"] for i in metadata["inputs"]] == list(X.columns)
    assert {(i["datatype"], tuple(i["shape"])) for i in metadata["inputs"]} == {("FP64", (-1,))}
    assert metadata["outputs"] == [{"name": "predict", "datatype": "INT64", "shape": [-1]}]
    for path in ("/v2/models/cancer-rf", "/v2/models/primary", "/v2/models/cancer/versions/1"):
        assert client.request("GET", path)[0] == 200, path
    assert client.request("GET", "/v2/models/cancer/ready")[2] == {"name": "cancer", "ready": True}
    status, _, missing = client.request("GET", "/v2/models/nope")
    assert status == 404 and "nope" in missing["error"]
    assert client.request("GET", "/v2/models/cancer/versions/7")[0] == 404

    frame = rows(4, start=100)
    want = expected(cancer_model, 100, 4)
    per_column = {
        "id": "request-1",
        "inputs": [
            {"name": c, "shape": [4], "datatype": "FP64", "data": frame[c].tolist()}
            for c in X.columns
        ],
    }
    table = {
        "inputs": [
            {
                "name": "input",
                "shape": [4, len(X.columns)],
                "datatype": "FP32",
                "data": frame.values.ravel().tolist(),
            }
        ]
    }
    for body in (per_column, table):
        status, headers, reply = client.request("POST", "/v2/models/cancer/infer", body)
        assert status == 200, reply
        assert reply["model_name"] == "cancer" and reply["model_version"] == "1"
        assert reply["id"] == body.get("id", headers["x-inference-id"])
        assert reply["outputs"] == [
            {"name": "predict", "shape": [4], "datatype": "INT64", "data": want}
        ]


def test_bad_requests_get_a_4xx_that_names_the_problem(client: Client) -> None:
    record = rows(1).to_dict("records")[0]
    missing = {k: v for k, v in record.items() if k != "mean radius"}
    extra = {**record, "colour": "red"}
    wrong = {**record, "mean texture": "abc"}
    huge = json.dumps({"dataframe_records": [record]}).replace(
        str(record["mean area"]), "1" + "0" * 400
    )
    bad_csv = rows(2).to_csv(index=False).replace(str(X.iloc[1]["worst area"]), "lots")
    tensor = {"name": "input", "shape": [2, 30], "datatype": "FP64", "data": [1.0] * 59}
    json_type = {"Content-Type": "application/json"}
    cases: list[tuple[str, str, Any, dict[str, str], int, str]] = [
        ("POST", "/invocations", {"dataframe_records": [missing]}, {}, 400,
         "Missing column 'mean radius'"),
        ("POST", "/invocations", {"dataframe_records": [extra]}, {}, 400,
         "Unexpected column 'colour'"),
        ("POST", "/invocations", {"dataframe_records": [wrong]}, {}, 400,
         "Column 'mean texture' expects float64 values; row 0 has 'abc'"),
        ("POST", "/invocations", huge, json_type, 400, "Column 'mean area' expects float64"),
        ("POST", "/invocations", bad_csv, {"Content-Type": "text/csv"}, 400,
         "Column 'worst area'"),
        ("POST", "/invocations", "1,2,3\n", {"Content-Type": "text/csv"}, 400,
         "Row 0 has 3 values; the model takes 30 columns"),
        ("POST", "/invocations", "{not json", json_type, 400, "not valid JSON"),
        ("POST", "/invocations", {"rows": []}, {}, 400, "exactly one of the keys"),
        ("POST", "/invocations", {"dataframe_records": []}, {}, 400, "no rows"),
        ("POST", "/invocations", "a=1", {"Content-Type": "text/plain"}, 415,
         "Unsupported content type 'text/plain'"),
        ("POST", "/invocations", {"instances": [[1.0] * 30]}, {"X-Target-Variant": "zz"}, 400,
         "Unknown target variant 'zz'"),
        ("GET", "/invocations", None, {}, 405, "Method Not Allowed"),
        ("GET", "/elsewhere", None, {}, 404, "No route GET /elsewhere"),
        ("POST", "/v2/models/cancer/infer", {"inputs": [tensor]}, {}, 400,
         "shape [2, 30] holds 60 values but 'data' has 59"),
        ("POST", "/v2/models/cancer/infer", {"inputs": [{**tensor, "datatype": "FP99"}]}, {},
         400, "unknown datatype 'FP99'"),
        ("POST", "/v2/models/cancer/infer", {"inputs": [{"name": "mean radius", "shape": [1],
         "datatype": "FP64", "data": [1.0]}]}, {}, 400, "Missing columns"),
    ]  # fmt: skip
    for method, path, body, headers, status, message in cases:
        got, _, reply = client.request(method, path, body, headers)
        assert got == status, (path, body if not isinstance(body, str) else body[:40], reply)
        error = reply["error"]
        text = error if path.startswith("/v2") else error["message"]
        assert message in text, (text, message)
        assert "Traceback" not in json.dumps(reply)


@pytest.mark.parametrize("megabytes", [7, 50])
def test_a_body_over_the_limit_is_413(endpoint: EndpointProcess, megabytes: int) -> None:
    line = rows(1).to_csv(index=False, header=False)
    body = line * (megabytes * 1024 * 1024 // len(line) + 1)
    reply = endpoint.request("POST", "/invocations", body, {"Content-Type": "text/csv"})
    assert reply.status == 413, reply.body[:200]
    message = reply.json()["error"]["message"]
    assert f"The request body is {len(body) / 1e6:.1f} MB" in message
    assert "the limit is 6.3 MB (6291456 bytes)" in message  # 6 MiB
    assert "max_payload_bytes" in message
    assert endpoint.request("GET", "/ping").status == 200


def _pids_serving(endpoint: EndpointProcess) -> dict[int, int]:
    return {w["pid"]: w["requests"] for w in endpoint.metrics()["workers"]}


def test_concurrent_requests_are_batched_and_come_back_in_order(
    endpoint: EndpointProcess, cancer_model: Any
) -> None:
    before = endpoint.metrics()["variants"]["primary"]["batch_size"]
    served_before = _pids_serving(endpoint)
    failures: list[str] = []
    barrier = threading.Barrier(64)

    def hammer(thread: int) -> None:
        client = Client(endpoint)
        barrier.wait()
        try:
            for i in range(6):
                start, n = (thread * 7 + i * 3) % 500, 1 + (thread + i) % 3
                status, _, reply = client.request(
                    "POST", "/invocations", {"dataframe_split": rows(n, start).to_dict("split")}
                )
                if status != 200 or reply["predictions"] != expected(cancer_model, start, n):
                    failures.append(f"thread {thread} request {i}: {status} {reply}")
        finally:
            client.close()

    threads = [threading.Thread(target=hammer, args=(t,)) for t in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    batches = endpoint.metrics()["variants"]["primary"]["batch_size"]
    assert batches["max"] > 1
    grown = {k: v - before["histogram"].get(k, 0) for k, v in batches["histogram"].items()}
    assert any(count > 0 for size, count in grown.items() if size != "1"), batches
    rows_sent = sum(1 + (t + i) % 3 for t in range(64) for i in range(6))
    assert batches["rows"] - before["rows"] == rows_sent  # no retries: nothing failed
    # both worker processes took a share of the 64 connections
    served = _pids_serving(endpoint)
    assert sorted(served) == sorted(endpoint.worker_pids)
    assert all(served[pid] > served_before.get(pid, 0) for pid in served), served
    for pid in served:
        os.kill(pid, 0)  # alive


def test_metrics_count_requests_errors_and_latency(
    endpoint: EndpointProcess, client: Client
) -> None:
    before = endpoint.metrics()
    for start in range(3):
        assert (
            client.request("POST", "/invocations", {"instances": rows(1, start).values.tolist()})[0]
            == 200
        )
    assert client.request("POST", "/invocations", {"instances": [[1, 2]]})[0] == 400
    assert Client(endpoint, token=None).request("POST", "/invocations", {})[0] == 401
    after = endpoint.metrics()
    variant, old = after["variants"]["primary"], before["variants"]["primary"]
    assert variant["model"] == "cancer-rf" and variant["version"] == 1
    assert variant["requests"] - old["requests"] == 4
    assert variant["errors"]["4xx"] - old["errors"]["4xx"] == 1
    assert after["unrouted"]["requests"] - before["unrouted"]["requests"] == 1
    latency = variant["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert sum(b["count"] for b in latency["histogram"]) == variant["requests"]
    assert after["totals"]["requests"] == variant["requests"] + after["unrouted"]["requests"]


def test_capture_writes_exactly_the_sampled_requests(
    endpoint: EndpointProcess, client: Client, capture_dir: Path, cancer_model: Any
) -> None:
    sent: dict[str, Any] = {}
    json_type = {"Content-Type": "application/json"}
    for i in range(160):
        inference_id = f"capture-{uuid.uuid4().hex[:12]}-{i}"
        frame = rows(1, i)
        if i % 4 == 0:
            body: Any = frame.to_csv(index=False)
            headers = {"Content-Type": "text/csv", "X-Inference-Id": inference_id}
        else:
            body = {"dataframe_records": frame.to_dict("records")}
            headers = {"X-Inference-Id": inference_id}
        status, reply_headers, _ = client.request("POST", "/invocations", body, headers)
        assert status == 200 and reply_headers["x-inference-id"] == inference_id
        sent[inference_id] = body
    refused = next(f"refused-{n}" for n in range(100) if sampled(f"refused-{n}", 50))
    status, _, _ = client.request(
        "POST", "/invocations", "{oops", {"X-Inference-Id": refused, **json_type}
    )
    assert status == 400
    wanted = {i for i in sent if sampled(i, 50)}
    assert 50 <= len(wanted) <= 110  # about half
    sent[refused] = "{oops"
    wanted.add(refused)
    deadline = time.monotonic() + 15
    while True:
        records = {r["inference_id"]: r for r in read_capture(str(capture_dir))}
        captured = set(records) & set(sent)
        if captured >= wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert captured == wanted
    assert records[refused]["response"]["status"] == 400
    assert "not valid JSON" in records[refused]["response"]["data"]["error"]["message"]
    assert records[refused]["request"]["data"] == "{oops"  # as sent: it was not JSON
    for inference_id in sorted(wanted - {refused})[:10]:
        record = records[inference_id]
        assert record["variant"] == "primary" and record["model"] == "cancer-rf"
        assert record["model_version"] == 1 and record["endpoint"] == "cancer"
        assert record["request"]["data"] == sent[inference_id]
        index = int(inference_id.rsplit("-", 1)[1])
        assert record["response"] == {
            "status": 200,
            "data": {"predictions": expected(cancer_model, index, 1)},
        }
    files = list(capture_dir.rglob("*.jsonl"))
    assert files and all(f.relative_to(capture_dir).parts[0] == "primary" for f in files)
    assert endpoint.metrics()["variants"]["primary"]["capture"]["captured"] >= len(wanted)
