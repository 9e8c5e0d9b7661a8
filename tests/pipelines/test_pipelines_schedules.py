"""Pipeline schedules on a real studio and SQLite store: a due time starts one execution
even with two schedulers ticking at once (each its own Studio and connections on the one
database), never twice, missed fire times older than the staleness are skipped, and bad
expressions or parameters are refused with a message naming them."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.monitor.schedule import parse_schedule
from jupyter_mlstudio.pipelines.schedules import PipelineSchedules
from jupyter_mlstudio.studio import Studio


def _document(name: str = "nightly") -> dict[str, Any]:
    """One inline Condition step: an execution ends in well under a second."""
    return {
        "name": name,
        "parameters": [{"name": "threshold", "type": "Float", "default": 0.5}],
        "steps": [
            {
                "name": "check",
                "type": "Condition",
                "arguments": {
                    "conditions": [
                        {"op": "GreaterThan", "left": {"Get": "Parameters.threshold"}, "right": 0}
                    ]
                },
            }
        ],
    }


def test_a_due_time_starts_one_execution_with_two_schedulers(
    studio: Studio, tmp_path: Path
) -> None:
    studio.pipelines.upsert(_document())
    schedules = PipelineSchedules(studio)
    schedule = schedules.create(
        "nightly", expression="rate(1 minute)", parameters={"threshold": 2}, base_dir=tmp_path
    )
    assert schedule.kind == "Schedule" and schedule.pipeline_name == "nightly"
    assert schedule.next_fire_time is not None
    first = parse_schedule("rate(1 minute)").next(schedule.created_at)
    # a fire time before the schedule was made starts nothing
    assert schedules.run_due(schedule.created_at - timedelta(minutes=1)) == []

    other = Studio(StudioConfig.resolve(max_concurrent_jobs=2))  # a second "process"
    try:
        tickers = [schedules, PipelineSchedules(other)]
        barrier = threading.Barrier(2)
        started: list[list[Any]] = [[], []]

        def tick(index: int, now: datetime) -> None:
            barrier.wait()
            started[index] = tickers[index].run_due(now)

        for fire in (first, first + timedelta(minutes=1)):
            for _ in range(2):  # ticking again at the same moment starts nothing more
                threads = [
                    threading.Thread(target=tick, args=(i, fire + timedelta(seconds=5)))
                    for i in range(2)
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
        executions = studio.pipelines.executions("nightly")
        assert len(executions) == 2, executions
        for execution in executions:
            assert studio.pipelines.wait(execution.id, timeout=60).status == "Succeeded"
            assert execution.parameters == {"threshold": 2.0}
        fires = schedules.fires(schedule.id)
        assert sorted(f.event_key for f in fires) == [
            first.isoformat(),
            (first + timedelta(minutes=1)).isoformat(),
        ]
        assert {f.execution_id for f in fires} == {e.id for e in executions}
        assert schedules.get(schedule.id).last_fire is not None
    finally:
        other.pipelines.close()
        other.close()


def test_missed_times_disabled_schedules_and_bad_input(studio: Studio) -> None:
    studio.pipelines.upsert(_document())
    schedules = PipelineSchedules(studio)
    daily = schedules.create("nightly", expression="cron(0 3 * * ? *)")
    assert daily.next_fire_time is not None and daily.next_fire_time.hour == 3
    # a fire time more than the staleness ago (a scheduler that was down) is skipped
    fire = parse_schedule("cron(0 3 * * ? *)").next(daily.created_at)
    assert schedules.due(fire + timedelta(hours=2)) == []
    assert [e.key for _t, e in schedules.due(fire + timedelta(minutes=5))] == [fire.isoformat()]
    schedules.update(daily.id, enabled=False)
    assert schedules.get(daily.id).next_fire_time is None
    assert schedules.due(fire + timedelta(minutes=5)) == []
    updated = schedules.update(daily.id, expression="rate(2 hours)", enabled=True)
    assert updated.expression == "rate(2 hours)" and updated.enabled

    with pytest.raises(InvalidArgumentError, match=r"cron\(0 3 \* \*\)"):
        schedules.create("nightly", expression="cron(0 3 * *)")
    with pytest.raises(InvalidArgumentError, match="rate"):
        schedules.create("nightly", expression="rate(every hour)")
    with pytest.raises(InvalidArgumentError, match="'alpha'"):
        schedules.create("nightly", expression="rate(1 hour)", parameters={"alpha": 1})
    with pytest.raises(InvalidArgumentError, match="'threshold'"):
        schedules.create("nightly", expression="rate(1 hour)", parameters={"threshold": "high"})
    with pytest.raises(NotFoundError):
        schedules.create("no-such-pipeline", expression="rate(1 hour)")
    schedules.delete(daily.id)
    assert schedules.list_triggers("nightly") == []
    with pytest.raises(NotFoundError):
        schedules.get(daily.id)


def test_deleting_the_pipeline_deletes_its_schedules(studio: Studio) -> None:
    studio.pipelines.upsert(_document("short-lived"))
    schedules = PipelineSchedules(studio)
    schedules.create("short-lived", expression="rate(1 day)")
    studio.pipelines.delete("short-lived")
    assert schedules.list_triggers() == []
    assert schedules.due(datetime.now(timezone.utc) + timedelta(days=1)) == []


async def test_schedules_over_rest(call: Any) -> None:
    assert (await call("POST", "pipelines", body=_document("rest-sched")))[0] == 201
    status, created = await call(
        "POST",
        "pipelines",
        "rest-sched",
        "schedules",
        body={"expression": "cron(0 3 * * ? *)", "parameters": {"threshold": 1.5}},
    )
    assert status == 201, created
    assert created["kind"] == "Schedule" and created["pipeline"] == "rest-sched"
    assert created["next_fire_time"].endswith(("03:00:00Z", "03:00:00+00:00"))
    assert created["fires"] == [] and created["last_fire"] is None
    path = ("pipelines", "rest-sched", "schedules", created["id"])
    status, listed = await call("GET", "pipelines", "rest-sched", "schedules")
    assert status == 200 and [s["id"] for s in listed["items"]] == [created["id"]]
    status, updated = await call("PATCH", *path, body={"enabled": False})
    assert status == 200 and updated["enabled"] is False and updated["next_fire_time"] is None
    assert (await call("GET", *path))[1]["parameters"] == {"threshold": 1.5}

    # bad input: a 400 naming what is wrong, never a 500
    status, error = await call(
        "POST", "pipelines", "rest-sched", "schedules", body={"expression": "cron(0 3 * *)"}
    )
    assert status == 400 and "cron(0 3 * *)" in error["error"]["message"]
    status, error = await call("PATCH", *path, body={"parameters": {"nope": 1}})
    assert status == 400 and "'nope'" in error["error"]["message"]
    status, error = await call(
        "POST", "pipelines", "rest-sched", "schedules", body={"kind": "Weekly"}
    )
    assert status == 400
    status, error = await call(
        "POST", "pipelines", "rest-sched", "schedules", body={"kind": "ModelApproved"}
    )
    assert status == 400 and "source" in error["error"]["message"]
    assert (await call("GET", "pipelines", "ghost", "schedules"))[0] == 404
    assert (await call("GET", "pipelines", "rest-sched", "schedules", "nope"))[0] == 404

    assert (await call("DELETE", *path))[0] == 204
    assert (await call("GET", *path))[0] == 404
