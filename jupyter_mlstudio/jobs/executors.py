"""Where jobs run, chosen by configuration: ``local`` processes or a ``dask`` cluster.

Both run the same ``supervise`` function, so a job behaves the same on either; the
executor only decides where and when. Every executor:

* ``submit(job)`` — queue a Pending job;
* ``stop(job)`` — ask it to stop (the job's supervisor ends it);
* ``reconcile()`` — after a restart, pick up what the previous process left behind;
* ``close()`` — stop dispatching (running jobs carry on: they are detached).
"""

from __future__ import annotations

import abc
import contextlib
import logging
import os
import threading
from collections import deque
from typing import Any

from ..config import StudioConfig
from ..errors import InvalidArgumentError
from ..processes import same_process_alive, this_host
from ..store.db import Database
from .entities import ACTIVE_JOB_STATUSES, FAILED, PENDING, Job
from .launcher import start_shared_launcher
from .lifecycle import finish_job
from .store import JobStore, SqlJobStore
from .supervisor import adopt, runner_environment, stop_locally, supervise

log = logging.getLogger(__name__)


class JobExecutor(abc.ABC):
    name: str

    def __init__(self, store: JobStore, config: StudioConfig) -> None:
        self.store = store
        self.config = config

    @abc.abstractmethod
    def submit(self, job: Job) -> None: ...

    def stop(self, job: Job) -> Job:
        """Default: record the request; whoever supervises the job ends it."""
        return job

    def reconcile(self) -> list[str]:
        return []

    def close(self) -> None:  # noqa: B027 - optional: most executors hold nothing
        """Stop dispatching; running jobs carry on."""


class LocalExecutor(JobExecutor):
    """Each job a detached child process; at most ``max_concurrent`` at once, FIFO."""

    name = "local"

    def __init__(
        self,
        store: JobStore,
        config: StudioConfig,
        *,
        max_concurrent: int | None = None,
        stop_grace: float = 10.0,
    ):
        limit = max_concurrent or os.cpu_count() or 1
        if limit < 1:
            raise InvalidArgumentError("max_concurrent must be at least 1.")
        super().__init__(store, config)
        self.max_concurrent = limit
        self.stop_grace = stop_grace
        self._queue: deque[str] = deque()
        self._running = 0
        self._lock = threading.Lock()
        self._closed = False
        self._idle = threading.Condition(self._lock)
        start_shared_launcher(runner_environment(config))  # warm before the first job

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    def submit(self, job: Job) -> None:
        with self._lock:
            self._queue.append(job.id)
        self._dispatch()

    def _dispatch(self) -> None:
        with self._lock:
            while not self._closed and self._queue and self._running < self.max_concurrent:
                job_id = self._queue.popleft()
                self._running += 1
                threading.Thread(
                    target=self._run,
                    args=(job_id, None),
                    name=f"mlstudio-job-{job_id[:8]}",
                    daemon=True,
                ).start()

    def _run(self, job_id: str, adopted: Job | None) -> None:
        try:
            _watch_safely(self.store, self.config, job_id, adopted, self.stop_grace)
        finally:
            with self._lock:
                self._running -= 1
                self._idle.notify_all()
            self._dispatch()

    def stop(self, job: Job) -> Job:
        with self._lock:
            if job.id in self._queue:
                self._queue.remove(job.id)
        if job.status in ("Running", "Stopping"):
            threading.Thread(
                target=stop_locally,
                args=(self.store, job),
                kwargs={"stop_grace": self.stop_grace},
                daemon=True,
            ).start()
        return job

    def reconcile(self) -> list[str]:
        """Adopt what a previous process left on this host; returns the job ids touched.

        Running jobs whose watcher died: still alive → keep watching; gone → Failed.
        Pending jobs whose queueing process died → queued here, oldest first.
        """
        host, me = this_host(), os.getpid()
        touched: list[str] = []
        for job in self.store.jobs_in(ACTIVE_JOB_STATUSES):
            if job.executor != self.name or job.owner_host != host:
                continue
            if job.owner_pid == me or same_process_alive(job.owner_pid, None):
                continue  # its owner still watches it
            touched.append(job.id)
            if job.status == PENDING:
                if self.store.claim_owner(job.id, host=host, pid=me):
                    self.submit(job)
            elif same_process_alive(job.pid, job.process_start):
                self.store.claim_owner(job.id, host=host, pid=me)
                with self._lock:
                    self._running += 1
                threading.Thread(target=self._run, args=(job.id, job), daemon=True).start()
            else:
                finish_job(
                    self.store,
                    job.id,
                    FAILED,
                    "The job's process ended while no server was watching it "
                    "(the machine or the server restarted).",
                )
        return touched

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running (tests, benchmarks, shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._queue and self._running == 0, timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True


def _watch_safely(
    store: JobStore, config: StudioConfig, job_id: str, adopted: Job | None, stop_grace: float
) -> None:
    """Supervise a new job, or keep watching an ``adopted`` one; never lose it silently."""
    try:
        if adopted is not None:
            adopt(store, config, adopted, stop_grace=stop_grace)
        else:
            supervise(store, config, job_id, stop_grace=stop_grace)
    except Exception as exc:
        log.exception("supervising job %s failed", job_id)
        try:
            finish_job(store, job_id, FAILED, f"Could not run the job: {exc}")
        except Exception:
            log.exception("could not record the failure of job %s", job_id)


def _worker_settings(config: dict[str, str]) -> StudioConfig:
    return StudioConfig.resolve(
        home=config["home"],
        store_uri=config["store_uri"],
        artifact_uri=config["artifact_uri"],
        dask_address=config.get("dask_address") or None,
    )


def _warm_worker(config: dict[str, str]) -> None:
    """Runs on each Dask worker when the executor connects: the worker's job launcher
    warms up now (a few seconds of imports in the background), so the first job there
    starts forked and warm instead of paying for a fresh interpreter while the launcher
    competes with it for the CPU."""
    start_shared_launcher(runner_environment(_worker_settings(config)))


def _supervise_on_worker(config: dict[str, str], job_id: str, stop_grace: float) -> str:
    """Runs inside a Dask worker: the same supervision as a local job.

    The worker records itself as the job's owner (its address and pid), so the
    executor can tell when the worker watching a job has died.
    """
    from distributed import get_worker

    settings = _worker_settings(config)
    # The job store is all supervision uses (the database the server already prepared).
    db = Database(settings.store_uri)
    store = SqlJobStore(db, settings.artifact_uri)
    with contextlib.suppress(Exception):
        from distributed import secede

        # A job waits for its process for minutes: free the worker thread, so tasks the
        # job itself sends to the cluster (batch transform partitions) can run here.
        secede()
    try:
        job = store.get_job(job_id)
        if job.status != PENDING:
            # Dask runs a task again when the worker running it died; the job's process
            # was started by that worker, and the executor's reconcile deals with it.
            return job.status
        store.claim_owner(job_id, host=get_worker().address, pid=os.getpid())
        return supervise(store, settings, job_id, stop_grace=stop_grace).status
    finally:
        db.dispose()


#: the Dask worker resource a job holds while it runs (see DaskExecutor._job_slots)
JOB_RESOURCE = "mlstudio-job"


class DaskExecutor(JobExecutor):
    """Jobs run on the workers of a ``distributed`` cluster at ``address``.

    Workers need this package and access to the same store and artifact URLs (a
    PostgreSQL store and object storage when they are other machines). Logs and
    outputs come back through the artifact store; stop requests through the store.
    """

    name = "dask"

    def __init__(
        self,
        store: JobStore,
        config: StudioConfig,
        *,
        stop_grace: float = 10.0,
        check_interval: float = 10.0,
    ) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InvalidArgumentError(
                "The dask executor needs the 'distributed' package: "
                "pip install 'jupyter_mlstudio[dask]'."
            ) from None
        address = config.dask_address
        if not address:
            raise InvalidArgumentError("The dask executor needs a scheduler address.")
        super().__init__(store, config)
        self.stop_grace = stop_grace
        self._address = address
        self._client: Any = Client(address, set_as_default=False, timeout="10s")
        self._futures: dict[str, Any] = {}
        self._closed = threading.Event()
        with contextlib.suppress(Exception):  # a worker that cannot warm starts jobs cold
            self._client.run(_warm_worker, self._worker_config(), on_error="ignore")
        if check_interval > 0:
            threading.Thread(
                target=self._check_workers,
                args=(check_interval,),
                name="mlstudio-dask-reconcile",
                daemon=True,
            ).start()

    def _worker_config(self) -> dict[str, str]:
        return {
            "home": str(self.config.home),
            "store_uri": self.config.store_uri,
            "artifact_uri": self.config.artifact_uri,
            "dask_address": self._address,
        }

    def submit(self, job: Job) -> None:
        from distributed import fire_and_forget

        future = self._client.submit(
            _supervise_on_worker,
            self._worker_config(),
            job.id,
            self.stop_grace,
            key=f"mlstudio-job-{job.id}",
            pure=False,
            resources=self._job_slots(),
        )
        fire_and_forget(future)
        self._futures[job.id] = future

    def _job_slots(self) -> dict[str, float] | None:
        """One ``mlstudio-job`` resource per job when the workers declare it (``dask worker
        --resources mlstudio-job=2``): the scheduler then queues jobs until a worker has a
        free slot, and spreads them over the workers. Without it a worker runs any
        number of jobs at once (a job secedes from its thread while its process runs)."""
        try:
            workers = self._client.scheduler_info().get("workers", {})
        except Exception:  # an unreachable scheduler: the submit itself will say so
            return None
        declared = any(JOB_RESOURCE in (w.get("resources") or {}) for w in workers.values())
        return {JOB_RESOURCE: 1} if declared else None

    def stop(self, job: Job) -> Job:
        future = self._futures.get(job.id)
        if future is not None and job.status == PENDING:
            future.cancel()
        return job

    def _check_workers(self, interval: float) -> None:
        while not self._closed.wait(interval):
            try:
                self.reconcile()
            except Exception:  # the next check tries again
                log.exception("checking the Dask workers of running jobs failed")

    def _live_workers(self) -> dict[str, int] | None:
        """Worker address → pid for every live worker; None when the cluster cannot say."""
        try:
            pids = self._client.run(os.getpid, on_error="ignore")
        except Exception as exc:
            log.warning("the Dask scheduler did not answer (%s); jobs are left as they are", exc)
            return None
        return {address: int(pid) for address, pid in pids.items()}

    def reconcile(self) -> list[str]:
        """Running jobs whose worker died: a process still alive on this host is watched
        from here; any other is failed with the reason. Returns the job ids touched.

        Pending jobs are left alone: the scheduler keeps their tasks and runs them again
        on another worker when the one they were on dies.
        """
        host, me = this_host(), os.getpid()
        candidates = [
            job
            for job in self.store.jobs_in(ACTIVE_JOB_STATUSES)
            if job.executor == self.name
            and job.status != PENDING
            and not (job.owner_host == host and job.owner_pid == me)
        ]
        if not candidates:
            return []
        workers = self._live_workers()
        if workers is None:
            return []
        touched: list[str] = []
        for job in candidates:
            if job.owner_host in workers and workers[job.owner_host] == job.owner_pid:
                continue  # its worker still watches it
            if job.owner_host == host and same_process_alive(job.owner_pid, None):
                continue  # another server on this host adopted it
            touched.append(job.id)
            if job.host == host and same_process_alive(job.pid, job.process_start):
                if self.store.claim_owner(job.id, host=host, pid=me):
                    threading.Thread(
                        target=_watch_safely,
                        args=(self.store, self.config, job.id, job, self.stop_grace),
                        name=f"mlstudio-job-{job.id[:8]}",
                        daemon=True,
                    ).start()
                continue
            where = "" if job.host == host else f" on {job.host}"
            finish_job(
                self.store,
                job.id,
                FAILED,
                f"The Dask worker that ran this job ({job.owner_host}) died, and the "
                f"job's process{where} is no longer watched.",
            )
        return touched

    def close(self) -> None:
        self._closed.set()
        self._client.close()


EXECUTOR_ENTRY_POINTS = "jupyter_mlstudio.executors"


def make_executor(
    kind: str, store: JobStore, config: StudioConfig, *, max_concurrent: int | None = None
) -> JobExecutor:
    """The executor ``kind`` names: ``local``, ``dask``, an executor a package registers
    in the ``jupyter_mlstudio.executors`` entry-point group, or ``module:Class``.

    A plugged-in executor is a :class:`JobExecutor` subclass built as ``cls(store, config)``; it
    reads its own settings (from the environment or its configuration) and runs jobs
    with :func:`jupyter_mlstudio.jobs.supervisor.supervise`, as the built-in ones do.
    """
    if kind == "local":
        return LocalExecutor(store, config, max_concurrent=max_concurrent)
    if kind == "dask":
        return DaskExecutor(store, config)
    executor_class = _plugged_in_executor(kind)
    executor = executor_class(store, config)
    executor.name = kind  # jobs record the name they were configured with
    return executor


def _plugged_in_executor(kind: str) -> type[JobExecutor]:
    from importlib import import_module
    from importlib.metadata import entry_points

    found: Any = None
    if ":" in kind:
        module, _, attribute = kind.partition(":")
        try:
            found = getattr(import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise InvalidArgumentError(f"Cannot load the job executor {kind!r}: {exc}") from None
    else:
        plugins = entry_points(group=EXECUTOR_ENTRY_POINTS)
        matches = [plugin for plugin in plugins if plugin.name == kind]
        if not matches:
            known = ", ".join(sorted({"local", "dask", *(plugin.name for plugin in plugins)}))
            raise InvalidArgumentError(
                f"Unknown job executor {kind!r}; use one of {known}, or 'module:Class'."
            )
        found = matches[0].load()
    if not (isinstance(found, type) and issubclass(found, JobExecutor)):
        raise InvalidArgumentError(
            f"The job executor {kind!r} is not a JobExecutor subclass (jupyter_mlstudio.jobs."
            "executors.JobExecutor)."
        )
    return found
