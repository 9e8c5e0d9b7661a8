"""The script a Python step's processing job runs: import the function from its file,
call it with the step's keyword arguments, and write its return values as the step's
outputs (``outputs.json`` in the ``result`` output folder; File outputs copied beside it).

``python python_step.py FILE FUNCTION KWARGS_JSON OUTPUTS_JSON``
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

RESULT_ENV = "MLSTUDIO_OUTPUT_RESULT"


def _plain(value: Any) -> Any:
    """JSON-able: numpy scalars and arrays, pandas objects, paths."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _split(result: Any, outputs: list[dict[str, str]]) -> dict[str, Any]:
    names = [o["name"] for o in outputs]
    if not names:
        return {}
    if len(names) == 1:
        # a dict holding the one (non-Json) output by name gives that value
        if isinstance(result, dict) and names[0] in result and outputs[0].get("type") != "Json":
            return {names[0]: result[names[0]]}
        return {names[0]: result}
    if isinstance(result, dict):
        missing = [n for n in names if n not in result]
        if missing:
            raise SystemExit(f"The function's result has no {', '.join(missing)}.")
        return {n: result[n] for n in names}
    if isinstance(result, list | tuple) and len(result) == len(names):
        return dict(zip(names, result, strict=True))
    raise SystemExit(
        f"The function returns {type(result).__name__}; the step declares {len(names)} "
        "outputs: return a dict of them (or a tuple in their order)."
    )


def _check(name: str, kind: str, value: Any, folder: Path) -> Any:
    if kind in ("Float", "Integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SystemExit(f"Output {name!r} is declared {kind} but is {value!r}.")
        return int(value) if kind == "Integer" else float(value)
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise SystemExit(f"Output {name!r} is declared Boolean but is {value!r}.")
        return value
    if kind == "String":
        return str(value)
    if kind == "File":
        source = Path(str(value))
        if not source.exists():
            raise SystemExit(f"Output {name!r}: {source} does not exist.")
        target = folder / "files" / name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        return {"file": f"files/{name}/{source.name}"}
    return _plain(value)


def main(argv: list[str]) -> None:
    file, function, kwargs_text, outputs_text = argv
    path = Path(file)
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"Cannot import {path}.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    target = getattr(module, function, None)
    # @mls.step wraps the function: call the original
    target = getattr(target, "function", target)
    if not callable(target):
        raise SystemExit(f"{path.name} defines no function {function!r}.")
    outputs = json.loads(outputs_text)
    result = target(**json.loads(kwargs_text))
    folder = Path(os.environ[RESULT_ENV])
    values = {
        o["name"]: _check(o["name"], o.get("type", "Json"), value, folder)
        for o, value in zip(outputs, _split(result, outputs).values(), strict=True)
    }
    (folder / "outputs.json").write_text(json.dumps(values))
    print(f"outputs: {', '.join(values) or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
