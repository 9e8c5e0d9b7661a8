"""The HTTP floor under our endpoint's real-time figures: CPU per request of servers that
do nothing but answer a constant, on this machine (``serving.py --only http_floor``).

Our endpoint's event loop spends a fraction of a millisecond of CPU per request (the
``Where our CPU went`` part of ``serving.py``). This measures how much of that any server
built the same way pays before doing any work, with the same wrk load (1-row JSON POSTs
to ``/invocations``, 32 keep-alive connections on one server process):

* ``tornado handler``: a ``tornado.web.RequestHandler`` answering ``{"predictions":[0]}``
  (what every route of our workers is built on);
* ``tornado delegate``: tornado's HTTP/1.1 connection with a bare message delegate (no
  ``RequestHandler``, no routing);
* ``httptools protocol``: an ``asyncio.Protocol`` parsing with httptools (what our
  workers' HTTP front, ``serving/fast_http.py``, is built on);
* ``asyncio protocol``: an ``asyncio.Protocol`` that finds the end of each request and
  writes the answer (no HTTP library; a floor, not a server to ship).

It prints the CPU milliseconds per request of each (user + system time of the server
process over the requests wrk completed) and what they mean for the 64-connection target
of issue 20 (≥ 50 % of the in-process batched-predict limit). Each server runs
``--rounds`` times, interleaved; the figures are the medians.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER = r"""
import asyncio, sys
from tornado import httpserver, httputil, web

ANSWER = b'{"predictions":[0]}'


class Handler(web.RequestHandler):
    def post(self):
        self.set_header("Content-Type", "application/json")
        self.finish(ANSWER)


class Message(httputil.HTTPMessageDelegate):
    def __init__(self, connection):
        self.connection = connection

    def data_received(self, chunk):
        pass

    def finish(self):
        headers = httputil.HTTPHeaders(
            {"Content-Type": "application/json", "Content-Length": str(len(ANSWER))}
        )
        start = httputil.ResponseStartLine("HTTP/1.1", 200, "OK")
        self.connection.write_headers(start, headers, ANSWER)
        self.connection.finish()


class Router(httputil.HTTPServerConnectionDelegate):
    def start_request(self, server_conn, request_conn):
        return Message(request_conn)


class Protocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
            )


class Parsed(asyncio.Protocol):
    def connection_made(self, transport):
        import httptools

        self.transport, self.parser = transport, httptools.HttpRequestParser(self)

    def data_received(self, data):
        self.parser.feed_data(data)

    def on_message_complete(self):
        self.transport.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
        )


async def main(kind, port):
    if kind == "httptools protocol":
        await asyncio.get_running_loop().create_server(Parsed, "127.0.0.1", port)
    elif kind == "tornado handler":
        httpserver.HTTPServer(web.Application([(r"/invocations", Handler)])).listen(
            port, "127.0.0.1"
        )
    elif kind == "tornado delegate":
        httpserver.HTTPServer(Router()).listen(port, "127.0.0.1")
    else:
        await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", port)
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""

KINDS = ("tornado handler", "tornado delegate", "httptools protocol", "asyncio protocol")
# the 1-row request of serving.py: 30 breast-cancer columns
BODY = (
    '{"dataframe_split": {"columns": ['
    + ", ".join(f'"feature {i}"' for i in range(30))
    + '], "data": [['
    + ", ".join("12.345678901234" for _ in range(30))
    + "]]}}"
)
LUA = """\
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def measure_once(kind: str, wrk: str, lua: Path, seconds: float, connections: int) -> float:
    """CPU ms per request of one server of ``kind`` under wrk."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, kind, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError(f"The {kind} server did not start.")
        time.sleep(0.2)
        before = _cpu_ticks(server.pid)
        completed = subprocess.run(
            [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(lua),
             f"http://127.0.0.1:{port}/invocations"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        spent = _cpu_ticks(server.pid) - before
    finally:
        server.kill()
        server.wait()
    requests = next(
        int(line.split()[0]) for line in completed.stdout.splitlines() if "requests in" in line
    )
    if "Non-2xx" in completed.stdout or "Socket errors" in completed.stdout:
        raise RuntimeError(f"wrk saw errors from the {kind} server:\n{completed.stdout}")
    return 1000 * spent / os.sysconf("SC_CLK_TCK") / requests


def run(
    wrk: str | None = None, rounds: int = 3, seconds: float = 4.0, connections: int = 32
) -> int:
    wrk = wrk or shutil.which("wrk")
    if wrk is None:
        print("wrk is not on PATH (apt-get install -y wrk)", file=sys.stderr)
        return 2
    figures: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory(prefix="mlstudio-http-floor-") as tmp:
        lua = Path(tmp, "post.lua")
        lua.write_text(LUA.format(body=BODY))
        for _ in range(rounds):
            for kind in KINDS:
                figures[kind].append(measure_once(kind, wrk, lua, seconds, connections))
    load = os.getloadavg()[0]
    print(
        f"\n## HTTP floor: CPU per request of do-nothing servers ({connections} connections, "
        f"wrk {seconds:g} s x {rounds}, {os.cpu_count()} CPUs, load {load:.1f})\n"
    )
    print("| server | CPU ms per request (median) | runs |")
    print("|---|---:|---|")
    medians: dict[str, Any] = {}
    for kind in KINDS:
        medians[kind] = statistics.median(figures[kind])
        runs = ", ".join(f"{v:.3f}" for v in figures[kind])
        print(f"| {kind} | {medians[kind]:.3f} | {runs} |")
    print(
        "\nOur workers answer /invocations with an httptools protocol (serving/fast_http.py; "
        f"{medians['httptools protocol']:.3f} ms here) and hand other routes to tornado "
        f"handlers ({medians['tornado handler']:.3f} ms). At 64 connections on 2 workers a "
        "batch holds ~29 requests, and 50 % of the in-process limit leaves the whole event "
        "loop about 0.13-0.15 ms per request next to a 5-6 ms forest predict "
        "(see docs/endpoints.md)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(run())
