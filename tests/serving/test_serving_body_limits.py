"""Request bodies over an endpoint's limit, on its own port: a 413 that names the limit
whether the client sends the whole body first (Content-Length or chunked), waits for
``100 Continue``, or announces more than the server reads through; and a per-endpoint
limit (``max_payload_bytes``) larger than the default takes a larger body."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from serving_helpers import TOKEN, Client, StartEndpoint, rows

from jupyter_mlstudio.serving import EndpointProcess
from jupyter_mlstudio.serving.config import DEFAULT_PAYLOAD_LIMIT

LIMIT = 16 * 1024 * 1024
MB = 1024 * 1024


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint) -> EndpointProcess:
    return start_endpoint(
        name="roomy",
        token=TOKEN,
        variants=[{"model": "cancer-rf", "version": 1}],
        max_payload_bytes=LIMIT,
    )


@pytest.fixture
def client(endpoint: EndpointProcess) -> Iterator[Client]:
    connection = Client(endpoint)
    yield connection
    connection.close()


def csv_body(size: int) -> tuple[str, int]:
    line = rows(1, start=3).to_csv(index=False, header=False)
    count = size // len(line) + 1
    return line * count, count


def assert_413(status: int, reply: Any) -> None:
    assert status == 413, reply if not isinstance(reply, bytes) else reply[:200]
    message = reply["error"]["message"]
    assert "the limit is 16.8 MB (16777216 bytes)" in message
    assert "max_payload_bytes" in message


def test_a_larger_limit_takes_a_body_over_the_default(client: Client) -> None:
    body, count = csv_body(10 * MB)
    assert DEFAULT_PAYLOAD_LIMIT < len(body) < LIMIT
    status, _, reply = client.request("POST", "/invocations", body, {"Content-Type": "text/csv"})
    assert status == 200, reply
    assert len(reply["predictions"]) == count


def test_50_mb_is_a_413_and_the_connection_stays_usable(client: Client) -> None:
    body, _ = csv_body(50 * MB)
    status, _, reply = client.request("POST", "/invocations", body, {"Content-Type": "text/csv"})
    assert_413(status, reply)
    assert f"The request body is {len(body) / 1e6:.1f} MB" in reply["error"]["message"]
    status, _, reply = client.request("POST", "/v2/models/roomy/infer", b"x" * (20 * MB))
    assert status == 413 and "16.8 MB" in reply["error"], reply  # the /v2 error shape
    # the bodies were read through: the same keep-alive connection goes on
    status, _, reply = client.request(
        "POST", "/invocations", {"dataframe_records": rows(2).to_dict("records")}
    )
    assert status == 200 and len(reply["predictions"]) == 2


def test_a_chunked_body_over_the_limit_is_a_413(endpoint: EndpointProcess) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            yield b"1," * (MB // 2)

    connection = Client(endpoint).connection
    try:
        connection.request(
            "POST",
            "/invocations",
            body=chunks(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"},
            encode_chunked=True,
        )
        reply = connection.getresponse()
        answer = json.loads(reply.read())
        assert_413(reply.status, answer)
        assert "The request body is 52.4 MB" in answer["error"]["message"]
    finally:
        connection.close()


def raw_exchange(endpoint: EndpointProcess, head: str, body: bytes = b"") -> tuple[int, Any]:
    """Send the head (and a little of the body), read the answer: no more is sent."""
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=30) as sock:
        sock.sendall(head.encode() + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + int(
            _header(data, "Content-Length") or 0
        ):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head_text, _, payload = data.partition(b"\r\n\r\n")
    status = int(head_text.split(b" ", 2)[1])
    return status, json.loads(payload)


def _header(data: bytes, name: str) -> str | None:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        key, _, value = line.decode("latin-1").partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


@pytest.mark.parametrize(
    ("size", "expect"),
    [(50 * MB, True), (2048 * MB, False)],
    ids=["expect-100-continue", "beyond-what-is-read-through"],
)
def test_a_413_at_once_when_the_body_is_not_read(
    endpoint: EndpointProcess, size: int, expect: bool
) -> None:
    head = (
        "POST /invocations HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Authorization: Bearer {TOKEN}\r\n"
        "Content-Type: text/csv\r\n"
        f"Content-Length: {size}\r\n" + ("Expect: 100-continue\r\n" if expect else "") + "\r\n"
    )
    status, reply = raw_exchange(endpoint, head, b"" if expect else b"1,2,3\n" * 100)
    assert_413(status, reply)
    assert f"The request body is {size / 1e6:.1f} MB" in reply["error"]["message"]
    assert endpoint.request("GET", "/ping").status == 200
