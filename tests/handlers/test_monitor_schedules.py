"""The Jupyter server runs the Model Monitor schedules: a due execution starts from the
server's own tick (a missed one once, on start), with no scheduler process."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import update

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.orm import MonitorRow
from jupyter_mlstudio.studio import Studio


def _table(seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"income": rng.normal(50 + shift, 10, 600), "age": rng.integers(18, 80, 600)}
    )


def test_the_server_starts_a_missed_execution_once(
    start_live_server: Callable[..., Any], tmp_path: Path, mlstudio_home: Path
) -> None:
    studio = Studio(StudioConfig.resolve(home=mlstudio_home))
    try:
        baseline = tmp_path / "baseline"
        suggest_baseline(_table(1)).save(baseline)
        table = tmp_path / "scored.csv"
        _table(2, shift=15).to_csv(table, index=False)
        monitor = studio.monitor.create_monitor(
            "hourly", data=str(table), baseline=str(baseline), schedule="rate(1 hour)"
        )
        # made two hours ago, while no scheduler ran: the latest fire time is missed
        with studio.db.session(write=True) as session:
            session.execute(
                update(MonitorRow)
                .where(MonitorRow.id == monitor.id)
                .values(created_at=datetime.now(timezone.utc) - timedelta(hours=2))
            )
        assert studio.monitor.store.list_executions(monitor.id) == []

        root = tmp_path / "root"
        with start_live_server(root, mlstudio_home, "--MLStudio.monitor_check_interval=0.5"):
            deadline = time.monotonic() + 120
            executions: list[Any] = []
            while time.monotonic() < deadline:
                executions = studio.monitor.store.list_executions(monitor.id)
                if executions and executions[0].is_terminal:
                    break
                time.sleep(0.3)
            time.sleep(1.5)  # three more ticks: nothing else starts
            executions = studio.monitor.store.list_executions(monitor.id)
        assert len(executions) == 1, executions
        (execution,) = executions
        assert not execution.manual and execution.status == "CompletedWithViolations"
        assert execution.scheduled_time > datetime.now(timezone.utc) - timedelta(hours=1)
        assert [a.execution_id for a in studio.monitor.alerts()] == [execution.id]
    finally:
        studio.close()
