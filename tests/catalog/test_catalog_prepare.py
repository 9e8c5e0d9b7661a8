"""The launch's child process (``catalog/prepare.py``): the data recipe and ``build``
run in the project folder; a failure names its stage and the entry's own line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from jupyter_mlstudio.catalog.entries import BUILTIN


def _prepare(folder: Path, parameters: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    output = folder.parent / "result.json"
    command = [sys.executable, "-m", "jupyter_mlstudio.catalog.prepare", str(folder)]
    done = subprocess.run(
        [*command, json.dumps(parameters), str(output)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return done.returncode, json.loads(output.read_text())


def test_churn_with_tuning_builds_a_tuning_step(tmp_path: Path) -> None:
    folder = tmp_path / "churn-project"
    shutil.copytree(BUILTIN / "customer-churn", folder)
    code, result = _prepare(folder, {"tune": True, "trials": 2, "project": "churn-project"})
    assert code == 0, result
    assert (folder / "data" / "churn.csv").is_file()
    document = result["document"]
    assert document["name"] == "churn-project"
    steps = {s["name"]: s for s in document["steps"]}
    train = steps["train"]
    assert train["type"] == "Tuning"
    assert train["arguments"]["objective_metric"] == "validation:roc_auc"
    assert train["arguments"]["max_trials"] == 2
    # the Python steps are the project's own steps.py
    assert steps["evaluate"]["arguments"]["file"] == str(folder / "steps.py")
    assert [p["name"] for p in document["parameters"]] == ["min_auc"]


def test_failing_build_names_its_stage_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(BUILTIN / "customer-churn", folder)
    (folder / "pipeline.py").write_text("def build(parameters):\n    return parameters['nope']\n")
    code, result = _prepare(folder, {"project": "broken"})
    assert code == 1
    assert result["stage"] == "build"
    assert result["error"] == "KeyError: 'nope' (pipeline.py, line 2)"
