"""scripts/quietly.sh runs the install and build steps of `make lab` and `make test`: a
failing step must stop make (it once exited 0 after printing "failed", which hid a broken
install)."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "quietly.sh"


def _run(tmp_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    log = tmp_path / "step.log"
    return subprocess.run(
        ["bash", str(SCRIPT), "a step", str(log), *command],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_failing_step_keeps_its_exit_status_and_shows_its_log(tmp_path: Path) -> None:
    result = _run(tmp_path, "bash", "-c", "echo the reason; exit 3")
    assert result.returncode == 3
    assert "failed: a step" in result.stderr
    assert "the reason" in result.stderr


def test_a_passing_step_is_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "bash", "-c", "echo noise")
    assert result.returncode == 0
    assert result.stdout.strip() == f"a step (log: {tmp_path / 'step.log'})"
    assert (tmp_path / "step.log").read_text() == "noise\n"
