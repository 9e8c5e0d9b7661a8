"""The job's own process: ``python -m jupyter_mlstudio.jobs.runner <job id>``.

Its stdout and stderr are the job's log (the supervisor points them at ``log.txt``).
It lays out the working folder, runs the work — a built-in algorithm in this process,
a script or notebook as a child in the same process group — turns log lines into run
metrics, records outputs and ends the job and its run. Stop and timeout arrive as
SIGTERM to the whole group.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..artifacts import ArtifactRepository
from ..config import DASK_ADDRESS_ENV
from ..errors import MLStudioError
from ..experiments.run_entities import (
    MAX_BATCH,
    PARAM_VALUE_MAX_LENGTH,
    TAG_VALUE_MAX_LENGTH,
    Metric,
)
from ..processes import this_host
from ..registry.format import METADATA_FILE
from ..registry.service import not_a_model_folder
from ..serving.inference_code import defines_model_fn
from ..studio import Studio
from .checkpoints import CheckpointSync
from .contract import (
    Workspace,
    deliver,
    hyperparameter_arguments,
    prepare_processing,
    prepare_training,
)
from .entities import COMPLETED, FAILED, PENDING, REGISTRATION_ERROR, RUNNING, Job
from .lifecycle import finish_job, upload_workspace, workspace_for
from .specs import (
    DEFAULT_EXPERIMENT,
    BatchTransformSpec,
    JobSpec,
    MetricDefinition,
    ProcessingSpec,
    TrainingSpec,
    parse_spec,
)

if TYPE_CHECKING:
    from .builtin import TrainingResult

START_WAIT = 10.0
CHECKPOINTS_FOLDER = "checkpoints"
CHECKPOINTS_OUTPUT = "checkpoints"
CHECKPOINT_DIR_ENV = "MLSTUDIO_CHECKPOINT_DIR"
HOST_OUTPUT_PREFIX = "host:"
REGISTRATION_ERROR_TAG = "mlstudio.registration_error"
DROPPED_COLUMNS_PARAM = "dropped_columns"


class JobFailed(Exception):
    """The work failed; the message is the failure reason users see."""


class Terminated(BaseException):
    """SIGTERM arrived (stop or timeout). BaseException so user code cannot swallow it."""


class JobLog:
    """Writes lines to the log (our stdout) and turns matching lines into run metrics."""

    def __init__(self, studio: Studio, run_id: str | None, definitions: Sequence[MetricDefinition]):
        self._studio = studio
        self._run_id = run_id
        self._patterns = [(d.name, re.compile(d.regex)) for d in definitions]
        self._steps: dict[str, int] = {}
        self.tail: deque[str] = deque(maxlen=40)

    def line(self, text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        for piece in text.splitlines():
            if piece.strip():
                self.tail.append(piece)
            self._extract(piece)

    def write(self, text: str) -> None:
        """A line for the log only (no metrics read from it)."""
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    def say(self, text: str) -> None:
        self.line(f"[mlstudio] {text}")

    def _extract(self, text: str) -> None:
        if not self._run_id or not self._patterns:
            return
        for name, pattern in self._patterns:
            match = pattern.search(text)
            if not match:
                continue
            try:
                value = float(match.group(1))
            except (TypeError, ValueError):
                continue
            step = self._steps.get(name, 0)
            self._steps[name] = step + 1
            self._studio.metric_writer.put(
                self._run_id, Metric(key=name, value=value, step=step, timestamp=time.time())
            )

    def last_error_line(self) -> str | None:
        for text in reversed(self.tail):
            if not text.startswith("[mlstudio]"):
                return text.strip()
        return None


def run_child(command: list[str], *, cwd: Path, env: dict[str, str], log: JobLog) -> int:
    """Run a child in our process group, streaming its output through the log."""
    child = subprocess.Popen(  # noqa: S603 - running the user's job is the point
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert child.stdout is not None
    try:
        for raw in iter(child.stdout.readline, b""):
            log.line(raw.decode("utf-8", errors="replace"))
        return child.wait()
    finally:
        if child.poll() is None:  # we were interrupted: take the child with us
            child.terminate()
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()


def _wait_until_started(studio: Studio, job_id: str) -> Job:
    """The supervisor marks the job Running just after starting us."""
    deadline = time.monotonic() + START_WAIT
    job = studio.stores.jobs.get_job(job_id)
    while job.status == PENDING and time.monotonic() < deadline:
        time.sleep(0.02)
        job = studio.stores.jobs.get_job(job_id)
    return job


def _record_model(studio: Studio, job: Job, ws: Workspace, log: JobLog) -> dict[str, str]:
    outputs: dict[str, str] = {}
    if ws.model_dir.is_dir() and any(ws.model_dir.iterdir()):
        outputs["model"] = f"{job.artifact_uri}/model"
        if job.run_id:
            run = studio.experiments.get_run(job.run_id)
            ArtifactRepository(run.artifact_uri).put_dir(ws.model_dir, "model")
            log.say("model saved to the run's artifacts under model/")
    if ws.output_data_dir.is_dir() and any(ws.output_data_dir.iterdir()):
        outputs["output_data"] = f"{job.artifact_uri}/output/data"
    return outputs


def _register(
    studio: Studio, job: Job, spec: TrainingSpec, ws: Workspace, log: JobLog
) -> dict[str, str]:
    """Register the model the job produced, when the spec asks for it. The training
    succeeded whatever happens here: a model that cannot be registered is reported as
    the job's ``registration_error`` output (log, REST, run tag), never as a failure."""
    if not spec.register_as:
        return {}
    # a script's model saved another way (joblib …) registers with the script as its
    # inference code (SageMaker handlers; deploying it needs trust_code=True)
    code = None
    if spec.entry_point is not None and ws.code_dir.is_dir():
        entry = spec.entry_point if spec.source_dir else Path(spec.entry_point).name
        code = (ws.code_dir, entry) if defines_model_fn(ws.code_dir / entry) else None
    try:
        if not (ws.model_dir / METADATA_FILE).is_file() and code is None:
            files = [
                p.relative_to(ws.model_dir).as_posix()
                for p in ws.model_dir.rglob("*")
                if p.is_file()
            ]
            raise not_a_model_folder("The job's model folder (SM_MODEL_DIR)", files)
        version = studio.registry.register_folder(
            ws.model_dir,
            spec.register_as,
            run_id=job.run_id,
            job_id=job.id,
            channels=spec.channels,
            code=code,
        )
    except Exception as exc:  # whatever the folder holds, the training itself succeeded
        reason = exc.message if isinstance(exc, MLStudioError) else f"{type(exc).__name__}: {exc}"
        error = f"Not registered as {spec.register_as!r}: {reason}"
        log.say(f"training completed, but the model was not registered. {error}")
        if job.run_id:
            tag = _shorten(error, TAG_VALUE_MAX_LENGTH)
            studio.experiments.log_batch(job.run_id, tags={REGISTRATION_ERROR_TAG: tag})
        return {REGISTRATION_ERROR: error}
    log.say(f"registered the model as {version.name} version {version.version}")
    return {"registered_model": f"{version.name}/{version.version}"}


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failure_text(ws: Workspace) -> str | None:
    if ws.failure_file.is_file():
        text = ws.failure_file.read_text(errors="replace").strip()
        return text[:4000] or None
    return None


def _child_env(extra: dict[str, str], spec: JobSpec) -> dict[str, str]:
    """The environment of the job's code: ours, the container contract, the spec's.
    ``mls.start_run()`` in the code then logs child runs of the job's run."""
    env = dict(os.environ)
    env.update(extra)
    env["MLSTUDIO_EXPERIMENT"] = spec.experiment or DEFAULT_EXPERIMENT
    env.update(spec.environment)
    return env


def _train_builtin(
    studio: Studio, job: Job, spec: TrainingSpec, ws: Workspace, log: JobLog
) -> dict[str, str]:
    from .algorithms import validate_hyperparameters
    from .builtin import train_builtin

    assert spec.algorithm is not None
    prepare_training(ws, spec, job.id, job.run_id)
    hyperparameters = validate_hyperparameters(spec.algorithm, spec.hyperparameters)
    log.say(f"training built-in algorithm {spec.algorithm} with {hyperparameters}")

    def progress(fraction: float, message: str) -> None:
        studio.stores.jobs.set_progress(job.id, fraction, message)

    result = _train_distributed(spec, hyperparameters, ws, progress, log)
    if result is None:
        result = train_builtin(
            spec.algorithm,
            hyperparameters,
            {channel: ws.data_dir / channel for channel in spec.channels},
            spec.target,
            ws.model_dir,
            validation_fraction=spec.validation_fraction,
            exclude_columns=spec.exclude_columns,
            progress=progress,
            log=log.line,
        )
    if job.run_id:
        now = time.time()
        # which columns were not features shows next to the hyperparameters (the
        # reasons are in the log)
        dropped = _shorten(", ".join(result.dropped_columns), PARAM_VALUE_MAX_LENGTH)
        # a booster's rounds are steps 0..n-1; the final metrics come after them
        metrics = [
            Metric(key=k, value=v, step=step, timestamp=now)
            for k, values in result.history.items()
            for step, v in enumerate(values)
        ] + [
            Metric(key=k, value=float(v), step=result.final_step, timestamp=now)
            for k, v in result.metrics.items()
        ]
        for start in range(0, len(metrics), MAX_BATCH):
            studio.experiments.log_batch(
                job.run_id,
                metrics[start : start + MAX_BATCH],
                params={DROPPED_COLUMNS_PARAM: dropped} if dropped and not start else None,
            )
    return _record_model(studio, job, ws, log)


def _train_distributed(
    spec: TrainingSpec,
    hyperparameters: dict[str, Any],
    ws: Workspace,
    progress: Callable[[float, str], None],
    log: JobLog,
) -> TrainingResult | None:
    """A boosting built-in across Dask workers: the configured cluster, else a local
    one with ``instance_count`` single-threaded workers. None for one instance, and
    (with a note) for an algorithm that trains on one host only."""
    from .algorithms import get_algorithm

    assert spec.algorithm is not None
    if spec.instance_count == 1:
        return None
    if not get_algorithm(spec.algorithm).boosting:
        log.say(
            f"note: {spec.algorithm} cannot train distributed; instance_count="
            f"{spec.instance_count} ignored, training on one worker"
        )
        return None
    try:
        dask: Any = importlib.import_module("distributed")  # untyped
    except ImportError:
        raise JobFailed(
            "instance_count > 1 trains on Dask: pip install 'jupyter-mlstudio[dask]'"
        ) from None
    from .distributed_boosting import train_boosting_distributed

    address = os.environ.get(DASK_ADDRESS_ENV)
    with contextlib.ExitStack() as stack:
        if address:
            client = stack.enter_context(dask.Client(address))
        else:
            log.say(f"starting a local Dask cluster of {spec.instance_count} workers")
            cluster = stack.enter_context(
                dask.LocalCluster(
                    n_workers=spec.instance_count,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(dask.Client(cluster))
        return train_boosting_distributed(
            spec.algorithm,
            hyperparameters,
            # the workers read the data where it lives, not the job's local copy
            {name: str(source) for name, source in spec.channels.items()},
            spec.target,
            ws.model_dir,
            client=client,
            instance_count=spec.instance_count,
            validation_fraction=spec.validation_fraction,
            exclude_columns=spec.exclude_columns,
            progress=progress,
            log=log.line,
        )


def _train_script(
    studio: Studio, job: Job, spec: TrainingSpec, ws: Workspace, log: JobLog
) -> dict[str, str]:
    assert spec.entry_point is not None
    env = prepare_training(ws, spec, job.id, job.run_id)
    if spec.source_dir:
        shutil.copytree(spec.source_dir, ws.code_dir, dirs_exist_ok=True, symlinks=True)
        script = ws.code_dir / spec.entry_point
        cwd = ws.code_dir
    else:
        script = Path(spec.entry_point)
        cwd = Path(spec.working_dir) if spec.working_dir else script.parent
        ws.code_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(script, ws.code_dir / script.name)  # what ran, kept with the job
    if not script.is_file():
        raise JobFailed(f"The entry point {script} does not exist.")
    command = [sys.executable, "-u", str(script), *hyperparameter_arguments(spec.hyperparameters)]
    checkpoints = CheckpointSync(
        ws.container_path(spec.checkpoint_local_path),
        spec.checkpoint_uri or f"{job.artifact_uri}/{CHECKPOINTS_FOLDER}",
        log.say,
    )
    env[CHECKPOINT_DIR_ENV] = str(checkpoints.local)
    if spec.checkpoint_uri or spec.max_retry_attempts:
        studio.stores.jobs.add_outputs(job.id, {CHECKPOINTS_OUTPUT: checkpoints.uri})
    attempts = 1 + spec.max_retry_attempts
    for attempt in range(1, attempts + 1):
        restored = checkpoints.restore(fresh=attempt > 1)
        if attempt > 1:
            log.say(
                f"attempt {attempt} of {attempts}: {restored} checkpoint file(s) restored "
                f"from {checkpoints.uri}"
            )
        elif restored and not checkpoints.same_place:
            log.say(f"{restored} checkpoint file(s) restored from {checkpoints.uri}")
        env["MLSTUDIO_ATTEMPT"] = str(attempt)
        log.say(f"running {' '.join(command[2:])}")
        studio.stores.jobs.set_progress(
            job.id,
            None,
            "running the training script"
            + (f" on {spec.instance_count} hosts" if spec.instance_count > 1 else "")
            + (f" (attempt {attempt} of {attempts})" if attempt > 1 else ""),
        )
        with checkpoints.syncing():
            failure = _run_script_hosts(studio, job, spec, command, cwd, env, ws, log)
        if failure is None:
            break
        if attempt == attempts:
            raise JobFailed(failure)
        log.say(f"attempt {attempt} failed: {failure}; trying again")
    return _record_model(studio, job, ws, log)


def _run_script_hosts(
    studio: Studio,
    job: Job,
    spec: TrainingSpec,
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    ws: Workspace,
    log: JobLog,
) -> str | None:
    """Run the script on one host or ``instance_count``; why it failed, or None."""
    if spec.instance_count == 1:
        code = run_child(command, cwd=cwd, env=_child_env(env, spec), log=log)
        try:
            _raise_on_failure(code, ws, log, "training script")
        except JobFailed as exc:
            return str(exc)
        return None
    from .hosts import describe_exit, plan_hosts, run_hosts

    channels = {c: spec.channel_distribution.get(c, "FullyReplicated") for c in spec.channels}
    hosts = plan_hosts(ws, _child_env(env, spec), spec.instance_count, channels)
    log.say(f"starting {len(hosts)} hosts: {', '.join(h.name for h in hosts)}")

    def emit(host: Any, text: str) -> None:
        # the leader's lines feed the metric definitions; every line is in the log
        if host.rank == 0:
            log.line(f"[{host.name}] {text}")
        else:
            log.write(f"[{host.name}] {text}")

    def on_exit(host: Any, code: int) -> None:
        state = "completed" if code == 0 else describe_exit(code)
        studio.stores.jobs.add_outputs(job.id, {f"{HOST_OUTPUT_PREFIX}{host.name}": state})
        log.say(f"host {host.name} {state}")

    studio.stores.jobs.add_outputs(
        job.id, {f"{HOST_OUTPUT_PREFIX}{h.name}": "running" for h in hosts}
    )
    failure = run_hosts(hosts, command, cwd=cwd, emit=emit, on_exit=on_exit)
    if failure is None:
        return _failure_text(ws)
    detail = f": {failure.last_line}" if failure.last_line else ""
    return (
        f"Host {failure.host} {describe_exit(failure.code)}{detail} (the other hosts were stopped)"
    )


def _raise_on_failure(code: int, ws: Workspace, log: JobLog, what: str) -> None:
    failure = _failure_text(ws)
    if code == 0 and failure is None:
        return
    if failure:
        raise JobFailed(failure)
    if code < 0:
        raise JobFailed(f"The {what} was killed by {signal.Signals(-code).name}.")
    last = log.last_error_line()
    raise JobFailed(f"The {what} exited with code {code}" + (f": {last}" if last else "."))


def _process(
    studio: Studio, job: Job, spec: ProcessingSpec, ws: Workspace, log: JobLog
) -> dict[str, str]:
    env, folders = prepare_processing(ws, spec, job.id, job.run_id)
    code = Path(spec.code)
    if not code.is_file():
        raise JobFailed(f"The code {code} does not exist.")
    ws.code_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(code, ws.code_dir / code.name)
    cwd = Path(spec.working_dir) if spec.working_dir else code.parent
    outputs: dict[str, str] = {}
    studio.stores.jobs.set_progress(job.id, None, f"running {code.name}")
    if code.suffix == ".flow":
        outputs.update(_run_flow(studio, job, spec, code, ws, log))
        _flow_into_declared(outputs, folders.outputs, ws, log)
    elif code.suffix == ".ipynb":
        # imported here: nbformat's schema validation costs a second to import
        from .notebooks import NotebookFailed, execute_notebook

        executed = ws.output_dir / code.name
        os.environ.update(_child_env(env, spec))
        try:
            execute_notebook(code, executed, spec.parameters, cwd=cwd, log=log.line, timeout=None)
        except NotebookFailed as exc:
            outputs["notebook"] = f"{job.artifact_uri}/output/{code.name}"
            studio.stores.jobs.add_outputs(job.id, outputs)
            raise JobFailed(str(exc)) from None
        outputs["notebook"] = f"{job.artifact_uri}/output/{code.name}"
    elif spec.framework == "spark":
        outputs.update(_spark_submit(studio, job, spec, code, cwd, env, ws, log))
    else:
        command = [sys.executable, "-u", str(code), *spec.arguments]
        log.say(f"running {' '.join(command[2:])}")
        status = run_child(command, cwd=cwd, env=_child_env(env, spec), log=log)
        _raise_on_failure(status, ws, log, "script")
    for item in spec.outputs:
        folder = folders.outputs[item.name]
        rel = folder.relative_to(ws.root).as_posix() if folder.is_relative_to(ws.root) else None
        outputs[item.name] = f"{job.artifact_uri}/{rel}" if rel else str(folder)
        if item.destination:
            deliver(folder, item.destination)
            outputs[item.name] = item.destination
            log.say(f"output {item.name!r} copied to {item.destination}")
    return outputs


def _flow_into_declared(
    produced: dict[str, str], declared: dict[str, Path], ws: Workspace, log: JobLog
) -> None:
    """Move each flow output the job declares as an output into that output's folder,
    which is then the output (a pipeline's Processing step declares the outputs it passes
    on); a declared name the flow does not produce fails the job."""
    missing = sorted(set(declared) - set(produced))
    if missing:
        raise JobFailed(
            f"The flow has no output {', '.join(map(repr, missing))} "
            f"(its outputs: {', '.join(sorted(produced)) or 'none'})."
        )
    for name, folder in declared.items():
        written = ws.output_dir / produced[name].rsplit("/", 1)[-1]
        # a file (pandas) goes into the folder; a folder of parts (dask) is its content
        for item in sorted(written.iterdir()) if written.is_dir() else [written]:
            shutil.move(item, folder / item.name)
        if written.is_dir():
            written.rmdir()
        log.say(f"output {name!r} -> declared output folder {folder.name}/")


def _spark_submit(
    studio: Studio,
    job: Job,
    spec: ProcessingSpec,
    code: Path,
    cwd: Path,
    env: dict[str, str],
    ws: Workspace,
    log: JobLog,
) -> dict[str, str]:
    """A PySpark script through spark-submit; the Spark UI's address is an output while
    it runs, the event logs one afterwards."""
    from .spark import (
        SPARK_EVENT_LOGS_OUTPUT,
        SPARK_UI_OUTPUT,
        SparkUnavailable,
        build_submit,
        require_java,
    )

    event_logs = ws.output_dir / "spark-events" if spec.spark_event_logs_uri else None
    try:
        require_java()
        submit = build_submit(
            code,
            spec.arguments,
            instance_count=spec.instance_count,
            master=spec.spark_master,
            configuration=spec.configuration,
            event_logs_dir=event_logs,
            py_files=spec.submit_py_files,
            jars=spec.submit_jars,
            files=spec.submit_files,
        )
    except SparkUnavailable as exc:
        raise JobFailed(str(exc)) from None
    for classification in submit.ignored:
        log.say(
            f"configuration {classification!r} ignored: spark-submit takes spark-defaults "
            "and spark-env"
        )
    master = submit.command[submit.command.index("--master") + 1]
    log.say(f"spark-submit --master {master} {code.name} {' '.join(spec.arguments)}".rstrip())
    studio.stores.jobs.add_outputs(job.id, {SPARK_UI_OUTPUT: submit.ui_url})
    studio.stores.jobs.set_progress(job.id, None, f"running {code.name} on Spark ({master})")
    status = run_child(
        submit.command, cwd=cwd, env=_child_env({**env, **submit.environment}, spec), log=log
    )
    _raise_on_failure(status, ws, log, "Spark application")
    outputs: dict[str, str] = {}
    if event_logs is not None and spec.spark_event_logs_uri:
        deliver(event_logs, spec.spark_event_logs_uri)
        outputs[SPARK_EVENT_LOGS_OUTPUT] = spec.spark_event_logs_uri
        log.say(f"Spark event logs copied to {spec.spark_event_logs_uri}")
    return outputs


def _run_flow(
    studio: Studio, job: Job, spec: ProcessingSpec, code: Path, ws: Workspace, log: JobLog
) -> dict[str, str]:
    """A Data Wrangler flow on the full data: every output written to the job's output
    folder, one file each."""
    from ..wrangler import Flow

    output_format = str(spec.parameters.get("output_format", "parquet"))
    if output_format not in ("parquet", "csv"):
        raise JobFailed(f"output_format must be 'parquet' or 'csv', not {output_format!r}.")
    try:
        flow = Flow.load(code)
    except MLStudioError as exc:
        raise JobFailed(f"{code.name}: {exc.message}") from None
    engine = str(spec.parameters.get("engine", "auto"))
    if engine not in ("auto", "pandas", "dask"):
        raise JobFailed(f"engine must be 'auto', 'pandas' or 'dask', not {engine!r}.")
    address = studio.config.dask_address if job.executor == "dask" else ""
    if engine == "dask" and not address:
        raise JobFailed("engine 'dask' needs the Dask executor (c.MLStudio.job_executor).")
    if engine != "pandas" and address:
        from ..wrangler.distributed import dask_blockers

        blockers = dask_blockers(flow.document)
        if not blockers:
            return _run_flow_on_dask(job, flow, code, ws, log, address, output_format)
        if engine == "dask":
            raise JobFailed("This flow cannot run on dask.dataframe: " + "; ".join(blockers))
        log.say("running with pandas on this worker: " + "; ".join(blockers))
    log.say(f"running flow {code.name}: {len(flow.document.steps)} step(s) on the full data")
    try:
        frames = flow.run_all()
    except MLStudioError as exc:
        raise JobFailed(exc.message) from None
    ws.output_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {}
    for name, frame in frames.items():
        target = ws.output_dir / f"{name}.{output_format}"
        if output_format == "parquet":
            frame.to_parquet(target)
        else:
            frame.to_csv(target, index=False)
        log.say(f"output {name!r}: {len(frame)} rows x {frame.shape[1]} columns -> {target.name}")
        outputs[name] = f"{job.artifact_uri}/output/{target.name}"
        if job.run_id:
            studio.metric_writer.put(
                job.run_id,
                Metric(key=f"rows_{name}", value=float(len(frame)), step=0, timestamp=time.time()),
            )
    return outputs


def _run_flow_on_dask(
    job: Job, flow: Any, code: Path, ws: Workspace, log: JobLog, address: str, output_format: str
) -> dict[str, str]:
    """The flow on dask.dataframe across the cluster: each output a folder of parts."""
    import distributed

    from ..wrangler.distributed import run_on_dask

    client_class: Any = distributed.Client
    with client_class(address, timeout="10s") as client:
        log.say(
            f"running flow {code.name} on dask.dataframe across {len(client.nthreads())} worker(s)"
        )
        try:
            written = run_on_dask(
                flow.document,
                flow.base_dir,
                ws.output_dir,
                output_format="csv" if output_format == "csv" else "parquet",
            )
        except MLStudioError as exc:
            raise JobFailed(exc.message) from None
    outputs = {}
    for name, folder in written.items():
        parts = len(list(folder.glob(f"*.{output_format}")))
        log.say(f"output {name!r}: {parts} part file(s) -> {folder.name}/")
        outputs[name] = f"{job.artifact_uri}/output/{folder.name}"
    return outputs


def _batch_transform(
    studio: Studio, job: Job, spec: BatchTransformSpec, log: JobLog
) -> dict[str, str]:
    """Score a registered model over files: in chunks here, or by partition on the
    Dask cluster when the job runs on the dask executor."""
    from .batch import (
        BadChunk,
        list_input_files,
        make_plan,
        resolve_version,
        transform_dask,
        transform_local,
    )

    found = resolve_version(studio.registry, spec)
    label = f"model {found.name} version {found.version}"
    log.say(f"loading {label}")
    model = studio.registry.load(found.name, found.version, trusted=spec.trusted_types)
    if spec.probabilities and not hasattr(model, "predict_proba"):
        raise JobFailed(f"probabilities=True, but {label} has no predict_proba.")
    plan = make_plan(spec, found.signature, model)
    files = list_input_files(spec.input, spec.input_format)
    if job.run_id:
        studio.experiments.log_batch(
            job.run_id, params={"model_version": found.version, "input_files": len(files)}
        )
    log.say(f"{len(files)} input file(s); writing {spec.output_format} to {spec.output}")

    def progress(fraction: float | None, message: str) -> None:
        studio.stores.jobs.set_progress(job.id, fraction, message)

    def rows_metric(rows: int, step: int) -> None:
        if job.run_id:
            studio.metric_writer.put(
                job.run_id, Metric(key="rows_scored", value=rows, step=step, timestamp=time.time())
            )

    address = studio.config.dask_address if job.executor == "dask" else ""
    try:
        if address:
            summary = transform_dask(
                model,
                plan,
                files,
                spec,
                address=address,
                label=label,
                log=log.say,
                progress=progress,
            )
        else:
            summary = transform_local(
                model,
                plan,
                files,
                spec,
                label=label,
                log=log.say,
                progress=progress,
                rows_metric=rows_metric,
            )
    except BadChunk as exc:
        raise JobFailed(str(exc)) from None
    progress(1.0, f"{summary.rows:,} rows scored")
    log.say(
        f"{summary.rows:,} rows scored in {summary.seconds:.1f} s "
        f"({summary.rows_per_second:,.0f} rows/s) into {summary.parts} file(s)"
    )
    if job.run_id:
        now = time.time()
        final = {"rows_per_second": summary.rows_per_second, "output_files": summary.parts}
        if address:  # the local path logged rows_scored chunk by chunk
            final["rows_scored"] = summary.rows
        studio.metric_writer.flush()
        studio.experiments.log_batch(
            job.run_id,
            [Metric(key=k, value=float(v), step=0, timestamp=now) for k, v in final.items()],
        )
    return {"predictions": spec.output}


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def run(studio: Studio, job_id: str) -> int:
    job = _wait_until_started(studio, job_id)
    if job.status != RUNNING:
        return 0
    if job.host == this_host() and job.pid is not None and job.pid != os.getpid():
        # our supervisor died between starting us and marking the job Running, and the
        # next server started the job again: that process is the job, we are not
        print(f"process {job.pid} runs job {job.id}; this one ({os.getpid()}) leaves it to it")
        return 0
    signal.signal(signal.SIGTERM, _on_sigterm)
    ws = workspace_for(studio.config, job)
    log = JobLog(studio, job.run_id, ())
    log.say(f"job {job.name} ({job.kind}) started on {this_host()} as process {os.getpid()}")
    try:
        spec = parse_spec(job.spec)
        log = JobLog(studio, job.run_id, spec.metric_definitions)
        if isinstance(spec, ProcessingSpec):
            outputs = _process(studio, job, spec, ws, log)
        elif isinstance(spec, BatchTransformSpec):
            outputs = _batch_transform(studio, job, spec, log)
        elif spec.algorithm:
            outputs = _train_builtin(studio, job, spec, ws, log)
        else:
            outputs = _train_script(studio, job, spec, ws, log)
        if isinstance(spec, TrainingSpec):
            studio.metric_writer.flush()  # the version copies the run's metrics
            outputs |= _register(studio, job, spec, ws, log)
        studio.metric_writer.flush()
        studio.stores.jobs.add_outputs(job.id, outputs)
        upload_workspace(job, ws)
        log.say("job completed")
        finish_job(studio.stores.jobs, job.id, COMPLETED)
        return 0
    except Terminated:
        log.say("terminated (SIGTERM)")
        reason = "Terminated by SIGTERM."
    except (JobFailed, MLStudioError) as exc:
        reason = exc.message if isinstance(exc, MLStudioError) else str(exc)
        log.say(f"job failed: {reason}")
    except Exception as exc:  # the user's code or data: report it, never hide it
        traceback.print_exc(file=sys.stdout)
        reason = f"{type(exc).__name__}: {exc}"
        log.say(f"job failed: {reason}")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # finish writing the end, then go
    with contextlib.suppress(MLStudioError):
        studio.metric_writer.flush()
    upload_workspace(job, ws)
    finish_job(studio.stores.jobs, job.id, FAILED, reason)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m jupyter_mlstudio.jobs.runner <job id>", file=sys.stderr)
        return 2
    studio = Studio.open()
    try:
        return run(studio, args[0])
    finally:
        studio.close()


if __name__ == "__main__":
    sys.exit(main())
