"""``jupyter mlstudio db …`` on real database files."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from jupyter_mlstudio.cli import main
from jupyter_mlstudio.store.db import Database, head_revision


def test_db_upgrade_creates_and_reports(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    uri = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--store-uri", uri]) == 0
    assert f"to {head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--store-uri", uri]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["db", "current", "--store-uri", uri]) == 0
    assert head_revision() in capsys.readouterr().out
    Database(uri).dispose()  # the upgraded database is accepted


def test_db_upgrade_after_refusal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.db"
    Database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM alembic_version")  # tables present, revision lost
    assert main(["db", "current", "--store-uri", f"sqlite:///{path}"]) == 0
    assert "(empty)" in capsys.readouterr().out


def test_bad_uri_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["db", "current", "--store-uri", "nosuchdialect://"]) == 1
    assert "error:" in capsys.readouterr().err


def test_openapi_command_prints_the_document(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out)["openapi"].startswith("3.1")


def test_runs_as_a_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_mlstudio.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "db upgrade" in out.stdout


def test_gc_empties_the_trash(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import jupyter_mlstudio as mls

    (tmp_path / "a.txt").write_text("x")
    with mls.start_run("gc") as keep:
        keep.log_artifact(tmp_path / "a.txt")
    with mls.start_run("gc") as trash:
        trash.log_artifact(tmp_path / "a.txt")
    trashed_dir = Path(mls.get_run(trash.id).artifact_uri.removeprefix("file://"))
    assert trashed_dir.exists()
    mls.studio().experiments.delete_run(trash.id)

    assert main(["gc", "--dry-run"]) == 0
    assert "Would delete 1" in capsys.readouterr().out
    assert trashed_dir.exists()
    assert main(["gc", "--older-than-days", "1"]) == 0  # trashed just now: too young
    assert "Deleted 0" in capsys.readouterr().out
    assert main(["gc"]) == 0
    assert "Deleted 1" in capsys.readouterr().out
    assert not trashed_dir.exists()
    assert mls.get_run(keep.id).status == "FINISHED"
    assert mls.search_runs("gc", output="list")[0].id == keep.id
