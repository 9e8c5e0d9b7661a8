"""jupyter-mlstudio: a local-first ML studio for JupyterLab.

``import jupyter_mlstudio as mls`` gives the SDK; the JupyterLab server extension is
loaded by Jupyter through ``_jupyter_server_extension_points``.
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import Any

from .errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
    SchemaOutOfDateError,
    StoreUnavailableError,
)
from .experiments.entities import Experiment
from .sdk import (
    configure,
    create_experiment,
    delete_experiment,
    get_experiment,
    list_experiments,
    studio,
    update_experiment,
)

try:
    __version__ = _metadata.version("jupyter_mlstudio")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0.dev0"

__all__ = [
    "AlreadyExistsError",
    "ConflictError",
    "Experiment",
    "InvalidArgumentError",
    "MLStudioError",
    "NotFoundError",
    "SchemaOutOfDateError",
    "StoreUnavailableError",
    "__version__",
    "configure",
    "create_experiment",
    "delete_experiment",
    "get_experiment",
    "list_experiments",
    "studio",
    "update_experiment",
]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlstudio"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import MLStudio

    return [{"module": "jupyter_mlstudio", "app": MLStudio}]
