"""The workers' HTTP front (serving/fast_http.py) over real sockets: keep-alive,
pipelining (answers in request order, mixing what the front answers with what it hands
to the tornado app), chunked and split bodies, large bodies, bad requests, CSV and JSON,
and that capture and metrics still see every request. One worker, so the order and the
counts are that worker's."""

from __future__ import annotations

import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import httptools
import pytest
from serving_helpers import TOKEN, Client, StartEndpoint, X, rows

from jupyter_mlstudio.endpoints.service import _FAILED_REQUEST as FAILED_REQUEST
from jupyter_mlstudio.serving import EndpointProcess, read_capture

AUTH = f"Authorization: Bearer {TOKEN}\r\n"
LIMIT = 256 * 1024  # the endpoint's max_payload_bytes


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fast-capture")


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint, capture_dir: Path) -> EndpointProcess:
    return start_endpoint(
        name="fast",
        token=TOKEN,
        variants=[{"model": "cancer-rf", "version": 1, "instances": 1}],
        capture={
            "enabled": True,
            "sampling_percent": 100,
            "destination": str(capture_dir),
            "rotate_seconds": 1,
        },
        max_payload_bytes=LIMIT,
    )


def expected(model: Any, start: int, n: int) -> list[int]:
    return [int(v) for v in model.predict(rows(n, start))]


def invocation(start: int, n: int = 1, inference_id: str | None = None) -> bytes:
    body = json.dumps({"dataframe_split": json.loads(rows(n, start).to_json(orient="split"))})
    extra = f"X-Inference-Id: {inference_id}\r\n" if inference_id else ""
    return (
        f"POST /invocations HTTP/1.1\r\nHost: t\r\n{AUTH}{extra}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


class Answers:
    """Reads consecutive HTTP answers off one socket (httptools' response parser)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = httptools.HttpResponseParser(self)
        self.done: list[dict[str, Any]] = []
        self.closed = False
        self._current: dict[str, Any] = {}

    def on_message_begin(self) -> None:
        self._current = {"headers": {}, "body": b""}

    def on_header(self, name: bytes, value: bytes) -> None:
        self._current["headers"][name.decode().lower()] = value.decode()

    def on_headers_complete(self) -> None:
        self._current["status"] = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._current["body"] += body

    def on_message_complete(self) -> None:
        answer = self._current
        if answer["headers"].get("content-type", "").startswith("application/json"):
            answer["json"] = json.loads(answer["body"])
        self.done.append(answer)

    def read(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.done) < count and not self.closed:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                self.closed = True
                break
            self.parser.feed_data(data)
        taken, self.done = self.done[:count], self.done[count:]
        return taken

    def at_eof(self, timeout: float = 10.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def connect(endpoint: EndpointProcess) -> tuple[socket.socket, Answers]:
    sock = socket.create_connection(("127.0.0.1", endpoint.port), timeout=60)
    return sock, Answers(sock)


def test_keep_alive_json_csv_and_the_other_routes_on_one_connection(
    endpoint: EndpointProcess, cancer_model: Any
) -> None:
    client = Client(endpoint)
    try:
        for round_ in range(3):  # the same connection throughout
            frame = rows(5, 20 * round_)
            status, headers, reply = client.request(
                "POST", "/invocations", {"dataframe_records": frame.to_dict("records")}
            )
            assert status == 200 and reply == {
                "predictions": expected(cancer_model, 20 * round_, 5)
            }
            assert (
                len(headers["x-inference-id"]) == 32 and headers["x-invoked-variant"] == "primary"
            )
            csv_body = frame.to_csv(index=False)
            status, headers, reply = client.request(
                "POST",
                "/invocations",
                csv_body,
                {"Content-Type": "text/csv", "Accept": "text/csv", "X-Inference-Id": "csv-1"},
            )
            assert status == 200 and headers["content-type"] == "text/csv"
            assert headers["x-inference-id"] == "csv-1"
            want = expected(cancer_model, 20 * round_, 5)
            assert reply.decode().splitlines() == [str(v) for v in want]
            status, headers, _ = client.request("GET", "/ping")
            assert status == 200 and "etag" not in headers  # the front's, not tornado's
            status, _, metrics = client.request("GET", "/metrics")  # tornado's route
            assert status == 200 and metrics["endpoint"] == "fast"
            status, _, ready = client.request("GET", "/v2/health/ready")
            assert status == 200 and ready == {"ready": True}
    finally:
        client.close()


def test_pipelined_requests_are_answered_in_order(
    endpoint: EndpointProcess, cancer_model: Any
) -> None:
    sock, answers = connect(endpoint)
    try:
        ids = [f"pipe-{uuid.uuid4().hex[:8]}-{i}" for i in range(6)]
        burst = b"".join(
            [
                invocation(0, 3, ids[0]),
                f"GET /metrics HTTP/1.1\r\nHost: t\r\n{AUTH}\r\n".encode(),
                invocation(10, 1, ids[1]),
                b"GET /ping HTTP/1.1\r\nHost: t\r\n\r\n",
                f"GET /v2/models/cancer-rf HTTP/1.1\r\nHost: t\r\n{AUTH}\r\n".encode(),
                invocation(30, 2, ids[2]),
                f"GET /nowhere HTTP/1.1\r\nHost: t\r\n{AUTH}\r\n".encode(),
                invocation(40, 1, ids[3]),
            ]
        )
        sock.sendall(burst)
        got = answers.read(8)
        assert [a["status"] for a in got] == [200, 200, 200, 200, 200, 200, 404, 200]
        assert got[0]["json"]["predictions"] == expected(cancer_model, 0, 3)
        assert got[0]["headers"]["x-inference-id"] == ids[0]
        assert got[1]["json"]["endpoint"] == "fast"
        assert got[2]["json"]["predictions"] == expected(cancer_model, 10, 1)
        assert got[3]["json"]["status"] == "Healthy"
        assert got[4]["json"]["name"] == "cancer-rf"
        assert got[5]["json"]["predictions"] == expected(cancer_model, 30, 2)
        assert got[6]["json"]["error"]["code"] == "NOT_FOUND"
        assert got[7]["json"]["predictions"] == expected(cancer_model, 40, 1)
        assert got[7]["headers"]["x-inference-id"] == ids[3]
    finally:
        sock.close()


def test_chunked_and_split_bodies(endpoint: EndpointProcess, cancer_model: Any) -> None:
    body = json.dumps({"dataframe_records": rows(4, 50).to_dict("records")}).encode()
    pieces = [body[i : i + 700] for i in range(0, len(body), 700)]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    head = (
        f"POST /invocations HTTP/1.1\r\nHost: t\r\n{AUTH}Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sock, answers = connect(endpoint)
    try:
        for request in (head + chunked, invocation(50, 4)):
            # a few bytes at a time, head and body split anywhere
            for start in range(0, len(request), 997):
                sock.sendall(request[start : start + 997])
                time.sleep(0.002)
            (answer,) = answers.read(1)
            assert answer["status"] == 200
            assert answer["json"]["predictions"] == expected(cancer_model, 50, 4)
        # a chunked request to a tornado route: re-chunked on the way
        status_head = (
            f"POST /v2/models/cancer-rf/infer HTTP/1.1\r\nHost: t\r\n{AUTH}"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        frame = rows(2, 60)
        infer = json.dumps(
            {
                "inputs": [
                    {"name": c, "shape": [2], "datatype": "FP64", "data": frame[c].tolist()}
                    for c in frame.columns
                ]
            }
        ).encode()
        parts = [infer[i : i + 500] for i in range(0, len(infer), 500)]
        sock.sendall(
            status_head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        )
        (answer,) = answers.read(1)
        assert answer["status"] == 200, answer
        assert answer["json"]["outputs"][0]["data"] == expected(cancer_model, 60, 2)
    finally:
        sock.close()


def test_large_bodies_up_to_and_over_the_limit(
    endpoint: EndpointProcess, cancer_model: Any
) -> None:
    client = Client(endpoint)
    try:
        n = len(X)  # ~140 KB of JSON: under the 256 KB limit
        body = json.dumps({"dataframe_split": json.loads(rows(n).to_json(orient="split"))})
        assert 100_000 < len(body) < LIMIT
        status, _, reply = client.request("POST", "/invocations", body)
        assert status == 200 and reply["predictions"] == expected(cancer_model, 0, n)
        too_big = json.dumps({"dataframe_records": rows(n).to_dict("records")})
        assert len(too_big) > LIMIT
        status, _, reply = client.request("POST", "/invocations", too_big)  # declared: tornado
        assert status == 413 and reply["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert f"({LIMIT} bytes)" in reply["error"]["message"]
        status, _, reply = client.request("POST", "/invocations", body)  # still usable
        assert status == 200
    finally:
        client.close()
    # chunked past the limit: read through, 413, the connection stays usable
    sock, answers = connect(endpoint)
    try:
        data = too_big.encode()
        sock.sendall(
            (
                f"POST /invocations HTTP/1.1\r\nHost: t\r\n{AUTH}"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            ).encode()
            + b"".join(
                b"%x\r\n%s\r\n" % (len(data[i : i + 65536]), data[i : i + 65536])
                for i in range(0, len(data), 65536)
            )
            + b"0\r\n\r\n"
            + invocation(5, 1)
        )
        first, second = answers.read(2)
        assert first["status"] == 413 and first["json"]["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert second["status"] == 200
        assert second["json"]["predictions"] == expected(cancer_model, 5, 1)
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("request_bytes", "status", "words"),
    [
        (b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n", 400, "Malformed"),
        (b"NOT-HTTP\r\n\r\n", 400, "Malformed"),
        (
            b"GET /ping HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
            431,
            "exceed",
        ),
        (
            b"POST /invocations HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
            "Malformed",
        ),
    ],
)
def test_unreadable_requests_get_a_4xx_with_a_message_then_close(
    endpoint: EndpointProcess, request_bytes: bytes, status: int, words: str
) -> None:
    sock, answers = connect(endpoint)
    try:
        sock.sendall(request_bytes)
        (answer,) = answers.read(1)
        assert answer["status"] == status
        assert words in answer["json"]["error"]["message"]
        assert answer["headers"]["connection"] == "close"
        assert answers.at_eof()
    finally:
        sock.close()


def test_bad_payloads_keep_the_connection(endpoint: EndpointProcess, cancer_model: Any) -> None:
    client = Client(endpoint)
    try:
        status, headers, reply = client.request(
            "POST", "/invocations", "{oops", {"Content-Type": "application/json"}
        )
        assert status == 400 and "not valid JSON" in reply["error"]["message"]
        assert reply["error"]["code"] == "INVALID_ARGUMENT" and "x-inference-id" in headers
        status, _, reply = client.request(
            "POST", "/invocations", "a b", {"Content-Type": "application/x-nope"}
        )
        assert status == 415 and "Unsupported content type" in reply["error"]["message"]
        status, _, reply = client.request(
            "POST", "/invocations", {"dataframe_records": [{"nope": 1}]}
        )
        assert status == 400
        status, _, reply = client.request(
            "POST",
            "/invocations",
            {"dataframe_records": rows(1).to_dict("records")},
            {"X-Target-Variant": "ghost"},
        )
        assert status == 400 and "Unknown target variant" in reply["error"]["message"]
        anonymous = Client(endpoint, token=None)  # 401 from the tornado app
        status, headers, reply = anonymous.request("POST", "/invocations", "{}")
        assert status == 401 and reply["error"]["code"] == "UNAUTHENTICATED"
        assert headers["www-authenticate"].startswith("Bearer")
        anonymous.close()
        status, _, reply = client.request(
            "POST", "/invocations", {"dataframe_records": rows(2).to_dict("records")}
        )
        assert status == 200 and reply["predictions"] == expected(cancer_model, 0, 2)
    finally:
        client.close()
    # each failure is a log line the endpoint view's "recent errors" reads
    deadline = time.monotonic() + 10
    while True:
        lines = endpoint.log_path.read_text().splitlines()
        failed = [m for line in lines if (m := FAILED_REQUEST.search(line))]
        statuses = {(m["status"], m["method"], m["path"]) for m in failed}
        if ("415", "POST", "/invocations") in statuses or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {("400", "POST", "/invocations"), ("415", "POST", "/invocations")} <= statuses
    assert any("not valid JSON" in m["message"] for m in failed)


def test_an_upgrade_is_not_taken_and_the_connection_goes_on(endpoint: EndpointProcess) -> None:
    sock, answers = connect(endpoint)
    try:
        ping = b"GET /ping HTTP/1.1\r\nHost: t\r\n"
        sock.sendall(ping + b"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + ping + b"\r\n")
        assert [a["status"] for a in answers.read(2)] == [200, 200]
    finally:
        sock.close()


def test_http_1_0_answers_then_closes(endpoint: EndpointProcess) -> None:
    for path in (b"/ping", b"/v2/health/live"):
        sock, answers = connect(endpoint)
        try:
            sock.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path)
            (answer,) = answers.read(1)
            assert answer["status"] == 200
            assert answers.at_eof()
        finally:
            sock.close()


def test_metrics_and_capture_count_every_request(
    endpoint: EndpointProcess, capture_dir: Path, cancer_model: Any
) -> None:
    before = endpoint.metrics()
    ids = [f"count-{uuid.uuid4().hex[:8]}-{i}" for i in range(12)]
    sock, answers = connect(endpoint)
    try:
        sock.sendall(b"".join(invocation(i, 1, ids[i]) for i in range(10)))  # pipelined
        assert [a["status"] for a in answers.read(10)] == [200] * 10
    finally:
        sock.close()
    client = Client(endpoint)
    try:
        for inference_id in ids[10:]:
            status, _, _ = client.request(
                "POST", "/invocations", "{oops", {"X-Inference-Id": inference_id}
            )
            assert status == 400
    finally:
        client.close()
    after = endpoint.metrics()
    primary = (before["variants"]["primary"], after["variants"]["primary"])
    assert primary[1]["requests"] - primary[0]["requests"] == 12
    assert primary[1]["errors"]["4xx"] - primary[0]["errors"]["4xx"] == 2
    deadline = time.monotonic() + 20
    while True:
        records = {r["inference_id"]: r for r in read_capture(str(capture_dir))}
        if set(ids) <= set(records) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert set(ids) <= set(records)
    assert records[ids[3]]["response"]["data"] == {"predictions": expected(cancer_model, 3, 1)}
    assert records[ids[3]]["request"]["data"]["dataframe_split"]["columns"][0] == "mean radius"
    assert records[ids[11]]["response"]["status"] == 400


def test_the_tornado_only_switch_still_serves(
    start_endpoint: StartEndpoint,
    serving_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    cancer_model: Any,
) -> None:
    """``MLSTUDIO_SERVING_HTTP=tornado``: every route on tornado, as before the front."""
    monkeypatch.setitem(serving_env, "MLSTUDIO_SERVING_HTTP", "tornado")
    endpoint = start_endpoint(
        name="plain", token=TOKEN, variants=[{"model": "cancer-rf", "version": 1}]
    )
    client = Client(endpoint)
    try:
        status, headers, reply = client.request(
            "POST", "/invocations", {"dataframe_records": rows(3).to_dict("records")}
        )
        assert status == 200 and reply["predictions"] == expected(cancer_model, 0, 3)
        status, headers, _ = client.request("GET", "/ping")
        assert status == 200 and "etag" in headers  # tornado's RequestHandler answered
    finally:
        client.close()


def test_expect_100_continue_goes_through_tornado(
    endpoint: EndpointProcess, cancer_model: Any
) -> None:
    """The interim answer is relayed, then the answer itself, on a connection that goes on."""
    request = invocation(70, 2)
    head, body = request.split(b"\r\n\r\n", 1)
    sock, answers = connect(endpoint)
    try:
        sock.sendall(head + b"\r\nExpect: 100-continue\r\n\r\n")
        (interim,) = answers.read(1)
        assert interim["status"] == 100
        sock.sendall(body)
        (answer,) = answers.read(1)
        assert answer["status"] == 200
        assert answer["json"]["predictions"] == expected(cancer_model, 70, 2)
        sock.sendall(invocation(72, 1))
        (answer,) = answers.read(1)
        assert answer["json"]["predictions"] == expected(cancer_model, 72, 1)
    finally:
        sock.close()


def test_half_closed_and_cut_off_clients(endpoint: EndpointProcess, cancer_model: Any) -> None:
    # sent, then half-closed: the answers still come, then the connection closes
    sock, answers = connect(endpoint)
    try:
        sock.sendall(invocation(80, 1) + invocation(81, 1))
        sock.shutdown(socket.SHUT_WR)
        got = answers.read(2)
        assert [a["json"]["predictions"] for a in got] == [
            expected(cancer_model, 80, 1),
            expected(cancer_model, 81, 1),
        ]
        assert answers.at_eof()
    finally:
        sock.close()
    # cut off in the middle of a body: closed, and the worker serves on
    sock, answers = connect(endpoint)
    try:
        request = invocation(82, 1)
        sock.sendall(request[: len(request) - 20])
        sock.shutdown(socket.SHUT_WR)
        assert answers.at_eof()
    finally:
        sock.close()
    client = Client(endpoint)
    try:
        status, _, reply = client.request(
            "POST", "/invocations", {"dataframe_records": rows(1, 83).to_dict("records")}
        )
        assert status == 200 and reply["predictions"] == expected(cancer_model, 83, 1)
    finally:
        client.close()
