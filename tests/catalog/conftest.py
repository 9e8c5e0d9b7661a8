"""Fixtures of the catalog tests: a private catalog folder with a tiny custom solution
(a seeded CSV and a one-step pipeline that takes a few seconds), and the server config
of the REST tests."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from catalog_test_entries import write_tiny_entry

from jupyter_mlstudio.catalog.entries import CATALOGS_ENV
from jupyter_mlstudio.config import SERVER_ROOT_ENV, StudioConfig
from jupyter_mlstudio.studio import Studio


@pytest.fixture
def team_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private catalog folder (configured through MLSTUDIO_CATALOGS) with the tiny
    entry and one malformed entry."""
    catalog = tmp_path / "team-hub"
    write_tiny_entry(catalog)
    broken = catalog / "broken-entry"
    broken.mkdir()
    (broken / "manifest.yaml").write_text(
        textwrap.dedent(
            """\
            format: mlstudio.catalog-entry
            name: broken-entry
            kind: solution
            title: Broken
            task: telepathy
            colour: blue
            assets: {pipeline: pipeline.py}
            """
        )
    )
    monkeypatch.setenv(CATALOGS_ENV, str(catalog))
    return catalog


@pytest.fixture
def jupyter_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where launches make their project folders (the server's root for the SDK)."""
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))
    return root


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """The REST tests of the catalog run our server extension."""
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}}}


@pytest.fixture
def no_endpoint_left_behind(mlstudio_home: Path) -> Iterator[None]:
    """After the test, kill every endpoint process its store still records (a failed test
    must not leave serving processes behind)."""
    yield
    studio = Studio(StudioConfig.resolve(home=mlstudio_home))
    try:
        for endpoint in studio.endpoints.store.all():
            if endpoint.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(endpoint.pid, signal.SIGKILL)
    finally:
        studio.close()
