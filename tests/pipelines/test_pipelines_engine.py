"""The engine on a real studio: steps are real job processes; parallel branches overlap
in time, conditions skip a branch, a second run is all Cached, a changed parameter reruns
only what depends on it, a failing step is retried from where it failed."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from jupyter_mlstudio.pipelines import (
    Condition,
    ConditionStep,
    FailStep,
    JsonGet,
    ParameterFloat,
    Pipeline,
    step,
)
from jupyter_mlstudio.pipelines.handle import ExecutionHandle, PipelineFailedError
from jupyter_mlstudio.studio import Studio

sys.path.insert(0, str(Path(__file__).parent))
import pipeline_step_functions as fns

stamp = step(fns.stamp, outputs={"seconds": float})
total = step(fns.total, outputs={"sum": float, "report": "Json"})
flaky = step(fns.flaky, outputs={"value": int})


def _statuses(handle: ExecutionHandle) -> dict[str, str]:
    return {s.name: s.status for s in handle.steps()}


def _dag(log: Path, pause: float = 1.5) -> Pipeline:
    a = ParameterFloat("a", default=1.0)
    left = stamp(name="left", label="left", log=f"log:{log}", seconds=pause)
    right = stamp(name="right", label="right", log=f"log:{log}", seconds=pause)
    joined = total(name="join", a=left.outputs["seconds"], b=a)
    check = ConditionStep(
        "check",
        [Condition.ge(JsonGet(joined, "report", "metrics.auc"), 0.6)],
        if_steps=[stamp(name="good", label="good", log=f"log:{log}", seconds=0.0)],
        else_steps=[FailStep("bad", "auc too low")],
        depends_on=[right],
    )
    return Pipeline("dag", steps=[left, right, joined, check], parameters=[a], max_parallel=4)


def test_parallel_branches_condition_and_cache(studio: Studio, tmp_path: Path) -> None:
    log = tmp_path / "times.jsonl"
    pipeline = _dag(log)
    handle = pipeline.run(studio=studio, base_dir=tmp_path)
    execution = handle.wait(timeout=120)
    assert execution.status == "Succeeded", execution.failure_reason
    statuses = _statuses(handle)
    assert statuses == {
        "left": "Succeeded",
        "right": "Succeeded",
        "join": "Succeeded",
        "check": "Succeeded",
        "good": "Succeeded",
        "bad": "Skipped",
    }
    times = {r["name"]: r for r in map(json.loads, log.read_text().splitlines())}
    # the two branches ran at the same time
    assert times["left"]["start"] < times["right"]["end"]
    assert times["right"]["start"] < times["left"]["end"]
    join = handle.step("join")
    assert join.outputs["sum"] == 2.5 and join.metrics["sum"] == 2.5
    assert handle.step("check").properties == {"Outcome": True}

    # the same run again: every job step Cached, from the first execution, fast
    started = time.monotonic()
    again = pipeline.run(studio=studio, base_dir=tmp_path)
    assert again.wait(timeout=60).status == "Succeeded"
    elapsed = time.monotonic() - started
    steps = {s.name: s for s in again.steps()}
    for name in ("left", "right", "join", "good"):
        assert steps[name].status == "Cached", name
        assert steps[name].cache_source == handle.id
    assert elapsed < 2.0, elapsed

    # a changed parameter reruns only what depends on it
    changed = pipeline.run(parameters={"a": 5.0}, studio=studio, base_dir=tmp_path)
    assert changed.wait(timeout=120).status == "Succeeded"
    assert _statuses(changed) == {
        "left": "Cached",
        "right": "Cached",
        "join": "Succeeded",
        "check": "Succeeded",
        "good": "Cached",
        "bad": "Skipped",
    }


def test_failing_step_then_retry_reruns_it_and_downstream(studio: Studio, tmp_path: Path) -> None:
    log = tmp_path / "times.jsonl"
    marker = tmp_path / "broken"
    marker.write_text("x")
    before = stamp(name="before", label="before", log=f"log:{log}", seconds=0.0)
    broken = flaky(name="flaky", marker=str(marker), depends_on=[before], cache=False)
    after = total(name="after", a=broken.outputs["value"], b=1)
    pipeline = Pipeline("retry-me", steps=[before, broken, after])
    handle = pipeline.run(studio=studio, base_dir=tmp_path)
    with pytest.raises(PipelineFailedError, match="flaky step failed on purpose"):
        handle.wait(timeout=120)
    assert _statuses(handle) == {"before": "Succeeded", "flaky": "Failed", "after": "Stopped"}
    marker.unlink()  # the fix
    retried = handle.retry()
    assert retried.wait(timeout=120).status == "Succeeded"
    steps = {s.name: s for s in retried.steps()}
    assert steps["before"].status == "Succeeded"
    assert steps["before"].cache_source == handle.id  # reused, not rerun
    assert steps["before"].job_id == handle.step("before").job_id
    assert steps["flaky"].status == "Succeeded" and steps["after"].status == "Succeeded"
    assert len(log.read_text().splitlines()) == 1  # 'before' ran once in all


def test_stop_ends_running_steps(studio: Studio, tmp_path: Path) -> None:
    slow = stamp(name="slow", label="slow", log=f"log:{tmp_path / 't.jsonl'}", seconds=30)
    handle = Pipeline("stoppable", steps=[slow]).run(studio=studio, base_dir=tmp_path)
    deadline = time.monotonic() + 30
    while handle.step("slow").status != "Running" and time.monotonic() < deadline:
        time.sleep(0.1)
    handle.stop()
    execution = handle.wait(timeout=60, check=False)
    assert execution.status == "Stopped"
    step_ = handle.step("slow")
    assert step_.status == "Stopped"
    assert step_.job_id is not None
    job = studio.jobs.wait(step_.job_id, timeout=30)
    assert job.status == "Stopped"
