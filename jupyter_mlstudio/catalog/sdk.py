"""``mls.catalog``: JumpStart from a notebook, thin calls onto the default studio's
``CatalogService``.

>>> mls.catalog.list(task="classification")
>>> entry = mls.catalog.get("customer-churn")
>>> launch = mls.catalog.launch("customer-churn", parameters={"min_auc": 0.7})
>>> launch.wait(progress=True)          # the pipeline's steps as they finish
>>> launch.endpoint_name, launch.folder
>>> mls.catalog.deploy("breast-cancer-classifier")
>>> mls.catalog.fine_tune("breast-cancer-classifier", "my-patients.csv")
"""

from __future__ import annotations

import builtins
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MLStudioError
from .entries import CatalogEntry
from .launcher import CatalogLaunch

if TYPE_CHECKING:
    from ..jobs.handle import JobHandle
    from ..pipelines.handle import ExecutionHandle
    from ..studio import Studio
    from .service import CatalogService, Deployment


class LaunchFailedError(MLStudioError):
    """A catalog launch ended Failed: ``.launch`` says which step and why."""

    def __init__(self, launch: CatalogLaunch) -> None:
        super().__init__(
            f"Launch of {launch.entry} into {launch.folder} failed at step "
            f"{launch.failed_step!r}: {launch.error}"
        )
        self.launch = launch


def _studio() -> Studio:
    from ..studio import default_studio

    return default_studio()


def _service() -> CatalogService:
    return _studio().catalog


def list(
    task: str | None = None, kind: str | None = None, query: str | None = None
) -> builtins.list[CatalogEntry]:
    """The catalog's entries (built-in and private catalogs), filtered by task, kind
    (``solution`` or ``model``) and words of ``query``. Entries that could not be read
    are reported as warnings."""
    listing = _service().listing(task=task, kind=kind, query=query)
    for error in listing.errors:
        warnings.warn(f"catalog {error.source}: {error.message}", stacklevel=2)
    return listing.entries


def get(name: str) -> CatalogEntry:
    return _service().get(name)


def launch(
    name: str, parameters: dict[str, Any] | None = None, folder: str | None = None
) -> LaunchHandle:
    """Launch solution ``name`` into a new project folder under the Jupyter root (or the
    working directory): its data, its pipeline, its endpoint and monitor. Returns at
    once; the launch runs in this process — ``wait()`` for it."""
    service = _service()
    return LaunchHandle(service, service.launch(name, parameters, folder))


def launches() -> builtins.list[CatalogLaunch]:
    return _service().launches()


def deploy(name: str, endpoint_name: str | None = None) -> Deployment:
    """Deploy pre-built model ``name`` in one call (registered once, then deployed)."""
    return _service().deploy(name, endpoint_name)


def fine_tune(name: str, data: str | Path, target: str | None = None) -> JobHandle:
    """Train the pre-built model's algorithm and hyperparameters on ``data`` (a CSV or
    Parquet file); its model is registered under the entry's model name."""
    from ..jobs.handle import JobHandle

    studio = _studio()
    job = studio.catalog.fine_tune(name, str(data), target, base_dir=Path.cwd())
    return JobHandle(studio, job)


class LaunchHandle:
    def __init__(self, service: CatalogService, launch: CatalogLaunch) -> None:
        self._service = service
        self._launch = launch
        self.id = launch.id

    def __repr__(self) -> str:
        return f"<CatalogLaunch {self._launch.entry} → {self._launch.folder} {self._launch.status}>"

    def refresh(self) -> CatalogLaunch:
        self._launch = self._service.get_launch(self.id)
        return self._launch

    @property
    def launch(self) -> CatalogLaunch:
        return self.refresh()

    @property
    def status(self) -> str:
        return self.refresh().status

    @property
    def folder(self) -> Path:
        from .service import default_root

        return default_root() / self._launch.folder

    @property
    def endpoint_name(self) -> str | None:
        return self.refresh().endpoint_name

    @property
    def model_name(self) -> str | None:
        return self.refresh().model_name

    @property
    def execution(self) -> ExecutionHandle | None:
        """The pipeline execution (once the launch has started it)."""
        from ..pipelines.handle import ExecutionHandle

        launch = self.refresh()
        if launch.execution_id is None:
            return None
        studio = self._service.studio
        return ExecutionHandle(studio, studio.pipelines.get_execution(launch.execution_id))

    def wait(
        self, progress: bool = False, timeout: float | None = None, check: bool = True
    ) -> CatalogLaunch:
        """Block until the launch ends. ``progress=True`` shows the pipeline's finished
        steps; ``check=True`` raises :class:`LaunchFailedError` when it Failed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar: Any = None
        try:
            while True:
                launch = self.refresh()
                if progress:
                    bar = self._show(launch, bar)
                if not launch.is_active:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"The launch {self.id} is still {launch.status}.")
                time.sleep(0.5)
        finally:
            if bar is not None:
                bar.close()
        if check and launch.status == "Failed":
            raise LaunchFailedError(launch)
        return launch

    def _show(self, launch: CatalogLaunch, bar: Any) -> Any:
        from tqdm.auto import tqdm

        steps = (
            self._service.studio.pipelines.steps(launch.execution_id) if launch.execution_id else []
        )
        if bar is None:
            bar = tqdm(total=max(len(steps), 1), desc=launch.entry, unit="step")
        if steps:
            bar.total = len(steps)
            bar.n = sum(s.is_terminal for s in steps)
            running = [s.name for s in steps if s.status == "Running"]
            bar.set_postfix_str(", ".join(running) or launch.message, refresh=False)
        else:
            bar.set_postfix_str(launch.message, refresh=False)
        bar.refresh()
        return bar
