"""A step's retry policy (attempts after a backoff) and its timeout."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from jupyter_mlstudio.pipelines import Pipeline, step
from jupyter_mlstudio.studio import Studio

sys.path.insert(0, str(Path(__file__).parent))
import pipeline_step_functions as fns


def test_a_failed_attempt_is_retried_after_the_backoff(studio: Studio, tmp_path: Path) -> None:
    marker = tmp_path / "fail-once"
    marker.write_text("x")
    flaky = step(fns.fails_once, outputs={"value": int})
    retried = flaky(
        name="flaky", marker=str(marker), retry={"max_attempts": 2, "backoff_seconds": 1.0}
    )
    started = time.monotonic()
    handle = Pipeline("retry-policy", steps=[retried]).run(studio=studio, base_dir=tmp_path)
    assert handle.wait(timeout=120).status == "Succeeded"
    result = handle.step("flaky")
    assert result.attempts == 2 and result.outputs["value"] == 7
    assert time.monotonic() - started >= 1.0  # the backoff was waited


def test_a_step_past_its_timeout_fails(studio: Studio, tmp_path: Path) -> None:
    stamp = step(fns.stamp, outputs={"seconds": float})
    slow = stamp(
        name="slow", label="slow", log=f"log:{tmp_path / 't.jsonl'}", seconds=30, timeout_seconds=1
    )
    handle = Pipeline("timeout", steps=[slow]).run(studio=studio, base_dir=tmp_path)
    execution = handle.wait(timeout=60, check=False)
    assert execution.status == "Failed"
    assert "timeout" in (handle.step("slow").error or "")
