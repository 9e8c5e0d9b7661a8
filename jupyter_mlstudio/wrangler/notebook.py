"""``%mls wrangle df``: a kernel DataFrame becomes a new flow the editor opens."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..config import SERVER_ROOT_ENV
from ..errors import InvalidArgumentError
from .flow import Flow

OPEN_FLOW_MIME = "application/vnd.mlstudio.open-flow+json"


def free_path(path: Path) -> Path:
    """``path``, or ``name-1.ext``, ``name-2.ext``… if it exists (exports and new flows
    never overwrite a file)."""
    if not path.exists():
        return path
    for number in range(1, 10_000):
        other = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not other.exists():
            return other
    raise InvalidArgumentError(f"Too many files named like {path.name}.")


def wrangle_frame(frame: Any, name: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """Save ``frame`` as Parquet under ``<folder>/wrangle-data/`` and write a new flow
    ``<folder>/<name>.flow`` reading it; the flow's path."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgumentError(f"{name} is a {type(frame).__name__}, not a pandas DataFrame.")
    base = Path(folder or os.getcwd()).resolve()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "frame"
    data = free_path(base / "wrangle-data" / f"{stem}.parquet")
    data.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(data)
    flow_path = free_path(base / f"{stem}.flow")
    variable = stem if stem.isidentifier() else "df"
    flow = Flow.new(data.relative_to(base).as_posix(), name=variable, base_dir=base)
    flow.save(flow_path)
    return flow_path


def open_flow_bundle(path: Path) -> dict[str, Any]:
    """The display bundle the JupyterLab extension turns into an open Data Wrangler tab:
    the path relative to the server's root (when the kernel knows it)."""
    root = os.environ.get(SERVER_ROOT_ENV)
    relative = None
    if root:
        try:
            relative = path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            relative = None
    shown = relative or str(path)
    return {
        OPEN_FLOW_MIME: {"path": relative, "absolute_path": str(path)},
        "text/markdown": f"New flow **{shown}** — open it in the Data Wrangler "
        "(right-click it in the file browser → *Open With → Data Wrangler*).",
        "text/plain": f"New flow: {shown}",
    }
