"""A private catalog configured as ``c.MLStudio.catalogs`` (the server's setting, not the
environment) appears in the listing with its source, and its entry launches."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from catalog_test_entries import write_tiny_entry

from jupyter_mlstudio.catalog.entries import CATALOGS_ENV

if TYPE_CHECKING:
    from conftest import Call


@pytest.fixture
def configured_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hub = tmp_path / "ml-team-hub"
    write_tiny_entry(hub, "team-counter")
    # the server exports the setting to the environment; the test's teardown restores it
    monkeypatch.setenv(CATALOGS_ENV, "")
    return hub


@pytest.fixture
def jp_server_config(configured_hub: Path) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}},
        "MLStudio": {"catalogs": [str(configured_hub)]},
    }


async def test_configured_private_catalog_lists_and_launches(
    configured_hub: Path, call: Call, jp_root_dir: Path
) -> None:
    status, listing = await call("GET", "catalog")
    assert status == 200
    entry = next(e for e in listing["entries"] if e["name"] == "team-counter")
    assert entry["source"] == "ml-team-hub"
    assert any(s["name"] == "ml-team-hub" and not s["builtin"] for s in listing["sources"])

    status, launch = await call("POST", "catalog", "team-counter", "launch", body={})
    assert status == 202, launch
    for _ in range(480):
        status, launch = await call("GET", "catalog", "launches", launch["id"])
        if launch["status"] in ("Completed", "Failed"):
            break
        await asyncio.sleep(0.25)
    assert launch["status"] == "Completed", launch
    assert (jp_root_dir / "team-counter" / "data" / "rows.csv").is_file()
