"""One home per concept: a shared rule is imported from the module that owns it, never
from a second module that passes it on (a re-export lets importers drift apart)."""

from __future__ import annotations

import ast
from pathlib import Path

import jupyter_mlstudio

PACKAGE = Path(jupyter_mlstudio.__file__).parent


def _reexports(owner: str) -> dict[str, list[str]]:
    """Modules that import names from the module ``owner`` and list them in ``__all__``."""
    found: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.asname or alias.name
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == owner
            for alias in node.names
        }
        exported: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
            ):
                exported |= {ast.literal_eval(e) for e in getattr(node.value, "elts", [])}
        if imported & exported:
            found[path.relative_to(PACKAGE).as_posix()] = sorted(imported & exported)
    return found


def test_the_data_file_rules_are_imported_from_data_files_only() -> None:
    assert _reexports("data_files") == {}
