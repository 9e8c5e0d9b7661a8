"""The endpoint's main process: ``python -m jupyter_mlstudio.serving --config endpoint.json``.

It resolves every variant to one pinned model version (so all workers serve the same
versions even if an alias moves meanwhile), binds the listening socket(s) — port 0 picks
a free port —, creates the shared metrics file, and starts the worker processes, which
inherit the sockets (forked once the libraries are imported here, or spawned). Once
every worker has loaded its models it prints one JSON line on stdout,
``{"ready": true, "port": N, ...}`` (after writing it to the ready file when one is
configured), or ``{"ready": false, "error": ...}`` and exits 1 if the endpoint cannot
start. Then it watches: a worker that dies is started again (with backoff when it keeps
dying), while the socket keeps queueing connections for the others. SIGTERM (or SIGINT)
drains the workers and exits 0. Nothing else is written to stdout; logs go to stderr.

SIGHUP is a rolling update: the supervisor reads the config file again, starts a new
generation of workers on the same listening socket, and once every new worker serves,
tells the old ones to drain (they stop accepting, finish what they have and exit), so no
request is dropped: connections the old workers no longer take wait in the shared
socket's queue for the new ones. The ready file is written again with the new
``generation``; if the new workers cannot start they are stopped, the old ones keep
serving, and the ready file says ``update_error``. Metrics start again at zero with each
generation (they are counted per variant, and the variants may differ).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from ..config import StudioConfig
from ..errors import MLStudioError
from .autoscaling import Autoscaler
from .config import EndpointConfig
from .metrics import NOT_ACCEPTING, MetricsFile
from .shadow import metrics_rows
from .worker import WorkerSpec, error_message

log = logging.getLogger("jupyter_mlstudio.serving.supervisor")

POLL = 0.1
KILL_GRACE = 5.0  # after drain_seconds, before SIGKILL
STOP_ACCEPTING_WAIT = 5.0  # how long an update waits for the old workers to stop accepting
THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class StartupError(Exception):
    pass


class _Process(Protocol):
    pid: int

    @property
    def returncode(self) -> int | None: ...
    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...
    def kill(self) -> None: ...


class _Forked:
    """A forked child with the part of ``Popen``'s interface the supervisor uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._code: int | None = None

    @property
    def returncode(self) -> int | None:
        return self._code

    def poll(self) -> int | None:
        if self._code is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self._code = -1
                return self._code
            if pid:
                self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
            time.sleep(0.02)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


@dataclass
class _Worker:
    slot: int
    process: _Process
    ready_fd: int | None
    started: float = field(default_factory=time.monotonic)
    buffer: bytes = b""
    ready: bool = False
    error: str | None = None


def resolve_versions(config: EndpointConfig) -> EndpointConfig:
    """The config with every variant's version pinned (aliases and 'newest' resolved)."""
    from ..studio import Studio

    studio = Studio.open()
    try:
        variants = []
        for variant in config.variants:
            found = studio.registry.get_version(variant.model, variant.version, variant.alias)
            variants.append(variant.model_copy(update={"version": found.version, "alias": None}))
        shadow = config.shadow
        if shadow is not None:  # pinned likewise (serving/shadow.py)
            found = studio.registry.get_version(shadow.model, shadow.version, shadow.alias)
            shadow = shadow.model_copy(update={"version": found.version, "alias": None})
    finally:
        studio.close()
    return config.model_copy(update={"variants": variants, "shadow": shadow})


def capture_destination(config: EndpointConfig) -> str | None:
    if not config.capture.enabled:
        return None
    destination = config.capture.destination
    if destination is None:
        root = StudioConfig.resolve().artifact_uri.rstrip("/")
        return f"{root}/endpoints/{config.name}/data-capture"
    if "://" not in destination:
        return str(Path(destination).expanduser().resolve())
    return destination


class Supervisor:
    def __init__(
        self,
        config: EndpointConfig,
        ready_file: str | None = None,
        runtime_dir: str | None = None,
        config_path: str | None = None,
    ) -> None:
        self.config = config
        self.ready_file = ready_file or config.ready_file
        self._runtime_dir = runtime_dir
        self._config_path = config_path
        self.workers: dict[int, _Worker] = {}
        self.generation = 1
        self._reload = False
        self._info: dict[str, Any] = {}
        # an older generation draining after an update: its workers and metrics file
        self._retiring: list[tuple[float, _Worker]] = []
        self._retired_metrics: list[MetricsFile] = []
        self.stopping = False
        self._crashes: dict[int, list[float]] = {}
        self._restart_at: dict[int, float] = {}
        self._runtime: Path | None = None
        self._sockets: list[Any] = []
        self._metrics: MetricsFile | None = None
        self._spec_path: Path | None = None
        self._spec: WorkerSpec | None = None
        self._scaler: Autoscaler | None = None  # autoscaling / scale to zero (see _autoscale)
        self._scaled_metrics: MetricsFile | None = None
        self._scaled_at = 0.0
        # scaled-in workers until they exit, with the metrics file their slot is in
        self._scaled_in: list[tuple[_Worker, MetricsFile | None]] = []
        start = config.worker_start
        self.fork = start == "fork" or (start == "auto" and sys.platform.startswith("linux"))
        self._async: Any = None  # the AsyncProcessor of an endpoint with async_config

    # -- the whole life ----------------------------------------------------------------
    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGHUP, self._on_reload)
        try:
            try:
                info = self._start()
            except (StartupError, MLStudioError, OSError) as exc:
                message = exc.message if isinstance(exc, MLStudioError) else str(exc)
                log.error("The endpoint did not start: %s", message)
                self._announce({"ready": False, "error": message})
                return 1
            if self.stopping:
                return 0
            self._info = info
            self._scaler = self._new_scaler(self.config)
            self._announce(info)
            if self.config.async_config is not None:  # works the durable async queue
                from .async_worker import AsyncProcessor

                self._async = AsyncProcessor(self.config, info["url"])
                self._async.start()
            try:
                self._watch()
            finally:
                if self._async is not None:
                    self._async.stop()
            return 0
        finally:
            self._stop_workers()
            self._cleanup()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _on_reload(self, signum: int, frame: FrameType | None) -> None:
        self._reload = True

    def _start(self) -> dict[str, Any]:
        from tornado.netutil import bind_sockets

        config = self.config = resolve_versions(self.config)
        if self._runtime_dir:
            self._runtime = Path(self._runtime_dir)
            self._runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        else:
            self._runtime = Path(tempfile.mkdtemp(prefix=f"mlstudio-endpoint-{config.name}-"))
        self._prepare_generation(config)
        if self.fork:  # import once here, not in every worker
            import pandas  # noqa: F401
            import sklearn.base  # noqa: F401
            import skops.io  # noqa: F401

            from . import handlers, variants  # noqa: F401
        self._sockets = bind_sockets(config.port, config.host or None)
        for slot in range(config.worker_count):
            self._spawn(slot)
        self._wait_ready(self.workers, time.monotonic() + config.startup_timeout)
        return self._describe(config)

    def _prepare_generation(self, config: EndpointConfig) -> None:
        """The metrics file and worker spec of the generation about to start."""
        assert self._runtime is not None
        suffix = "" if self.generation == 1 else f"-g{self.generation}"
        scaling = config.scale_to_zero_after is not None or config.worker_capacity > (
            config.worker_count
        )
        self._metrics = MetricsFile.create(
            self._runtime / f"metrics{suffix}.bin",
            # scaled-in workers keep their slot while they drain: room for new ones beside
            slots=2 * config.worker_capacity if scaling else config.worker_count,
            rows=metrics_rows(config),  # the variants', unrouted, a shadow's
        )
        spec = WorkerSpec(
            config=config,
            metrics_file=str(self._metrics.path),
            capture_destination=capture_destination(config),
            supervisor_pid=os.getpid(),
        )
        self._spec = spec
        self._spec_path = self._runtime / f"worker{suffix}.json"
        fd = os.open(self._spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(spec.model_dump_json())

    def _describe(self, config: EndpointConfig) -> dict[str, Any]:
        port = self._sockets[0].getsockname()[1]
        # an address that means "every interface" is reached through the loopback one
        host = config.host if config.host not in ("", "0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
        url_host = f"[{host}]" if ":" in host else host
        return {
            "ready": True,
            "endpoint": config.name,
            "generation": self.generation,
            "host": config.host,
            "port": port,
            "url": f"http://{url_host}:{port}",
            "pid": os.getpid(),
            "workers": [w.process.pid for w in self.workers.values()],
            "variants": [
                {"name": v.name, "model": v.model, "version": v.version, "weight": v.weight}
                for v in config.variants
            ],
            "capture_destination": capture_destination(config),
        }

    # -- rolling update -------------------------------------------------------------------
    def _update(self) -> None:
        """Start a generation of workers for the config file as it is now; switch to it
        once every new worker serves, and drain the old ones (see the module docstring)."""
        self._reload = False
        previous = (self.config, self.workers, self._metrics, self._spec, self._spec_path)
        try:
            if not self._config_path:
                raise StartupError("This endpoint was not started from a config file.")
            config = resolve_versions(EndpointConfig.load(self._config_path))
            if config.name != self.config.name:
                raise StartupError("An update cannot rename the endpoint.")
        except (StartupError, MLStudioError) as exc:
            self._update_failed(exc.message if isinstance(exc, MLStudioError) else str(exc))
            return
        # the listening socket stays; everything else (token, body limit too) is the new config's
        config = config.model_copy(update={"host": self.config.host, "port": self.config.port})
        self.generation += 1
        log.info(
            "Update to generation %d: starting %d workers.", self.generation, config.worker_count
        )
        self.config = config
        self.workers = {}
        try:
            self._prepare_generation(config)
            for slot in range(config.worker_count):
                self._spawn(slot)
            self._wait_ready(self.workers, time.monotonic() + config.startup_timeout)
            if self.stopping:
                raise StartupError("The endpoint is stopping.")
        except (StartupError, OSError) as exc:
            new_workers, new_metrics = self.workers, self._metrics
            for worker in new_workers.values():
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                worker.process.wait()
                if worker.ready_fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(worker.ready_fd)
            if new_metrics is not None and new_metrics is not previous[2]:
                new_metrics.close()
            self.generation -= 1
            self.config, self.workers, self._metrics, self._spec, self._spec_path = previous
            self._update_failed(str(exc))
            return
        now = time.monotonic()
        for worker in previous[1].values():
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
            self._retiring.append((now, worker))
        # The old workers share the listening socket until they handle SIGTERM: announce
        # the new generation only once they stopped accepting, or a request sent right
        # after the update could still meet the old config (an old body limit, say).
        self._wait_stopped_accepting(previous[1], previous[2])
        if previous[2] is not None:
            self._retired_metrics.append(previous[2])
        self._crashes.clear()
        self._restart_at.clear()
        self._scaler = self._new_scaler(config, self._scaler)
        self._info = self._describe(config)
        log.info(
            "Generation %d serves; generation %d drains.", self.generation, self.generation - 1
        )
        if self._async is not None or config.async_config is not None:  # new async_config
            from .async_worker import reconfigure

            self._async = reconfigure(self._async, config, self._info["url"])
        self._announce(self._info)

    def _wait_stopped_accepting(
        self, workers: dict[int, _Worker], metrics: MetricsFile | None
    ) -> None:
        deadline = time.monotonic() + STOP_ACCEPTING_WAIT
        while True:
            accepting = [
                w
                for w in workers.values()
                if w.process.poll() is None and metrics is not None and metrics.accepting(w.slot)
            ]
            if not accepting:
                return
            if time.monotonic() > deadline:
                log.warning(
                    "Old worker(s) %s still accept after %.0f s; announcing the update anyway.",
                    ", ".join(str(w.process.pid) for w in accepting),
                    STOP_ACCEPTING_WAIT,
                )
                return
            time.sleep(0.005)

    def _update_failed(self, message: str) -> None:
        log.error("The update failed; the running workers keep serving: %s", message)
        self._announce({**self._info, "update_error": message, "update_failed_at": time.time()})

    def _reap_retiring(self) -> None:
        still = []
        limit = self.config.drain_seconds + KILL_GRACE
        for since, worker in self._retiring:
            if worker.process.poll() is not None:
                continue
            if time.monotonic() - since > limit:
                log.warning(
                    "Old worker (pid %d) did not drain in time; killing it.", worker.process.pid
                )
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                continue
            still.append((since, worker))
        self._retiring = still
        if not still:
            for metrics in self._retired_metrics:
                with contextlib.suppress(OSError):
                    metrics.path.unlink()
                with contextlib.suppress(OSError):  # a multi-model endpoint's (multi_model.py)
                    metrics.path.with_name(f"{metrics.path.name}.models").unlink()
                metrics.close()
            self._retired_metrics.clear()

    def _announce(self, info: dict[str, Any]) -> None:
        """The ready file first, then stdout: whoever reads either can use both."""
        line = json.dumps(info)
        if self.ready_file:
            target = Path(self.ready_file)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_name(f".{target.name}.tmp")
                temporary.write_text(line + "\n")
                os.replace(temporary, target)
            except OSError as exc:
                log.error("Could not write the ready file %s: %s", target, exc)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    # -- workers ------------------------------------------------------------------------
    def _spawn(self, slot: int) -> None:
        assert self._spec_path is not None and self._metrics is not None
        read_fd, write_fd = os.pipe()
        socket_fds = [s.fileno() for s in self._sockets]
        process: _Process
        if self.fork:
            process = _Forked(self._fork(slot, socket_fds, read_fd, write_fd))
            os.close(write_fd)
        else:
            process = self._exec(slot, socket_fds, write_fd)
        os.set_blocking(read_fd, False)
        self.workers[slot] = _Worker(slot, process, read_fd)
        self._metrics.mark_started(slot, process.pid)
        log.info("Worker %d started (pid %d).", slot, process.pid)

    def _fork(self, slot: int, socket_fds: list[int], read_fd: int, write_fd: int) -> int:
        assert self._spec is not None
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        # the child: never returns into the supervisor's code
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.dup2(2, 1)  # stdout carries the supervisor's ready line only
            os.close(read_fd)
            for other in self.workers.values():
                if other.ready_fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(other.ready_fd)
            for name in THREAD_LIMITS:
                os.environ.setdefault(name, "1")
            from .worker import run_worker

            code = run_worker(self._spec, slot, socket_fds, write_fd)
        except BaseException:
            with contextlib.suppress(Exception):
                traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os._exit(code)

    def _exec(self, slot: int, socket_fds: list[int], write_fd: int) -> _Process:
        assert self._spec_path is not None
        env = dict(os.environ)
        for name in THREAD_LIMITS:  # one process per core already: no thread pools on top
            env.setdefault(name, "1")
        command = [
            sys.executable,
            "-m",
            "jupyter_mlstudio.serving.worker",
            "--spec",
            str(self._spec_path),
            "--slot",
            str(slot),
            "--fds",
            ",".join(str(fd) for fd in socket_fds),
            "--ready-fd",
            str(write_fd),
        ]
        try:
            return subprocess.Popen(  # noqa: S603 - our own module, no shell
                command,
                pass_fds=[*socket_fds, write_fd],
                stdin=subprocess.DEVNULL,
                stdout=sys.stderr.fileno(),  # stdout carries the ready line only
                env=env,
            )
        finally:
            os.close(write_fd)

    def _read_ready(self, timeout: float) -> None:
        pending = {w.ready_fd: w for w in self.workers.values() if w.ready_fd is not None}
        # scaled to zero: a connection waiting on the listening socket starts the workers
        listening = (
            [s.fileno() for s in self._sockets]
            if self._scaler is not None and self._scaler.scaled_to_zero
            else []
        )
        if not pending and not listening:
            time.sleep(timeout)
            return
        with contextlib.suppress(InterruptedError):
            readable, _, _ = select.select(list(pending) + listening, [], [], timeout)
            for fd in readable:
                if fd in pending:
                    self._read_from(pending[fd])
            if any(fd in listening for fd in readable):
                self._wake()

    def _read_from(self, worker: _Worker) -> None:
        assert worker.ready_fd is not None
        try:
            chunk = os.read(worker.ready_fd, 4096)
        except BlockingIOError:
            return
        worker.buffer += chunk
        if b"\n" not in worker.buffer and chunk:
            return
        os.close(worker.ready_fd)
        worker.ready_fd = None
        try:
            message = json.loads(worker.buffer.split(b"\n", 1)[0] or b"{}")
        except ValueError:
            message = {}
        if message.get("ready"):
            worker.ready = True
            log.info("Worker %d ready.", worker.slot)
        else:
            worker.error = str(message.get("error") or "it exited while starting")

    def _wait_ready(self, workers: dict[int, _Worker], deadline: float) -> None:
        while not self.stopping:
            for worker in workers.values():
                if worker.error is not None:
                    raise StartupError(f"Worker {worker.slot} could not start: {worker.error}")
                if worker.ready_fd is None and not worker.ready:
                    raise StartupError(f"Worker {worker.slot} exited while starting.")
            if all(w.ready for w in workers.values()):
                return
            if time.monotonic() > deadline:
                raise StartupError(
                    f"The workers were not ready after {self.config.startup_timeout:.0f} s."
                )
            self._read_ready(POLL)

    def _watch(self) -> None:
        while not self.stopping:
            if self._reload:
                self._update()
            if self._retiring:
                self._reap_retiring()
            waking = self._scaler is not None and self._scaler.waking_up
            self._read_ready(0.005 if waking else POLL)
            if self._scaler is not None:
                self._autoscale()
            now = time.monotonic()
            for slot, worker in list(self.workers.items()):
                if worker.error is not None:
                    log.error("Worker %d could not start again: %s", slot, worker.error)
                    worker.error = None
                code = worker.process.poll()
                if code is None:
                    continue
                if worker.ready_fd is not None:
                    self._read_from(worker)
                    if worker.ready_fd is not None:
                        os.close(worker.ready_fd)
                        worker.ready_fd = None
                del self.workers[slot]
                if self._metrics is not None:
                    self._metrics.set_connections(slot, NOT_ACCEPTING)
                crashes = [t for t in self._crashes.get(slot, []) if now - t < 60] + [now]
                self._crashes[slot] = crashes
                delay = 0.0 if len(crashes) <= 1 else min(30.0, 0.5 * 2 ** (len(crashes) - 2))
                log.error(
                    "Worker %d (pid %d) exited with code %s; starting it again in %.1f s.",
                    slot,
                    worker.process.pid,
                    code,
                    delay,
                )
                self._restart_at[slot] = now + delay
            for slot, when in list(self._restart_at.items()):
                if now >= when and not self.stopping:
                    del self._restart_at[slot]
                    try:
                        self._spawn(slot)
                    except OSError as exc:
                        log.error("Worker %d could not be started: %s", slot, exc)
                        self._restart_at[slot] = now + 5.0

    # -- autoscaling and scale to zero (serving/autoscaling.py) -------------------------
    def _new_scaler(
        self, config: EndpointConfig, before: Autoscaler | None = None
    ) -> Autoscaler | None:
        if config.scale_to_zero_after is None and not any(v.autoscaling for v in config.variants):
            return None
        scaler = Autoscaler(
            [(v.name, v.instances, v.autoscaling) for v in config.variants],
            config.scale_to_zero_after,
            self._runtime,
        )
        if before is not None:  # an update: the history and cold starts go on
            scaler.adopt(before)
        scaler.record(len(self.workers))
        return scaler

    def _autoscale(self) -> None:
        """Sample the counters, and grow or shrink the pool to what the policy wants:
        new workers start before any stops; a scaled-in worker drains (see _retiring)."""
        scaler, metrics = self._scaler, self._metrics
        now = time.monotonic()
        if scaler is None or metrics is None or self.stopping or self._reload:
            return
        if now - self._scaled_at < 0.25 and not scaler.waking_up:
            return
        self._scaled_at = now
        if metrics is not self._scaled_metrics:  # a new generation counts from zero
            scaler.reset_window()
            self._scaled_metrics = metrics
        from .metrics import REQUESTS

        _, counters = metrics.snapshot()
        requests = [int(counters[:, row, REQUESTS].sum()) for row in range(counters.shape[1])]
        scaler.observe(now, requests[: len(self.config.variants)], self._cpu_seconds(scaler))
        starting = any(not w.ready for w in self.workers.values()) or bool(self._restart_at)
        current = len(self.workers) + len(self._restart_at)
        desired = scaler.desired(now)
        if desired == 0 and not starting and current:
            log.info("No request for %.0f s: scaling to zero.", scaler.scale_to_zero_after or 0)
            self._scale_in(current)
            scaler.went_to_zero(now)
        elif desired > current:
            log.info("Scaling out: %d -> %d workers.", current, desired)
            for slot in self._free_slots(desired - current):
                self._spawn(slot)
        elif desired < current and not starting:
            log.info("Scaling in: %d -> %d workers.", current, desired)
            self._scale_in(current - desired)
        for worker, owner in list(self._scaled_in):  # gone: off the /metrics worker list
            if worker.process.poll() is not None or self.stopping:
                self._scaled_in.remove((worker, owner))
                if owner is metrics and worker.slot not in self.workers:
                    metrics.mark_stopped(worker.slot)
        scaler.record(sum(1 for w in self.workers.values() if w.ready))
        extra = None
        if scaler.scaled_to_zero:  # what /metrics would say, for whoever must not wake it
            from .metrics import endpoint_metrics

            facts = [
                {"name": v.name, "model": v.model, "version": v.version, "weight": v.weight}
                for v in self.config.variants
            ]
            extra = {"metrics": endpoint_metrics(metrics, self.config.name, facts)}
        scaler.write_state(now, extra)

    def _cpu_seconds(self, scaler: Autoscaler) -> dict[int, float]:
        if not scaler.uses_cpu:
            return {}
        import psutil

        seconds = {}
        for worker in self.workers.values():
            if worker.ready:
                with contextlib.suppress(psutil.Error):
                    times = psutil.Process(worker.process.pid).cpu_times()
                    seconds[worker.process.pid] = times.user + times.system
        return seconds

    def _free_slots(self, count: int) -> list[int]:
        """Slots no worker (serving, starting or draining) writes to."""
        assert self._metrics is not None
        used = set(self.workers) | set(self._restart_at) | {w.slot for _, w in self._retiring}
        return [s for s in range(self._metrics.slots) if s not in used][:count]

    def _scale_in(self, count: int) -> None:
        now = time.monotonic()
        for slot in sorted(self.workers, reverse=True)[:count]:
            worker = self.workers.pop(slot)
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
            self._retiring.append((now, worker))
            self._scaled_in.append((worker, self._metrics))

    def _wake(self) -> None:
        """A connection while scaled to zero: start the workers (it waits in the queue)."""
        assert self._scaler is not None and self._metrics is not None
        from .metrics import REQUESTS

        _, counters = self._metrics.snapshot()
        self._scaler.waking(time.monotonic(), int(counters[:, :, REQUESTS].sum()))
        log.info("A request while scaled to zero: starting %d worker(s).", self._scaler.floor)
        for slot in self._free_slots(self._scaler.floor):
            self._spawn(slot)

    def _stop_workers(self) -> None:
        workers = list(self.workers.values()) + [w for _, w in self._retiring]
        self._retiring.clear()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.drain_seconds + KILL_GRACE
        for worker in workers:
            try:
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("Worker %d did not stop; killing it.", worker.slot)
                worker.process.kill()
                worker.process.wait()
            if worker.ready_fd is not None:
                with contextlib.suppress(OSError):
                    os.close(worker.ready_fd)
        self.workers.clear()

    def _cleanup(self) -> None:
        for sock in self._sockets:
            sock.close()
        if self._metrics is not None:
            self._metrics.close()
        for metrics in self._retired_metrics:
            metrics.close()
        if self._runtime is not None:
            shutil.rmtree(self._runtime, ignore_errors=True)


def run(
    config: EndpointConfig,
    ready_file: str | None = None,
    runtime_dir: str | None = None,
    config_path: str | None = None,
) -> int:
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"%(asctime)s supervisor [{os.getpid()}] %(levelname)s %(message)s",
    )
    logging.getLogger("jupyter_mlstudio").setLevel(logging.INFO)
    try:
        return Supervisor(config, ready_file, runtime_dir, config_path).run()
    except Exception as exc:  # never a silent death: say why on the ready channel
        log.exception("The endpoint failed.")
        with contextlib.suppress(OSError, ValueError):
            print(json.dumps({"ready": False, "error": error_message(exc)}), flush=True)
        return 1
