"""Pipeline steps that run another component of the studio: Tuning (a tuning job),
FeatureIngest (a feature group ingest job), MonitorBaseline (a suggested baseline) and
MonitorCheck (a one-off data-quality check of a table against a baseline).

Their argument models are registered as step types in definition.py; the engine runs
them in a worker thread (like RegisterModel and Deploy) with :func:`run_component_step`,
which waits for the component's job and returns the step's outputs, metrics and
properties.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from ..errors import MLStudioError
from ..paths import NoNulStr
from ..tuning.spec import ParameterRange, Strategy

# definition.py imports this module after it defined these (it registers the step types)
from .definition import PathArg, StrArg, _Model, _picker

if TYPE_CHECKING:
    from ..studio import Studio

COMPONENT_STEP_TYPES = frozenset({"Tuning", "FeatureIngest", "MonitorBaseline", "MonitorCheck"})


class ComponentStepError(MLStudioError):
    """A component step's job did not complete."""


class TuningArguments(_Model):
    algorithm: str | None = _picker(
        "algorithm", "A built-in algorithm (or give entry_point).", default=None
    )
    entry_point: PathArg | None = _picker("file", "A training script (.py).", default=None)
    source_dir: PathArg | None = _picker("folder", "Folder copied with the script.", default=None)
    data: PathArg | None = _picker(
        "file", "Training data (the 'train' channel).", default=None, title="Training data"
    )
    target: StrArg | None = _picker("column", "Target column (built-ins).", default=None)
    hyperparameters: dict[str, Any] = Field(
        default_factory=dict, description="Fixed hyperparameters of every trial."
    )
    hyperparameter_ranges: dict[str, ParameterRange] = Field(
        min_length=1,
        description="Hyperparameter → range: {'type': 'integer'|'continuous', 'min_value', "
        "'max_value'} or {'type': 'categorical', 'values': [...]}.",
    )
    objective_metric: str = Field(
        min_length=1, max_length=250, description="The metric to optimize, e.g. validation:auc."
    )
    objective_direction: Literal["Maximize", "Minimize"] = "Maximize"
    strategy: Strategy = "Bayesian"
    max_trials: int = Field(default=4, ge=1, le=10_000)
    max_parallel: int = Field(default=1, ge=1, le=64, title="Max parallel trials")
    random_seed: int | None = None
    environment: dict[NoNulStr, StrArg] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> TuningArguments:
        if (self.algorithm is None) == (self.entry_point is None):
            raise ValueError("give either a built-in 'algorithm' or a script 'entry_point'")
        if self.algorithm is not None and self.data is None:
            raise ValueError("a built-in algorithm needs 'data' (the training data)")
        if self.max_parallel > self.max_trials:
            raise ValueError("max_parallel cannot exceed max_trials")
        return self


class FeatureIngestArguments(_Model):
    feature_group: str = _picker(
        "feature-group",
        "The feature group: name (its latest version) or name@version.",
        min_length=1,
        max_length=200,
        title="Feature group",
    )
    data: PathArg = _picker(
        "file", "A data file or folder (CSV, Parquet, JSON lines) or an upstream output."
    )
    batch_size: int | None = Field(default=None, ge=1)


class MonitorBaselineArguments(_Model):
    data: PathArg = _picker("file", "The data to suggest a baseline from (e.g. training data).")


class MonitorCheckArguments(_Model):
    baseline: PathArg = _picker(
        "step-output",
        "A baseline folder (statistics.json, constraints.json), e.g. a MonitorBaseline "
        "step's Outputs.baseline.",
    )
    data: PathArg = _picker("file", "The table to check (CSV/Parquet file or folder).")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Monitor options (thresholds), as a monitor takes."
    )


def _path(value: Any, base: Path) -> str:
    text = str(value).removeprefix("file://")
    if "://" in text:
        return text
    return str((base / text).resolve())


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-").lower()[:40] or "step"


def _label(pipeline_name: str, step_name: str, execution_id: str) -> str:
    """What the step's tuning job, ingest job and monitor are named after."""
    return f"{_slug(pipeline_name)}-{_slug(step_name)}-{execution_id[:8]}"


def stop_component_step(
    studio: Studio, step_type: str, step_name: str, pipeline_name: str, execution_id: str
) -> None:
    """Stop what a running step started: a Tuning step's tuning job (its trials stop;
    the ingest and check jobs are short and left to end)."""
    if step_type != "Tuning":
        return
    name = f"tune-{_label(pipeline_name, step_name, execution_id)}"[:128]
    with contextlib.suppress(MLStudioError):  # not created yet, or ended meanwhile
        studio.tuning.stop(name)


def run_component_step(
    studio: Studio,
    step_type: str,
    step_name: str,
    pipeline_name: str,
    execution_id: str,
    arguments: Mapping[str, Any],
    base: Path,
) -> dict[str, dict[str, Any]]:
    """Run the step; ``{"outputs": ..., "metrics": ..., "properties": ...}``."""
    label = _label(pipeline_name, step_name, execution_id)
    if step_type == "Tuning":
        return _tuning(studio, label, pipeline_name, arguments, base)
    if step_type == "FeatureIngest":
        return _ingest(studio, label, arguments, base)
    if step_type == "MonitorBaseline":
        job, folder = studio.monitor.suggest_baseline(
            data=_path(arguments["data"], base), wait=True
        )
        return {
            "outputs": {"baseline": folder},
            "metrics": {},
            "properties": {"JobName": job.name, "JobId": job.id},
        }
    if step_type == "MonitorCheck":
        return _check(studio, label, arguments, base)
    raise ComponentStepError(f"not a component step type: {step_type}")


def _tuning(
    studio: Studio, label: str, pipeline_name: str, a: Mapping[str, Any], base: Path
) -> dict[str, dict[str, Any]]:
    training: dict[str, Any] = {
        "experiment": f"pipeline-{pipeline_name}",
        "hyperparameters": dict(a.get("hyperparameters") or {}),
        "environment": {str(k): str(v) for k, v in (a.get("environment") or {}).items()},
    }
    if a.get("algorithm"):
        training["algorithm"] = a["algorithm"]
    if a.get("entry_point"):
        training["entry_point"] = _path(a["entry_point"], base)
    if a.get("source_dir"):
        training["source_dir"] = _path(a["source_dir"], base)
    if a.get("data") is not None:
        training["channels"] = {"train": _path(a["data"], base)}
    if a.get("target") is not None:
        training["target"] = str(a["target"])
    spec = {
        "name": f"tune-{label}"[:128],
        "training": training,
        "search_space": dict(a["hyperparameter_ranges"]),
        "objective": {
            "metric": a["objective_metric"],
            "direction": a.get("objective_direction", "Maximize"),
        },
        "strategy": a.get("strategy", "Bayesian"),
        "limits": {
            "max_trials": int(a.get("max_trials", 4)),
            "max_parallel_trials": int(a.get("max_parallel", 1)),
        },
        "random_seed": a.get("random_seed"),
    }
    try:
        job = studio.tuning.get(spec["name"])  # an adopting engine runs the step again
    except MLStudioError:
        job = studio.tuning.create(spec, base_dir=base)
    job = studio.tuning.wait(job.id)
    best = studio.tuning.best_trial(job.id)
    if job.status != "Completed" or best is None or best.value is None or not best.job_id:
        reason = job.failure_reason or job.status_message or "no trial completed"
        raise ComponentStepError(f"tuning job {job.name} {job.status.lower()}: {reason}")
    trial_job = studio.jobs.get(best.job_id)
    model = trial_job.outputs.get("model")
    if model is None:
        raise ComponentStepError(f"the best trial's job {trial_job.name} has no model output")
    return {
        "outputs": {"model": model},
        "metrics": {a["objective_metric"]: float(best.value), "BestObjectiveValue": best.value},
        "properties": {
            "TuningJobName": job.name,
            "BestTrialJobName": trial_job.name,
            "BestObjectiveValue": float(best.value),
            "BestHyperparameters": dict(best.params),
        },
    }


def _ingest(
    studio: Studio, label: str, a: Mapping[str, Any], base: Path
) -> dict[str, dict[str, Any]]:
    from ..features.jobs import parse_source, submit_ingest

    job = submit_ingest(
        studio,
        str(a["feature_group"]),
        _path(a["data"], base),
        batch_size=a.get("batch_size"),
        name=f"ingest-{label}"[:128],
    )
    job = studio.jobs.wait(job.id)
    if job.status != "Completed":
        raise ComponentStepError(
            f"ingest job {job.name} {job.status.lower()}: {job.failure_reason or 'see its log'}"
        )
    group = studio.features.writable_group(str(a["feature_group"]))
    rows = sum(
        i.rows
        for i in studio.features.ingestions(group.ref, max_items=1000).items
        if parse_source(i.source).job_id == job.id
    )
    return {
        "outputs": {},
        "metrics": {"RowsIngested": float(rows)},
        "properties": {
            "RowsIngested": rows,
            "FeatureGroup": group.name,
            "GroupVersion": group.version,
            "JobName": job.name,
            "JobId": job.id,
        },
    }


def _check(
    studio: Studio, label: str, a: Mapping[str, Any], base: Path
) -> dict[str, dict[str, Any]]:
    # a table monitor without a schedule: the check is an execution of it (listed with
    # the monitor's history, its report and violations readable as any execution's)
    name = f"check-{label}"[:64]
    try:
        monitor = studio.monitor.get_monitor(name)  # an adopting engine runs it again
    except MLStudioError:
        monitor = studio.monitor.create_monitor(
            name,
            data=_path(a["data"], base),
            baseline=_path(a["baseline"], base),
            options=dict(a.get("options") or {}),
        )
    execution = studio.monitor.run_now(monitor.id)
    execution = studio.monitor.wait(execution.id)
    if execution.status not in ("Completed", "CompletedWithViolations"):
        raise ComponentStepError(
            f"monitoring check {name} {execution.status.lower()}: "
            f"{execution.failure_reason or 'see its log'}"
        )
    violations = studio.monitor.violations(execution.id)
    return {
        "outputs": {"report": execution.output or ""},
        "metrics": {"Violations": float(len(violations))},
        "properties": {
            "Violations": len(violations),
            "MonitorName": monitor.name,
            "MonitoringExecutionId": execution.id,
            "Status": execution.status,
        },
    }
