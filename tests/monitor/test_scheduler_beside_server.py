"""Issue 17: a standalone scheduler (``jupyter mlstudio scheduler``) and a Jupyter server's
schedule loop on one store, both real processes ticking every second when an execution
becomes due: it runs once (the database claim), never by both."""

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

from sqlalchemy import update

from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.orm import MonitorRow
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
    monitor = studio.monitor.create_monitor(
        "shared", data=str(table), baseline=str(baseline), schedule="rate(1 minute)"
    )

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
        while "scheduler on " not in scheduler_log.read_text():  # the command ticks too
            assert scheduler.poll() is None and time.monotonic() < deadline, (
                scheduler_log.read_text()
            )
            time.sleep(0.3)
        # both are ticking: make the last minute boundary due for both at once (as if the
        # monitor had been created before it), rather than wait for the next one
        backdated = datetime.now(timezone.utc)
        fire = parse_schedule("rate(1 minute)").previous(backdated)
        with studio.db.session(write=True) as session:
            session.execute(
                update(MonitorRow)
                .where(MonitorRow.id == monitor.id)
                .values(created_at=backdated - timedelta(minutes=2))
            )
        # both tick every second; give them a few ticks
        while datetime.now(timezone.utc) < backdated + timedelta(seconds=6):
            time.sleep(0.5)
        executions = studio.monitor.store.list_executions(monitor.id)
        times = [e.scheduled_time for e in executions]
        # a boundary that passed meanwhile is one more fire time, also run once
        assert fire in times and len(set(times)) == len(times), times
        for execution in executions:
            ended = studio.monitor.wait(execution.id, timeout=120)
            assert ended.status == "CompletedWithViolations"
    finally:
        _stop(server)
        _stop(scheduler)
    # it ran once, started by one of the two (which one is the race's business)
    started_by_cli = "started shared execution" in scheduler_log.read_text()
    assert scheduler.returncode == 0, scheduler_log.read_text()
    assert "scheduler on " in scheduler_log.read_text()  # it was ticking all along
    times = [e.scheduled_time for e in studio.monitor.store.list_executions(monitor.id)]
    assert len(set(times)) == len(times)  # each fire time ran once
    print("started by", "the scheduler command" if started_by_cli else "the server")
