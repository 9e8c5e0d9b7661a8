"""``mls.monitor``: Model Monitor in notebooks and CI, thin calls onto the default
studio's ``MonitorService`` (the SDK's studio: ``mls.configure`` points it elsewhere).

>>> baseline = mls.monitor.suggest_baseline(train_df)            # or an endpoint's lineage
>>> monitor = mls.monitor.create_schedule(endpoint, kind="data-quality", cron="rate(1 hour)")
>>> execution = mls.monitor.run_now(monitor)
>>> mls.monitor.executions(monitor)                                # a DataFrame
>>> mls.monitor.violations(execution)
>>> mls.monitor.add_ground_truth(endpoint, labels_df)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError, NotFoundError
from .baseline import Baseline
from .baseline import suggest_baseline as _suggest_from_frame
from .entities import Execution, Monitor

if TYPE_CHECKING:
    import pandas as pd

    from .service import MonitorService


def _service() -> MonitorService:
    from ..studio import default_studio

    return default_studio().monitor


def _name(value: Any, what: str) -> str:
    """A name from a string or from an object that has one (an endpoint handle, a
    monitor)."""
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    raise InvalidArgumentError(f"Give the {what} or its name, not {type(value).__name__}.")


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def suggest_baseline(
    source: Any = None,
    data: Any = None,
    *,
    output: str | Path | None = None,
    timeout: float | None = None,
    **options: Any,
) -> Baseline:
    """Statistics and suggested constraints (SageMaker's ``statistics.json`` and
    ``constraints.json``) of:

    - a DataFrame (``source`` or ``data``): computed here, in this process;
    - a data file or folder (``data``, or ``source`` when it is a path): a baseline job;
    - an endpoint, a model (``"name"`` or ``"name:version"``) or their handle: a baseline
      job over the training data the model version's lineage names.

    With ``output`` the files are also written there (a folder or fsspec URL).
    ``options`` are :func:`jupyter_mlstudio.monitor.baseline.suggest_baseline`'s
    (``domain_max_values``, ``overrides``) for a DataFrame.
    """
    frame = source if _is_frame(source) else data if _is_frame(data) else None
    named = isinstance(source, str | Path) or isinstance(getattr(source, "name", None), str)
    if frame is None and source is not None and not named:
        frame = source  # neither a name nor a handle: the core says what it takes
    if frame is not None:
        baseline = _suggest_from_frame(frame, **options)
        if output is not None:
            baseline.save(output)
        return baseline
    if options:
        raise InvalidArgumentError(
            f"Options {sorted(options)} apply to a DataFrame; a baseline job takes none."
        )
    name: str | None = None
    if source is not None:
        if isinstance(source, str | Path) and data is None and Path(source).exists():
            data = source
        else:
            name = _name(source, "endpoint or model")
    _, folder = _service().suggest_baseline(
        name,
        data=None if data is None else str(data),
        output=None if output is None else str(output),
        timeout=timeout,
    )
    return Baseline.load(folder)


def create_schedule(
    endpoint: Any = None,
    *,
    kind: str = "data-quality",
    cron: str | None = "rate(1 hour)",
    baseline: Baseline | str | Path | None = None,
    name: str | None = None,
    data: str | Path | None = None,
    options: Mapping[str, Any] | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    pipeline: str | None = None,
    cbpe: Any = None,
) -> Monitor:
    """A monitor of an endpoint's captured traffic (or of a table, ``data``, such as a
    batch-transform output) on a schedule: ``cron`` is ``"rate(1 hour)"``, SageMaker's
    ``"cron(0 * * * ? *)"``, a five-field cron, or ``None`` (run only with ``run_now``).

    ``kind``: ``"data-quality"`` (drift and constraint checks; ``options`` are
    ``DriftOptions`` fields) or ``"model-quality"`` (against uploaded ground truth;
    ``options``: ``problem_type``, ``offset_seconds``). ``baseline``: a :class:`Baseline`,
    a folder with its files, or ``None`` to suggest one from the model version's training
    data. Violations POST a JSON body to ``webhook_url``, signed with
    ``X-MLStudio-Signature: sha256=<HMAC-SHA256 of the body with webhook_secret>``.
    ``cbpe``: a fitted :class:`~jupyter_mlstudio.monitor.CBPE` (model quality on an
    endpoint deployed with ``return_probabilities``): every execution also estimates
    the window's accuracy from the captured probabilities, before labels arrive.
    """
    service = _service()
    location: str | None
    if isinstance(baseline, Baseline):
        # kept next to the monitor's executions, so the monitor outlives this session
        target = (
            name or f"{_name(endpoint, 'endpoint') if endpoint is not None else 'table'}-{kind}"
        )
        location = f"{service.artifact_root}/monitors/{target}/baseline"
        baseline.save(location)
    else:
        location = None if baseline is None else str(baseline)
    return service.create_monitor(
        name,
        endpoint=None if endpoint is None else _name(endpoint, "endpoint"),
        data=None if data is None else str(data),
        kind=kind,
        baseline=location,
        schedule=cron,
        options=options,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        pipeline=pipeline,
        cbpe=cbpe,
    )


def run_now(
    monitor: Monitor | str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    wait: bool = True,
    timeout: float | None = 600,
) -> Execution:
    """Run a monitor now over ``[start, end)`` (default: its last schedule period up to
    now); with ``wait`` returns the ended execution."""
    service = _service()
    execution = service.run_now(_name(monitor, "monitor"), start=start, end=end)
    return service.wait(execution.id, timeout=timeout) if wait else execution


def executions(monitor: Monitor | str, max_items: int = 100) -> pd.DataFrame:
    """A monitor's executions, newest first: one row each (status, window, violations,
    output, job)."""
    import pandas as pd

    rows = [
        dataclasses.asdict(e) for e in _service().executions(_name(monitor, "monitor"), max_items)
    ]
    columns = [f.name for f in dataclasses.fields(Execution)]
    return pd.DataFrame(rows, columns=columns)


def violations(execution_or_monitor: Execution | Monitor | str) -> list[dict[str, Any]]:
    """The violations (``constraint_violations.json`` entries) of an execution, or of a
    monitor's latest ended execution."""
    service = _service()
    if isinstance(execution_or_monitor, Execution):
        return service.violations(execution_or_monitor.id)
    key = _name(execution_or_monitor, "execution or monitor")
    if isinstance(execution_or_monitor, Monitor):
        return service.violations(_latest(service, key))
    try:
        return service.violations(service.get_execution(key).id)
    except NotFoundError:  # not an execution id: a monitor's name or id
        return service.violations(_latest(service, key))


def _latest(service: MonitorService, monitor: str) -> str:
    for execution in service.executions(monitor):
        if execution.is_terminal:
            return execution.id
    raise InvalidArgumentError(f"Monitor {monitor!r} has no ended execution yet.")


def add_ground_truth(
    endpoint: Any, labels: pd.DataFrame | str | Path, *, problem_type: str | None = None
) -> str:
    """Upload labels (columns ``inference_id``, optionally ``inference_row``, and
    ``label``; a DataFrame or a CSV/Parquet file) for an endpoint's captured predictions.
    Ids the endpoint never answered, null labels and labels of the wrong type are
    refused. Returns the file written."""
    if isinstance(labels, str | Path):
        from ..data_files import read_table

        labels = read_table(Path(labels))
    if not _is_frame(labels):
        raise InvalidArgumentError("Ground truth is a DataFrame or a data file path.")
    return _service().add_ground_truth(
        _name(endpoint, "endpoint"), labels, problem_type=problem_type
    )


def list_monitors(endpoint: Any = None) -> list[Monitor]:
    """Every monitor, by name (of one endpoint when given)."""
    return _service().list_monitors(None if endpoint is None else _name(endpoint, "endpoint"))


def get_monitor(name_or_id: str) -> Monitor:
    return _service().get_monitor(name_or_id)


def delete_monitor(monitor: Monitor | str) -> None:
    """The monitor and its execution history (running executions are stopped)."""
    _service().delete_monitor(_name(monitor, "monitor"))


__all__ = [
    "add_ground_truth",
    "create_schedule",
    "delete_monitor",
    "executions",
    "get_monitor",
    "list_monitors",
    "run_now",
    "suggest_baseline",
    "violations",
]
