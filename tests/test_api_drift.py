"""Generated API artefacts are committed; these fail when they drift from the models."""

from __future__ import annotations

import json
import shlex
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
    """Run package.json's generate:api command into a temp file and compare."""
    cli = ROOT / "node_modules" / ".bin" / "openapi-typescript"
    assert cli.exists(), "node_modules missing: run `jlpm install` (make test does)"
    assert shutil.which("node"), "node is needed for this check"
    script = json.loads((ROOT / "package.json").read_text())["scripts"]["generate:api"]
    out = tmp_path / "schema.ts"
    args = shlex.split(script.replace("src/api/schema.ts", str(out)))
    assert args[0] == "openapi-typescript"
    assert str(out) in args
    subprocess.run([str(cli), *args[1:]], cwd=ROOT, check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == TS_TYPES.read_text(encoding="utf-8"), (
        "src/api/schema.ts is stale: run `make api`"
    )
