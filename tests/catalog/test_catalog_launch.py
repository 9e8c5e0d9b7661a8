"""Launching: a private catalog's custom entry launches end to end; an existing folder
is never overwritten; a failing launch names the step that failed and why and leaves
what it made; bad parameters and the wrong kind are refused before anything is made."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import jupyter_mlstudio as mls
from jupyter_mlstudio.catalog.launcher import project_folder
from jupyter_mlstudio.errors import ConflictError, InvalidArgumentError, NotFoundError
from jupyter_mlstudio.studio import default_studio


def test_private_entry_launches_end_to_end(team_catalog: Path, jupyter_root: Path) -> None:
    handle = mls.catalog.launch("tiny-team", {"rows": 25})
    assert handle.launch.status in ("Preparing", "Running", "Completed")
    launch = handle.wait(timeout=120)
    assert launch.status == "Completed", (launch.failed_step, launch.error)
    folder = jupyter_root / "tiny-team"
    assert launch.folder == "tiny-team" and handle.folder == folder
    assert (folder / "data" / "rows.csv").is_file() and (folder / "manifest.yaml").is_file()
    assert launch.notebook == "tiny-team/tiny.ipynb"
    assert launch.parameters == {"rows": 25, "fail": False}
    steps = handle.execution.steps() if handle.execution else []
    assert [(s.name, s.status, s.outputs.get("rows")) for s in steps] == [
        ("check", "Succeeded", 25)
    ]
    assert launch.pipeline_name == "tiny-team" and launch.finished is not None
    assert [item.id for item in mls.catalog.launches()] == [launch.id]
    # what the server's change watcher announces as catalog-launches events
    records = default_studio().catalog.launcher.records
    assert [c[0] for c in records.changed_since(launch.created)] == [launch.id]
    assert records.changed_since(datetime.now(UTC) + timedelta(seconds=5)) == []


def test_launch_into_existing_folder_picks_a_new_name(
    team_catalog: Path, jupyter_root: Path
) -> None:
    mine = jupyter_root / "tiny-team"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own work")
    first = mls.catalog.launch("tiny-team")
    second = mls.catalog.launch("tiny-team")
    assert (first.launch.folder, second.launch.folder) == ("tiny-team-2", "tiny-team-3")
    for handle in (first, second):
        assert handle.wait(timeout=120).status == "Completed"
    assert (mine / "notes.txt").read_text() == "my own work"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    # an explicit folder name is a base too
    third = mls.catalog.launch("tiny-team", folder="projects/tiny")
    assert third.launch.folder == "projects/tiny"
    assert third.wait(timeout=120).status == "Completed"
    assert mls.catalog.launch("tiny-team", folder="projects/tiny").launch.folder == (
        "projects/tiny-2"
    )


def test_failing_launch_names_the_step_and_keeps_what_it_made(
    team_catalog: Path, jupyter_root: Path
) -> None:
    handle = mls.catalog.launch("tiny-team", {"fail": True})
    with pytest.raises(mls.catalog.LaunchFailedError, match="failed at step 'check'"):
        handle.wait(timeout=120)
    launch = handle.launch
    assert launch.status == "Failed" and launch.failed_step == "check"
    assert "the rows did not pass the check" in (launch.error or "")
    assert (jupyter_root / launch.folder / "data" / "rows.csv").is_file()  # left in place
    assert launch.execution_id is not None


def test_failing_data_recipe_is_the_data_step(team_catalog: Path, jupyter_root: Path) -> None:
    recipe = team_catalog / "tiny-team" / "data.py"
    recipe.write_text(recipe.read_text() + "\n\ndef generate(folder, **kw):\n    1 / 0\n")
    launch = mls.catalog.launch("tiny-team").wait(timeout=60, check=False)
    assert (launch.status, launch.failed_step) == ("Failed", "data")
    assert "ZeroDivisionError" in (launch.error or "") and "data.py" in (launch.error or "")
    assert launch.execution_id is None


def test_refused_before_anything_is_made(team_catalog: Path, jupyter_root: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="'rows' must be at most 1000"):
        mls.catalog.launch("tiny-team", {"rows": 5000})
    with pytest.raises(InvalidArgumentError, match="has no parameter 'colour'"):
        mls.catalog.launch("tiny-team", {"colour": "blue"})
    with pytest.raises(ConflictError, match="pre-built model"):
        mls.catalog.launch("breast-cancer-classifier")
    with pytest.raises(NotFoundError, match="no entry 'nope'"):
        mls.catalog.launch("nope")
    with pytest.raises(InvalidArgumentError, match="must be a folder name under the root"):
        mls.catalog.launch("tiny-team", folder="../outside")
    assert list(jupyter_root.iterdir()) == []
    assert mls.catalog.launches() == []


def test_launch_of_a_dead_process_is_failed_when_read(
    team_catalog: Path, jupyter_root: Path
) -> None:
    service = default_studio().catalog
    handle = mls.catalog.launch("tiny-team")
    handle.wait(timeout=120)
    records = service.launcher.records
    stale = records.get(handle.id)
    stale.status, stale.owner_pid, stale.finished = "Running", 2**22 + 12345, None
    records.save(stale)
    seen = service.get_launch(handle.id)
    assert seen.status == "Failed" and "exited before it finished" in (seen.error or "")


def test_project_folder_numbering(tmp_path: Path) -> None:
    assert project_folder(tmp_path, "a").name == "a"
    assert project_folder(tmp_path, "a").name == "a-2"
    (tmp_path / "a-3").write_text("a file, not a folder")
    assert project_folder(tmp_path, "a").name == "a-4"
    assert os.listdir(tmp_path / "a") == []
