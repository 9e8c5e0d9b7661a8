"""``jupyter mlstudio catalog list|launch``."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlstudio.cli import main


def test_list_and_launch_from_the_cli(
    team_catalog: Path,
    jupyter_root: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["catalog", "list", "--task", "regression"]) == 0
    out, err = capsys.readouterr()
    assert "tiny-team" in out and "[team-hub]" in out and "customer-churn" not in out
    assert "broken-entry/manifest.yaml" in err

    monkeypatch.chdir(jupyter_root)
    code = main(["catalog", "launch", "tiny-team", "--param", "rows=7", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Completed: tiny-team" in out and "notebook: tiny-team/tiny.ipynb" in out

    assert main(["catalog", "launch", "tiny-team", "--param", "fail=true", "--no-progress"]) == 1
    assert "failed at step 'check'" in capsys.readouterr().err
    assert main(["catalog", "launch", "tiny-team", "--param", "rows"]) == 2
    assert main(["catalog", "launch", "tiny-team", "--param", "rows=-1"]) == 1
    assert "'rows' must be at least 1" in capsys.readouterr().err
