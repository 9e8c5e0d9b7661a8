"""The built-in entries ship in the wheel: every manifest and every asset it names (YAML,
notebooks, flows, model folders, examples) is among the files hatchling packs."""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

from jupyter_mlstudio.catalog.entries import BUILTIN
from jupyter_mlstudio.catalog.manifest import parse_manifest

ROOT = Path(__file__).resolve().parents[2]


def test_builtin_entries_are_package_data() -> None:
    packed = {
        Path(f.distribution_path).as_posix()
        for f in WheelBuilder(str(ROOT)).recurse_included_files()
    }
    for manifest_path in sorted(BUILTIN.glob("*/manifest.yaml")):
        folder = manifest_path.parent
        relative = folder.relative_to(ROOT).as_posix()
        assert f"{relative}/manifest.yaml" in packed
        manifest = parse_manifest(manifest_path.read_text())
        for asset in manifest.assets.model_dump().values():
            if asset is None:
                continue
            path = folder / asset
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            for file in files:
                if "__pycache__" in file.parts:
                    continue
                assert file.relative_to(ROOT).as_posix() in packed, file
