"""The core entry point: one ``Studio`` per configuration owns the stores.

The SDK, the magics, the CLI and the server extension all go through a ``Studio``;
none of them holds logic of its own.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from .config import StudioConfig
from .experiments.metric_writer import MetricWriter
from .experiments.run_store import RunStore, SqlRunStore
from .experiments.store import ExperimentStore, SqlExperimentStore
from .jobs.store import JobStore, SqlJobStore
from .registry.store import RegistryStore, SqlRegistryStore
from .store.db import Database, redact_uri

if TYPE_CHECKING:
    from .endpoints.service import EndpointService
    from .jobs.service import JobService
    from .registry.service import Registry
    from .wrangler.service import WranglerService


class Studio:
    def __init__(self, config: StudioConfig, *, prepare_schema: bool = True) -> None:
        self.config = config
        config.home.mkdir(parents=True, exist_ok=True)
        self.db = Database(config.store_uri, prepare_schema=prepare_schema)
        self.experiments: ExperimentStore = SqlExperimentStore(self.db)
        self.runs: RunStore = SqlRunStore(self.db, config.artifact_uri)
        self.job_store: JobStore = SqlJobStore(self.db, config.artifact_uri)
        self.registry: RegistryStore = SqlRegistryStore(self.db)
        self._lock = threading.Lock()
        _studios.add(self)
        self._metric_writer: MetricWriter | None = None
        self._dead_runs_checked = False
        self._jobs: JobService | None = None
        self._models: Registry | None = None
        self._endpoints: EndpointService | None = None
        self._wrangler: WranglerService | None = None

    @property
    def metric_writer(self) -> MetricWriter:
        """The background writer that batches this studio's metric writes (started lazily)."""
        with self._lock:
            if self._metric_writer is None:
                self._metric_writer = MetricWriter(self.runs)
            return self._metric_writer

    def fail_dead_runs_once(self, host: str, is_alive: Callable[[int], bool]) -> None:
        """Mark runs of dead processes on this host FAILED, the first time only."""
        with self._lock:
            if self._dead_runs_checked:
                return
            self._dead_runs_checked = True
        self.runs.fail_dead_runs(host, is_alive)

    @property
    def jobs(self) -> JobService:
        """Job submission and control, with the executor the configuration names
        (created on first use: it may start threads or connect to a cluster)."""
        from .jobs.executors import make_executor
        from .jobs.service import JobService

        with self._lock:
            if self._jobs is None:
                executor = make_executor(
                    self,
                    self.config.job_executor,
                    address=self.config.dask_address,
                    max_concurrent=self.config.max_concurrent_jobs,
                )
                self._jobs = JobService(self, executor)
            return self._jobs

    @property
    def models(self) -> Registry:
        """Registering, loading, cards and lineage of registered models."""
        from .registry.service import Registry

        with self._lock:
            if self._models is None:
                self._models = Registry(self)
            return self._models

    @property
    def endpoints(self) -> EndpointService:
        """Deploying, updating and deleting endpoints (each its own serving process)."""
        from .endpoints.service import EndpointService

        with self._lock:
            if self._endpoints is None:
                self._endpoints = EndpointService(self)
            return self._endpoints

    @property
    def wrangler(self) -> WranglerService:
        """Data Wrangler previews, reports, exports and flow jobs (one shared cache)."""
        from .wrangler.service import WranglerService

        with self._lock:
            if self._wrangler is None:
                self._wrangler = WranglerService(self)
            return self._wrangler

    @classmethod
    def open(cls, config: StudioConfig | None = None) -> Studio:
        return cls(config or StudioConfig.resolve())

    @property
    def store_uri_redacted(self) -> str:
        return redact_uri(self.config.store_uri)

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.executor.close()
        if self._metric_writer is not None:
            self._metric_writer.close()
        self.db.dispose()


_studios: weakref.WeakSet[Studio] = weakref.WeakSet()


# The process's default studio: what the SDK (``mls.configure``, ``mls.studio``),
# autolog and flows use. It lives here, not in the SDK, so that core modules reach it
# without importing the SDK.
_default_lock = threading.Lock()
_default: Studio | None = None


def configure_default(config: StudioConfig) -> Studio:
    """Close the default studio (if any) and make a new one on ``config``."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = Studio(config)
        return _default


def default_studio() -> Studio:
    """The process's default studio, opened from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Studio.open()
        return _default


def close_default() -> None:
    """Close and forget the default studio (the next use opens a new one)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = None


def _after_fork_in_child() -> None:
    global _default_lock
    # Another thread may have held a studio's lock at the fork. (The metric writer and
    # the database reset themselves; see their modules.)
    for studio in list(_studios):
        studio._lock = threading.Lock()
    _default_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
