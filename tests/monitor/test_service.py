"""The monitor service on a real store with real processing jobs: executions, the
schedulers' tick (two processes racing, a missed execution on start), webhook alerts."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.errors import ConflictError, InvalidArgumentError
from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.schedule import parse_schedule
from jupyter_mlstudio.monitor.service import SIGNATURE_HEADER, post_webhook, sign
from jupyter_mlstudio.studio import Studio

from .scenario import traffic


@pytest.fixture
def table_monitor_inputs(tmp_path: Path) -> tuple[str, str]:
    """A baseline folder of the training distribution and a shifted table to check."""
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(1500, seed=1)).save(baseline)
    shifted = tmp_path / "scored.csv"
    traffic(1500, seed=2, shifted=True, new_category=True).to_csv(shifted, index=False)
    return str(baseline), str(shifted)


def test_a_run_with_violations_alerts_a_signed_webhook_once(
    studio: Studio, table_monitor_inputs: tuple[str, str], webhook: Any
) -> None:
    baseline, table = table_monitor_inputs
    url, received = webhook
    service = studio.monitor
    monitor = service.create_monitor(
        "scored",
        data=table,
        baseline=baseline,
        webhook_url=url,
        webhook_secret="s3cret",
        pipeline="retrain",
    )
    execution = service.run_now(monitor.name)
    assert execution.status == "InProgress" and execution.job_id and execution.manual
    ended = service.wait(execution.id, timeout=120)
    assert ended.status == "CompletedWithViolations", studio.jobs.read_log(execution.job_id)
    found = service.violations(ended.id)
    assert ended.violations == len(found) > 0
    drifted = {
        v["feature_name"] for v in found if v["constraint_check_type"] == "baseline_drift_check"
    }
    assert drifted == {"income", "balance", "tenure", "plan"}  # plan: a new category
    assert any(v["constraint_check_type"] == "categorical_values_check" for v in found)
    report = service.report(ended.id)
    assert report is not None and report["outcome"] == "CompletedWithViolations"
    assert studio.jobs.get(ended.job_id or "").status == "Completed"  # a real job, with a log

    # the webhook got one JSON body, signed with HMAC-SHA256 of exactly those bytes
    assert len(received) == 1
    headers, body = received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER.lower()] == expected == sign(body, "s3cret")
    payload = json.loads(body)
    assert (payload["monitor"], payload["execution_id"]) == ("scored", ended.id)
    assert payload["violations"] == ended.violations
    alerts = service.alerts()
    assert [(a.execution_id, a.webhook_status) for a in alerts] == [(ended.id, "200")]
    assert "scored" in alerts[0].message
    # ending it again (another scheduler's sync) neither changes it nor alerts twice
    assert service.sync() == [] and len(received) == 1 and len(service.alerts()) == 1
    assert service.alerts(after_id=alerts[0].id) == []


def test_a_webhook_that_is_down_is_logged_not_raised(
    studio: Studio, table_monitor_inputs: tuple[str, str]
) -> None:
    baseline, table = table_monitor_inputs
    service = studio.monitor
    service.create_monitor(
        "scored", data=table, baseline=baseline, webhook_url="http://127.0.0.1:9/x"
    )
    ended = service.wait(service.run_now("scored").id, timeout=120)
    assert ended.status == "CompletedWithViolations"
    (alert,) = service.alerts()
    assert alert.webhook_status is not None and alert.webhook_status.startswith("failed")


class Failing(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_post_webhook_reports_failures_instead_of_raising() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert post_webhook(url, {"a": 1}, "k") == "500"
    finally:
        server.shutdown()
        server.server_close()
    assert post_webhook("file:///etc/passwd", {"a": 1}, None) == "failed: not an http(s) URL"
    assert post_webhook("http://127.0.0.1:9/", {"a": 1}, None).startswith("failed")


def test_a_table_like_the_baseline_completes_without_alert(studio: Studio, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(1500, seed=1)).save(baseline)
    same = tmp_path / "same.parquet"
    traffic(1500, seed=1).to_parquet(same)  # the baseline's own data, as Parquet
    service = studio.monitor
    service.create_monitor("same", data=str(same), baseline=str(baseline))
    ended = service.wait(service.run_now("same").id, timeout=120)
    assert (ended.status, ended.violations) == ("Completed", 0)
    assert service.violations(ended.id) == [] and service.alerts() == []


def test_a_failed_job_fails_the_execution_with_its_reason(studio: Studio, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(200, seed=1)).save(baseline)
    table = tmp_path / "gone.csv"
    traffic(200, seed=2).to_csv(table, index=False)
    service = studio.monitor
    service.create_monitor("gone", data=str(table), baseline=str(baseline))
    table.unlink()  # the job finds nothing to read
    ended = service.wait(service.run_now("gone").id, timeout=120)
    assert ended.status == "Failed" and ended.failure_reason
    assert service.alerts() == []


def test_bad_monitors_are_refused_with_a_message(
    studio: Studio, table_monitor_inputs: tuple[str, str]
) -> None:
    baseline, table = table_monitor_inputs
    service = studio.monitor
    with pytest.raises(InvalidArgumentError, match="Invalid cron expression"):
        service.create_monitor("m", data=table, baseline=baseline, schedule="cron(61 * * * ? *)")
    with pytest.raises(InvalidArgumentError, match="kind"):
        service.create_monitor("m", data=table, baseline=baseline, kind="drift")
    with pytest.raises(InvalidArgumentError, match="webhook"):
        service.create_monitor("m", data=table, baseline=baseline, webhook_url="file:///etc/x")
    with pytest.raises(InvalidArgumentError, match="endpoint or a table"):
        service.create_monitor("m", baseline=baseline)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        service.create_monitor("m", data=table + ".nope", baseline=baseline)
    with pytest.raises(InvalidArgumentError):
        service.create_monitor("m", data=table, baseline=table)  # not a baseline folder
    service.create_monitor("m", data=table, baseline=baseline)
    with pytest.raises(ConflictError, match="already exists"):
        service.create_monitor("m", data=table, baseline=baseline)


def test_a_baseline_job_of_empty_data_fails_with_the_reason(studio: Studio, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="baseline job"):
        studio.monitor.suggest_baseline(data=str(empty), timeout=120)
    data = tmp_path / "train.csv"
    traffic(300, seed=1).to_csv(data, index=False)
    job, folder = studio.monitor.suggest_baseline(data=str(data), timeout=120)
    assert job.status == "Completed"
    local = Path(folder.removeprefix("file://"))
    assert (local / "statistics.json").is_file() and (local / "constraints.json").is_file()


# -- the schedulers --------------------------------------------------------------------
RACER = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime
    from pathlib import Path
    from jupyter_mlstudio.studio import Studio

    now, go = datetime.fromisoformat(sys.argv[1]), Path(sys.argv[2])
    studio = Studio.open()
    studio.monitor.due_executions(now)  # warm: imports and connections before the start
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    started = studio.monitor.run_due(now)
    for execution in started:  # a scheduler lives on: its queued jobs start and end
        studio.monitor.wait(execution.id, timeout=120)
    print(len(started), flush=True)
    studio.close()
    """
)


def test_two_schedulers_racing_on_one_due_time_run_it_once(
    studio: Studio, table_monitor_inputs: tuple[str, str], tmp_path: Path
) -> None:
    baseline, table = table_monitor_inputs
    service = studio.monitor
    monitor = service.create_monitor(
        "raced", data=table, baseline=baseline, schedule="rate(1 hour)"
    )
    fire = parse_schedule("rate(1 hour)").next(monitor.created_at)
    now = fire + timedelta(seconds=5)
    script = tmp_path / "racer.py"
    script.write_text(RACER, encoding="utf-8")
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, str(script), now.isoformat(), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    go.touch()
    started = []
    for racer in racers:
        out, _ = racer.communicate(timeout=120)
        assert racer.returncode == 0
        started.append(int(out.strip()))
    assert sorted(started) == [0, 1]
    (execution,) = service.store.list_executions(monitor.id)
    assert execution.scheduled_time == fire and not execution.manual
    assert execution.window_start == fire - timedelta(hours=1) and execution.window_end == fire
    assert execution.job_id is not None
    assert service.run_due(now) == []  # and the server's tick after them starts nothing
    assert service.get_execution(execution.id).status == "CompletedWithViolations"


def test_a_missed_execution_runs_once_on_start_and_older_ones_are_skipped(
    studio: Studio, table_monitor_inputs: tuple[str, str]
) -> None:
    baseline, table = table_monitor_inputs
    service = studio.monitor
    monitor = service.create_monitor("missed", data=table, baseline=baseline, schedule="0 * * * *")
    first = parse_schedule("0 * * * *").next(monitor.created_at)
    # the scheduler was down for the first four fire times; it starts 10 minutes after
    # the last of them: that one runs, once, and the three before it are skipped
    start = first + timedelta(hours=3, minutes=10)
    assert service.due_executions(first - timedelta(seconds=1)) == []
    (started,) = service.run_due(start)
    assert started.scheduled_time == first + timedelta(hours=3)
    assert service.run_due(start) == []
    assert service.run_due(start + timedelta(minutes=20)) == []
    assert [e.scheduled_time for e in service.store.list_executions(monitor.id)] == [
        first + timedelta(hours=3)
    ]
    # a fire time older than the staleness window is not run on start
    service.staleness = timedelta(minutes=30)
    assert service.due_executions(first + timedelta(hours=5, minutes=45)) == []
    assert len(service.due_executions(first + timedelta(hours=5, minutes=25))) == 1
    # ... and the next fire time on schedule runs again
    (nxt,) = service.run_due(first + timedelta(hours=6, seconds=1))
    assert nxt.scheduled_time == first + timedelta(hours=6)
    service.stop_monitor("missed")
    assert service.due_executions(first + timedelta(hours=7, seconds=1)) == []
    for execution in (started, nxt):
        service.wait(execution.id, timeout=120)


def test_the_scheduler_command_runs_a_due_execution(
    studio: Studio, table_monitor_inputs: tuple[str, str]
) -> None:
    baseline, table = table_monitor_inputs
    service = studio.monitor
    monitor = service.create_monitor(
        "cli", data=table, baseline=baseline, schedule="rate(1 minute)"
    )
    # the CLI ticks on the real clock: as if the monitor had been created two minutes ago,
    # the last minute boundary is due now (rather than wait for the next one)
    from sqlalchemy import update

    from jupyter_mlstudio.monitor.orm import MonitorRow

    with studio.db.session(write=True) as session:
        session.execute(
            update(MonitorRow)
            .where(MonitorRow.id == monitor.id)
            .values(created_at=monitor.created_at - timedelta(minutes=2))
        )
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_mlstudio.cli", "scheduler", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (execution,) = service.store.list_executions(monitor.id)
    assert f"started cli execution {execution.id}" in result.stdout
    assert service.wait(execution.id, timeout=120).is_terminal


def test_a_claim_whose_scheduler_died_before_the_job_fails_later(
    studio: Studio, table_monitor_inputs: tuple[str, str]
) -> None:
    from sqlalchemy import update

    from jupyter_mlstudio.monitor.orm import MonitorExecutionRow

    baseline, table = table_monitor_inputs
    service = studio.monitor
    monitor = service.create_monitor("orphan", data=table, baseline=baseline)
    now = datetime.now(timezone.utc)
    claimed = service.store.claim_execution(monitor.id, now, now - timedelta(hours=1), now)
    assert claimed is not None
    assert service.sync() == []  # a fresh claim: its scheduler is submitting the job
    with studio.db.session(write=True) as session:
        session.execute(
            update(MonitorExecutionRow)
            .where(MonitorExecutionRow.id == claimed.id)
            .values(created_at=now - timedelta(minutes=11))
        )
    (ended,) = service.sync()
    assert (ended.id, ended.status) == (claimed.id, "Failed")
    assert ended.failure_reason and "stopped before it started the job" in ended.failure_reason


def test_an_execution_ends_when_its_job_ended_not_when_sync_noticed(
    studio: Studio, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(200, seed=1)).save(baseline)
    table = tmp_path / "late.csv"
    traffic(200, seed=1).to_csv(table, index=False)
    service = studio.monitor
    service.create_monitor("late", data=str(table), baseline=str(baseline))
    execution = service.run_now("late")
    assert execution.job_id
    job = studio.jobs.wait(execution.job_id, timeout=120)
    assert job.ended_at is not None
    time.sleep(2)  # the scheduler's next tick comes later than the job's end
    (ended,) = service.sync()
    assert abs((ended.updated_at - job.ended_at).total_seconds()) < 0.5
