"""The core has no import circle between feature packages (scripts/import_cycles.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import jupyter_mlstudio

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import_cycles.py"


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_no_import_circle_between_feature_packages() -> None:
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "between" not in result.stdout


def test_a_circle_between_packages_fails_and_type_checking_imports_do_not_count(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    for folder in (package, package / "jobs", package / "registry"):
        folder.mkdir()
        (folder / "__init__.py").write_text("")
    (package / "jobs" / "a.py").write_text("from ..registry.b import x\n")
    b = package / "registry" / "b.py"
    b.write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ..jobs.a import y\nx = 1\n"
    )
    assert _check(str(package)).returncode == 0

    b.write_text("from ..jobs import a\nx = 1\n")
    result = _check(str(package))
    assert result.returncode == 1
    assert "between jobs, registry" in result.stdout
    assert "pkg.jobs.a" in result.stdout and "pkg.registry.b" in result.stdout


# The SDK is a front: the package's __init__ and the magics present it; nothing below
# them imports it (not even inside a function), so core logic never depends on it.
SDK_FRONTS = {"__init__.py", "magics.py"}


def test_no_core_module_imports_the_sdk() -> None:
    package = Path(jupyter_mlstudio.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if str(relative) in SDK_FRONTS or relative.name == "sdk.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                depth = len(relative.parts) - 1  # how many dots reach the package
                names = {node.module or ""} | {f"{node.module}.{a.name}" for a in node.names}
                if node.level == 0:
                    hit = any(n.startswith("jupyter_mlstudio.sdk") for n in names)
                else:
                    hit = node.level == depth + 1 and (
                        node.module == "sdk"
                        or (node.module is None and any(a.name == "sdk" for a in node.names))
                    )
                if hit:
                    offenders.append(f"{relative}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(
                a.name.startswith("jupyter_mlstudio.sdk") for a in node.names
            ):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []
