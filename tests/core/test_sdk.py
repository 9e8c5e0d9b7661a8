"""The SDK users type: ``import jupyter_mlstudio as mls``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_mlstudio as mls


def test_sdk_round_trip(mlstudio_home: Path) -> None:
    exp = mls.create_experiment("churn", description="who leaves", tags={"team": "growth"})
    assert mls.get_experiment("churn") == exp
    assert [e.name for e in mls.list_experiments()] == ["churn"]
    renamed = mls.update_experiment("churn", new_name="churn-v2")
    assert renamed.id == exp.id
    mls.delete_experiment("churn-v2")
    assert mls.list_experiments() == []
    assert (mlstudio_home / "mlstudio.db").exists()  # the embedded default under MLSTUDIO_HOME


def test_sdk_errors_are_typed() -> None:
    mls.create_experiment("a")
    with pytest.raises(mls.AlreadyExistsError):
        mls.create_experiment("a")
    with pytest.raises(mls.NotFoundError):
        mls.get_experiment("missing")
    with pytest.raises(mls.InvalidArgumentError):
        mls.create_experiment("")
    assert issubclass(mls.NotFoundError, mls.MLStudioError)


def test_list_follows_pages() -> None:
    for i in range(1005):
        mls.studio().experiments.create_experiment(f"e{i}")
    assert len(mls.list_experiments()) == 1005


def test_store_uri_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("MLSTUDIO_STORE_URI", f"sqlite:///{other}")
    mls.configure()
    mls.create_experiment("x")
    assert other.exists()


def test_configure_points_at_another_store(tmp_path: Path) -> None:
    studio = mls.configure(store_uri=f"sqlite:///{tmp_path / 'b.db'}")
    mls.create_experiment("only-here")
    assert studio.experiments.get_experiment_by_name("only-here")
    mls.configure(store_uri=f"sqlite:///{tmp_path / 'c.db'}")
    assert mls.list_experiments() == []


def test_sdk_import_does_not_load_the_server() -> None:
    code = (
        "import sys, jupyter_mlstudio; "
        "print('tornado' in sys.modules, 'jupyter_server' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
