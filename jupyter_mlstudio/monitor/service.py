"""The Model Monitor service: monitors as resources, executions as processing jobs,
schedules and alerts. What the SDK (``mls.monitor``), the REST handlers and the
schedulers (the Jupyter server's and ``jupyter mlstudio scheduler``) call.

An execution's life: the scheduler (or ``run_now``) *claims* it — inserts the row of
(monitor, scheduled time), which the database lets only one process do — then submits a
processing job that runs ``monitor.job`` and marks it InProgress. ``sync`` (each
scheduler tick, or ``wait``) ends executions whose job ended: the outcome of its
``report.json`` (Completed, CompletedWithViolations, NoData) or Failed with the job's
reason. The process whose compare-and-swap ends the execution sends its alert.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fsspec

from ..errors import ConflictError, InvalidArgumentError, MLStudioError, NotFoundError
from ..jobs.specs import ProcessingOutput, ProcessingSpec
from .entities import (
    Alert,
    AlertSettings,
    Execution,
    ExecutionStatus,
    Monitor,
    check_kind,
    check_name,
    check_webhook_url,
)
from .job import OUTPUT_NAME, SCRIPT
from .quality import CBPE, CBPEReference, QualityOptions
from .schedule import parse_schedule
from .store import MonitorStore

if TYPE_CHECKING:
    import pandas as pd

    from ..config import StudioConfig
    from ..endpoints.entities import Endpoint
    from ..endpoints.service import EndpointService
    from ..jobs.entities import Job
    from ..jobs.service import JobService
    from ..registry.entities import ModelVersion
    from ..registry.service import Registry

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-MLStudio-Signature"
DEFAULT_STALENESS = timedelta(hours=1)
DEFAULT_WINDOW = timedelta(hours=1)  # run_now of a monitor without a schedule
WEBHOOK_TIMEOUT = 10.0
# a claimed execution whose claimer died before it submitted the job
ORPHAN_AFTER = timedelta(minutes=10)
JOB_EXPERIMENT = "model-monitor"


SOURCE_FILE = "endpoint.json"  # the capture folder of an endpoint monitor, at creation
CBPE_FILE = "cbpe.json"  # a model-quality monitor's fitted CBPE, in its folder


def check_options(kind: str, options: Mapping[str, Any]) -> None:
    """Refuse options the execution would fail on, before anything is created."""
    from pydantic import ValidationError

    try:
        if kind == "data-quality":
            from .checks import DriftOptions  # pandas: only once monitors are used

            DriftOptions.model_validate(dict(options))
        else:
            QualityOptions.model_validate(dict(options))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidArgumentError(f"Invalid {kind} options: {problems}.") from None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def sign(body: bytes, secret: str) -> str:
    """The ``X-MLStudio-Signature`` value of a webhook body: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, payload: Mapping[str, Any], secret: str | None) -> str:
    """POST ``payload`` as JSON; returns the HTTP status or why it failed (never raises:
    a monitor's result does not depend on a receiver being up)."""
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        return "failed: not an http(s) URL"
    body = json.dumps(payload, sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "jupyter-mlstudio-monitor"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    # the URL is an http(s) one: check_webhook_url refused anything else
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return str(response.status)
    except urllib.error.HTTPError as exc:
        log.warning("monitor webhook %s answered %s", url, exc.code)
        return str(exc.code)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        log.warning("monitor webhook %s failed: %s", url, reason)
        return f"failed: {reason}"


@dataclass(frozen=True)
class EndpointSource:
    """What a monitor reads of an endpoint: its capture and its model version."""

    endpoint: Endpoint
    capture: str
    version: ModelVersion | None

    @property
    def signature_inputs(self) -> list[dict[str, Any]] | None:
        if self.version is None:
            return None
        inputs = (self.version.signature or {}).get("inputs")
        return list(inputs) if inputs else None


class MonitorService:
    def __init__(
        self,
        store: MonitorStore,
        *,
        jobs: JobService,
        endpoints: EndpointService,
        registry: Registry,
        config: StudioConfig,
        staleness: timedelta = DEFAULT_STALENESS,
    ) -> None:
        self.store = store
        self._jobs = jobs
        self._endpoints = endpoints
        self._registry = registry
        self._config = config
        self.staleness = staleness

    # -- where things are --------------------------------------------------------------
    @property
    def artifact_root(self) -> str:
        return self._config.artifact_uri.rstrip("/")

    def _monitor_folder(self, name: str) -> str:
        return f"{self.artifact_root}/monitors/{name}"

    def endpoint_source(self, name: str) -> EndpointSource:
        """The capture folder and model version of an endpoint that captures traffic."""
        endpoint = self._endpoints.get(name)
        capture = dict(endpoint.config.get("capture") or {})
        if not capture.get("enabled"):
            raise InvalidArgumentError(
                f"Endpoint {name!r} captures nothing: turn data capture on (deploy or update "
                "it with capture=True) before monitoring it."
            )
        destination = (
            capture.get("destination") or f"{self.artifact_root}/endpoints/{name}/data-capture"
        )
        if "://" not in destination:
            destination = str(Path(destination).expanduser().resolve())
        version = None
        if endpoint.variants:
            variant = endpoint.variants[0]
            version = self._registry.get_version(variant.model, variant.version)
        return EndpointSource(endpoint, destination, version)

    def ground_truth_folder(self, endpoint: str) -> str:
        """Where an endpoint's labels go: next to its capture, a local folder (the
        ground-truth files are written and read with local paths)."""
        uri = f"{self.artifact_root}/endpoints/{endpoint}/ground-truth"
        if uri.startswith("file://"):
            return uri.removeprefix("file://")
        if "://" in uri:
            raise InvalidArgumentError(
                "Ground truth is kept in a local artifact store; this one is " + uri
            )
        return uri

    # -- baselines ---------------------------------------------------------------------
    def baseline_data(self, source: str | None, data: str | None = None) -> str:
        """The dataset of a baseline: ``data`` when given, else the training data the
        lineage of the endpoint's (or the ``model[:version]``'s) model version names."""
        if data is not None:
            return str(data)
        if source is None:
            raise InvalidArgumentError("Name an endpoint, a model or the data of the baseline.")
        from .baseline import lineage_data_uri

        try:
            version = self.endpoint_source(source).version
        except NotFoundError:
            model, _, number = source.partition(":")
            version = self._registry.get_version(model, int(number) if number else None)
        if version is None:
            raise InvalidArgumentError(f"{source!r} serves no registered model version.")
        return lineage_data_uri(version.data_ref)

    def suggest_baseline(
        self,
        source: str | None = None,
        *,
        data: str | None = None,
        output: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> tuple[Job, str]:
        """A baseline job over ``data`` (default: the lineage's training data); returns
        the job and the folder its ``statistics.json`` and ``constraints.json`` go to."""
        dataset = self.baseline_data(source, data)
        if "://" not in dataset and not Path(dataset).exists():
            raise InvalidArgumentError(f"The baseline data {dataset} does not exist.")
        label = source or Path(dataset).stem
        folder = output or f"{self._monitor_folder('baselines')}/{_slug(label)}-{_stamp()}"
        job = self._submit({"mode": "baseline", "data": dataset}, folder, f"baseline-{label}")
        if wait:
            job = self._jobs.wait(job.id, timeout=timeout)
            if job.status != "Completed":
                raise InvalidArgumentError(
                    f"The baseline job {job.name} {job.status.lower()}: "
                    f"{job.failure_reason or 'see its log'}"
                )
        return job, folder

    # -- monitors ----------------------------------------------------------------------
    def create_monitor(
        self,
        name: str | None = None,
        *,
        endpoint: str | None = None,
        data: str | None = None,
        kind: str = "data-quality",
        baseline: str | None = None,
        schedule: str | None = None,
        options: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        pipeline: str | None = None,
        cbpe: CBPE | CBPEReference | None = None,
    ) -> Monitor:
        """A monitor of an endpoint's captured traffic (or of a table, ``data``).

        A model-quality monitor given ``cbpe`` (fitted on labelled reference
        probabilities) also estimates each window's accuracy from the probabilities the
        endpoint captured (deployed with ``return_probabilities``), before labels arrive.

        Without ``baseline`` a data-quality monitor gets one suggested, by a baseline job,
        from the training data of the endpoint's model version. A model-quality
        monitor's ``baseline`` is optional: a folder with SageMaker's model-quality
        ``constraints.json``.
        """
        monitor_kind = check_kind(kind)
        if (endpoint is None) == (data is None):
            raise InvalidArgumentError("A monitor watches an endpoint or a table (data), one.")
        if schedule is not None:
            parse_schedule(schedule)
        opts = dict(options or {})
        check_options(monitor_kind, opts)
        source = None
        if endpoint is not None:
            source = self.endpoint_source(endpoint)  # exists and captures
        elif monitor_kind == "model-quality":
            raise InvalidArgumentError("Model quality needs an endpoint's captured predictions.")
        elif data is not None and "://" not in data and not Path(data).exists():
            raise InvalidArgumentError(f"The data {data} does not exist.")
        name = check_name(name or f"{endpoint or _slug(Path(str(data)).stem)}-{kind}")
        if self._exists(name):
            raise ConflictError(f"A monitor named {name!r} already exists.")
        alert = AlertSettings(
            webhook_url=check_webhook_url(webhook_url),
            webhook_secret=webhook_secret or None,
            pipeline=pipeline or None,
        )
        if baseline is None and monitor_kind == "data-quality":
            _, baseline = self.suggest_baseline(
                endpoint, output=f"{self._monitor_folder(name)}/baseline"
            )
        elif baseline is not None:
            self._check_baseline(baseline, monitor_kind)
        if cbpe is not None and monitor_kind != "model-quality":
            raise InvalidArgumentError("A CBPE estimate belongs to a model-quality monitor.")
        if cbpe is not None:
            self._write_cbpe(name, cbpe)
        if source is not None:
            self._write_source(name, source)
        return self.store.create_monitor(
            name=name,
            kind=monitor_kind,
            endpoint=endpoint,
            data_path=None if data is None else str(data),
            baseline=baseline or "",
            schedule=schedule,
            options=opts,
            alert=alert,
        )

    def set_cbpe(self, name_or_id: str, cbpe: CBPE | CBPEReference | None) -> Monitor:
        """Give a model-quality monitor the CBPE its executions estimate accuracy with
        (None: no estimate any more)."""
        monitor = self.store.get_monitor(name_or_id)
        if monitor.kind != "model-quality":
            raise InvalidArgumentError("A CBPE estimate belongs to a model-quality monitor.")
        if cbpe is None:
            fs, path = fsspec.core.url_to_fs(self._cbpe_file(monitor.name))
            with contextlib.suppress(FileNotFoundError):
                fs.rm(path)
        else:
            self._write_cbpe(monitor.name, cbpe)
        return monitor

    def get_cbpe(self, name_or_id: str) -> CBPEReference | None:
        """The monitor's fitted CBPE, if it has one."""
        monitor = self.store.get_monitor(name_or_id)
        fs, path = fsspec.core.url_to_fs(self._cbpe_file(monitor.name))
        if not fs.isfile(path):
            return None
        with fs.open(path, "r", encoding="utf-8") as handle:
            return CBPEReference.model_validate_json(handle.read())

    def _write_source(self, name: str, source: EndpointSource) -> None:
        """Where the endpoint captured, kept with the monitor: once the endpoint is
        deleted its executions still read what it captured."""
        fs, path = fsspec.core.url_to_fs(f"{self._monitor_folder(name)}/{SOURCE_FILE}")
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        snapshot = {"capture": source.capture, "signature_inputs": source.signature_inputs}
        with fs.open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(snapshot))

    def _source_of(self, monitor: Monitor) -> tuple[str, list[dict[str, Any]] | None]:
        """The capture folder and signature inputs of the monitor's endpoint; of the
        snapshot taken at creation when the endpoint was deleted since."""
        endpoint = monitor.endpoint or ""
        try:
            source = self.endpoint_source(endpoint)
            return source.capture, source.signature_inputs
        except NotFoundError:
            fs, path = fsspec.core.url_to_fs(f"{self._monitor_folder(monitor.name)}/{SOURCE_FILE}")
            if not fs.isfile(path):
                raise InvalidArgumentError(
                    f"Endpoint {endpoint!r} was deleted and the monitor kept no record of "
                    "where it captured: nothing to check."
                ) from None
            with fs.open(path, "r", encoding="utf-8") as handle:
                snapshot = json.loads(handle.read())
            return str(snapshot["capture"]), snapshot.get("signature_inputs")

    def _cbpe_file(self, name: str) -> str:
        return f"{self._monitor_folder(name)}/{CBPE_FILE}"

    def _write_cbpe(self, name: str, cbpe: CBPE | CBPEReference) -> None:
        reference = cbpe.to_model() if isinstance(cbpe, CBPE) else cbpe
        if len(reference.calibration) != len(reference.classes) or len(reference.classes) < 2:
            raise InvalidArgumentError("A CBPE needs one calibration per class, two at least.")
        fs, path = fsspec.core.url_to_fs(self._cbpe_file(name))
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with fs.open(path, "w", encoding="utf-8") as handle:
            handle.write(reference.model_dump_json())

    def _exists(self, name: str) -> bool:
        try:
            self.store.get_monitor(name)
        except NotFoundError:
            return False
        return True

    def _check_baseline(self, baseline: str, kind: str) -> None:
        """A clear error now, not at the first execution."""
        fs, path = fsspec.core.url_to_fs(baseline)
        path = path.rstrip("/")
        files = ("statistics.json", "constraints.json") if kind == "data-quality" else ()
        needed = files or ("constraints.json",)
        missing = [name for name in needed if not fs.isfile(f"{path}/{name}")]
        if missing:
            raise InvalidArgumentError(
                f"The baseline {baseline} is a folder with {' and '.join(needed)}; "
                f"{', '.join(missing)} is not there."
            )
        if kind == "data-quality":
            from .baseline import Baseline

            Baseline.load(baseline)  # parses: a malformed file is refused with its error

    def get_monitor(self, name_or_id: str) -> Monitor:
        return self.store.get_monitor(name_or_id)

    def list_monitors(self, endpoint: str | None = None) -> list[Monitor]:
        return self.store.list_monitors(endpoint=endpoint)

    def delete_monitor(self, name_or_id: str) -> None:
        monitor = self.store.get_monitor(name_or_id)
        for execution in self.store.list_executions(monitor.id, max_items=1000):
            if execution.job_id and not execution.is_terminal:
                with contextlib.suppress(MLStudioError):  # it ended meanwhile
                    self._jobs.stop(execution.job_id)
        self.store.delete_monitor(monitor.id)

    def stop_monitor(self, name_or_id: str) -> Monitor:
        """No more scheduled executions (``run_now`` still works)."""
        return self.store.update_monitor(self.store.get_monitor(name_or_id).id, status="Stopped")

    def start_monitor(self, name_or_id: str) -> Monitor:
        return self.store.update_monitor(self.store.get_monitor(name_or_id).id, status="Scheduled")

    # -- executions --------------------------------------------------------------------
    def window_of(self, monitor: Monitor, fire_time: datetime) -> tuple[datetime, datetime]:
        """``[previous fire time, fire_time)``: what a scheduled execution looks at."""
        if monitor.schedule is None:
            return fire_time - DEFAULT_WINDOW, fire_time
        return parse_schedule(monitor.schedule).before(fire_time), fire_time

    def run_now(
        self,
        name_or_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Execution:
        """An execution now, outside the schedule: over ``[start, end)``, by default the
        last schedule period (an hour without a schedule) up to now."""
        monitor = self.store.get_monitor(name_or_id)
        now = _utcnow()
        window_end = _utc(end) if end else now
        if start is not None:
            window_start = _utc(start)
        elif monitor.schedule is not None:
            sched = parse_schedule(monitor.schedule)
            last = sched.previous(window_end)
            window_start = window_end - (last - sched.before(last))
        else:
            window_start = window_end - DEFAULT_WINDOW
        if window_start >= window_end:
            raise InvalidArgumentError("The window's start is before its end.")
        claimed = self.store.claim_execution(monitor.id, now, window_start, window_end, manual=True)
        if claimed is None:  # the same microsecond twice: try once more
            claimed = self.store.claim_execution(
                monitor.id, _utcnow(), window_start, window_end, manual=True
            )
        if claimed is None:
            raise ConflictError("An execution of this monitor started at the same moment.")
        return self._launch(monitor, claimed)

    def _launch(self, monitor: Monitor, execution: Execution) -> Execution:
        """Submit the claimed execution's job; a failure to submit fails the execution."""
        output = f"{self._monitor_folder(monitor.name)}/executions/{execution.id}"
        try:
            request = self._request(monitor, execution)
            job = self._submit(request, output, f"{monitor.name}-{execution.id[:8]}")
        except MLStudioError as exc:
            ended = self.store.finish_execution(execution.id, "Failed", failure_reason=exc.message)
            return ended or self.store.get_execution(execution.id)
        return self.store.start_execution(execution.id, job_id=job.id, output=output)

    def _request(self, monitor: Monitor, execution: Execution) -> dict[str, Any]:
        window = {
            "start": execution.window_start.isoformat(),
            "end": execution.window_end.isoformat(),
        }
        if monitor.endpoint is None:
            return {
                "mode": "table",
                "data": monitor.data_path,
                "baseline": monitor.baseline,
                "options": monitor.options,
            }
        capture, signature_inputs = self._source_of(monitor)
        if monitor.kind == "data-quality":
            return {
                "mode": "data-quality",
                "capture": capture,
                "baseline": monitor.baseline,
                "signature_inputs": signature_inputs,
                "options": monitor.options,
                **window,
            }
        constraints = (
            f"{monitor.baseline.rstrip('/')}/constraints.json" if monitor.baseline else None
        )
        cbpe = self.get_cbpe(monitor.id)
        return {
            "mode": "model-quality",
            "capture": capture,
            "ground_truth": self.ground_truth_folder(monitor.endpoint),
            "quality_constraints": constraints,
            "offset_seconds": float(monitor.options.get("offset_seconds", 0)),
            "problem_type": monitor.options.get("problem_type"),
            "cbpe": None if cbpe is None else cbpe.model_dump(),
            **window,
        }

    def _submit(self, request: Mapping[str, Any], output: str, name: str) -> Job:
        spec = ProcessingSpec(
            name=f"monitor-{_slug(name)}-{_stamp()}"[:128],
            experiment=JOB_EXPERIMENT,
            code=str(SCRIPT),
            arguments=["--request", json.dumps(request, default=str)],
            outputs=[ProcessingOutput(name=OUTPUT_NAME, destination=output)],
        )
        return self._jobs.submit(spec)

    def executions(self, name_or_id: str, max_items: int = 100) -> list[Execution]:
        monitor = self.store.get_monitor(name_or_id)
        self.sync()
        return self.store.list_executions(monitor.id, max_items=max_items)

    def get_execution(self, execution_id: str) -> Execution:
        return self.store.get_execution(execution_id)

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        """Until the execution ends (its job ended and ``sync`` recorded the outcome)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            execution = self.store.get_execution(execution_id)
            if execution.is_terminal:
                return execution
            if execution.job_id:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                self._jobs.wait(execution.job_id, timeout=remaining)
            self.sync()
            execution = self.store.get_execution(execution_id)
            if execution.is_terminal:
                return execution
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Monitor execution {execution_id} is still {execution.status}.")
            time.sleep(0.2)

    def _read_json(self, execution: Execution, name: str) -> Any:
        if not execution.output:
            return None
        fs, path = fsspec.core.url_to_fs(f"{execution.output.rstrip('/')}/{name}")
        if not fs.exists(path):
            return None
        with fs.open(path, "r", encoding="utf-8") as handle:
            return json.load(handle)

    def report(self, execution_id: str) -> dict[str, Any] | None:
        """The execution's ``report.json`` (None until it has one)."""
        result = self._read_json(self.store.get_execution(execution_id), "report.json")
        return dict(result) if isinstance(result, dict) else None

    def violations(self, execution_id: str) -> list[dict[str, Any]]:
        """The entries of the execution's ``constraint_violations.json``."""
        document = self._read_json(
            self.store.get_execution(execution_id), "constraint_violations.json"
        )
        return list((document or {}).get("violations", []))

    def sync(self) -> list[Execution]:
        """End the executions whose job ended; returns those this call ended."""
        ended: list[Execution] = []
        for execution in self.store.active_executions():
            done = self._finish_if_done(execution)
            if done is not None:
                ended.append(done)
        return ended

    def _finish_if_done(self, execution: Execution) -> Execution | None:
        if execution.job_id is None:
            if _utcnow() - execution.created_at > ORPHAN_AFTER:
                return self.store.finish_execution(
                    execution.id,
                    "Failed",
                    failure_reason="The scheduler stopped before it started the job.",
                )
            return None
        try:
            job = self._jobs.get(execution.job_id)
        except NotFoundError:
            return self.store.finish_execution(
                execution.id, "Failed", failure_reason="Its processing job was deleted."
            )
        if not job.is_terminal:
            return None
        status: ExecutionStatus
        count = 0
        reason: str | None = None
        if job.status == "Completed":
            report = self._read_json(execution, "report.json") or {}
            outcome = report.get("outcome")
            count = len(
                (self._read_json(execution, "constraint_violations.json") or {}).get(
                    "violations", []
                )
            )
            if outcome in ("Completed", "CompletedWithViolations", "NoData"):
                status = outcome
            else:
                status, reason = "Failed", "The job wrote no report."
        else:
            status = "Failed"
            reason = job.failure_reason or f"Its processing job {job.status.lower()}."
        # the job's end, not this sync's moment (a scheduler tick can come much later)
        finished = self.store.finish_execution(
            execution.id,
            status,
            violations=count,
            failure_reason=reason,
            ended_at=job.ended_at or job.updated_at,
        )
        if finished is not None and finished.status == "CompletedWithViolations":
            self._alert(finished)
        return finished

    # -- alerts ------------------------------------------------------------------------
    def _alert(self, execution: Execution) -> Alert:
        monitor = self.store.get_monitor(execution.monitor_id)
        window = f"{execution.window_start:%Y-%m-%d %H:%M} to {execution.window_end:%H:%M} UTC"
        message = f"Monitor {monitor.name}: {execution.violations} violation(s) in {window}" + (
            f" on endpoint {monitor.endpoint}" if monitor.endpoint else ""
        )
        webhook_status = None
        if monitor.alert.webhook_url:
            payload = {
                "monitor": monitor.name,
                "monitor_id": monitor.id,
                "kind": monitor.kind,
                "endpoint": monitor.endpoint,
                "execution_id": execution.id,
                "status": execution.status,
                "violations": execution.violations,
                "violation_details": self.violations(execution.id)[:50],
                "scheduled_time": execution.scheduled_time.isoformat(),
                "window_start": execution.window_start.isoformat(),
                "window_end": execution.window_end.isoformat(),
                "output": execution.output,
                "message": message,
            }
            webhook_status = post_webhook(
                monitor.alert.webhook_url, payload, monitor.alert.webhook_secret
            )
        # monitor.alert.pipeline: started here once the Pipelines component exists
        return self.store.add_alert(execution, message, webhook_status)

    def alerts(self, *, after_id: int = 0, monitor: str | None = None) -> list[Alert]:
        """Alerts newer than ``after_id`` (what the server has not notified yet)."""
        monitor_id = self.store.get_monitor(monitor).id if monitor else None
        return self.store.list_alerts(after_id=after_id, monitor_id=monitor_id)

    # -- the scheduler's tick ----------------------------------------------------------
    def due_executions(self, now: datetime | None = None) -> list[tuple[Monitor, datetime]]:
        """Each scheduled monitor's latest fire time at or before ``now`` that has no
        execution yet, if it is at most ``staleness`` old (older misses are skipped: a
        scheduler that was down runs the most recent one once) and not before the
        monitor existed."""
        moment = _utc(now) if now else _utcnow()
        due: list[tuple[Monitor, datetime]] = []
        for monitor in self.store.list_monitors(status="Scheduled"):
            if monitor.schedule is None:
                continue
            fire = parse_schedule(monitor.schedule).previous(moment)
            if moment - fire > self.staleness:
                continue
            if fire < monitor.created_at.replace(microsecond=0):
                continue
            if not self.store.has_execution(monitor.id, fire):
                due.append((monitor, fire))
        return due

    def run_due(self, now: datetime | None = None) -> list[Execution]:
        """One scheduler tick: end executions whose job ended, then claim and start the
        due ones. Safe to call from several processes at once: each due execution is
        started by exactly one of them."""
        self.sync()
        started: list[Execution] = []
        for monitor, fire in self.due_executions(now):
            start, end = self.window_of(monitor, fire)
            claimed = self.store.claim_execution(monitor.id, fire, start, end)
            if claimed is None:
                continue  # another scheduler won it
            started.append(self._launch(monitor, claimed))
        return started

    # -- ground truth ------------------------------------------------------------------
    def add_ground_truth(
        self,
        endpoint: str,
        labels: pd.DataFrame,
        *,
        problem_type: str | None = None,
        since: datetime | None = None,
    ) -> str:
        """Validate labels against what ``endpoint`` captured (inference ids it never
        answered are refused) and store them; returns the file written."""
        from .captures import NoData, read_window
        from .quality import check_label_type, validate_ground_truth, write_ground_truth

        source = self.endpoint_source(endpoint)
        first = _utc(since) if since else source.endpoint.created_at - timedelta(hours=1)
        window = read_window(source.capture, first, _utcnow() + timedelta(hours=1))
        if isinstance(window, NoData):
            raise InvalidArgumentError(
                f"Endpoint {endpoint!r} has captured no requests yet: no inference id to label."
            )
        frame = validate_ground_truth(
            labels,
            window.meta["inference_id"],
            problem_type=problem_type,  # type: ignore[arg-type]
            classes=window.classes,  # the model's own, when it answers probabilities
        )
        check_label_type(frame, window.predictions)
        return str(write_ground_truth(self.ground_truth_folder(endpoint), frame))

    def add_ground_truth_file(
        self, monitor: str, path: Path, problem_type: str | None = None
    ) -> tuple[str, int, str]:
        """Labels from a CSV or Parquet file for ``monitor``'s endpoint (see
        :meth:`add_ground_truth`); returns (endpoint, rows, file written)."""
        import pandas as pd  # only once ground truth is uploaded

        endpoint = self.get_monitor(monitor).endpoint
        if endpoint is None:
            raise InvalidArgumentError(
                "Ground truth labels what an endpoint answered; this monitor watches a table."
            )
        if not path.is_file():
            raise InvalidArgumentError(f"The ground truth file {path.name} does not exist.")
        suffix = path.suffix.lower()
        try:
            if suffix == ".csv":  # ids stay text: a hex id can look like a number
                labels = pd.read_csv(path, dtype={"inference_id": str})
            elif suffix in (".parquet", ".pq"):
                labels = pd.read_parquet(path)
            else:
                raise InvalidArgumentError(
                    f"Ground truth is a CSV or Parquet file, not {path.name}."
                )
        except (ValueError, OSError) as exc:  # parser, encoding and Arrow errors
            raise InvalidArgumentError(f"Could not read {path.name}: {exc}") from None
        written = self.add_ground_truth(endpoint, labels, problem_type=problem_type)
        return endpoint, len(labels), written


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._-" else "-" for c in text).strip("-._")
    return cleaned[:60] or "monitor"


def _stamp() -> str:
    return _utcnow().strftime("%Y%m%d%H%M%S%f")
