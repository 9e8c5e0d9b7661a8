"""Issue 17: a standalone scheduler (``jupyter mlstudio scheduler``) and a Jupyter server's
schedule loop on one store, both real processes ticking every second through a due time:
the execution runs once (the database claim), never by both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.schedule import parse_schedule
from jupyter_mlstudio.studio import Studio

from .scenario import traffic


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_a_scheduler_and_a_server_run_each_execution_once(
    studio: Studio, mlstudio_home: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(1000, seed=1)).save(baseline)
    table = tmp_path / "scored.csv"
    traffic(1000, seed=2, shifted=True).to_csv(table, index=False)
    # create it early in a minute, so that both processes are up before its first due time,
    # but not in the minute's first second: the scheduler counts a fire time equal to the
    # creation second as due, and the test expects only the next one
    now = datetime.now(timezone.utc)
    if now.second >= 25 or now.second < 2:
        time.sleep((62 - now.second) % 60 - now.microsecond / 1e6)
    monitor = studio.monitor.create_monitor(
        "shared", data=str(table), baseline=str(baseline), schedule="rate(1 minute)"
    )
    fire = parse_schedule("rate(1 minute)").next(monitor.created_at)

    env = {**os.environ, "MLSTUDIO_HOME": str(mlstudio_home)}
    env.pop("MLSTUDIO_STORE_URI", None)
    port, token = _free_port(), "beside-token"
    server_log, scheduler_log = tmp_path / "server.log", tmp_path / "scheduler.log"
    root = tmp_path / "root"
    root.mkdir()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0",
            "--MLStudio.monitor_check_interval=1",
        ],
        env=env,
        stdout=server_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "jupyter_mlstudio.cli", "scheduler", "--interval", "1"],
        env=env,
        stdout=scheduler_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:  # the server is up (its loop ticks from then on)
            assert server.poll() is None and time.monotonic() < deadline, server_log.read_text()
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2
                ).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        assert datetime.now(timezone.utc) < fire, "the server started after the due time"
        # both tick every second through the due time; give them a few ticks past it
        while datetime.now(timezone.utc) < fire + timedelta(seconds=6):
            time.sleep(0.5)
        executions = studio.monitor.store.list_executions(monitor.id)
        assert [e.scheduled_time for e in executions] == [fire]
        ended = studio.monitor.wait(executions[0].id, timeout=120)
        assert ended.status == "CompletedWithViolations"
    finally:
        _stop(server)
        _stop(scheduler)
    # it ran once, started by one of the two (which one is the race's business)
    started_by_cli = "started shared execution" in scheduler_log.read_text()
    assert scheduler.returncode == 0, scheduler_log.read_text()
    assert "scheduler on " in scheduler_log.read_text()  # it was ticking all along
    assert len(studio.monitor.store.list_executions(monitor.id)) == 1
    print("started by", "the scheduler command" if started_by_cli else "the server")
