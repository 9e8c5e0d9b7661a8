"""Run tracking from Python: ``mls.start_run`` and the run handle it returns.

Logging never makes training wait: ``log_metric`` puts the value on a queue and a
background thread writes queued metrics in batches (see ``experiments/metric_writer.py``).
Params and tags are written at once, so a conflicting param fails where it is logged.
Queued metrics are flushed when the run ends, on ``flush()``, and at interpreter exit.

How a run ends:
- its ``with`` block exits normally → FINISHED; raises → FAILED; KeyboardInterrupt → KILLED;
- still open at interpreter exit → FINISHED, or FAILED when the interpreter exits because
  of an uncaught exception;
- a process forked from one with open runs starts with none: the parent's runs stay the
  parent's to end (the child may still log to a run handle it inherited);
- its process was killed outright (SIGKILL, a crashed kernel) → FAILED the next time a
  studio on the same host starts: the Jupyter server at start-up, or the next
  ``start_run`` in any process. The run keeps a ``mlstudio.failure`` tag saying why.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .artifacts import ArtifactRepository
from .errors import InvalidArgumentError
from .experiments.metric_writer import MetricWriter
from .experiments.run_entities import Run, metric
from .processes import pid_alive, this_host

if TYPE_CHECKING:
    from .studio import Studio

# Set by jobs for the code they run: the run the job logs to.
JOB_RUN_ENV = "MLSTUDIO_JOB_RUN_ID"


class ActiveRun:
    """A run being logged to from this process. Use as a context manager."""

    def __init__(self, studio: Studio, writer: MetricWriter, run: Run) -> None:
        self._studio = studio
        self._writer = writer
        self.id = run.id
        self.experiment_id = run.experiment_id
        self.name = run.name
        self._artifact_uri = run.artifact_uri
        self._ended = False

    def __repr__(self) -> str:
        return f"<ActiveRun {self.name!r} id={self.id}>"

    # -- logging ---------------------------------------------------------------------
    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._studio.experiments.log_batch(self.id, params=params)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        self._studio.experiments.log_batch(self.id, tags=tags)

    def log_metric(
        self, key: str, value: float, step: int = 0, timestamp: float | None = None
    ) -> None:
        """Queue one value; validation happens here, the write in the background."""
        self._writer.put(self.id, metric(key, value, step, timestamp))

    def log_metrics(
        self, metrics: Mapping[str, float], step: int = 0, timestamp: float | None = None
    ) -> None:
        ts = time.time() if timestamp is None else timestamp
        for key, value in metrics.items():
            self._writer.put(self.id, metric(key, value, step, ts))

    def flush(self) -> None:
        self._writer.flush()

    # -- artifacts -------------------------------------------------------------------
    @property
    def artifacts(self) -> ArtifactRepository:
        return ArtifactRepository(self._artifact_uri)

    def log_artifact(self, path: str | os.PathLike[str], name: str | None = None) -> str:
        """Copy a local file into the run's artifacts (as ``name``, default its file name)."""
        return self.artifacts.put_file(path, name)

    def log_artifacts(self, folder: str | os.PathLike[str], name: str | None = None) -> list[str]:
        """Copy a local folder's files into the run's artifacts (under ``name`` if given)."""
        return self.artifacts.put_dir(folder, name)

    def log_text(self, text: str, name: str) -> str:
        return self.artifacts.put_bytes(text.encode("utf-8"), name)

    def log_dict(self, data: Mapping[str, Any], name: str) -> str:
        """A JSON artifact (``name`` should end in .json)."""
        return self.log_text(json.dumps(data, indent=2, default=str), name)

    def log_figure(self, figure: Any, name: str = "figure.plotly.json") -> str:
        """A plotly figure (anything with ``to_json()``), previewed interactively in the UI."""
        to_json = getattr(figure, "to_json", None)
        if to_json is None:
            raise InvalidArgumentError("log_figure takes a plotly figure (it needs to_json()).")
        return self._log_previewed(to_json(), name, ".plotly.json")

    def log_table(self, frame: Any, name: str = "table.csv") -> str:
        """A pandas DataFrame as CSV, previewed as a table in the UI."""
        to_csv = getattr(frame, "to_csv", None)
        if to_csv is None:
            raise InvalidArgumentError("log_table takes a pandas DataFrame.")
        return self._log_previewed(to_csv(index=False), name, ".csv")

    def _log_previewed(self, text: str, name: str, suffix: str) -> str:
        """The UI previews an artifact by its suffix: ``name`` gets it when it lacks it."""
        return self.log_text(text, name if name.endswith(suffix) else f"{name}{suffix}")

    def log_model(
        self,
        estimator: Any,
        name: str = "model",
        X: Any = None,
        register_as: str | None = None,
    ) -> Any:
        """Save a fitted scikit-learn estimator under ``<name>/`` (skops + metadata; ``X``
        gives the signature and an input example). With ``register_as``, also register it
        as the next version of that model and return the ``ModelVersion``."""
        from .autolog import log_model

        log_model(self, estimator, X=X, name=name)
        if register_as is None:
            return None
        self.flush()
        return self._studio.registry.register(self.id, register_as, artifact_path=name)

    # -- state -----------------------------------------------------------------------
    def get(self) -> Run:
        """A fresh snapshot (flushes queued metrics first)."""
        self._writer.flush()
        return self._studio.experiments.get_run(self.id)

    def end(self, status: str = "FINISHED") -> Run:
        try:
            self._writer.flush()
        finally:
            if not self._ended:
                self._ended = True
                _stack_remove(self)
        return self._studio.experiments.end_run(self.id, status)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is KeyboardInterrupt:
            self.end("KILLED")
        else:
            self.end("FAILED" if exc_type is not None else "FINISHED")


# -- module state: the active-run stack ----------------------------------------------
_state_lock = threading.Lock()
_stack: list[ActiveRun] = []


def _after_fork_in_child() -> None:
    global _state_lock
    _state_lock = threading.Lock()  # another thread may have held it at the fork
    _stack.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _stack_remove(run: ActiveRun) -> None:
    with _state_lock:
        if run in _stack:
            _stack.remove(run)


def start_run(
    studio: Studio,
    experiment: str | None = None,
    *,
    name: str | None = None,
    tags: Mapping[str, Any] | None = None,
    parent: ActiveRun | Run | str | None = None,
    nested: bool = False,
) -> ActiveRun:
    """Start a run in ``experiment`` (created if missing; default ``"Default"``)."""
    host = this_host()
    _install_crash_hook()
    studio.fail_dead_runs_once(host, pid_alive)
    experiment_name = experiment or os.environ.get("MLSTUDIO_EXPERIMENT") or "Default"
    exp = studio.experiments.experiment(experiment_name)
    parent_id: str | None
    job_run = os.environ.get(JOB_RUN_ENV)
    if parent is None and nested and _stack:
        parent_id = _stack[-1].id
    elif parent is None and not _stack and job_run:
        # inside a job: the script's runs are children of the run the job logs to
        parent_id = job_run
    elif parent is None:
        parent_id = None
    elif isinstance(parent, str):
        parent_id = parent
    else:
        parent_id = parent.id
    if parent is None and not nested and _stack:
        raise InvalidArgumentError(
            f"Run {_stack[-1].name!r} is still active: end it first, or pass nested=True "
            "to start a child run."
        )
    run = studio.experiments.create_run(
        exp.id, name=name, tags=tags, parent_run_id=parent_id, host=host, pid=os.getpid()
    )
    active = ActiveRun(studio, studio.metric_writer, run)
    with _state_lock:
        _stack.append(active)
    return active


def active_run() -> ActiveRun | None:
    with _state_lock:
        return _stack[-1] if _stack else None


_crashed = False
_hook_installed = False


def _install_crash_hook() -> None:
    """Remember an uncaught exception so runs still open at exit end FAILED, not FINISHED."""
    global _hook_installed
    with _state_lock:
        if _hook_installed:
            return
        _hook_installed = True
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        global _crashed
        _crashed = True
        previous(exc_type, exc, tb)

    sys.excepthook = hook


@atexit.register
def _end_open_runs() -> None:
    status = "FAILED" if _crashed else "FINISHED"
    for run in reversed(list(_stack)):
        # The interpreter is exiting: there is nobody left to report a failure to.
        with contextlib.suppress(Exception):
            run.end(status)
