"""The core entry point: one ``Studio`` per configuration owns the stores.

The SDK, the magics, the CLI and the server extension all go through a ``Studio``;
none of them holds logic of its own.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import StudioConfig
from .endpoints.service import EndpointService
from .endpoints.store import EndpointStore, SqlEndpointStore
from .experiments.metric_writer import MetricWriter
from .experiments.run_store import RunStore, SqlRunStore
from .experiments.service import ExperimentService
from .experiments.store import ExperimentStore, SqlExperimentStore
from .home import StudioHome
from .jobs.executors import JobExecutor, make_executor
from .jobs.service import JobService
from .jobs.store import JobStore, SqlJobStore
from .registry.service import Registry
from .registry.store import RegistryStore, SqlRegistryStore
from .store.db import Database, redact_uri

if TYPE_CHECKING:
    from .catalog.service import CatalogService
    from .features.lineage import FeatureDataset
    from .features.service import FeatureStore
    from .monitor.service import MonitorService
    from .pipelines.service import PipelineService
    from .tuning.service import TuningService
    from .wrangler.service import WranglerService


@dataclass(frozen=True)
class Stores:
    """The stores of one studio: handed to the services, reached by nothing else (tests
    reach them through ``studio.stores``)."""

    experiments: ExperimentStore
    runs: RunStore
    jobs: JobStore
    registry: RegistryStore
    endpoints: EndpointStore


class Studio:
    """The composition root: builds the stores and hands each service what it uses.

    ``studio.<feature>`` is always a service: ``experiments``, ``registry``,
    ``endpoints``, ``jobs``, ``home``, ``wrangler``, ``features``, ``tuning`` and
    ``monitor``.
    """

    def __init__(self, config: StudioConfig, *, prepare_schema: bool = True) -> None:
        self.config = config
        config.home.mkdir(parents=True, exist_ok=True)
        self.db = Database(config.store_uri, prepare_schema=prepare_schema)
        self.stores = Stores(
            experiments=SqlExperimentStore(self.db),
            runs=SqlRunStore(self.db, config.artifact_uri),
            jobs=SqlJobStore(self.db, config.artifact_uri),
            registry=SqlRegistryStore(self.db),
            endpoints=SqlEndpointStore(self.db),
        )
        self.experiments = ExperimentService(self.stores.experiments, self.stores.runs)
        self.registry = Registry(
            self.stores.registry,
            runs=self.stores.runs,
            experiments=self.stores.experiments,
            jobs=self.stores.jobs,
            endpoints=self.stores.endpoints,
            artifact_uri=config.artifact_uri,
            feature_datasets=self._feature_datasets,
        )
        self.endpoints = EndpointService(
            self.stores.endpoints, self.registry, config, features=lambda: self.features
        )
        self.jobs = JobService(
            self.stores.jobs, self._executor, experiments=self.experiments, registry=self.registry
        )
        self.home = StudioHome(
            jobs=self.jobs,
            endpoints=self.endpoints,
            experiments=self.experiments,
            registry=self.registry,
            config=config,
            store_backend=self.db.backend,
            tuning=lambda: self.tuning,
        )
        self._lock = threading.Lock()
        _studios.add(self)
        self._metric_writer: MetricWriter | None = None
        self._dead_runs_checked = False
        self._job_executor: JobExecutor | None = None
        self._wrangler: WranglerService | None = None
        self._features: FeatureStore | None = None
        self._tuning: TuningService | None = None
        self._monitor: MonitorService | None = None
        self._pipelines: PipelineService | None = None
        self._catalog: CatalogService | None = None

    @property
    def metric_writer(self) -> MetricWriter:
        """The background writer that batches this studio's metric writes (started lazily)."""
        with self._lock:
            if self._metric_writer is None:
                self._metric_writer = MetricWriter(self.stores.runs)
            return self._metric_writer

    def fail_dead_runs_once(self, host: str, is_alive: Callable[[int], bool]) -> None:
        """Mark runs of dead processes on this host FAILED, the first time only."""
        with self._lock:
            if self._dead_runs_checked:
                return
            self._dead_runs_checked = True
        self.stores.runs.fail_dead_runs(host, is_alive)

    def _executor(self) -> JobExecutor:
        """The executor the configuration names (created on first use: it may start a
        process or connect to a cluster)."""
        with self._lock:
            if self._job_executor is None:
                self._job_executor = make_executor(
                    self.config.job_executor,
                    self.stores.jobs,
                    self.config,
                    max_concurrent=self.config.max_concurrent_jobs,
                )
            return self._job_executor

    @property
    def wrangler(self) -> WranglerService:
        """Data Wrangler previews, reports, exports and flow jobs (one shared cache)."""
        # Imported here, not at the top: the wrangler brings pandas and the transforms,
        # which a job or an endpoint process that opens a studio does not need.
        from .wrangler.service import WranglerService

        with self._lock:
            if self._wrangler is None:
                self._wrangler = WranglerService(
                    self.config.artifact_uri,
                    submit=lambda spec: self.jobs.submit(spec),
                    features=lambda: self.features,
                )
            return self._wrangler

    def _feature_datasets(self, hashes: set[str]) -> list[FeatureDataset]:
        """The Feature Store training sets written with one of these content hashes
        (the registry's lineage; a plain query, without opening the Feature Store)."""
        from .features.lineage import datasets_matching

        return datasets_matching(self.db, hashes)

    @property
    def features(self) -> FeatureStore:
        """The Feature Store: catalog, offline history, online store, training sets."""
        # Imported here: pyarrow and DuckDB are for processes that use features.
        from .features.online import open_online_store
        from .features.service import FeatureStore
        from .features.store import SqlFeatureGroupStore

        with self._lock:
            if self._features is None:
                self._features = FeatureStore(
                    SqlFeatureGroupStore(self.db),
                    open_online_store(
                        home=self.config.home,
                        metadata_db=self.db,
                        online_uri=self.config.online_store_uri or None,
                    ),
                    artifact_uri=self.config.artifact_uri,
                )
            return self._features

    @property
    def tuning(self) -> TuningService:
        """Tuning jobs: optuna studies whose trials are this studio's training jobs."""
        # Imported here: optuna is for processes that tune.
        from .tuning.service import TuningService
        from .tuning.store import SqlTuningStore

        with self._lock:
            if self._tuning is None:
                self._tuning = TuningService(
                    jobs=self.jobs,
                    experiments=self.experiments,
                    store=SqlTuningStore(self.db),
                    config=self.config,
                )
            return self._tuning

    @property
    def pipelines(self) -> PipelineService:
        """Pipelines: definitions, versions and executions (engine threads here)."""
        from .pipelines.service import PipelineService
        from .pipelines.store import SqlPipelineStore

        with self._lock:
            if self._pipelines is None:
                self._pipelines = PipelineService(self, SqlPipelineStore(self.db))
            return self._pipelines

    @property
    def catalog(self) -> CatalogService:
        """JumpStart: the catalog's entries (built-in and ``MLSTUDIO_CATALOGS``),
        launches of solutions, pre-built models' deploy and fine-tune."""
        from .catalog.service import CatalogService

        with self._lock:
            if self._catalog is None:
                self._catalog = CatalogService(self)
            return self._catalog

    @property
    def monitor(self) -> MonitorService:
        """Model Monitor: monitors, their executions (processing jobs), the schedulers'
        tick and alerts."""
        # Imported here: croniter and the statistics are for processes that monitor.
        from .monitor.service import MonitorService
        from .monitor.store import SqlMonitorStore

        with self._lock:
            if self._monitor is None:
                self._monitor = MonitorService(
                    SqlMonitorStore(self.db),
                    jobs=self.jobs,
                    endpoints=self.endpoints,
                    registry=self.registry,
                    config=self.config,
                )
            return self._monitor

    @classmethod
    def open(cls, config: StudioConfig | None = None) -> Studio:
        return cls(config or StudioConfig.resolve())

    @property
    def store_uri_redacted(self) -> str:
        return redact_uri(self.config.store_uri)

    def close(self) -> None:
        # Pipeline engines and tuning drivers first: they submit and stop jobs through
        # the executor.
        if self._pipelines is not None:
            self._pipelines.close()
        if self._tuning is not None:
            self._tuning.close()
        if self._job_executor is not None:
            self._job_executor.close()
        if self._metric_writer is not None:
            self._metric_writer.close()
        if self._features is not None:
            self._features.close()
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
