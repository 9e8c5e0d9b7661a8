"""Launching a catalog solution: a new project folder, its data, its pipeline, a monitor.

``launch`` (synchronous part): check the parameters and resources, pick a NEW folder
under the root (``name``, ``name-2``, ... — never overwriting), copy the entry into it
and record the launch (Preparing). A thread then runs the entry's own code in a child
process (``prepare.py``: data recipe and ``build``, cwd = the folder), stores and starts
the pipeline with the folder as its base (Running: the execution's steps are the
progress), waits for it, turns data capture on and creates the data-quality monitor
when the manifest asks for one, and ends Completed — or Failed with ``failed_step`` and
``error`` (what was made stays).

Launch records are JSON files under ``<home>/catalog/launches/`` (one writer: the
process driving the launch).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError, InvalidArgumentError, MLStudioError, NotFoundError
from ..processes import pid_alive, this_host
from .entries import CatalogEntry
from .resources import ResourceCheck, check_resources

if TYPE_CHECKING:
    from ..studio import Studio

PREPARING, RUNNING, COMPLETED, FAILED = "Preparing", "Running", "Completed", "Failed"
ACTIVE = frozenset({PREPARING, RUNNING})
PREPARE_TIMEOUT_SECONDS = 600.0
MONITOR_SCHEDULE = "rate(1 hour)"
_IGNORED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", ".DS_Store")


@dataclass
class CatalogLaunch:
    id: str
    entry: str
    folder: str  # relative to the root
    status: str
    message: str
    parameters: dict[str, Any]
    created: datetime
    pipeline_name: str | None = None
    execution_id: str | None = None
    failed_step: str | None = None
    error: str | None = None
    notebook: str | None = None
    model_name: str | None = None
    model_version: int | None = None
    endpoint_name: str | None = None
    monitor_name: str | None = None
    finished: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    owner_host: str | None = None
    owner_pid: int | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created", "finished"):
            data[key] = data[key].isoformat() if data[key] is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CatalogLaunch:
        data = dict(data)
        for key in ("created", "finished"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


class LaunchRecords:
    """One JSON file per launch, replaced atomically on every change."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, launch_id: str) -> Path:
        if not launch_id.isalnum():
            raise NotFoundError(f"No catalog launch {launch_id!r}.")
        return self.folder / f"{launch_id}.json"

    def save(self, launch: CatalogLaunch) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(launch.to_json(), handle)
        os.replace(tmp, self._path(launch.id))

    def get(self, launch_id: str) -> CatalogLaunch:
        path = self._path(launch_id)
        try:
            return CatalogLaunch.from_json(json.loads(path.read_text()))
        except FileNotFoundError:
            raise NotFoundError(f"No catalog launch {launch_id!r}.") from None

    def changed_since(self, since: datetime) -> list[tuple[str, datetime, datetime]]:
        """(id, changed at, created at) of the launches written since ``since`` (the
        server's change watcher: ``resource_changed`` events of ``catalog-launches``)."""
        changed = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                if at < since:
                    continue
                launch = CatalogLaunch.from_json(json.loads(path.read_text()))
            except (OSError, ValueError, TypeError):
                continue
            changed.append((launch.id, at, launch.created))
        return changed

    def all(self) -> list[CatalogLaunch]:
        launches = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                launches.append(CatalogLaunch.from_json(json.loads(path.read_text())))
            except (OSError, ValueError, TypeError):
                continue  # a record being replaced, or not ours
        return sorted(launches, key=lambda launch: launch.created, reverse=True)


def _now() -> datetime:
    return datetime.now(UTC)


def project_folder(root: Path, wanted: str) -> Path:
    """A new folder ``root/wanted`` (or ``wanted-2``, ``-3``, ...), created now, so two
    launches never get the same one and nothing is ever overwritten."""
    relative = PurePosixPath(wanted.strip().strip("/"))
    if not wanted.strip() or relative.is_absolute() or ".." in relative.parts:
        raise InvalidArgumentError(f"folder: {wanted!r} must be a folder name under the root")
    base = root / relative
    base.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        candidate = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise ConflictError(f"No free folder name for {wanted!r} (tried up to {base.name}-999).")


class Launcher:
    def __init__(
        self,
        studio: Studio,
        records: LaunchRecords,
        root: Callable[[], Path],
        *,
        python: str = sys.executable,
    ) -> None:
        self.studio = studio
        self.records = records
        self._root = root
        self.python = python
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        return self._root()

    # -- the synchronous part ---------------------------------------------------------
    def launch(
        self,
        entry: CatalogEntry,
        parameters: dict[str, Any] | None = None,
        folder: str | None = None,
        *,
        root: Path | None = None,
    ) -> CatalogLaunch:
        """Start launching ``entry`` into a new folder under ``root`` (default: the
        launcher's root); returns the Preparing record."""
        manifest = entry.manifest
        root = (root or self.root).resolve()
        if manifest.kind != "solution":
            raise ConflictError(
                f"{entry.name} is a pre-built model: deploy or fine-tune it, launch is for "
                "solutions."
            )
        values = manifest.parameter_values(parameters)
        check: ResourceCheck = check_resources(manifest.resources, root)
        target = project_folder(root, folder or entry.name)
        try:
            shutil.copytree(entry.folder, target, ignore=_IGNORED, dirs_exist_ok=True)
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise InvalidArgumentError(
                f"Could not copy {entry.name} into {target}: {exc}"
            ) from None
        relative = target.relative_to(root).as_posix()
        notebook = manifest.assets.notebook
        launch = CatalogLaunch(
            id=uuid.uuid4().hex,
            entry=entry.name,
            folder=relative,
            status=PREPARING,
            message="Preparing the project folder",
            parameters=values,
            created=_now(),
            notebook=f"{relative}/{notebook}" if notebook else None,
            model_name=manifest.model_name,
            endpoint_name=manifest.endpoint_name,
            warnings=check.warnings,
            owner_host=this_host(),
            owner_pid=os.getpid(),
        )
        self.records.save(launch)
        thread = threading.Thread(
            target=self._drive,
            args=(launch, entry, target),
            name=f"mlstudio-catalog-{launch.id[:8]}",
            daemon=True,
        )
        with self._lock:
            self._threads[launch.id] = thread
        thread.start()
        return launch

    def join(self, launch_id: str, timeout: float | None = None) -> None:
        with self._lock:
            thread = self._threads.get(launch_id)
        if thread is not None:
            thread.join(timeout)

    # -- the thread -------------------------------------------------------------------
    def _update(self, launch: CatalogLaunch, **changes: Any) -> CatalogLaunch:
        updated = replace(launch, **changes)
        self.records.save(updated)
        return updated

    def _fail(self, launch: CatalogLaunch, step: str, error: str) -> CatalogLaunch:
        return self._update(
            launch,
            status=FAILED,
            failed_step=step,
            error=error,
            message=f"Failed at {step}: {error}",
            finished=_now(),
        )

    def _drive(self, launch: CatalogLaunch, entry: CatalogEntry, folder: Path) -> None:
        try:
            self._run(launch, entry, folder)
        except Exception as exc:  # recorded: the thread has nobody else to tell
            current = self.records.get(launch.id)
            if current.is_active:
                message = exc.message if isinstance(exc, MLStudioError) else repr(exc)
                self._fail(current, "launch", message)

    def _run(self, launch: CatalogLaunch, entry: CatalogEntry, folder: Path) -> None:
        manifest = entry.manifest
        launch = self._update(launch, message="Generating the data and building the pipeline")
        arguments = {**launch.parameters, "project": folder.name}
        result = self._prepare(folder, arguments)
        if "error" in result:
            self._fail(launch, str(result.get("stage", "prepare")), str(result["error"]))
            return
        document = result.get("document")
        if document is None:
            self._update(launch, status=COMPLETED, message="Done", finished=_now())
            return
        pipelines = self.studio.pipelines
        try:
            pipeline = pipelines.upsert(document)
            declared = {p["name"] for p in document.get("parameters", [])}
            execution = pipelines.start(
                pipeline.name,
                parameters={k: v for k, v in arguments.items() if k in declared},
                base_dir=folder,
            )
        except MLStudioError as exc:
            self._fail(launch, "pipeline", exc.message)
            return
        launch = self._update(
            launch,
            status=RUNNING,
            message=f"Running pipeline {pipeline.name}",
            pipeline_name=pipeline.name,
            execution_id=execution.id,
        )
        while not execution.is_terminal:
            time.sleep(0.5)
            execution = pipelines.get_execution(execution.id)
        steps = pipelines.steps(execution.id)
        for step in steps:
            props = step.properties or {}
            if "ModelVersion" in props:
                launch = replace(
                    launch,
                    model_name=str(props.get("ModelName") or launch.model_name),
                    model_version=int(props["ModelVersion"]),
                )
            if "EndpointName" in props:
                launch = replace(launch, endpoint_name=str(props["EndpointName"]))
        if execution.status != "Succeeded":
            failed = next((s for s in steps if s.status == "Failed"), None)
            self._fail(
                launch,
                failed.name if failed is not None else "pipeline",
                (failed.error if failed is not None else None)
                or execution.failure_reason
                or f"The pipeline execution ended {execution.status}.",
            )
            return
        endpoint = launch.endpoint_name
        if manifest.monitor and endpoint:
            launch = self._update(launch, message="Creating the data-quality monitor")
            try:
                data = self._training_data(steps)
                launch = replace(launch, monitor_name=self._monitor(endpoint, data))
            except MLStudioError as exc:
                self._fail(launch, "monitor", exc.message)
                return
        self._update(launch, status=COMPLETED, message="Completed", finished=_now())

    def _prepare(self, folder: Path, arguments: dict[str, Any]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="mlstudio-launch-") as tmp:
            output = Path(tmp) / "result.json"
            try:
                completed = subprocess.run(  # noqa: S603 - our module, argv as a list
                    [
                        self.python,
                        "-m",
                        "jupyter_mlstudio.catalog.prepare",
                        str(folder),
                        json.dumps(arguments),
                        str(output),
                    ],
                    cwd=folder,
                    capture_output=True,
                    text=True,
                    timeout=PREPARE_TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return {
                    "stage": "data",
                    "error": f"preparing took over {PREPARE_TIMEOUT_SECONDS:.0f} seconds",
                }
            if output.is_file():
                result: dict[str, Any] = json.loads(output.read_text())
                return result
            tail = (completed.stderr or completed.stdout or "").strip().splitlines()[-5:]
            return {
                "stage": "data",
                "error": "\n".join(tail) or f"exit code {completed.returncode}",
            }

    def _training_data(self, steps: list[Any]) -> str | None:
        """The ``train`` channel of the pipeline's training job (a Training step's job, or
        a Tuning step's best trial): what the monitor's baseline describes."""
        jobs = self.studio.jobs
        for step in steps:
            job_ref = None
            if step.type == "Training" and step.job_id:
                job_ref = step.job_id
            elif step.type == "Tuning" and (step.properties or {}).get("BestTrialJobName"):
                job_ref = str(step.properties["BestTrialJobName"])
            if job_ref is None:
                continue
            try:
                channels = jobs.find(job_ref).spec.get("channels") or {}
            except MLStudioError:
                continue
            if channels.get("train"):
                return str(channels["train"])
        return None

    def _monitor(self, endpoint: str, data: str | None) -> str:
        """Turn data capture on and create the endpoint's hourly data-quality monitor,
        its baseline from the training data (kept when a relaunch finds it)."""
        name = f"{endpoint}-data-quality"
        endpoints = self.studio.endpoints
        capture = dict(endpoints.get(endpoint).config.get("capture") or {})
        if not capture.get("enabled"):
            endpoints.update(endpoint, capture={"enabled": True})
        monitor = self.studio.monitor
        try:
            monitor.get_monitor(name)
            return name
        except NotFoundError:
            pass
        baseline = None
        if data is not None:
            _, baseline = monitor.suggest_baseline(
                data=self._model_inputs_only(endpoint, data.removeprefix("file://"), name),
                output=f"{monitor.artifact_root}/monitors/{name}/baseline",
            )
        monitor.create_monitor(
            name, endpoint=endpoint, schedule=MONITOR_SCHEDULE, baseline=baseline
        )
        return name

    def _model_inputs_only(self, endpoint: str, data: str, name: str) -> str:
        """The training data cut to the columns the endpoint's model takes: requests never
        carry the target or the columns the model leaves out, so a baseline describing
        them would report them missing at every check."""
        from ..data_files import read_table

        try:
            version = self.studio.monitor.endpoint_source(endpoint).version
        except MLStudioError:
            return data
        signature = (version.signature if version is not None else None) or {}
        inputs = {str(i["name"]) for i in signature.get("inputs", []) if isinstance(i, dict)}
        frame = read_table(Path(data)) if inputs else None
        if frame is None or not inputs & set(frame.columns) or set(frame.columns) <= inputs:
            return data
        path = self.studio.config.home / "catalog" / "baselines" / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame[[c for c in frame.columns if c in inputs]].to_parquet(path, index=False)
        return str(path)

    # -- reading ----------------------------------------------------------------------
    def reconciled(self, launch: CatalogLaunch) -> CatalogLaunch:
        """A launch whose driving process is gone is Failed (its record says so once)."""
        if (
            launch.is_active
            and launch.owner_host == this_host()
            and launch.owner_pid is not None
            and not pid_alive(launch.owner_pid)
        ):
            return self._fail(
                launch,
                launch.failed_step or ("pipeline" if launch.execution_id else "launch"),
                "The process that ran this launch exited before it finished"
                + (
                    f" (pipeline execution {launch.execution_id} carries on in the server)"
                    if launch.execution_id
                    else ""
                ),
            )
        return launch
