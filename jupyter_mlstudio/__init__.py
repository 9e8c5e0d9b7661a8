"""jupyter-mlstudio: a local-first ML studio for JupyterLab.

``import jupyter_mlstudio as mls`` gives the SDK; the JupyterLab server extension is
loaded by Jupyter through ``_jupyter_server_extension_points``.
"""

from __future__ import annotations

import sys as _sys
import types as _types
from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

from .errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
    SchemaOutOfDateError,
    StoreUnavailableError,
)
from .experiments.entities import Experiment
from .experiments.run_entities import Metric, Run
from .jobs.entities import Job
from .jobs.handle import JobFailedError, JobHandle
from .registry.entities import ModelGroup, ModelVersion
from .sdk import (
    active_run,
    batch_transform,
    configure,
    create_experiment,
    delete_alias,
    delete_endpoint,
    delete_experiment,
    delete_model,
    delete_pipeline_schedule,
    deploy,
    get_endpoint,
    get_experiment,
    get_job,
    get_model,
    get_model_version,
    get_pipeline_execution,
    get_run,
    get_tuning_job,
    import_sagemaker_pipeline,
    list_algorithms,
    list_endpoints,
    list_experiments,
    list_jobs,
    list_model_versions,
    list_models,
    list_pipelines,
    list_tuning_jobs,
    load_model,
    model_card,
    pipeline_schedules,
    process,
    register,
    run_pipeline,
    schedule_pipeline,
    search_runs,
    set_alias,
    set_approval,
    start_run,
    studio,
    train,
    trigger_pipeline,
    tune,
    update_experiment,
    update_model_version,
)
from .tuning.entities import TuningJob
from .tuning.handle import TuningFailedError, TuningHandle

if TYPE_CHECKING:
    from . import catalog, features, monitor
    from .autolog import autolog
    from .pipelines import (
        ParameterBoolean,
        ParameterFloat,
        ParameterInteger,
        ParameterString,
        Pipeline,
        step,
    )
    from .wrangler import Flow, list_transforms

# Loaded on first use (PEP 562), so that job and endpoint processes, which import this
# package, do not pay for pandas, the Data Wrangler's transforms or the autolog patches.
_LAZY = {
    "autolog": ".autolog",
    "Flow": ".wrangler",
    "list_transforms": ".wrangler",
    # pipelines: the DSL (step classes: ``from jupyter_mlstudio.pipelines import ...``)
    "Pipeline": ".pipelines",
    "step": ".pipelines",
    "ParameterString": ".pipelines",
    "ParameterInteger": ".pipelines",
    "ParameterFloat": ".pipelines",
    "ParameterBoolean": ".pipelines",
}

try:
    __version__ = _metadata.version("jupyter_mlstudio")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0.dev0"

__all__ = [
    "AlreadyExistsError",
    "ConflictError",
    "Experiment",
    "Flow",
    "InvalidArgumentError",
    "Job",
    "JobFailedError",
    "JobHandle",
    "MLStudioError",
    "Metric",
    "ModelGroup",
    "ModelVersion",
    "NotFoundError",
    "ParameterBoolean",
    "ParameterFloat",
    "ParameterInteger",
    "ParameterString",
    "Pipeline",
    "Run",
    "SchemaOutOfDateError",
    "StoreUnavailableError",
    "TuningFailedError",
    "TuningHandle",
    "TuningJob",
    "__version__",
    "active_run",
    "autolog",
    "batch_transform",
    "catalog",
    "configure",
    "create_experiment",
    "delete_alias",
    "delete_endpoint",
    "delete_experiment",
    "delete_model",
    "delete_pipeline_schedule",
    "deploy",
    "features",
    "get_endpoint",
    "get_experiment",
    "get_job",
    "get_model",
    "get_model_version",
    "get_pipeline_execution",
    "get_run",
    "get_tuning_job",
    "import_sagemaker_pipeline",
    "list_algorithms",
    "list_endpoints",
    "list_experiments",
    "list_jobs",
    "list_model_versions",
    "list_models",
    "list_pipelines",
    "list_transforms",
    "list_tuning_jobs",
    "load_model",
    "model_card",
    "monitor",
    "pipeline_schedules",
    "process",
    "register",
    "run_pipeline",
    "schedule_pipeline",
    "search_runs",
    "set_alias",
    "set_approval",
    "start_run",
    "step",
    "studio",
    "train",
    "trigger_pipeline",
    "tune",
    "update_experiment",
    "update_model_version",
]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlstudio"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import MLStudio

    return [{"module": "jupyter_mlstudio", "app": MLStudio}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_mlstudio``: registers the ``%mls`` magics."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name: str) -> Any:
    import importlib

    # ``mls.widgets`` is imported on first use: it needs ipywidgets and matplotlib;
    # ``mls.features`` (the Feature Store SDK, the features package) and ``mls.monitor``
    # (Model Monitor's, the monitor package) once used; ``mls.catalog`` (JumpStart).
    if name in ("widgets", "features", "monitor", "catalog"):
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(_types.ModuleType):
    """``mls.autolog`` is the SDK function even after something imports the submodule of
    the same name (importing a submodule binds it on its package)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "autolog" and isinstance(value, _types.ModuleType):
            value = value.autolog
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
