"""The Python SDK users type in notebooks: thin calls onto the default ``Studio``.

The default studio is resolved from ``MLSTUDIO_HOME`` / ``MLSTUDIO_STORE_URI`` /
``MLSTUDIO_ARTIFACT_URI`` on first use, so a kernel started by the Jupyter server
talks to the same store as the server; ``configure()`` points it elsewhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from . import tracking
from .config import StudioConfig
from .experiments.entities import Experiment
from .experiments.run_entities import Run
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


# -- runs ------------------------------------------------------------------------------
def start_run(
    experiment: str | None = None,
    *,
    name: str | None = None,
    tags: Mapping[str, Any] | None = None,
    parent: Any = None,
    nested: bool = False,
) -> tracking.ActiveRun:
    """Start a run; use it as ``with mls.start_run("churn") as run: ...``.

    ``experiment`` is created when missing (default: ``$MLSTUDIO_EXPERIMENT`` or
    "Default"). ``parent`` (a run or run id) or ``nested=True`` makes a child run.
    """
    return tracking.start_run(
        studio(), experiment, name=name, tags=tags, parent=parent, nested=nested
    )


def active_run() -> tracking.ActiveRun | None:
    """The innermost run started in this process and not yet ended."""
    return tracking.active_run()


def get_run(run_id: str) -> Run:
    return studio().runs.get_run(run_id)


def search_runs(
    experiment: str | Sequence[str],
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int = 1000,
    output: Literal["pandas", "list"] = "pandas",
) -> Any:
    """Runs of one or more experiments (by name) matching ``filter``, sorted by ``order_by``.

    The grammar is in docs/search-grammar.md, e.g.
    ``filter="metrics.auc > 0.9 AND params.model = 'rf'", order_by=["metrics.auc DESC"]``.
    Returns a DataFrame (one row per run; ``params.*``, ``metrics.*``, ``tags.*`` columns)
    or, with ``output="list"``, a list of ``Run`` snapshots.
    """
    names = [experiment] if isinstance(experiment, str) else list(experiment)
    s = studio()
    ids = [s.experiments.get_experiment_by_name(n).id for n in names]
    runs: list[Run] = []
    token: str | None = None
    while len(runs) < max_results:
        page = s.runs.search_runs(
            ids, filter, order_by, max_items=min(1000, max_results - len(runs)), next_token=token
        )
        runs.extend(page.items)
        if page.next_token is None:
            break
        token = page.next_token
    if output == "list":
        return runs
    return runs_to_frame(runs)


def runs_to_frame(runs: Sequence[Run]) -> Any:
    import pandas as pd

    records = []
    for run in runs:
        record: dict[str, Any] = {
            "run_id": run.id,
            "experiment_id": run.experiment_id,
            "name": run.name,
            "status": run.status,
            "start_time": run.start_time,
            "end_time": run.end_time,
            "parent_run_id": run.parent_run_id,
        }
        record.update({f"metrics.{k}": v for k, v in run.metrics.items()})
        record.update({f"params.{k}": v for k, v in run.params.items()})
        record.update({f"tags.{k}": v for k, v in run.tags.items()})
        records.append(record)
    columns = [
        "run_id",
        "experiment_id",
        "name",
        "status",
        "start_time",
        "end_time",
        "parent_run_id",
    ]
    frame = pd.DataFrame.from_records(records)
    return frame if records else pd.DataFrame(columns=columns)
