"""Pipeline triggers on a real studio: approving a model version in the registry starts
the pipeline with the version as a parameter, a monitor execution that ends with
violations starts it with the count; each event once, also for a second scheduler made
after a "restart", and events from before the trigger existed are not fired."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.monitor.entities import AlertSettings
from jupyter_mlstudio.monitor.store import SqlMonitorStore
from jupyter_mlstudio.pipelines.schedules import PipelineSchedules
from jupyter_mlstudio.studio import Studio


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """The server's scheduler ticks every half second here."""
    return {**jp_server_config, "MLStudio": {"monitor_check_interval": 0.5}}


def _document(name: str, parameters: list[dict[str, Any]], checked: str) -> dict[str, Any]:
    return {
        "name": name,
        "parameters": parameters,
        "steps": [
            {
                "name": "check",
                "type": "Condition",
                "arguments": {
                    "conditions": [
                        {"op": "GreaterThan", "left": {"Get": f"Parameters.{checked}"}, "right": 0}
                    ]
                },
            }
        ],
    }


def _register(studio: Studio, name: str) -> int:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.2], [0.9, 0.8]])
    model = LogisticRegression().fit(x, [0, 1, 0, 1])
    return studio.registry.register(model, name, input_example=x[:2]).version


def test_model_approved_starts_the_pipeline_once_per_approval(studio: Studio) -> None:
    version_1 = _register(studio, "churn")
    studio.registry.set_approval("churn", version_1, "Approved", "before the trigger", "ana")
    studio.pipelines.upsert(
        _document(
            "deploy-approved",
            [
                {"name": "model_version", "type": "Integer"},
                {"name": "stage", "type": "String", "default": "dev"},
            ],
            "model_version",
        )
    )
    schedules = PipelineSchedules(studio)
    trigger = schedules.create(
        "deploy-approved",
        "ModelApproved",
        source="churn",
        parameters={"stage": "prod"},
        event_parameters={"model_version": "model_version"},
    )
    assert schedules.run_due() == []  # version 1 was approved before the trigger existed

    version_2 = _register(studio, "churn")
    studio.registry.set_approval("churn", version_2, "Rejected", "not yet", "ana")
    assert schedules.run_due() == []  # only Approved fires
    studio.registry.set_approval("churn", version_2, "Approved", "good AUC", "ana")
    started = schedules.run_due()
    assert [e.parameters for e in started] == [{"model_version": version_2, "stage": "prod"}]
    assert studio.pipelines.wait(started[0].id, timeout=60).status == "Succeeded"
    # the same event never fires again: not at the next tick, nor after a restart
    assert schedules.run_due() == []
    assert PipelineSchedules(studio).run_due() == []
    # rejected, then approved again: a new event
    studio.registry.set_approval("churn", version_2, "Rejected", "regression found", "bo")
    studio.registry.set_approval("churn", version_2, "Approved", "fixed", "bo")
    again = PipelineSchedules(studio).run_due()
    assert [e.parameters["model_version"] for e in again] == [version_2]
    fires = schedules.fires(trigger.id)
    assert len(fires) == 2 and all(f.execution_id and f.error is None for f in fires)
    assert len(studio.pipelines.executions("deploy-approved")) == 2


def test_monitor_violation_starts_the_pipeline_once_per_execution(studio: Studio) -> None:
    monitors = SqlMonitorStore(studio.db)
    monitor = monitors.create_monitor(
        name="drift",
        kind="data-quality",
        endpoint=None,
        data_path="data/live.csv",
        baseline="baseline",
        schedule="rate(1 hour)",
        options={},
        alert=AlertSettings(),
    )
    studio.pipelines.upsert(
        _document(
            "retrain",
            [
                {"name": "violations", "type": "Integer"},
                {"name": "monitor_execution", "type": "String"},
            ],
            "violations",
        )
    )
    schedules = PipelineSchedules(studio)
    schedules.create(
        "retrain",
        "MonitorViolation",
        source="drift",
        event_parameters={
            "violations": "violations",
            "monitor_execution": "monitor_execution_id",
        },
    )
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)

    def monitor_run(at: datetime, status: Any, violations: int) -> str:
        claimed = monitors.claim_execution(monitor.id, at, at - timedelta(hours=1), at)
        assert claimed is not None
        monitors.finish_execution(claimed.id, status, violations=violations)
        return claimed.id

    monitor_run(hour - timedelta(hours=2), "Completed", 0)  # no violations: nothing
    assert schedules.run_due() == []
    violated = monitor_run(hour - timedelta(hours=1), "CompletedWithViolations", 3)
    started = schedules.run_due()
    assert [e.parameters for e in started] == [{"violations": 3, "monitor_execution": violated}]
    assert studio.pipelines.wait(started[0].id, timeout=60).status == "Succeeded"
    assert schedules.run_due() == [] and PipelineSchedules(studio).run_due() == []
    monitor_run(hour, "CompletedWithViolations", 1)
    assert [e.parameters["violations"] for e in schedules.run_due()] == [1]


def test_trigger_input_is_checked(studio: Studio) -> None:
    studio.pipelines.upsert(
        _document("p", [{"name": "model_version", "type": "Integer"}], "model_version")
    )
    schedules = PipelineSchedules(studio)
    with pytest.raises(NotFoundError):
        schedules.create("p", "ModelApproved", source="no-such-model")
    _register(studio, "m")
    with pytest.raises(InvalidArgumentError, match=r"'version'.*model_version"):
        schedules.create(
            "p", "ModelApproved", source="m", event_parameters={"model_version": "version"}
        )
    with pytest.raises(InvalidArgumentError, match="source"):
        schedules.create("p", "MonitorViolation")
    with pytest.raises(InvalidArgumentError, match="Unknown trigger kind"):
        schedules.create("p", "OnFriday", source="m")
    with pytest.raises(InvalidArgumentError, match="no schedule expression"):
        schedules.create("p", "ModelApproved", source="m", expression="rate(1 hour)")


async def test_the_servers_scheduler_tick_fires_a_trigger(call: Any) -> None:
    """End to end: a trigger made over REST, an approval over REST, and the Jupyter
    server's own tick starts the execution."""
    studio = Studio(StudioConfig.resolve())  # this test's home, as the server's
    try:
        version = _register(studio, "tick-model")
    finally:
        studio.close()
    document = _document("on-approval", [{"name": "v", "type": "Integer"}], "v")
    assert (await call("POST", "pipelines", body=document))[0] == 201
    status, trigger = await call(
        "POST",
        "pipelines",
        "on-approval",
        "schedules",
        body={
            "kind": "ModelApproved",
            "source": "tick-model",
            "event_parameters": {"v": "model_version"},
        },
    )
    assert status == 201, trigger
    status, _ = await call(
        "POST",
        "models",
        "tick-model",
        "versions",
        str(version),
        "approval",
        body={"status": "Approved", "comment": "ship it"},
    )
    assert status == 200
    executions: list[Any] = []
    for _ in range(100):
        status, listed = await call("GET", "pipelines", "on-approval", "executions")
        executions = listed["items"]
        if executions and executions[0]["status"] == "Succeeded":
            break
        await asyncio.sleep(0.2)
    assert [e["parameters"] for e in executions] == [{"v": version}]
    assert executions[0]["status"] == "Succeeded"
    status, detail = await call("GET", "pipelines", "on-approval", "schedules", trigger["id"])
    assert [f["execution_id"] for f in detail["fires"]] == [executions[0]["id"]]


def test_the_standalone_scheduler_fires_triggers_once(studio: Studio) -> None:
    """``jupyter mlstudio scheduler --once`` (a separate process on this test's home)
    starts the execution an approval is due, waits for it, and a second tick starts none."""
    studio.pipelines.upsert(_document("cli-approved", [{"name": "v", "type": "Integer"}], "v"))
    version = _register(studio, "cli-model")
    PipelineSchedules(studio).create(
        "cli-approved", "ModelApproved", source="cli-model", event_parameters={"v": "model_version"}
    )
    studio.registry.set_approval("cli-model", version, "Approved", "ok", "ana")
    for expected in (1, 0):
        result = subprocess.run(
            [sys.executable, "-m", "jupyter_mlstudio.cli", "scheduler", "--once"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("started pipeline cli-approved") == expected, result.stdout
    (execution,) = studio.pipelines.executions("cli-approved")
    assert execution.parameters == {"v": version}
    assert studio.pipelines.get_execution(execution.id).status == "Succeeded"
