"""Cache keys follow content: a script's edit, an input file's change or a library version
change the key; an expired result is not reused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyter_mlstudio.pipelines import Pipeline, caching, step
from jupyter_mlstudio.studio import Studio

sys.path.insert(0, str(Path(__file__).parent))
import pipeline_step_functions as fns


def test_cache_key_follows_contents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = tmp_path / "prep.py"
    code.write_text("print(1)\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x\n1\n")
    arguments = {"code": "prep.py", "inputs": {"raw": str(data)}, "arguments": ["--n", "3"]}
    key = caching.cache_key("Processing", arguments, tmp_path)
    assert caching.cache_key("Processing", dict(arguments), tmp_path) == key
    assert caching.cache_key("Training", arguments, tmp_path) != key
    assert caching.cache_key("Processing", arguments | {"arguments": ["--n", "4"]}, tmp_path) != key

    code.write_text("print(2)\n")  # the script was edited
    edited = caching.cache_key("Processing", arguments, tmp_path)
    assert edited != key
    (data / "b.csv").write_text("x\n2\n")  # a file added to the input folder
    grown = caching.cache_key("Processing", arguments, tmp_path)
    assert grown != edited
    # moving identical content elsewhere keeps the key: it is content, not location
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "a.csv").write_text("x\n1\n")
    (moved / "b.csv").write_text("x\n2\n")
    assert (
        caching.cache_key("Processing", arguments | {"inputs": {"raw": str(moved)}}, tmp_path)
        == grown
    )

    caching.library_versions.cache_clear()
    monkeypatch.setattr(caching, "library_versions", lambda: {"python": "0.0"})
    assert caching.cache_key("Processing", arguments, tmp_path) != grown


def test_expired_results_are_not_reused(studio: Studio, tmp_path: Path) -> None:
    total = step(fns.total, outputs={"sum": float}, cache={"expire_after_seconds": 0})
    kept = step(fns.total, outputs={"sum": float})
    pipeline = Pipeline(
        "expiry", steps=[total(name="expiring", a=1, b=2), kept(name="kept", a=1, b=3)]
    )
    first = pipeline.run(studio=studio, base_dir=tmp_path)
    assert first.wait(timeout=120).status == "Succeeded"
    second = pipeline.run(studio=studio, base_dir=tmp_path)
    assert second.wait(timeout=120).status == "Succeeded"
    statuses = {s.name: s.status for s in second.steps()}
    assert statuses == {"expiring": "Succeeded", "kept": "Cached"}
