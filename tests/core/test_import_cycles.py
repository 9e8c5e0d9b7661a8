"""The core has no import circle between feature packages (scripts/import_cycles.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
