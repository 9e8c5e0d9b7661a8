"""Rolling updates (SIGHUP): new versions and weights under continuous load, with no
request dropped, and a failed update that leaves the old workers serving."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import TOKEN, StartEndpoint, rows

from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess, EndpointStartError

ONE_ROW = {"dataframe_split": rows(1, 3).to_dict("split")}


class Load:
    """Threads sending 1-row requests without pause until stopped: half on keep-alive
    connections, half on a new connection per request. Every failure is kept."""

    def __init__(self, endpoint: EndpointProcess, threads: int = 6) -> None:
        self.endpoint = endpoint
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures: list[str] = []
        self.variants: Counter[str] = Counter()
        self.threads = [
            threading.Thread(target=self._run, args=(i % 2 == 0,), daemon=True)
            for i in range(threads)
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _run(self, keep_alive: bool) -> None:
        connection: http.client.HTTPConnection | None = None
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        body = json.dumps(ONE_ROW)
        while not self.stop.is_set():
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.endpoint.port, timeout=30)
            try:
                connection.request("POST", "/invocations", body=body, headers=headers)
                reply = connection.getresponse()
                reply.read()
                variant = reply.getheader("X-Invoked-Variant") or "?"
                if reply.status != 200:
                    raise RuntimeError(f"HTTP {reply.status}")
                with self.lock:
                    self.ok += 1
                    self.variants[variant] += 1
                if not keep_alive or reply.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except Exception as exc:  # every failure is the finding
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                if connection is not None:
                    connection.close()
                connection = None

    def count(self) -> int:
        with self.lock:
            return self.ok


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint) -> EndpointProcess:
    return start_endpoint(
        name="rolling",
        token=TOKEN,
        variants=[{"name": "blue", "model": "cancer-rf", "version": 1, "instances": 2}],
        batching={"max_batch_size": 32, "max_wait_ms": 2},
        drain_seconds=5,
    )


def _config(endpoint: EndpointProcess, variants: list[dict[str, Any]]) -> EndpointConfig:
    data = endpoint.config.model_dump()
    data["variants"] = variants
    return EndpointConfig.model_validate(data)


def _served_variants(endpoint: EndpointProcess) -> dict[str, Any]:
    return {
        name: (facts["model"], facts["version"])
        for name, facts in endpoint.metrics()["variants"].items()
    }


def test_an_update_under_load_drops_no_request(endpoint: EndpointProcess) -> None:
    old_workers = set(endpoint.worker_pids)
    with Load(endpoint) as load:
        time.sleep(1.0)
        before = load.count()
        info = endpoint.update(
            _config(
                endpoint,
                [
                    {"name": "green", "model": "cancer-rf", "version": 2, "weight": 1},
                    {"name": "blue", "model": "cancer-rf", "version": 1, "weight": 1},
                ],
            ),
            timeout=120,
        )
        during = load.count()
        time.sleep(1.5)  # the old workers drain while the load goes on
        after = load.count()
    assert load.failures == [], load.failures[:5]
    assert load.variants["green"] > 0 and load.variants["blue"] > 0
    assert before > 20 and during > before and after > during
    assert info["generation"] == 2
    assert not old_workers & set(info["workers"])
    assert _served_variants(endpoint) == {
        "green": ("cancer-rf", 2),
        "blue": ("cancer-rf", 1),
    }
    # the old workers are gone once drained
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in old_workers):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in old_workers)


def test_a_failed_update_keeps_the_old_workers_serving(endpoint: EndpointProcess) -> None:
    serving = _served_variants(endpoint)
    workers = {w["pid"] for w in endpoint.metrics()["workers"]}
    with pytest.raises(EndpointStartError, match="no-such-model"):
        endpoint.update(
            _config(endpoint, [{"name": "x", "model": "no-such-model", "version": 1}]),
            timeout=60,
        )
    assert _served_variants(endpoint) == serving
    assert {w["pid"] for w in endpoint.metrics()["workers"]} == workers
    assert endpoint.predict(ONE_ROW) in ([0], [1])
    # and the next update still works
    info = endpoint.update(
        _config(endpoint, [{"name": "blue", "model": "cancer-rf", "version": 2}]), timeout=120
    )
    assert info["generation"] == 3
    assert _served_variants(endpoint) == {"blue": ("cancer-rf", 2)}


def _alive(pid: int) -> bool:
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_an_update_returns_once_the_old_workers_stopped_accepting(
    endpoint: EndpointProcess,
) -> None:
    """A request sent right after an update must meet the new config. An old worker that
    is slow to handle SIGTERM (held stopped here until 0.3 s after the SIGTERM reached it,
    as a loaded machine might) still shares the listening socket; the update waits."""
    import psutil

    old_workers = [w["pid"] for w in endpoint.metrics()["workers"]]
    slow = old_workers[0]
    os.kill(slow, signal.SIGSTOP)
    resumer = threading.Thread(target=_resume_after_sigterm, args=(slow, 0.3), daemon=True)
    resumer.start()
    try:
        endpoint.update(
            _config(endpoint, [{"name": "blue", "model": "cancer-rf", "version": 1}]),
            timeout=120,
        )
        for pid in old_workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                listening = [
                    c
                    for c in psutil.Process(pid).net_connections(kind="tcp")
                    if c.status == psutil.CONN_LISTEN
                ]
                assert listening == [], f"old worker {pid} still accepts after the update"
    finally:
        resumer.join(130)
        with contextlib.suppress(ProcessLookupError):
            os.kill(slow, signal.SIGCONT)  # never leave it stopped
    assert _served_variants(endpoint) == {"blue": ("cancer-rf", 1)}


def _resume_after_sigterm(pid: int, delay: float) -> None:
    """SIGCONT a stopped process ``delay`` seconds after a SIGTERM is pending for it."""
    sigterm_bit = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return
        pending = 0
        for line in status.splitlines():
            if line.startswith(("SigPnd:", "ShdPnd:")):
                pending |= int(line.split()[1], 16)
        if pending & sigterm_bit:
            break
        time.sleep(0.01)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)
