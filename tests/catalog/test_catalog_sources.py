"""Loading catalogs: the built-in one, configured folders and fsspec URLs; a malformed
entry is listed with its error while the rest load."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import fsspec
import pytest
from catalog_test_entries import write_tiny_entry

import jupyter_mlstudio as mls
from jupyter_mlstudio.catalog.entries import CATALOGS_ENV, Catalog, configured_locations
from jupyter_mlstudio.studio import default_studio


def test_builtin_catalog_has_churn_and_the_prebuilt_model(tmp_path: Path) -> None:
    listing = Catalog(cache_dir=tmp_path).load()
    names = {e.name: e for e in listing.entries}
    churn = names["customer-churn"]
    assert churn.source == "built-in" and churn.kind == "solution"
    assert churn.manifest.monitor and churn.manifest.endpoint_name == "churn"
    assert "# Customer churn prediction" in churn.readme()
    model = names["breast-cancer-classifier"]
    assert model.kind == "model" and model.manifest.metrics["validation:accuracy"] > 0.9
    assert model.input_example()["dataframe_split"]["columns"][0] == "mean_radius"
    assert not [e for e in listing.errors if e.path.startswith(("customer-churn", "breast"))]


def test_private_catalog_malformed_entry_is_listed_with_its_error(team_catalog: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = mls.catalog.list()
    names = {e.name: e for e in entries}
    assert names["tiny-team"].source == "team-hub"  # the folder's name
    assert "customer-churn" in names  # the built-in entries still load
    messages = [str(w.message) for w in caught]
    broken = [m for m in messages if "broken-entry/manifest.yaml" in m]
    assert broken and "task: Input should be" in broken[0] and "colour" in broken[0]

    listing = default_studio().catalog.listing()
    error = next(e for e in listing.errors if e.path == "broken-entry/manifest.yaml")
    assert error.source == "team-hub"
    assert [s.name for s in listing.sources][:2] == ["built-in", "team-hub"]


def test_filters_task_kind_and_words(team_catalog: Path) -> None:
    service = default_studio().catalog
    assert [e.name for e in service.listing(task="regression").entries] == ["tiny-team"]
    models = service.listing(kind="model").entries
    assert models and all(e.kind == "model" for e in models)
    assert [e.name for e in service.listing(query="TEAM tiny").entries] == ["tiny-team"]
    assert service.listing(query="no such words here").entries == []


def test_duplicate_name_and_missing_asset_are_errors(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    write_tiny_entry(hub, "customer-churn")  # a built-in name: the built-in one wins
    write_tiny_entry(hub, "no-notebook")
    (hub / "no-notebook" / "tiny.ipynb").unlink()
    listing = Catalog([str(hub)], cache_dir=tmp_path / "cache").load()
    churn = next(e for e in listing.entries if e.name == "customer-churn")
    assert churn.source == "built-in"
    messages = {e.path: e.message for e in listing.errors}
    assert "already taken by an entry of 'built-in'" in messages["customer-churn/manifest.yaml"]
    assert "assets.notebook: tiny.ipynb is missing" in messages["no-notebook/manifest.yaml"]
    assert "no-notebook" not in {e.name for e in listing.entries}


def test_unreachable_catalog_is_an_error_not_a_failure(tmp_path: Path) -> None:
    listing = Catalog([str(tmp_path / "nowhere")], cache_dir=tmp_path).load()
    assert any(e.source == "nowhere" and "not a folder" in e.message for e in listing.errors)
    assert any(e.name == "customer-churn" for e in listing.entries)


def test_fsspec_url_catalog_is_copied_and_loaded(tmp_path: Path) -> None:
    local = tmp_path / "hub"
    write_tiny_entry(local, "remote-tiny")
    fs = fsspec.filesystem("memory")
    fs.put(str(local) + "/", "/team-hub-test/", recursive=True)
    try:
        listing = Catalog(["memory://team-hub-test"], cache_dir=tmp_path / "cache").load()
        entry = next(e for e in listing.entries if e.name == "remote-tiny")
        assert entry.source == "team-hub-test"
        assert (entry.folder / "pipeline.py").is_file()  # a local copy to launch from
        assert str(entry.folder).startswith(str(tmp_path / "cache"))
    finally:
        fs.rm("/team-hub-test", recursive=True)


def test_configured_locations_merge_config_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv(CATALOGS_ENV, os.pathsep.join(["/a", "", "/b"]))
    assert configured_locations(["/c", "/a"]) == ["/c", "/a", "/b"]
    shutil.rmtree(tmp_path, ignore_errors=True)
