"""The SageMaker container contract, mapped into a job's working folder.

SageMaker training and processing scripts find everything under ``/opt/ml``; here that
tree lives in the job's own working folder, with the same layout and the same
environment variables, so existing scripts run unchanged::

    <job>/input/config/hyperparameters.json   all values as strings, like SageMaker
    <job>/input/config/inputdataconfig.json
    <job>/input/config/resourceconfig.json
    <job>/input/data/<channel>/               inputs (local sources are linked, not copied)
    <job>/model/                              SM_MODEL_DIR: becomes the model artifact
    <job>/output/failure                      its text becomes the failure reason
    <job>/output/data/                        SM_OUTPUT_DATA_DIR
    <job>/processing/input/<name>/            /opt/ml/processing/input/<name>
    <job>/processing/output/<name>/           /opt/ml/processing/output/<name>
    <job>/log.txt                             everything the job printed
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec

from ..errors import InvalidArgumentError
from .specs import ProcessingSpec, TrainingSpec

CONTAINER_ROOT = "/opt/ml/"
CURRENT_HOST = "algo-1"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config_dir(self) -> Path:
        return self.root / "input" / "config"

    @property
    def data_dir(self) -> Path:
        return self.root / "input" / "data"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def output_data_dir(self) -> Path:
        return self.root / "output" / "data"

    @property
    def failure_file(self) -> Path:
        return self.root / "output" / "failure"

    @property
    def code_dir(self) -> Path:
        return self.root / "code"

    @property
    def log_file(self) -> Path:
        return self.root / "log.txt"

    def container_path(self, path: str) -> Path:
        """``/opt/ml/...`` → the same place inside this working folder."""
        if path.startswith(CONTAINER_ROOT):
            return self.root / path[len(CONTAINER_ROOT) :]
        return Path(path)


def is_remote(source: str) -> bool:
    return "://" in source and not source.startswith("file://")


def materialize(source: str, destination: Path, label: str) -> None:
    """Make ``source`` available in the folder ``destination``.

    Local files are linked into the folder, a local folder becomes the folder (a link),
    fsspec URLs are downloaded, as SageMaker's File mode does.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    if is_remote(source):
        fs, path = fsspec.core.url_to_fs(source)
        if not fs.exists(path):
            raise InvalidArgumentError(f"{label}: {source} does not exist.")
        destination.mkdir(parents=True, exist_ok=True)
        target = destination if fs.isdir(path) else destination / Path(path).name
        fs.get(path, str(target), recursive=True)
        return
    local = Path(source.removeprefix("file://")).expanduser()
    if not local.exists():
        raise InvalidArgumentError(f"{label}: {local} does not exist.")
    if local.is_dir():
        if destination.exists() or destination.is_symlink():
            _remove(destination)
        destination.symlink_to(local.resolve(), target_is_directory=True)
    else:
        destination.mkdir(parents=True, exist_ok=True)
        link = destination / local.name
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(local.resolve())


def deliver(folder: Path, destination: str) -> None:
    """Copy a finished output folder to where the user asked for it."""
    if is_remote(destination):
        fs, path = fsspec.core.url_to_fs(destination)
        fs.makedirs(path, exist_ok=True)
        fs.put(str(folder) + "/", path, recursive=True)
        return
    target = Path(destination.removeprefix("file://")).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, target, dirs_exist_ok=True)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def hyperparameter_text(value: Any) -> str:
    """SageMaker hands every hyperparameter to the script as text."""
    return value if isinstance(value, str) else json.dumps(value)


def hyperparameter_arguments(hyperparameters: Mapping[str, Any]) -> list[str]:
    arguments: list[str] = []
    for name, value in hyperparameters.items():
        arguments += [f"--{name}", hyperparameter_text(value)]
    return arguments


def base_environment(job_id: str, run_id: str | None) -> dict[str, str]:
    cpus = str(os.cpu_count() or 1)
    env = {
        "SM_CURRENT_HOST": CURRENT_HOST,
        "SM_HOSTS": json.dumps([CURRENT_HOST]),
        "SM_NUM_CPUS": cpus,
        "SM_NUM_GPUS": "0",
        "SM_NETWORK_INTERFACE_NAME": "lo",
        "PYTHONUNBUFFERED": "1",
        "MLSTUDIO_JOB_ID": job_id,
    }
    if run_id:
        env["MLSTUDIO_JOB_RUN_ID"] = run_id
    return env


def prepare_training(
    ws: Workspace, spec: TrainingSpec, job_id: str, run_id: str | None
) -> dict[str, str]:
    """Lay out the training folders and return the environment of the script."""
    for folder in (ws.config_dir, ws.data_dir, ws.model_dir, ws.output_data_dir):
        folder.mkdir(parents=True, exist_ok=True)
    for channel, source in spec.channels.items():
        materialize(source, ws.data_dir / channel, f"channel {channel!r}")
    hps = {name: hyperparameter_text(value) for name, value in spec.hyperparameters.items()}
    input_config = {
        channel: {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"}
        for channel in spec.channels
    }
    resource_config = {
        "current_host": CURRENT_HOST,
        "hosts": [CURRENT_HOST],
        "network_interface_name": "lo",
    }
    (ws.config_dir / "hyperparameters.json").write_text(json.dumps(hps, indent=2))
    (ws.config_dir / "inputdataconfig.json").write_text(json.dumps(input_config, indent=2))
    (ws.config_dir / "resourceconfig.json").write_text(json.dumps(resource_config, indent=2))

    env = base_environment(job_id, run_id)
    env.update(
        {
            "SM_MODEL_DIR": str(ws.model_dir),
            "SM_OUTPUT_DIR": str(ws.output_dir),
            "SM_OUTPUT_DATA_DIR": str(ws.output_data_dir),
            "SM_INPUT_DIR": str(ws.root / "input"),
            "SM_INPUT_CONFIG_DIR": str(ws.config_dir),
            "SM_CHANNELS": json.dumps(sorted(spec.channels)),
            "SM_HPS": json.dumps(dict(spec.hyperparameters)),
            "SM_USER_ARGS": json.dumps(hyperparameter_arguments(spec.hyperparameters)),
            "SM_INPUT_DATA_CONFIG": json.dumps(input_config),
            "SM_RESOURCE_CONFIG": json.dumps(resource_config),
            "SM_MODULE_DIR": str(ws.code_dir),
        }
    )
    for channel in spec.channels:
        env[f"SM_CHANNEL_{channel.upper().replace('-', '_')}"] = str(ws.data_dir / channel)
    for name, value in hps.items():
        env[f"SM_HP_{name.upper().replace('-', '_')}"] = value
    env["SM_TRAINING_ENV"] = json.dumps(
        {
            "job_name": job_id,
            "hyperparameters": dict(spec.hyperparameters),
            "channel_input_dirs": {c: str(ws.data_dir / c) for c in spec.channels},
            "model_dir": str(ws.model_dir),
            "output_data_dir": str(ws.output_data_dir),
            "current_host": CURRENT_HOST,
            "hosts": [CURRENT_HOST],
            "num_cpus": int(env["SM_NUM_CPUS"]),
        }
    )
    return env


@dataclass(frozen=True)
class ProcessingFolders:
    inputs: dict[str, Path]
    outputs: dict[str, Path]


def prepare_processing(
    ws: Workspace, spec: ProcessingSpec, job_id: str, run_id: str | None
) -> tuple[dict[str, str], ProcessingFolders]:
    """Lay out the processing folders and return the environment of the code."""
    inputs: dict[str, Path] = {}
    for item in spec.inputs:
        target = ws.container_path(item.destination or f"/opt/ml/processing/input/{item.name}")
        materialize(item.source, target, f"input {item.name!r}")
        inputs[item.name] = target
    outputs: dict[str, Path] = {}
    for output in spec.outputs:
        target = ws.container_path(output.source or f"/opt/ml/processing/output/{output.name}")
        target.mkdir(parents=True, exist_ok=True)
        outputs[output.name] = target
    ws.output_dir.mkdir(parents=True, exist_ok=True)
    env = base_environment(job_id, run_id)
    env["MLSTUDIO_PROCESSING_ROOT"] = str(ws.root / "processing")
    for name, path in inputs.items():
        env[f"MLSTUDIO_INPUT_{name.upper().replace('-', '_')}"] = str(path)
    for name, path in outputs.items():
        env[f"MLSTUDIO_OUTPUT_{name.upper().replace('-', '_')}"] = str(path)
    config = {
        "ProcessingInputs": [{"InputName": n, "LocalPath": str(p)} for n, p in inputs.items()],
        "ProcessingOutputConfig": {
            "Outputs": [{"OutputName": n, "LocalPath": str(p)} for n, p in outputs.items()]
        },
    }
    (ws.root / "config").mkdir(parents=True, exist_ok=True)
    (ws.root / "config" / "processingjobconfig.json").write_text(json.dumps(config, indent=2))
    return env, ProcessingFolders(inputs=inputs, outputs=outputs)
