"""The Python SDK users type in notebooks: thin calls onto the default ``Studio``.

The default studio is resolved from ``MLSTUDIO_HOME`` / ``MLSTUDIO_STORE_URI`` /
``MLSTUDIO_ARTIFACT_URI`` on first use, so a kernel started by the Jupyter server
talks to the same store as the server; ``configure()`` points it elsewhere.

A process forked from one that used the SDK keeps the default studio (so it logs to the
store its parent was configured with); the studio's writer thread, database connections
and open runs are reset in the child by their own modules (``os.register_at_fork``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from . import tracking
from .config import StudioConfig
from .experiments.entities import Experiment
from .experiments.run_entities import Run

if TYPE_CHECKING:
    from .endpoints.handle import EndpointHandle
    from .pipelines.entities import Pipeline as PipelineEntity
    from .pipelines.handle import ExecutionHandle
    from .pipelines.schedules import Trigger as PipelineTrigger
from .errors import InvalidArgumentError
from .jobs.entities import Job
from .jobs.handle import JobHandle, stage_dataframe
from .registry.entities import ModelGroup, ModelVersion
from .store.pagination import Page
from .studio import Studio, configure_default, default_studio
from .tuning.entities import TuningJob
from .tuning.handle import TuningHandle, python_space

_T = TypeVar("_T")


def configure(
    home: str | os.PathLike[str] | None = None,
    store_uri: str | None = None,
    artifact_uri: str | None = None,
) -> Studio:
    """Point the SDK at a store (defaults come from the environment) and return it."""
    return configure_default(
        StudioConfig.resolve(home=home, store_uri=store_uri, artifact_uri=artifact_uri)
    )


def studio() -> Studio:
    """The studio the SDK functions use."""
    return default_studio()


def create_experiment(
    name: str, description: str = "", tags: Mapping[str, str] | None = None
) -> Experiment:
    """Create an experiment; raises ``AlreadyExistsError`` if the name is taken."""
    return studio().experiments.create_experiment(name, description=description, tags=tags)


def get_experiment(name: str) -> Experiment:
    """The experiment with this name; raises ``NotFoundError``."""
    return studio().experiments.get_experiment_by_name(name)


def _every_page(fetch: Callable[[str | None], Page[_T]]) -> list[_T]:
    """The items of every page ``fetch(next_token)`` gives, in order."""
    items: list[_T] = []
    token: str | None = None
    while True:
        page = fetch(token)
        items.extend(page.items)
        if page.next_token is None:
            return items
        token = page.next_token


def list_experiments() -> list[Experiment]:
    """Every experiment, newest first."""
    experiments = studio().experiments
    return _every_page(lambda token: experiments.list_experiments(1000, token))


def update_experiment(
    name: str,
    *,
    new_name: str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Experiment:
    """Rename an experiment or change its description or tags (tags are replaced)."""
    experiments = studio().experiments
    experiment = experiments.get_experiment_by_name(name)
    return experiments.update_experiment(
        experiment.id, name=new_name, description=description, tags=tags
    )


def delete_experiment(name: str) -> None:
    """Delete the experiment with this name; raises ``NotFoundError``."""
    experiments = studio().experiments
    experiments.delete_experiment(experiments.get_experiment_by_name(name).id)


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
    return studio().experiments.get_run(run_id)


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
    runs = studio().experiments.search_runs_by_name(names, filter, order_by, max_results)
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


# -- jobs ------------------------------------------------------------------------------
def _data_source(value: Any) -> str:
    if isinstance(value, str | os.PathLike):
        return os.fspath(value)
    return str(stage_dataframe(studio(), value))


def _submit(spec: dict[str, Any], wait: bool) -> JobHandle:
    handle = JobHandle(studio(), studio().jobs.submit_data(spec))
    if wait:
        handle.wait(progress=True)
    return handle


def train(
    algorithm_or_script: str,
    data: Any = None,
    target: str | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    experiment: str | None = None,
    *,
    validation: Any = None,
    channels: Mapping[str, Any] | None = None,
    name: str | None = None,
    source_dir: str | None = None,
    metric_definitions: Sequence[Mapping[str, str]] | None = None,
    environment: Mapping[str, str] | None = None,
    validation_fraction: float = 0.2,
    timeout: float | None = None,
    register_as: str | None = None,
    exclude_columns: Sequence[str] | None = None,
    wait: bool = False,
    instance_count: int = 1,
    distribution: Mapping[str, str] | None = None,
    checkpoint_uri: str | None = None,
    checkpoint_local_path: str = "/opt/ml/checkpoints",
    max_retry_attempts: int = 0,
) -> JobHandle:
    """Start a training job: a built-in algorithm name (see ``list_algorithms()``) or a
    SageMaker-style script (``.py``). ``data`` (a path or a DataFrame) is the ``train``
    channel; ``validation`` the optional ``validation`` channel; ``channels`` any more.
    Returns at once unless ``wait=True``; the job logs to a run in ``experiment``;
    ``register_as`` registers its model under that name when it succeeds;
    ``exclude_columns`` are never used as features (built-ins also drop identifier-like
    columns on their own and say so in the log).

    ``instance_count=N`` runs a script on N hosts (``algo-1`` … with SageMaker's
    ``SM_HOSTS`` and the ``MASTER_ADDR``/``RANK`` rendezvous variables; ``distribution``
    maps a channel to ``"ShardedByS3Key"`` to deal its files out across them) and trains
    an XGBoost or LightGBM built-in across N Dask workers. A script's checkpoints
    (``$MLSTUDIO_CHECKPOINT_DIR``, i.e. ``/opt/ml/checkpoints``) are synced to
    ``checkpoint_uri`` (default: the job's artifacts) and ``max_retry_attempts`` runs a
    failed script again from them."""
    spec = training_spec(
        algorithm_or_script,
        data,
        target,
        hyperparameters,
        experiment,
        validation=validation,
        channels=channels,
        name=name,
        source_dir=source_dir,
        metric_definitions=metric_definitions,
        environment=environment,
        validation_fraction=validation_fraction,
        timeout=timeout,
        register_as=register_as,
        exclude_columns=exclude_columns,
    )
    spec.update(
        instance_count=instance_count,
        channel_distribution=dict(distribution or {}),
        checkpoint_uri=checkpoint_uri,
        checkpoint_local_path=checkpoint_local_path,
        max_retry_attempts=max_retry_attempts,
    )
    return _submit(spec, wait)


def training_spec(
    algorithm_or_script: str,
    data: Any = None,
    target: str | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    experiment: str | None = None,
    *,
    validation: Any = None,
    channels: Mapping[str, Any] | None = None,
    name: str | None = None,
    source_dir: str | None = None,
    metric_definitions: Sequence[Mapping[str, str]] | None = None,
    environment: Mapping[str, str] | None = None,
    validation_fraction: float = 0.2,
    timeout: float | None = None,
    register_as: str | None = None,
    exclude_columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The training job spec (plain data) ``train`` submits and ``tune`` tunes: DataFrames
    staged as Parquet, ``data``/``validation`` as the ``train``/``validation`` channels."""
    all_channels = {k: _data_source(v) for k, v in (channels or {}).items()}
    if data is not None:
        all_channels["train"] = _data_source(data)
    if validation is not None:
        all_channels["validation"] = _data_source(validation)
    is_script = algorithm_or_script.endswith(".py")
    return {
        "kind": "training",
        "name": name,
        "experiment": experiment,
        "algorithm": None if is_script else algorithm_or_script,
        "entry_point": algorithm_or_script if is_script else None,
        "source_dir": source_dir,
        "hyperparameters": dict(hyperparameters or {}),
        "channels": all_channels,
        "target": target,
        "validation_fraction": validation_fraction,
        "exclude_columns": list(exclude_columns or []),
        "metric_definitions": list(metric_definitions or []),
        "environment": dict(environment or {}),
        "timeout_seconds": timeout,
        "register_as": register_as,
    }


def process(
    script_or_notebook: str,
    inputs: Mapping[str, Any] | None = None,
    outputs: Sequence[str] | Mapping[str, str | None] | None = None,
    *,
    arguments: Sequence[str] = (),
    parameters: Mapping[str, Any] | None = None,
    experiment: str | None = None,
    name: str | None = None,
    metric_definitions: Sequence[Mapping[str, str]] | None = None,
    environment: Mapping[str, str] | None = None,
    working_dir: str | None = None,
    timeout: float | None = None,
    wait: bool = False,
    framework: Literal["python", "spark"] = "python",
    instance_count: int = 1,
    spark_master: str | None = None,
    configuration: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    spark_event_logs_uri: str | None = None,
    submit_py_files: Sequence[str] = (),
    submit_jars: Sequence[str] = (),
    submit_files: Sequence[str] = (),
) -> JobHandle:
    """Start a processing job running a script or a notebook (``parameters`` are
    injected papermill-style). ``inputs`` maps names to paths or DataFrames, available
    under ``/opt/ml/processing/input/<name>``; ``outputs`` names folders under
    ``/opt/ml/processing/output/<name>`` (a mapping also copies each to a destination).

    ``framework="spark"`` runs a PySpark script with spark-submit, as SageMaker's
    PySparkProcessor: on a local Spark with ``instance_count`` cores, or on
    ``spark_master`` (default: the studio's ``spark_master``); ``configuration`` is
    SageMaker's list of classifications or a ``{property: value}`` mapping;
    ``spark_event_logs_uri`` receives Spark's event logs."""
    output_map = dict(outputs) if isinstance(outputs, Mapping) else dict.fromkeys(outputs or ())
    spec: dict[str, Any] = {
        "kind": "processing",
        "name": name,
        "experiment": experiment,
        "code": script_or_notebook,
        "arguments": list(arguments),
        "parameters": dict(parameters or {}),
        "inputs": [{"name": k, "source": _data_source(v)} for k, v in (inputs or {}).items()],
        "outputs": [{"name": k, "destination": v} for k, v in output_map.items()],
        "metric_definitions": list(metric_definitions or []),
        "environment": dict(environment or {}),
        "working_dir": working_dir,
        "timeout_seconds": timeout,
    }
    # Spark options given without framework="spark" are refused by the spec, with why
    spec.update(
        framework=framework,
        instance_count=instance_count,
        spark_master=spark_master,
        configuration=configuration
        if configuration is None or isinstance(configuration, Mapping)
        else [dict(c) for c in configuration],
        spark_event_logs_uri=spark_event_logs_uri,
        submit_py_files=list(submit_py_files),
        submit_jars=list(submit_jars),
        submit_files=list(submit_files),
    )
    return _submit(spec, wait)


def batch_transform(
    model: str,
    input: Any,
    output: str,
    *,
    version: int | None = None,
    alias: str | None = None,
    chunk_rows: int = 10_000,
    join_input_columns: Sequence[str] | Literal["all"] | None = None,
    prediction_column: str = "prediction",
    probabilities: bool = False,
    input_format: Literal["csv", "parquet"] | None = None,
    output_format: Literal["parquet", "csv"] = "parquet",
    experiment: str | None = None,
    name: str | None = None,
    trusted_types: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    timeout: float | None = None,
    wait: bool = False,
) -> JobHandle:
    """Start a batch transform job: score registered ``model`` (``version``, ``alias``,
    else the newest) over ``input`` — a CSV or Parquet file, a folder of them, or a
    DataFrame — in chunks of ``chunk_rows``, writing ``part-00000.parquet`` … (one per
    input file) into the ``output`` folder. ``join_input_columns`` copies input columns
    (a list, or ``"all"``) next to the ``prediction_column``; ``probabilities`` adds a
    ``probability_<class>`` column per class. Returns at once unless ``wait=True``."""
    spec = {
        "kind": "batch-transform",
        "name": name,
        "experiment": experiment,
        "model": model,
        "version": version,
        "alias": alias,
        "input": _data_source(input),
        "input_format": input_format,
        "output": output,
        "output_format": output_format,
        "chunk_rows": chunk_rows,
        "join_input_columns": (
            join_input_columns
            if join_input_columns is None or isinstance(join_input_columns, str)
            else list(join_input_columns)
        ),
        "prediction_column": prediction_column,
        "probabilities": probabilities,
        "trusted_types": list(trusted_types),
        "environment": dict(environment or {}),
        "timeout_seconds": timeout,
    }
    return _submit(spec, wait)


def get_job(name_or_id: str) -> JobHandle:
    """A job by name or id; raises ``NotFoundError``."""
    return JobHandle(studio(), studio().jobs.find(name_or_id))


def list_jobs(
    kind: Literal["training", "processing", "batch-transform"] | None = None,
    status: str | None = None,
    max_items: int = 100,
) -> list[Job]:
    """Jobs, newest first, optionally of one kind or status."""
    return list(studio().jobs.list(kind=kind, status=status, max_items=max_items).items)


def list_algorithms() -> list[dict[str, Any]]:
    """The built-in algorithms: name, task, description and hyperparameter schema."""
    from .jobs.algorithms import describe_algorithms

    return describe_algorithms()


# -- automatic model tuning ------------------------------------------------------------
_MINIMIZED = ("loss", "error", "rmse", "mse", "mae", "inertia")


def _direction(metric: str, given: str | None, default: str) -> str:
    """``given``, else Minimize for a metric named like a loss or an error, else ``default``."""
    if given is not None:
        return given.capitalize()  # the spec's spelling; it refuses anything else
    name = metric.lower().rsplit(":", 1)[-1]
    return "Minimize" if any(word in name for word in _MINIMIZED) else default


def tune(
    algorithm_or_script_or_function: str | Callable[..., Any],
    space: Mapping[str, Any] | None = None,
    *,
    objective: str | None = None,
    direction: str | None = None,
    strategy: str = "bayesian",
    max_trials: int | None = None,
    max_parallel: int = 1,
    data: Any = None,
    target: str | None = None,
    experiment: str | None = None,
    warm_start: Sequence[Any] = (),
    hyperparameters: Mapping[str, Any] | None = None,
    objective_regex: str | None = None,
    second_objective: str | None = None,
    second_direction: str | None = None,
    early_stopping: str = "off",
    min_resource: int = 1,
    max_resource: int | None = None,
    max_runtime: float | None = None,
    max_consecutive_failures: int = 5,
    random_seed: int | None = None,
    enqueue: Sequence[Mapping[str, Any]] = (),
    retry_failed: bool = False,
    name: str | None = None,
    validation: Any = None,
    channels: Mapping[str, Any] | None = None,
    source_dir: str | None = None,
    metric_definitions: Sequence[Mapping[str, str]] | None = None,
    environment: Mapping[str, str] | None = None,
    validation_fraction: float = 0.2,
    exclude_columns: Sequence[str] | None = None,
    trial_timeout: float | None = None,
    n_trials: int | None = None,
    wait: bool = False,
    progress: bool = True,
) -> TuningHandle:
    """Tune hyperparameters with optuna; returns a ``TuningHandle``.

    ``algorithm_or_script_or_function``: a built-in algorithm name or a script (``.py``)
    starts a tuning job whose trials are training jobs (built exactly as ``mls.train``
    builds one from ``data``, ``target``, ``hyperparameters`` — the fixed ones — and the
    other training arguments); it runs in the background unless ``wait=True``. A Python
    function runs function trials here and now, like ``study.optimize``: ``fn(params)``,
    ``fn(params, trial)`` (to report and be pruned) or ``fn(trial)`` without ``space``.

    ``space``: hyperparameter → ``(min, max)``, ``(min, max, "log")``, ``range(a, b)``,
    a list of values, or the spec's dict form (see ``docs/tuning.md``).
    ``objective``: the metric a trial logs (e.g. ``"validation:accuracy"``; a function's
    return value is named ``"objective"`` unless given); ``direction``: ``"maximize"`` or
    ``"minimize"`` (default: minimize for losses and errors, and for functions as optuna
    does; maximize otherwise). ``strategy``: bayesian | gp | random | grid | cma-es |
    hyperband; ``early_stopping="auto"``: the median rule. ``max_trials`` (default 10;
    ``n_trials`` is the same), ``max_parallel`` trials at a time (training jobs only),
    ``max_runtime`` seconds, ``warm_start``: earlier tuning jobs (names or handles)."""
    trials = max_trials if max_trials is not None else (n_trials if n_trials is not None else 10)
    if max_trials is not None and n_trials is not None and max_trials != n_trials:
        raise InvalidArgumentError("Give max_trials or n_trials, not both.")
    earlier = [getattr(w, "name", w) for w in warm_start]
    parsed_space = python_space(space) if space is not None else None
    if callable(algorithm_or_script_or_function):
        return _tune_function(
            algorithm_or_script_or_function,
            parsed_space,
            trials,
            objective=objective or "objective",
            direction=_direction(objective or "", direction, "Minimize"),
            strategy=strategy,
            early_stopping=early_stopping,
            timeout=max_runtime,
            random_seed=random_seed,
            warm_start=earlier,
            enqueue=enqueue,
            name=name,
            experiment=experiment,
            progress=progress,
            unused={
                "max_parallel": max_parallel != 1,
                "data": data is not None,
                "target": target is not None,
                "hyperparameters": bool(hyperparameters),
                "objective_regex": objective_regex is not None,
                "second_objective": second_objective is not None,
                "validation": validation is not None,
                "channels": bool(channels),
                "trial_timeout": trial_timeout is not None,
            },
        )
    if not isinstance(algorithm_or_script_or_function, str):
        raise InvalidArgumentError(
            "tune takes a built-in algorithm name, a script path (.py) or a function, not "
            f"{type(algorithm_or_script_or_function).__name__}."
        )
    if parsed_space is None:
        raise InvalidArgumentError(
            "space: give the hyperparameters to tune, e.g. "
            'space={"max_depth": (2, 12), "criterion": ["gini", "entropy"]}.'
        )
    if objective is None:
        raise InvalidArgumentError(
            "objective: name the metric to optimize"
            + _known_metrics(algorithm_or_script_or_function)
        )
    training = training_spec(
        algorithm_or_script_or_function,
        data,
        target,
        hyperparameters,
        experiment,
        validation=validation,
        channels=channels,
        source_dir=source_dir,
        metric_definitions=metric_definitions,
        environment=environment,
        validation_fraction=validation_fraction,
        timeout=trial_timeout,
        exclude_columns=exclude_columns,
    )
    spec: dict[str, Any] = {
        "name": name,
        "training": training,
        "search_space": parsed_space,
        "objective": {
            "metric": objective,
            "direction": _direction(objective, direction, "Maximize"),
            "regex": objective_regex,
        },
        "second_objective": (
            {
                "metric": second_objective,
                "direction": _direction(second_objective, second_direction, "Maximize"),
            }
            if second_objective is not None
            else None
        ),
        "strategy": strategy,
        "early_stopping": early_stopping,
        "min_resource": min_resource,
        "max_resource": max_resource,
        "limits": {
            "max_trials": trials,
            "max_parallel_trials": max_parallel,
            "max_runtime_seconds": max_runtime,
            "max_consecutive_failures": max_consecutive_failures,
        },
        "random_seed": random_seed,
        "warm_start": earlier,
        "enqueue": [dict(p) for p in enqueue],
        "retry_failed": retry_failed,
    }
    on = studio()
    handle = TuningHandle(on, on.tuning.create(spec))
    if wait:
        handle.wait(progress=progress)
    return handle


def _known_metrics(algorithm: str) -> str:
    from .jobs.algorithms import ALGORITHMS, builtin_metrics

    found = ALGORITHMS.get(algorithm)
    if found is None:
        return ' the trials log, e.g. objective="validation:accuracy".'
    return f"; {found.name} logs {', '.join(builtin_metrics(found.task))}."


def _tune_function(
    fn: Callable[..., Any],
    space: Mapping[str, Any] | None,
    trials: int,
    *,
    unused: Mapping[str, bool],
    progress: bool,
    **options: Any,
) -> TuningHandle:
    given = [k for k, v in unused.items() if v]
    if given:
        raise InvalidArgumentError(
            f"{', '.join(given)}: only for training-job trials; function trials run one at "
            "a time in this process and read their own data."
        )
    on = studio()
    callbacks = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=trials, desc=getattr(fn, "__name__", "tune"), unit="trial")
        callbacks.append(_function_progress(bar, options["direction"]))
    try:
        done = on.tuning.tune_function(
            fn, space=space, n_trials=trials, metric=options.pop("objective"),
            callbacks=callbacks, **options,
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
    return TuningHandle(on, done)


def _function_progress(bar: Any, direction: str) -> Callable[[Any, Any], None]:
    """An optuna callback moving ``bar`` one trial on, with the best value so far (kept
    here: no read of the study per trial)."""
    best: list[float] = []
    sign = -1.0 if direction == "Minimize" else 1.0

    def update(study: Any, trial: Any) -> None:
        value = trial.values[0] if trial.values else None
        if value is not None and (not best or sign * value > sign * best[0]):
            best[:] = [value]
            bar.set_postfix_str(f"best={value:.4g}", refresh=False)
        bar.update(1)

    return update


def get_tuning_job(name_or_id: str) -> TuningHandle:
    """A tuning job by name or id; raises ``NotFoundError``."""
    on = studio()
    return TuningHandle(on, on.tuning.get(name_or_id))


def list_tuning_jobs(status: str | None = None, max_items: int = 100) -> list[TuningJob]:
    """Tuning jobs, newest first, optionally of one status (Running, Completed, …)."""
    return list(studio().tuning.list(status=status, max_items=max_items).items)


# -- pipelines -------------------------------------------------------------------------
def list_pipelines() -> list[PipelineEntity]:
    """Stored pipelines, most recently changed first (``mls.Pipeline(...).run()`` stores
    one)."""
    return studio().pipelines.list_pipelines()


def get_pipeline_execution(execution_id: str) -> ExecutionHandle:
    """A pipeline execution by id: wait for it, read its steps, stop or retry it."""
    from .pipelines.handle import ExecutionHandle

    return ExecutionHandle(studio(), studio().pipelines.get_execution(execution_id))


def run_pipeline(
    name: str, parameters: Mapping[str, Any] | None = None, *, version: int | None = None
) -> ExecutionHandle:
    """Start an execution of a stored pipeline (its latest version by default)."""
    from .pipelines.handle import ExecutionHandle

    execution = studio().pipelines.start(name, dict(parameters or {}), version=version)
    return ExecutionHandle(studio(), execution)


def schedule_pipeline(
    name: str,
    expression: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    enabled: bool = True,
) -> PipelineTrigger:
    """Run pipeline ``name`` on a schedule: ``"rate(1 day)"``, SageMaker's
    ``"cron(0 3 * * ? *)"`` or a five-field cron, in UTC. A Jupyter server's scheduler
    (or ``jupyter mlstudio scheduler``) starts each due execution once, with
    ``parameters``; script paths are relative to this kernel's folder."""
    from .pipelines.schedules import PipelineSchedules

    return PipelineSchedules(studio()).create(
        name,
        "Schedule",
        expression=expression,
        parameters=parameters,
        enabled=enabled,
        base_dir=Path.cwd(),
    )


def trigger_pipeline(
    name: str,
    on: str,
    source: str,
    parameters: Mapping[str, Any] | None = None,
    event_parameters: Mapping[str, str] | None = None,
) -> PipelineTrigger:
    """Run pipeline ``name`` on an event: ``on="ModelApproved"`` (a version of model
    ``source`` becomes Approved) or ``on="MonitorViolation"`` (an execution of monitor
    ``source`` ends with violations). ``event_parameters`` maps pipeline parameters to
    the event's fields, e.g. ``{"version": "model_version"}``."""
    from .pipelines.schedules import PipelineSchedules

    return PipelineSchedules(studio()).create(
        name,
        on,
        source=source,
        parameters=parameters,
        event_parameters=event_parameters,
        base_dir=Path.cwd(),
    )


def pipeline_schedules(name: str | None = None) -> list[PipelineTrigger]:
    """The schedules and triggers of pipeline ``name`` (of every pipeline by default)."""
    from .pipelines.schedules import PipelineSchedules

    return PipelineSchedules(studio()).list_triggers(name)


def delete_pipeline_schedule(schedule_id: str) -> None:
    """Delete a pipeline schedule or trigger by its id."""
    from .pipelines.schedules import PipelineSchedules

    PipelineSchedules(studio()).delete(schedule_id)


def import_sagemaker_pipeline(
    definition: str | Path | Mapping[str, Any],
    name: str,
    *,
    code_dir: str = ".",
    paths: Mapping[str, str] | None = None,
) -> PipelineEntity:
    """Store a SageMaker pipeline definition (``pipeline.definition()``'s JSON, a path
    to it, or the dict) as pipeline ``name``. Steps' scripts are looked for in
    ``code_dir``; ``paths`` maps S3 prefixes to local files or folders. What maps only
    approximately is reported as warnings; what does not map raises naming it."""
    import warnings

    from .pipelines.sagemaker_import import import_definition

    result = import_definition(definition, name, code_dir=code_dir, paths=paths)
    for note in result.notes:
        warnings.warn(note, stacklevel=2)
    return studio().pipelines.upsert(result.document)


# -- model registry --------------------------------------------------------------------
def register(
    source: Any,
    name: str,
    *,
    description: str = "",
    tags: Mapping[str, Any] | None = None,
    data: str | None = None,
    input_example: Any = None,
    artifact_path: str = "model",
    trust_code: bool = False,
) -> ModelVersion:
    """Register a model as the next version of ``name`` (created if missing).

    ``source`` is a run (or its id) with a model under ``artifact_path``, a finished
    training job, a fitted scikit-learn estimator (``input_example`` gives its
    signature) or a model folder. ``data`` records the training data and its hash.
    A script-mode job whose script saved its model itself (joblib, pickle) registers with
    the script as inference code (its ``model_fn`` loads the model), as does a folder with
    ``code/inference.py``; ``trust_code=True`` lets it run when deployed."""
    return studio().registry.register(
        source,
        name,
        description=description,
        tags=tags,
        data=data,
        input_example=input_example,
        artifact_path=artifact_path,
        trust_code=trust_code,
    )


def list_models(search: str | None = None) -> list[ModelGroup]:
    """Registered models, most recently changed first; ``search`` matches name or description."""
    registry = studio().registry
    return _every_page(lambda token: registry.list_groups(search, max_items=1000, next_token=token))


def get_model(name: str) -> ModelGroup:
    return studio().registry.get_group(name)


def list_model_versions(name: str) -> list[ModelVersion]:
    """Every version of ``name``, newest first."""
    return studio().registry.list_versions(name)


def get_model_version(
    name: str, version: int | None = None, alias: str | None = None
) -> ModelVersion:
    """A version by number or alias; the newest when neither is given."""
    return studio().registry.get_version(name, version, alias)


def load_model(
    name: str,
    version: int | None = None,
    alias: str | None = None,
    trusted: Sequence[str] | None = None,
    trust_code: bool = False,
) -> Any:
    """The fitted estimator of a registered version (by number, alias or the newest).

    Refuses a missing or altered artifact, and object types outside scikit-learn, NumPy
    and SciPy unless named in ``trusted``. A version with inference code (SageMaker
    handlers) loads as its handlers (``.model``: what its model_fn returned,
    ``.predict(X)``: its predict_fn) when its code is trusted (``trust_code=True``)."""
    return studio().registry.load(name, version, alias, trusted, trust_code=trust_code)


def set_approval(name: str, version: int, status: str, comment: str) -> ModelVersion:
    """``Approved``, ``Rejected`` or ``PendingManualApproval``, with a required comment."""
    from .registry.service import current_user

    return studio().registry.set_approval(name, version, status, comment, current_user())


def set_alias(name: str, alias: str, version: int) -> ModelVersion:
    """Point ``alias`` (e.g. ``champion``) at ``version``; it moves atomically."""
    return studio().registry.set_alias(name, alias, version)


def delete_alias(name: str, alias: str) -> None:
    studio().registry.delete_alias(name, alias)


def update_model_version(
    name: str,
    version: int,
    *,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
    card: Mapping[str, str] | None = None,
) -> ModelVersion:
    """Change a version's description, tags or model card (nothing else can change)."""
    return studio().registry.update_version(
        name, version, description=description, tags=tags, card=card
    )


def model_card(name: str, version: int) -> str:
    """The version's model card as Markdown."""
    return studio().registry.card_markdown(name, version)


def delete_model(name: str, force: bool = False) -> None:
    """Delete a model; one with versions only with ``force=True``."""
    studio().registry.delete_model(name, force=force)


# -- endpoints ----------------------------------------------------------------------------
def deploy(
    name: str,
    version: int | None = None,
    *,
    alias: str | None = None,
    model: str | None = None,
    instances: int = 1,
    variants: Sequence[Mapping[str, Any]] | None = None,
    batching: Mapping[str, Any] | None = None,
    capture: bool | float | Mapping[str, Any] | None = None,
    auth: bool = True,
    max_payload_bytes: int | None = None,
    return_probabilities: bool = False,
    features: Sequence[str] | None = None,
    trust_code: bool = False,
    async_config: Mapping[str, Any] | None = None,
    models: Sequence[str] | None = None,
    multi_model: Mapping[str, Any] | bool | None = None,
    shadow: Mapping[str, Any] | None = None,
    autoscaling: Mapping[str, Any] | None = None,
    scale_to_zero_after: float | None = None,
    preprocess: str | os.PathLike[str] | None = None,
    wait: bool = True,
    timeout: float | None = None,
) -> EndpointHandle:
    """Deploy a registered model as endpoint ``name`` (its own server process).

    ``mls.deploy("churn", version=3)`` serves version 3 of the model ``churn`` (``model=``
    names another model; ``alias="champion"``; neither: the newest version);
    ``variants=[{"name": "a", "model": "churn", "version": 3, "weight": 80}, ...]`` splits
    the traffic. ``instances``: worker processes. ``capture=True`` (or a sampling
    percentage) records requests and responses for Model Monitor. ``max_payload_bytes``:
    the largest request body it takes (default 6 MiB; a larger one is answered 413).
    ``return_probabilities=True``: a classifier also answers ``probabilities`` (its
    ``predict_proba`` rows) and ``classes`` (refused for a model without predict_proba).
    ``features=["customers:age", "orders:*"]`` (references as in
    ``mls.features.dataset``): requests carry only the record ids, the endpoint looks the
    features up in the online store and predicts on them, named as in the training set.
    ``async_config={"max_concurrent_invocations": 2, "output_path": ...,
    "notification_webhook": url, "notification_secret": ...}``: the endpoint also works a
    durable queue of asynchronous requests (``endpoint.predict_async(data_or_path)``).
    ``models=["churn", "fraud"]``: a multi-model endpoint serving every version of those
    models, each loaded on its first request (``endpoint.predict_model("churn/3", rows)``,
    ``POST /models/churn/3/invocations`` or the ``X-Amzn-SageMaker-Target-Model`` header)
    and evicted, least recently used first, beyond ``multi_model={"memory_limit_bytes":
    ...}`` per worker; ``multi_model=True`` allows every registered model;
    ``endpoint.models()`` lists them with their metrics.
    ``shadow={"version": 4, "sampling": 0.5}`` (``model`` defaults to the production
    one's): a shadow variant gets a copy of that share of the requests after production
    answered; its answers are captured, never returned (``endpoint.shadow_comparison()``,
    ``endpoint.promote_shadow()``).
    ``autoscaling={"min": 1, "max": 4, "target_invocations_per_instance": 600}`` (requests
    per worker per minute; or ``"target_cpu_percent": 70``; ``scale_out_cooldown``,
    ``scale_in_cooldown``, ``window_seconds``): target tracking on every variant;
    ``scale_to_zero_after=300``: no request for that long stops every worker, and the next
    request starts one (``endpoint.autoscaling`` shows the state).
    ``preprocess="prep.flow"``: an inference pipeline; the Data Wrangler flow's steps are
    fitted on its data and run on each request's raw rows before the model, so requests
    carry the raw columns (``endpoint.stages`` shows both stages).
    Waits until it serves and raises with the reason if it could not start.
    """
    from .endpoints.handle import deploy_on

    return deploy_on(
        studio().endpoints,
        name,
        version,
        alias=alias,
        model=model,
        instances=instances,
        variants=variants,
        batching=batching,
        capture=capture,
        auth=auth,
        max_payload_bytes=max_payload_bytes,
        return_probabilities=return_probabilities,
        features=features,
        trust_code=trust_code,
        async_config=async_config,
        models=models,
        multi_model=multi_model,
        shadow=shadow,
        autoscaling=autoscaling,
        scale_to_zero_after=scale_to_zero_after,
        preprocess=preprocess,
        wait=wait,
        timeout=timeout,
    )


def get_endpoint(name: str) -> EndpointHandle:
    from .endpoints.handle import EndpointHandle

    service = studio().endpoints
    return EndpointHandle(service, service.get(name))


def list_endpoints() -> list[EndpointHandle]:
    from .endpoints.handle import EndpointHandle

    service = studio().endpoints
    found: list[EndpointHandle] = []
    token: str | None = None
    while True:
        page = service.list_endpoints(next_token=token)
        found.extend(EndpointHandle(service, e) for e in page.items)
        token = page.next_token
        if not token:
            return found


def delete_endpoint(name: str) -> None:
    studio().endpoints.delete(name)
