"""``python -m jupyter_mlstudio.catalog.prepare FOLDER PARAMETERS_JSON OUTPUT_JSON``: the
part of a launch that runs the entry's own code, in a child process whose working
directory is the project folder (the server's ``sys.path``, ``sys.modules`` and working
directory stay untouched, and two launches never share a ``steps`` module).

It runs the data recipe (``generate(folder, seed=0, **parameters)``), then the pipeline
asset — ``build(parameters)`` of a ``.py`` file, or a ``.pipeline`` document as it is —
and writes ``{"document": ...}`` to OUTPUT_JSON. A failure writes ``{"stage": "data" |
"build", "error": "..."}`` and exits 1.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from .manifest import MANIFEST_FILE, parse_manifest


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _error_text(exc: BaseException) -> str:
    """The exception and the last frame of the entry's own code that raised it."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if "jupyter_mlstudio" not in f.filename
    ]
    where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def prepare(folder: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    manifest = parse_manifest((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    sys.path.insert(0, str(folder))
    recipe = manifest.assets.data_recipe
    if recipe is not None:
        try:
            module = _load_module(folder / recipe, "mlstudio_catalog_data")
            module.generate(folder, seed=0, **parameters)
        except BaseException as exc:
            return {"stage": "data", "error": _error_text(exc)}
    asset = manifest.assets.pipeline
    if asset is None:
        return {"document": None}
    try:
        if asset.endswith(".py"):
            module = _load_module(folder / asset, "mlstudio_catalog_pipeline")
            pipeline = module.build(dict(parameters))
            document = pipeline.definition()
        else:
            document = json.loads((folder / asset).read_text(encoding="utf-8"))
    except BaseException as exc:
        return {"stage": "build", "error": _error_text(exc)}
    return {"document": document}


def main(argv: list[str]) -> int:
    folder, parameters, output = Path(argv[0]).resolve(), json.loads(argv[1]), Path(argv[2])
    result = prepare(folder, parameters)
    output.write_text(json.dumps(result))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
