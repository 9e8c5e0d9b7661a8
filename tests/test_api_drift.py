"""Generated API artefacts are committed; these fail when they drift from the models."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from jupyter_mlstudio.api.openapi import SPEC_PATH, render_openapi

ROOT = Path(__file__).resolve().parent.parent
TS_TYPES = ROOT / "src" / "api" / "schema.ts"


def test_openapi_json_is_up_to_date() -> None:
    assert SPEC_PATH.read_text(encoding="utf-8") == render_openapi(), (
        "jupyter_mlstudio/openapi.json is stale: run `make api`"
    )


def test_typescript_types_are_up_to_date(tmp_path: Path) -> None:
    """Regenerate src/api/schema.ts into a temp file with openapi-typescript and compare."""
    cli = ROOT / "node_modules" / ".bin" / "openapi-typescript"
    assert cli.exists(), "node_modules missing: run `jlpm install` (make test does)"
    node = shutil.which("node")
    assert node, "node is needed for this check"
    out = tmp_path / "schema.ts"
    subprocess.run(
        [str(cli), str(SPEC_PATH), "-o", str(out)], cwd=ROOT, check=True, capture_output=True
    )
    assert out.read_text(encoding="utf-8") == TS_TYPES.read_text(encoding="utf-8"), (
        "src/api/schema.ts is stale: run `make api`"
    )
