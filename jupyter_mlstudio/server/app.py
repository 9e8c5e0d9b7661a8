"""The ML Studio server extension: configuration, services and the route table."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import tornado.ioloop
from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Float, Integer, List, Unicode, default

from ..catalog.entries import CATALOGS_ENV
from ..catalog.launcher import LaunchRecords
from ..config import (
    ARTIFACT_URI_ENV,
    HOME_ENV,
    ONLINE_STORE_URI_ENV,
    SERVER_ROOT_ENV,
    STORE_URI_ENV,
    StudioConfig,
    default_home,
)
from ..endpoints.async_inference import AsyncInferenceQueue
from ..errors import MLStudioError
from ..features.store import SqlFeatureGroupStore
from ..monitor.store import SqlMonitorStore
from ..pipelines.entities import ACTIVE_EXECUTION_STATUSES
from ..pipelines.store import SqlPipelineStore
from ..processes import pid_alive
from ..store.db import redact_uri
from ..studio import Studio
from ..tuning.entities import ACTIVE_TUNING_STATUSES
from ..tuning.store import SqlTuningStore
from .handlers.artifacts import ArtifactContentHandler, ArtifactsHandler
from .handlers.base import EVENT_SCHEMA_ID, MAX_QUERY_BYTES
from .handlers.catalog import (
    CatalogDeployHandler,
    CatalogEntryHandler,
    CatalogFineTuneHandler,
    CatalogHandler,
    CatalogLaunchesHandler,
    CatalogLaunchHandler,
    CatalogLaunchRecordHandler,
)
from .handlers.endpoints import (
    EndpointErrorsHandler,
    EndpointExampleHandler,
    EndpointHandler,
    EndpointLogHandler,
    EndpointMetricsHandler,
    EndpointProxyHandler,
    EndpointsHandler,
)
from .handlers.endpoints_async import (
    AsyncInvocationHandler,
    AsyncInvocationsHandler,
    AsyncOutputHandler,
)
from .handlers.endpoints_models import EndpointModelsHandler
from .handlers.endpoints_shadow import ShadowCompareHandler, ShadowPromoteHandler
from .handlers.experiments import ExperimentHandler, ExperimentsHandler
from .handlers.features import (
    FeatureDatasetsHandler,
    FeatureGroupHandler,
    FeatureGroupIngestHandler,
    FeatureGroupIngestionsHandler,
    FeatureGroupIngestJobHandler,
    FeatureGroupLineageHandler,
    FeatureGroupRowsHandler,
    FeatureGroupsHandler,
    FeatureGroupSummaryHandler,
    FeatureGroupVersionsHandler,
    FeatureInferenceHandler,
    FeatureLookupHandler,
    FeatureRecordHandler,
)
from .handlers.home import HomeHandler
from .handlers.jobs import (
    AlgorithmsHandler,
    BatchTransformJobsHandler,
    DataColumnsHandler,
    JobCloneHandler,
    JobHandler,
    JobLogHandler,
    JobsHandler,
    JobStopHandler,
    ProcessingJobsHandler,
    TrainingJobsHandler,
)
from .handlers.mlflow_registry import mlflow_registry_routes
from .handlers.mlflow_tracking import mlflow_not_found_route, mlflow_tracking_routes
from .handlers.monitors import (
    MonitorAlertsHandler,
    MonitorConstraintsHandler,
    MonitorConstraintsResetHandler,
    MonitorExecutionHandler,
    MonitorExecutionsHandler,
    MonitorGroundTruthHandler,
    MonitorHandler,
    MonitorHistoryHandler,
    MonitorReportHandler,
    MonitorRunHandler,
    MonitorsHandler,
    MonitorStartHandler,
    MonitorStopHandler,
    MonitorViolationsHandler,
)
from .handlers.pipeline_schedules import (
    PipelineImportHandler,
    PipelineScheduleHandler,
    PipelineSchedulesHandler,
)
from .handlers.pipelines import (
    PipelineExecutionHandler,
    PipelineExecutionRetryHandler,
    PipelineExecutionsHandler,
    PipelineExecutionStopHandler,
    PipelineHandler,
    PipelinesHandler,
    PipelineStepLogHandler,
    PipelineStepTypesHandler,
    PipelineValidateHandler,
    PipelineVersionsHandler,
)
from .handlers.registry import (
    ModelAliasHandler,
    ModelApprovalHandler,
    ModelCardHandler,
    ModelHandler,
    ModelLineageHandler,
    ModelsHandler,
    ModelVersionHandler,
    ModelVersionsHandler,
)
from .handlers.runs import (
    ExperimentKeysHandler,
    ExperimentRunsHandler,
    MetricHistoriesHandler,
    RunBatchHandler,
    RunHandler,
    RunRestoreHandler,
    RunsHandler,
    RunTagHandler,
)
from .handlers.status import NotFoundHandler, OpenAPIHandler, StatusHandler
from .handlers.tuning import (
    SageMakerTuningJobsHandler,
    TuningImportancesHandler,
    TuningJobCloneHandler,
    TuningJobHandler,
    TuningJobsHandler,
    TuningJobStopHandler,
    TuningParetoHandler,
    TuningTrialsHandler,
    TuningWarmStartReportHandler,
)
from .handlers.wrangler import (
    FlowExportHandler,
    FlowJobHandler,
    FlowPreviewHandler,
    FlowReportHandler,
    TransformsHandler,
)
from .watcher import ChangedSince, ChangeWatcher

API = r"/mlstudio/api/v1"
MLFLOW = r"/mlstudio/mlflow"  # MLflow's REST API for its unmodified client (issue 18)
ALLOWED_DATA_ROOTS_ENV = "MLSTUDIO_ALLOWED_DATA_ROOTS"
EVENT_SCHEMA = Path(__file__).with_name("events") / "resource_changed.yaml"


class MLStudio(ExtensionApp):
    """Configure with ``c.MLStudio.<trait>`` in jupyter_server_config.py."""

    name = "jupyter_mlstudio"
    app_name = "ML Studio"
    description = "A local-first ML studio inside JupyterLab."
    load_other_extensions = True

    home = Unicode(
        config=True,
        help=f"Folder for the default database and artifacts (env: {HOME_ENV}; "
        "default ~/.mlstudio).",
    )
    store_uri = Unicode(
        "",
        config=True,
        help=f"SQLAlchemy URL of the metadata store (env: {STORE_URI_ENV}; "
        "default sqlite:///<home>/mlstudio.db).",
    )
    artifact_uri = Unicode(
        "",
        config=True,
        help=f"fsspec URL where artifacts go (env: {ARTIFACT_URI_ENV}; default <home>/artifacts).",
    )
    worker_threads = Integer(
        8, config=True, help="Threads that run blocking store calls off the event loop."
    )
    watch_interval = Float(
        1.0,
        config=True,
        help="Seconds between checks for run changes made outside the server (SDK writes), "
        "pushed to open frontends as events; 0 turns it off.",
    )
    job_executor = Unicode(
        "local",
        config=True,
        help="Where jobs run: 'local' processes or a 'dask' cluster (env: MLSTUDIO_JOB_EXECUTOR).",
    )
    dask_address = Unicode(
        "",
        config=True,
        help="Scheduler address of the Dask cluster for job_executor='dask', e.g. "
        "tcp://scheduler:8786 (env: MLSTUDIO_DASK_ADDRESS).",
    )
    spark_master = Unicode(
        "",
        config=True,
        help="Spark master URL for Spark processing jobs, e.g. spark://host:7077 "
        "(env: MLSTUDIO_SPARK_MASTER; default: a local Spark per job).",
    )
    online_store_uri = Unicode(
        "",
        config=True,
        help="Feature Store online store: a redis://host:port/db URL or a SQLAlchemy URL "
        "(env: MLSTUDIO_ONLINE_STORE_URI; default: SQLite in the home folder next to a "
        "SQLite catalog, the catalog's PostgreSQL database next to a PostgreSQL one).",
    )
    max_concurrent_jobs = Integer(
        0,
        config=True,
        help="Local jobs that run at once; more wait in a FIFO queue "
        "(env: MLSTUDIO_MAX_CONCURRENT_JOBS; 0: the number of cores).",
    )
    keep_endpoints_running = Bool(
        False,
        config=True,
        help="Leave endpoint processes running when the server stops (the next server "
        "adopts them). By default they stop with the server and start again with the next "
        "one, on the same ports.",
    )
    endpoint_check_interval = Float(
        10.0,
        config=True,
        help="Seconds between checks that every endpoint in service has its process; a "
        "lost one is started again. 0 checks only at start.",
    )
    monitor_check_interval = Float(
        30.0,
        config=True,
        help="Seconds between Model Monitor scheduler ticks in this server: due executions "
        "start (once, whichever scheduler claims them first: other servers or a standalone "
        "`jupyter mlstudio scheduler` may share the store) and ended ones are recorded. "
        "0 leaves schedules to a standalone scheduler.",
    )
    pipeline_check_interval = Float(
        10.0,
        config=True,
        help="Seconds between checks for pipeline executions whose driving process ended "
        "(the previous server, a kernel that ran a pipeline and exited); this server adopts "
        "them. 0 checks only at start.",
    )
    tuning_check_interval = Float(
        30.0,
        config=True,
        help="Seconds between checks for tuning jobs whose owner process ended (the "
        "previous server, a kernel that ran mls.tune and exited); this server adopts them "
        "and they carry on. 0 checks only at start.",
    )
    allowed_data_roots = List(
        Unicode(),
        config=True,
        help="Folders outside the server's root that Data Wrangler sources may read over "
        f"the REST API (env: {ALLOWED_DATA_ROOTS_ENV}, separated by '{os.pathsep}'). By "
        "default sources must lie under the root folder; the SDK in a kernel is not limited.",
    )
    catalogs = List(
        Unicode(),
        config=True,
        help="Private JumpStart catalogs: folders or fsspec URLs, each a folder of entry "
        f"folders (env: {CATALOGS_ENV}, separated by '{os.pathsep}'). They are listed after "
        "the built-in catalog with their source; kernels started by this server see them too.",
    )
    max_header_bytes = Integer(
        1024 * 1024,
        config=True,
        help="Largest request head (request line and headers) the Jupyter server reads, "
        "raised from tornado's 64 KiB so that an ML Studio request with a query string too "
        f"long for the API (over {MAX_QUERY_BYTES} bytes) is answered 414 rather than "
        "dropped. A longer head still closes the connection; 0 leaves tornado's limit.",
    )
    _watcher: ChangeWatcher | None = None
    _checks: list[PeriodicCallback]
    _check_locks: list[threading.Lock]
    _stopping = False

    @default("home")
    def _default_home(self) -> str:
        return str(default_home())

    @default("catalogs")
    def _default_catalogs(self) -> list[str]:
        raw = os.environ.get(CATALOGS_ENV, "")
        return [part for part in raw.split(os.pathsep) if part.strip()]

    @default("allowed_data_roots")
    def _default_allowed_data_roots(self) -> list[str]:
        raw = os.environ.get(ALLOWED_DATA_ROOTS_ENV, "")
        return [part for part in raw.split(os.pathsep) if part.strip()]

    def _raise_header_limit(self) -> None:
        """Let long request heads reach the handlers (which answer 414) instead of
        tornado closing the connection at 64 KiB with no answer. The Jupyter server
        creates its HTTPServer after extensions load, so this runs on the first loop
        turn, before the socket accepts anything."""
        try:
            server = self.serverapp.http_server if self.serverapp is not None else None
        except AttributeError:
            return  # no HTTP server of the ServerApp's own (e.g. tests)
        if server is not None and self.max_header_bytes > 0:
            params = server.conn_params
            params.max_header_size = max(params.max_header_size, self.max_header_bytes)

    def initialize_settings(self) -> None:
        config = StudioConfig.resolve(
            home=self.home,
            store_uri=self.store_uri or None,
            artifact_uri=self.artifact_uri or None,
            job_executor=self.job_executor if self.job_executor != "local" else None,
            dask_address=self.dask_address or None,
            max_concurrent_jobs=self.max_concurrent_jobs or None,
            spark_master=self.spark_master or None,
            online_store_uri=self.online_store_uri or None,
        )
        # Kernels started by this server inherit these, so the SDK finds the same store.
        os.environ[HOME_ENV] = str(config.home)
        os.environ[STORE_URI_ENV] = config.store_uri
        os.environ[ARTIFACT_URI_ENV] = config.artifact_uri
        if config.online_store_uri:
            os.environ[ONLINE_STORE_URI_ENV] = config.online_store_uri
        # the catalog service (and kernels) read the private catalogs from the environment
        os.environ[CATALOGS_ENV] = os.pathsep.join(self.catalogs)
        # so %mls wrangle can name the flow it writes relative to the file browser's root
        if self.serverapp is not None:
            root = os.path.expanduser(self.serverapp.root_dir)
            os.environ[SERVER_ROOT_ENV] = str(Path(root).resolve())
        try:
            studio = Studio(config)
        except MLStudioError as exc:
            # Keep the server up: the API answers 503 with this message until fixed.
            self.log.error("ML Studio store unavailable: %s", exc.message)
            studio = _UnavailableStudio(config, exc)  # type: ignore[assignment]
        event_logger = getattr(self.serverapp, "event_logger", None)
        if event_logger is not None:
            event_logger.register_event_schema(EVENT_SCHEMA)
        executor = ThreadPoolExecutor(
            max_workers=self.worker_threads, thread_name_prefix="mlstudio"
        )
        loop = getattr(self.serverapp, "io_loop", None) or tornado.ioloop.IOLoop.current()
        loop.add_callback(self._raise_header_limit)
        self.settings.update(
            {
                "mlstudio.allowed_data_roots": [
                    Path(os.path.expanduser(root)).resolve() for root in self.allowed_data_roots
                ],
                "mlstudio.studio": studio,
                "mlstudio.executor": executor,
                "mlstudio.event_logger": event_logger,
            }
        )
        if isinstance(studio, Studio):
            # Runs of kernels that died while the server was down are not running any more.
            studio.experiments.fail_dead_runs(socket.gethostname(), pid_alive)
            # Jobs left by a previous server: keep watching live ones, fail lost ones,
            # queue the ones that never started.
            try:
                touched = studio.jobs.executor.reconcile()
                if touched:
                    self.log.info("ML Studio reconciled %d job(s) after a restart", len(touched))
            except MLStudioError as exc:
                self.log.error("ML Studio jobs unavailable: %s", exc.message)
            emit: Callable[[str, str, str], None] | None = None
            if event_logger is not None:

                def emit(resource: str, action: str, resource_id: str) -> None:
                    # emitted on the server's loop: the monitor check runs on a pool
                    # thread, where jupyter_events finds no running loop and raises
                    loop.add_callback(
                        event_logger.emit,
                        schema_id=EVENT_SCHEMA_ID,
                        data={"resource": resource, "action": action, "id": resource_id},
                    )

            self._start_checks(studio, executor, emit)
            if emit is not None and self.watch_interval > 0:
                self._watcher = ChangeWatcher(
                    {
                        "runs": studio.experiments.changed_since,
                        "jobs": studio.jobs.changed_since,
                        "models": studio.registry.changed_since,
                        "endpoints": studio.endpoints.changed_since,
                        # the store, not studio.tuning: no optuna import until tuning is used
                        "tuning-jobs": SqlTuningStore(studio.db).changed_since,
                        # the catalog, not studio.features: no pyarrow or DuckDB import
                        "feature-groups": SqlFeatureGroupStore(studio.db).changed_since,
                        # finished async requests ("<endpoint>/<id>"): a notification each
                        "async-inference": _finished_async(studio),
                        # executions (a step's change touches its execution)
                        "pipeline-executions": SqlPipelineStore(studio.db).changed_since,
                        # JumpStart launches (their JSON records; see catalog/launcher.py)
                        "catalog-launches": LaunchRecords(
                            config.home / "catalog" / "launches"
                        ).changed_since,
                    },
                    emit,
                    executor,
                    self.log,
                    self.watch_interval,
                )
                self._watcher.start()
        self.log.info("ML Studio store: %s", studio.store_uri_redacted)

    def _every(
        self,
        what: str,
        interval: float,
        check: Callable[[], None],
        executor: ThreadPoolExecutor,
    ) -> None:
        """Run ``check`` on the pool now, then every ``interval`` seconds (0: only now).

        A check still running when the next one is due is skipped; a check queued before
        the server stopped does nothing (it must not start work on a closed studio);
        errors are logged, since nobody else sees a pool thread's exception."""
        busy = threading.Lock()
        self._check_locks.append(busy)

        def run() -> None:
            if not busy.acquire(blocking=False):
                return  # the previous check is still running
            try:
                if not self._stopping:
                    check()
            except MLStudioError as exc:
                self.log.error("ML Studio %s unavailable: %s", what, exc.message)
            except Exception:
                self.log.exception("ML Studio could not check the %s", what)
            finally:
                busy.release()

        def schedule() -> None:
            executor.submit(run)

        schedule()
        if interval > 0:
            callback = PeriodicCallback(schedule, interval * 1000)
            callback.start()
            self._checks.append(callback)

    def _start_checks(
        self,
        studio: Studio,
        executor: ThreadPoolExecutor,
        emit: Callable[[str, str, str], None] | None,
    ) -> None:
        self._checks, self._check_locks = [], []

        def endpoints() -> None:
            """Endpoints that should serve but have no process (the previous server
            stopped them, a reboot, a crash) start again."""
            restarted = studio.endpoints.reconcile()
            if restarted:
                self.log.info("ML Studio started endpoint(s) again: %s", ", ".join(restarted))

        tuning_store = SqlTuningStore(studio.db)

        def tuning() -> None:
            """Tuning jobs left by a previous server (or a kernel that exited) carry on
            here. Adopting is a compare-and-swap on the owner, so overlapping checks, or
            servers sharing a store, adopt a job once. The tuning service (and optuna)
            loads only when some tuning job is unfinished."""
            if not tuning_store.in_statuses(ACTIVE_TUNING_STATUSES):
                return
            adopted = studio.tuning.resume()
            if adopted:
                self.log.info("ML Studio adopted %d tuning job(s)", len(adopted))

        pipeline_store = SqlPipelineStore(studio.db)

        def pipelines() -> None:
            """Pipeline executions whose driver died (the previous server, a kernel that
            exited) carry on here: running steps' jobs are followed where they are,
            finished steps never run again. Adopting is a compare-and-swap on the owner."""
            if not pipeline_store.in_statuses(ACTIVE_EXECUTION_STATUSES):
                return
            adopted = studio.pipelines.resume()
            if adopted:
                self.log.info("ML Studio adopted %d pipeline execution(s)", len(adopted))

        monitor_store = SqlMonitorStore(studio.db)
        started_at = datetime.now(timezone.utc)
        announced = [0]  # the newest alert id pushed to the frontends

        def monitors() -> None:
            """The Model Monitor scheduler's tick; alerts raised since the server
            started go to the frontends (a JupyterLab notification)."""
            if not monitor_store.list_monitors():
                return  # nothing scheduled: the monitor service is not even loaded
            studio.monitor.run_due()
            for alert in studio.monitor.alerts(after_id=announced[0]):
                announced[0] = max(announced[0], alert.id)
                if emit is not None and alert.created_at >= started_at:
                    emit("monitor-alerts", "created", str(alert.id))

        schedules: list[Any] = []  # the PipelineSchedules, made at the first trigger

        def pipeline_schedules() -> None:
            """Pipeline schedules and triggers (model approved, monitor violation): the
            due ones start an execution here, claimed in the database so that of several
            servers or schedulers only one starts each."""
            from ..pipelines.schedules import PipelineSchedules, PipelineTriggerRow

            with studio.db.session() as session:
                if session.query(PipelineTriggerRow.id).first() is None:
                    return
            if not schedules:
                schedules.append(PipelineSchedules(studio))
            started = schedules[0].run_due()
            if started:
                self.log.info("ML Studio started %d scheduled pipeline execution(s)", len(started))

        self._every("endpoints", self.endpoint_check_interval, endpoints, executor)
        self._every("tuning jobs", self.tuning_check_interval, tuning, executor)
        self._every("pipeline executions", self.pipeline_check_interval, pipelines, executor)
        self._every("monitor schedules", self.monitor_check_interval, monitors, executor)
        self._every("pipeline schedules", self.monitor_check_interval, pipeline_schedules, executor)

    def initialize_handlers(self) -> None:
        self.handlers.extend(
            [
                (rf"{API}/status", StatusHandler),
                (rf"{API}/openapi\.json", OpenAPIHandler),
                (rf"{API}/home", HomeHandler),
                (rf"{API}/experiments", ExperimentsHandler),
                (rf"{API}/experiments/(?P<experiment_id>[^/]+)", ExperimentHandler),
                (rf"{API}/experiments/(?P<experiment_id>[^/]+)/runs", ExperimentRunsHandler),
                (rf"{API}/experiments/(?P<experiment_id>[^/]+)/keys", ExperimentKeysHandler),
                (rf"{API}/runs", RunsHandler),
                (rf"{API}/runs/(?P<run_id>[^/]+)", RunHandler),
                (rf"{API}/runs/(?P<run_id>[^/]+)/restore", RunRestoreHandler),
                (rf"{API}/runs/(?P<run_id>[^/]+)/batch", RunBatchHandler),
                (rf"{API}/runs/(?P<run_id>[^/]+)/tags/(?P<key>.+)", RunTagHandler),
                (rf"{API}/runs/(?P<run_id>[^/]+)/artifacts", ArtifactsHandler),
                (rf"{API}/runs/(?P<run_id>[^/]+)/artifacts/content", ArtifactContentHandler),
                (rf"{API}/metric-histories", MetricHistoriesHandler),
                (rf"{API}/jobs", JobsHandler),
                (rf"{API}/jobs/training", TrainingJobsHandler),
                (rf"{API}/jobs/processing", ProcessingJobsHandler),
                (rf"{API}/jobs/batch-transform", BatchTransformJobsHandler),
                (rf"{API}/jobs/(?P<job_id>[^/]+)", JobHandler),
                (rf"{API}/jobs/(?P<job_id>[^/]+)/stop", JobStopHandler),
                (rf"{API}/jobs/(?P<job_id>[^/]+)/clone", JobCloneHandler),
                (rf"{API}/jobs/(?P<job_id>[^/]+)/log", JobLogHandler),
                (rf"{API}/algorithms", AlgorithmsHandler),
                (rf"{API}/tuning-jobs", TuningJobsHandler),
                (rf"{API}/tuning-jobs/(?P<tuning_job>sagemaker)", SageMakerTuningJobsHandler),
                (rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)", TuningJobHandler),
                (rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)/stop", TuningJobStopHandler),
                (rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)/clone", TuningJobCloneHandler),
                (rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)/trials", TuningTrialsHandler),
                (
                    rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)/importances",
                    TuningImportancesHandler,
                ),
                (rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)/pareto", TuningParetoHandler),
                (
                    rf"{API}/tuning-jobs/(?P<tuning_job>[^/]+)/warm-start-report",
                    TuningWarmStartReportHandler,
                ),
                (rf"{API}/pipelines/step-types", PipelineStepTypesHandler),
                (rf"{API}/pipelines/validate", PipelineValidateHandler),
                (rf"{API}/pipelines/import", PipelineImportHandler),
                (rf"{API}/pipelines/(?P<pipeline>[^/]+)/schedules", PipelineSchedulesHandler),
                (
                    rf"{API}/pipelines/(?P<pipeline>[^/]+)/schedules/(?P<schedule_id>[^/]+)",
                    PipelineScheduleHandler,
                ),
                (rf"{API}/pipelines", PipelinesHandler),
                (rf"{API}/pipelines/(?P<pipeline>[^/]+)", PipelineHandler),
                (rf"{API}/pipelines/(?P<pipeline>[^/]+)/versions", PipelineVersionsHandler),
                (rf"{API}/pipelines/(?P<pipeline>[^/]+)/executions", PipelineExecutionsHandler),
                (rf"{API}/pipeline-executions/(?P<execution_id>[^/]+)", PipelineExecutionHandler),
                (
                    rf"{API}/pipeline-executions/(?P<execution_id>[^/]+)/stop",
                    PipelineExecutionStopHandler,
                ),
                (
                    rf"{API}/pipeline-executions/(?P<execution_id>[^/]+)/retry",
                    PipelineExecutionRetryHandler,
                ),
                (
                    rf"{API}/pipeline-executions/(?P<execution_id>[^/]+)/steps/(?P<step>[^/]+)/log",
                    PipelineStepLogHandler,
                ),
                (rf"{API}/data/columns", DataColumnsHandler),
                (rf"{API}/models", ModelsHandler),
                (rf"{API}/models/(?P<name>[^/]+)", ModelHandler),
                (rf"{API}/models/(?P<name>[^/]+)/versions", ModelVersionsHandler),
                (rf"{API}/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", ModelVersionHandler),
                (
                    rf"{API}/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/approval",
                    ModelApprovalHandler,
                ),
                (
                    rf"{API}/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/lineage",
                    ModelLineageHandler,
                ),
                (
                    rf"{API}/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/card",
                    ModelCardHandler,
                ),
                (rf"{API}/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)", ModelAliasHandler),
                (rf"{API}/endpoints", EndpointsHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)", EndpointHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/metrics", EndpointMetricsHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/log", EndpointLogHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/example", EndpointExampleHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/errors", EndpointErrorsHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/shadow/compare", ShadowCompareHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/shadow/promote", ShadowPromoteHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/models", EndpointModelsHandler),
                (rf"{API}/endpoints/(?P<name>[^/]+)/async-invocations", AsyncInvocationsHandler),
                (
                    rf"{API}/endpoints/(?P<name>[^/]+)/async-invocations/(?P<inference_id>[^/]+)",
                    AsyncInvocationHandler,
                ),
                (
                    rf"{API}/endpoints/(?P<name>[^/]+)/async-invocations/(?P<inference_id>[^/]+)/output",
                    AsyncOutputHandler,
                ),
                (rf"{API}/wrangler/transforms", TransformsHandler),
                (rf"{API}/wrangler/preview", FlowPreviewHandler),
                (rf"{API}/wrangler/report", FlowReportHandler),
                (rf"{API}/wrangler/export", FlowExportHandler),
                (rf"{API}/wrangler/job", FlowJobHandler),
                (rf"{API}/feature-groups", FeatureGroupsHandler),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)", FeatureGroupHandler),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)/versions", FeatureGroupVersionsHandler),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)/summary", FeatureGroupSummaryHandler),
                (
                    rf"{API}/feature-groups/(?P<ref>[^/]+)/ingestions",
                    FeatureGroupIngestionsHandler,
                ),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)/ingest", FeatureGroupIngestHandler),
                (rf"{API}/feature-inference", FeatureInferenceHandler),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)/lineage", FeatureGroupLineageHandler),
                (
                    rf"{API}/feature-groups/(?P<ref>[^/]+)/ingest-jobs",
                    FeatureGroupIngestJobHandler,
                ),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)/rows", FeatureGroupRowsHandler),
                (rf"{API}/feature-groups/(?P<ref>[^/]+)/lookup", FeatureLookupHandler),
                (
                    rf"{API}/feature-groups/(?P<ref>[^/]+)/records/(?P<record_id>[^/]+)",
                    FeatureRecordHandler,
                ),
                (rf"{API}/feature-datasets", FeatureDatasetsHandler),
                (rf"{API}/monitors", MonitorsHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)", MonitorHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/stop", MonitorStopHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/start", MonitorStartHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/run", MonitorRunHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/executions", MonitorExecutionsHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/ground-truth", MonitorGroundTruthHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/history", MonitorHistoryHandler),
                (rf"{API}/monitors/(?P<monitor>[^/]+)/constraints", MonitorConstraintsHandler),
                (
                    rf"{API}/monitors/(?P<monitor>[^/]+)/constraints/reset",
                    MonitorConstraintsResetHandler,
                ),
                (rf"{API}/monitor-executions/(?P<execution_id>[^/]+)", MonitorExecutionHandler),
                (
                    rf"{API}/monitor-executions/(?P<execution_id>[^/]+)/violations",
                    MonitorViolationsHandler,
                ),
                (
                    rf"{API}/monitor-executions/(?P<execution_id>[^/]+)/report",
                    MonitorReportHandler,
                ),
                (rf"{API}/monitor-alerts", MonitorAlertsHandler),
                (rf"{API}/catalog", CatalogHandler),
                (rf"{API}/catalog/launches", CatalogLaunchesHandler),
                (rf"{API}/catalog/launches/(?P<launch_id>[^/]+)", CatalogLaunchRecordHandler),
                (rf"{API}/catalog/(?P<name>[^/]+)", CatalogEntryHandler),
                (rf"{API}/catalog/(?P<name>[^/]+)/launch", CatalogLaunchHandler),
                (rf"{API}/catalog/(?P<name>[^/]+)/deploy", CatalogDeployHandler),
                (rf"{API}/catalog/(?P<name>[^/]+)/fine-tune", CatalogFineTuneHandler),
                (r"/mlstudio/endpoints/(?P<name>[^/]+)/(?P<path>.*)", EndpointProxyHandler),
                *mlflow_registry_routes(MLFLOW),
                *mlflow_tracking_routes(MLFLOW),
                mlflow_not_found_route(MLFLOW),
                (rf"{API}(/.*)?", NotFoundHandler),
            ]
        )

    async def stop_extension(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        for callback in getattr(self, "_checks", []):
            callback.stop()
        self._stopping = True
        for busy in getattr(self, "_check_locks", []):
            if busy.acquire(timeout=30):
                busy.release()  # a running check has ended; later ones return
        studio = self.settings.get("mlstudio.studio")
        if isinstance(studio, Studio):
            if not self.keep_endpoints_running:
                try:
                    studio.endpoints.stop_all()
                except MLStudioError as exc:
                    self.log.error("ML Studio could not stop the endpoints: %s", exc.message)
            studio.close()
        executor = self.settings.get("mlstudio.executor")
        if executor is not None:
            executor.shutdown(wait=False)


def _finished_async(studio: Studio) -> ChangedSince:
    """Async requests that finished since the server started (never older ones)."""
    queue = AsyncInferenceQueue(studio.db, studio.config.artifact_uri)
    started = datetime.now(timezone.utc)
    return lambda since: queue.finished_since(max(since, started))


class _UnavailableStudio:
    """Stands in for a Studio whose store could not be opened; every use re-raises."""

    def __init__(self, config: StudioConfig, error: MLStudioError) -> None:
        self.config = config
        self._error = error
        self.store_uri_redacted = redact_uri(config.store_uri)

    def __getattr__(self, name: str) -> Any:
        raise self._error
