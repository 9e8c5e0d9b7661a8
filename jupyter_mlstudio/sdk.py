"""The Python SDK users type in notebooks: thin calls onto the default ``Studio``.

The default studio is resolved from ``MLSTUDIO_HOME`` / ``MLSTUDIO_STORE_URI`` /
``MLSTUDIO_ARTIFACT_URI`` on first use, so a kernel started by the Jupyter server
talks to the same store as the server; ``configure()`` points it elsewhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from .config import StudioConfig
from .experiments.entities import Experiment
from .studio import Studio

_lock = threading.Lock()
_default: Studio | None = None


def configure(
    home: str | os.PathLike[str] | None = None,
    store_uri: str | None = None,
    artifact_uri: str | None = None,
) -> Studio:
    """Point the SDK at a store (defaults come from the environment) and return it."""
    global _default
    with _lock:
        if _default is not None:
            _default.close()
        _default = Studio(
            StudioConfig.resolve(home=home, store_uri=store_uri, artifact_uri=artifact_uri)
        )
        return _default


def studio() -> Studio:
    """The studio the SDK functions use."""
    global _default
    with _lock:
        if _default is None:
            _default = Studio.open()
        return _default


def create_experiment(
    name: str, description: str = "", tags: Mapping[str, str] | None = None
) -> Experiment:
    """Create an experiment; raises ``AlreadyExistsError`` if the name is taken."""
    return studio().experiments.create_experiment(name, description=description, tags=tags)


def get_experiment(name: str) -> Experiment:
    """The experiment with this name; raises ``NotFoundError``."""
    return studio().experiments.get_experiment_by_name(name)


def list_experiments() -> list[Experiment]:
    """Every experiment, newest first."""
    store = studio().experiments
    items: list[Experiment] = []
    token: str | None = None
    while True:
        page = store.list_experiments(max_items=1000, next_token=token)
        items.extend(page.items)
        if page.next_token is None:
            return items
        token = page.next_token


def update_experiment(
    name: str,
    *,
    new_name: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Experiment:
    """Rename an experiment or change its description or tags (tags are replaced)."""
    store = studio().experiments
    experiment = store.get_experiment_by_name(name)
    return store.update_experiment(experiment.id, name=new_name, description=description, tags=tags)


def delete_experiment(name: str) -> None:
    """Delete the experiment with this name; raises ``NotFoundError``."""
    store = studio().experiments
    store.delete_experiment(store.get_experiment_by_name(name).id)
