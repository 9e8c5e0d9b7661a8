"""Shared fixtures: every test gets its own MLSTUDIO_HOME and a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlstudio.config import ARTIFACT_URI_ENV, HOME_ENV, STORE_URI_ENV
from jupyter_mlstudio.studio import close_default

# Real Jupyter servers for the handler tests (jp_fetch, jp_serverapp).
pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(autouse=True)
def mlstudio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "mlstudio-home"
    monkeypatch.setenv(HOME_ENV, str(home))
    for var in (STORE_URI_ENV, ARTIFACT_URI_ENV):
        # setenv first so teardown also removes what a server started by the test set
        # (the extension exports its store to the kernels it starts)
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)
    yield home
    close_default()
