"""Submitting, stopping, cloning and reading jobs: the one API the SDK, the magics and
the REST handlers share.

``submit`` checks everything that can be checked before a process starts (algorithm,
hyperparameter types and ranges, target column, that inputs exist), so a mistake is a
clear error at once rather than a failed job a minute later. It then creates the run
the job logs to, stores the job as Pending and hands it to the executor.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..artifacts import ArtifactRepository, LogChunk
from ..data_files import read_columns
from ..errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
    validation_message,
)
from ..paths import expand_user
from ..processes import this_host
from ..store.pagination import Page
from .contract import is_remote
from .entities import PENDING, STOPPED, Job
from .executors import JobExecutor
from .lifecycle import finish_job
from .specs import (
    DEFAULT_EXPERIMENT,
    BatchTransformSpec,
    JobSpec,
    ProcessingSpec,
    TrainingSpec,
    parse_spec,
)
from .store import JobStore

if TYPE_CHECKING:
    from ..experiments.service import ExperimentService
    from ..registry.service import Registry

MAX_LOG_CHUNK = 256 * 1024


def _resolve(path: str, base: Path, *, within: bool, label: str, stored: bool = False) -> str:
    """An absolute path for a local path, unchanged for a URL (``stored``: the path comes
    from a recorded spec, so it is absolute already; it must still stay inside ``base``)."""
    if is_remote(path):
        if within:
            raise InvalidArgumentError(f"{label}: give a path inside the server's root folder.")
        return path
    raw = expand_user(path.removeprefix("file://"))
    if within and ((raw.is_absolute() and not stored) or ".." in raw.parts):
        raise InvalidArgumentError(
            f"{label}: {path!r} must be a path relative to the server's root folder."
        )
    resolved = (base / raw).resolve() if not raw.is_absolute() else raw.resolve()
    if within and not resolved.is_relative_to(base.resolve()):
        raise InvalidArgumentError(f"{label}: {path!r} leaves the server's root folder.")
    return str(resolved)


def resolve_paths(
    spec: JobSpec, base: Path, *, within: bool = False, stored: bool = False
) -> JobSpec:
    """Make every local path of the spec absolute (relative to ``base``).

    ``within=True`` (the REST API) also refuses paths that leave ``base``; ``stored``
    says the spec is a recorded one (a clone), whose paths are absolute already.
    """

    def resolve(value: str, label: str) -> str:
        return _resolve(value, base, within=within, label=label, stored=stored)

    def fix(value: str | None, label: str) -> str | None:
        return None if value is None else resolve(value, label)

    working_dir = fix(spec.working_dir, "working_dir")
    if isinstance(spec, BatchTransformSpec):
        return spec.model_copy(
            update={
                "input": resolve(spec.input, "input"),
                "output": resolve(spec.output, "output"),
                "working_dir": working_dir,
            }
        )
    if isinstance(spec, TrainingSpec):
        return spec.model_copy(
            update={
                "entry_point": fix(spec.entry_point, "entry_point")
                if not spec.source_dir
                else spec.entry_point,
                "source_dir": fix(spec.source_dir, "source_dir"),
                "channels": {c: resolve(s, f"channel {c!r}") for c, s in spec.channels.items()},
                "working_dir": working_dir,
                "checkpoint_uri": fix(spec.checkpoint_uri, "checkpoint_uri"),
            }
        )
    return spec.model_copy(
        update={
            "code": fix(spec.code, "code"),
            "inputs": [
                i.model_copy(update={"source": resolve(i.source, f"input {i.name!r}")})
                for i in spec.inputs
            ],
            "outputs": [
                o.model_copy(update={"destination": fix(o.destination, f"output {o.name!r}")})
                for o in spec.outputs
            ],
            "working_dir": working_dir,
            "spark_event_logs_uri": fix(spec.spark_event_logs_uri, "spark_event_logs_uri"),
            **{
                field: [resolve(p, field) for p in getattr(spec, field)]
                for field in ("submit_py_files", "submit_jars", "submit_files")
            },
        }
    )


def relative_message(message: str, base: Path) -> str:
    """A message with paths under ``base`` shown relative to it."""
    return message.replace(f"{base.resolve()}/", "")


def _default_name(spec: JobSpec) -> str:
    if isinstance(spec, TrainingSpec):
        stem = spec.algorithm or Path(spec.entry_point or "train").stem
    elif isinstance(spec, BatchTransformSpec):
        stem = f"{spec.model}-transform"
    else:
        stem = Path(spec.code).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or spec.kind
    return f"{stem[:80]}-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"


def _check_exists(path: str, label: str) -> None:
    if not is_remote(path) and not Path(path).exists():
        raise InvalidArgumentError(f"{label}: {path} does not exist.")


def check_spec(spec: JobSpec, registry: Registry | None = None) -> JobSpec:
    """Refuse what would certainly fail; returns the spec with hyperparameters normalized.
    A batch transform needs the ``registry`` (its model must be registered there)."""
    if isinstance(spec, BatchTransformSpec):
        from .batch import check_batch_transform

        if registry is None:
            raise InvalidArgumentError("A batch transform is checked against a model registry.")
        check_batch_transform(registry, spec)
        return spec
    if isinstance(spec, ProcessingSpec):
        _check_exists(spec.code, "code")
        for item in spec.inputs:
            _check_exists(item.source, f"input {item.name!r}")
        return spec
    for channel, source in spec.channels.items():
        _check_exists(source, f"channel {channel!r}")
    if spec.entry_point is not None and spec.exclude_columns:
        raise InvalidArgumentError(
            "exclude_columns: built-in algorithms only; a training script chooses its own "
            "features (pass the columns as a hyperparameter)."
        )
    if spec.entry_point is not None:
        if spec.source_dir is not None:
            _check_exists(spec.source_dir, "source_dir")
            _check_exists(str(Path(spec.source_dir) / spec.entry_point), "entry_point")
        else:
            _check_exists(spec.entry_point, "entry_point")
            if not spec.entry_point.endswith(".py"):
                raise InvalidArgumentError("entry_point: must be a Python script (.py).")
        return spec
    from .algorithms import get_algorithm, validate_hyperparameters
    from .builtin import check_excluded

    assert spec.algorithm is not None
    algorithm = get_algorithm(spec.algorithm)
    hyperparameters = validate_hyperparameters(algorithm, spec.hyperparameters)
    train = spec.channels["train"]
    if algorithm.needs_target and not spec.target:
        raise InvalidArgumentError(
            f"target: {algorithm.name} is a {algorithm.task} algorithm and needs a target column."
        )
    if not is_remote(train) and (algorithm.needs_target or spec.exclude_columns):
        columns = read_columns(Path(train))
        if algorithm.needs_target and spec.target not in columns:
            shown = ", ".join(columns[:20]) + (" …" if len(columns) > 20 else "")
            raise InvalidArgumentError(
                f"target: column {spec.target!r} is not in the training data; "
                f"its columns are {shown}."
            )
        check_excluded(
            spec.exclude_columns, columns, spec.target if algorithm.needs_target else None
        )
    return spec.model_copy(update={"hyperparameters": hyperparameters})


class JobService:
    def __init__(
        self,
        store: JobStore,
        executor: Callable[[], JobExecutor],
        *,
        experiments: ExperimentService,
        registry: Registry,
    ) -> None:
        """``executor`` gives the executor; it is asked for on the first submit or stop
        (starting one may start a process or connect to a cluster, which reading jobs
        does not need)."""
        self.store = store
        self._executor = executor
        self._experiments = experiments
        self._registry = registry
        self.changed_since = store.changed_since

    @property
    def executor(self) -> JobExecutor:
        return self._executor()

    # -- submitting --------------------------------------------------------------------
    def submit(
        self,
        spec: JobSpec,
        *,
        base_dir: Path | None = None,
        within_base: bool = False,
        parent_run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Job:
        """Record ``spec`` as a job with its own run and hand it to the executor.

        ``parent_run_id`` makes the job's run a child run (a tuning trial's run under its
        tuning job's run); ``tags`` are added to that run.
        """
        base = base_dir or Path.cwd()
        try:
            spec = check_spec(resolve_paths(spec, base, within=within_base), self._registry)
        except InvalidArgumentError as exc:
            if within_base:  # speak in the caller's (root-relative) paths
                raise InvalidArgumentError(relative_message(exc.message, base)) from None
            raise
        name = spec.name or _default_name(spec)
        if self.store.name_taken(name):
            raise AlreadyExistsError(f"A job named {name!r} already exists.")
        experiment = self._experiments.experiment(spec.experiment or DEFAULT_EXPERIMENT)
        if isinstance(spec, TrainingSpec):
            source = spec.algorithm or Path(spec.entry_point or "").name
        elif isinstance(spec, BatchTransformSpec):
            source = spec.model
        else:
            source = Path(spec.code).name
        run = self._experiments.create_run(
            experiment.id,
            name=name,
            tags={
                **(tags or {}),
                "mlstudio.job_kind": spec.kind,
                "mlstudio.source": source,
                "mlstudio.executor": self.executor.name,
            },
            parent_run_id=parent_run_id,
        )
        params: dict[str, Any] = {}
        if isinstance(spec, TrainingSpec):
            params.update(spec.hyperparameters)
            if spec.algorithm:
                params["algorithm"] = spec.algorithm
            if spec.target:
                params["target"] = spec.target
        elif isinstance(spec, BatchTransformSpec):
            params.update(
                model=spec.model,
                model_requested=spec.version or spec.alias or "latest",
                chunk_rows=spec.chunk_rows,
                output_format=spec.output_format,
            )
        else:
            params.update({f"parameter.{k}": v for k, v in spec.parameters.items()})
        try:
            job = self.store.create_job(
                kind=spec.kind,
                name=name,
                spec=spec.model_dump(mode="json") | {"name": name},
                executor=self.executor.name,
                run_id=run.id,
                experiment_id=experiment.id,
                owner_host=this_host(),
                owner_pid=os.getpid(),
            )
        except MLStudioError:
            self._experiments.discard_run(run.id)
            raise
        self._experiments.log_batch(run.id, params=params or None, tags={"mlstudio.job_id": job.id})
        self.executor.submit(job)
        return job

    def submit_data(
        self, data: dict[str, Any], *, base_dir: Path | None = None, within_base: bool = False
    ) -> Job:
        """Submit from plain data (a dict with ``kind``), turning validation errors into
        one readable message."""
        try:
            spec = parse_spec(data)
        except ValidationError as exc:
            raise InvalidArgumentError(validation_message(exc)) from None
        return self.submit(spec, base_dir=base_dir, within_base=within_base)

    def batch_transform(
        self,
        model: str,
        input: str,
        output: str,
        *,
        base_dir: Path | None = None,
        within_base: bool = False,
        **options: Any,
    ) -> Job:
        """Submit a batch transform of ``model`` over ``input`` into ``output``;
        ``options`` are the other fields of :class:`BatchTransformSpec`."""
        data = {"kind": "batch-transform", "model": model, "input": input, "output": output}
        return self.submit_data(data | options, base_dir=base_dir, within_base=within_base)

    # -- controlling -------------------------------------------------------------------
    def stop(self, job_id: str) -> Job:
        job = self.store.request_stop(job_id)
        if job.status == PENDING:
            ended = finish_job(self.store, job_id, STOPPED, "Stopped before it started.")
            self.executor.stop(ended)
            return ended
        self.executor.stop(job)
        return self.store.get_job(job_id)

    def clone(
        self,
        job_id: str,
        name: str | None = None,
        *,
        base_dir: Path | None = None,
        within_base: bool = False,
    ) -> Job:
        """Submit the same spec again, as a new job.

        ``within_base`` (the REST API) checks the copied paths as a new request's: a job
        the SDK made may read files outside ``base_dir``; a copy asked for over REST may not.
        """
        original = self.store.get_job(job_id)
        spec = parse_spec(original.spec).model_copy(update={"name": name})
        if within_base:
            base = base_dir or Path.cwd()
            try:
                spec = resolve_paths(spec, base, within=True, stored=True)
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(relative_message(exc.message, base)) from None
        return self.submit(spec, base_dir=base_dir)

    def wait(self, job_id: str, timeout: float | None = None, poll: float = 0.25) -> Job:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.store.get_job(job_id)
            if job.is_terminal:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Job {job.name!r} is still {job.status} after {timeout} s.")
            time.sleep(poll)

    def data_columns(self, relative: str, root: Path) -> list[str]:
        """The columns of a data file or folder a request names relative to the server's
        ``root`` folder (messages speak in root-relative paths)."""
        raw = Path(relative)
        if raw.is_absolute() or ".." in raw.parts:
            raise InvalidArgumentError("path must be relative to the server's root folder.")
        if not (root / raw).exists():
            raise NotFoundError(f"{relative} does not exist.")
        try:
            return read_columns(root / raw)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(relative_message(exc.message, root)) from None

    # -- reading -----------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        return self.store.get_job(job_id)

    def find(self, name_or_id: str) -> Job:
        """A job by name, else by id; raises ``NotFoundError``."""
        try:
            return self.store.get_job_by_name(name_or_id)
        except NotFoundError:
            return self.store.get_job(name_or_id)

    def list(self, **filters: Any) -> Page[Job]:
        return self.store.list_jobs(**filters)

    def read_log(self, job_id: str, offset: int = 0, max_bytes: int = MAX_LOG_CHUNK) -> LogChunk:
        """The log from byte ``offset`` on, cut at a line end so no character is split."""
        if offset < 0:
            raise InvalidArgumentError("offset must be 0 or more.")
        if not 1 <= max_bytes <= MAX_LOG_CHUNK:
            raise InvalidArgumentError(f"max_bytes must be between 1 and {MAX_LOG_CHUNK}.")
        job = self.store.get_job(job_id)
        text, next_offset, size = ArtifactRepository(job.artifact_uri).read_text_range(
            "log.txt", offset, max_bytes
        )
        return LogChunk(
            text=text,
            offset=offset,
            next_offset=next_offset,
            size=size,
            complete=job.is_terminal and next_offset >= size,
        )
