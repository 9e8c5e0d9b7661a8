"""The execution engine: drives one pipeline execution to its end.

One ``ExecutionEngine`` thread per execution (in the Jupyter server, or in the SDK's
process when it started the execution; a server adopts executions whose driver died).
Each pass over the steps it:

- ends the execution Stopped when asked (stopping the running steps' jobs);
- looks at running steps: a job-based step follows its job in the job store (so a
  restarted engine adopts running jobs), collecting outputs and metrics when it
  completes, retrying with exponential backoff when it fails and attempts remain;
- skips the steps on a Condition's branch not taken (and everything downstream of a
  skipped step);
- starts ready steps (every upstream step Succeeded or Cached) up to ``max_parallel``:
  references resolved, the cache consulted, then Processing/Notebook/Training/Python/
  Transform submitted as jobs on the studio's executor, Condition and Fail evaluated
  here, RegisterModel and Deploy called on the registry and endpoint services in a
  worker thread;
- ends the execution Succeeded or Failed once nothing more can run.

Every state change is written to the store before anything else relies on it, so a
finished step is never run again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MLStudioError
from ..jobs.entities import COMPLETED, Job
from ..jobs.specs import (
    BatchTransformSpec,
    ProcessingInput,
    ProcessingOutput,
    ProcessingSpec,
    TrainingSpec,
)
from ..store.orm import utcnow
from .caching import cache_key
from .component_steps import COMPONENT_STEP_TYPES, run_component_step, stop_component_step
from .definition import (
    StepDocument,
    ValidatedPipeline,
    parse_reference,
)
from .entities import (
    CACHED,
    DONE_STEP_STATUSES,
    FAILED,
    QUEUED,
    RUNNING,
    SKIPPED,
    STEP_FAILED,
    STEP_STOPPED,
    STEP_SUCCEEDED,
    STOPPED,
    STOPPING,
    SUCCEEDED,
    Execution,
    StepExecution,
)
from .reuse import REUSABLE_STEP_TYPES, reusable_result
from .store import SqlPipelineStore

if TYPE_CHECKING:
    from ..studio import Studio

log = logging.getLogger(__name__)

JOB_STEP_TYPES = frozenset({"Processing", "Notebook", "Training", "Python", "Transform"})
# run in a worker thread of the engine; component steps wait there for their job
INLINE_STEP_TYPES = frozenset({"RegisterModel", "Deploy"}) | COMPONENT_STEP_TYPES
# a FeatureIngest writes records and a MonitorCheck checks data now: never reused
CACHEABLE_STEP_TYPES = JOB_STEP_TYPES | {"Tuning", "MonitorBaseline"}
POLL_INTERVAL = 0.05
PYTHON_STEP_SCRIPT = Path(__file__).with_name("python_step.py")
EXPERIMENT_PREFIX = "pipeline-"


class StepError(MLStudioError):
    """A step cannot run as given (a reference with no value, a bad argument)."""


def _local_path(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit():
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise StepError(f"JsonGet: no {part!r} in the JSON (path {path!r})")
    return value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "GreaterThan": operator.gt,
    "GreaterThanOrEqualTo": operator.ge,
    "LessThan": operator.lt,
    "LessThanOrEqualTo": operator.le,
}


class ExecutionEngine:
    """Drives one execution; ``run()`` returns when it ended (call it on a thread)."""

    def __init__(
        self,
        studio: Studio,
        store: SqlPipelineStore,
        execution: Execution,
        pipeline: ValidatedPipeline,
        *,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.studio = studio
        self.store = store
        self.execution = execution
        self.pipeline = pipeline
        self.document = pipeline.document
        self.base = Path(execution.base_dir or Path.cwd())
        self.poll_interval = poll_interval
        self._inline: dict[str, Future[dict[str, Any]]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._wake = threading.Event()

    # -- the loop ---------------------------------------------------------------------
    def run(self) -> Execution:
        try:
            while True:
                ended = self._pass()
                if ended is not None:
                    return ended
                self._wake.wait(self.poll_interval)
                self._wake.clear()
        except Exception as exc:  # the engine must end the execution, whatever happened
            log.exception("pipeline execution %s failed in the engine", self.execution.id)
            return self.store.finish_execution(
                self.execution.id, FAILED, f"The pipeline engine failed: {exc}"
            )
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False)

    def wake(self) -> None:
        self._wake.set()

    def _pass(self) -> Execution | None:
        execution = self.store.execution(self.execution.id)
        if execution.is_terminal:
            return execution
        steps = {s.name: s for s in self.store.steps(execution.id)}
        if execution.status == STOPPING:
            return self._stop_all(steps)
        for step in list(steps.values()):
            if step.status == RUNNING:
                steps[step.name] = self._follow(step)
        changed = True
        while changed:  # skipping may make more steps skippable
            changed = False
            for name, step in list(steps.items()):
                if step.status == QUEUED and self._should_skip(name, steps):
                    steps[name] = self.store.update_step(
                        execution.id, name, status=SKIPPED, ended_at=utcnow()
                    )
                    changed = True
        failed = [s for s in steps.values() if s.status in (STEP_FAILED, STEP_STOPPED)]
        running = [s for s in steps.values() if s.status == RUNNING]
        if failed:
            if running:
                return None  # let them end; start nothing new
            for step in steps.values():
                if step.status == QUEUED:
                    self.store.update_step(
                        execution.id,
                        step.name,
                        status=STEP_STOPPED,
                        error="Not run: an earlier step failed.",
                    )
            first = min(failed, key=lambda s: s.ended_at or utcnow())
            return self.store.finish_execution(
                execution.id,
                FAILED,
                f"Step {first.name!r} failed: {first.error or 'no reason given'}",
            )
        queued = [s for s in steps.values() if s.status == QUEUED]
        if not queued and not running:
            return self.store.finish_execution(execution.id, SUCCEEDED)
        slots = self.document.max_parallel - len(running)
        now = utcnow()
        for name in self.pipeline.order:
            if slots <= 0:
                break
            step = steps[name]
            if step.status != QUEUED or (step.not_before and step.not_before > now):
                continue
            if all(steps[u].status in DONE_STEP_STATUSES for u in self.pipeline.upstream[name]):
                if self._should_skip(name, steps):  # a condition decided in this pass
                    steps[name] = self.store.update_step(
                        execution.id, name, status=SKIPPED, ended_at=utcnow()
                    )
                    continue
                steps[name] = self._start(self.document.step(name), steps)
                if steps[name].status == RUNNING:
                    slots -= 1
        return None

    def _should_skip(self, name: str, steps: Mapping[str, StepExecution]) -> bool:
        branch = self.pipeline.branch_of.get(name)
        if branch is not None:
            condition, outcome = branch
            decided = steps[condition]
            if decided.status == STEP_SUCCEEDED and decided.properties.get("Outcome") != outcome:
                return True
        return any(steps[u].status == SKIPPED for u in self.pipeline.upstream[name])

    def _stop_all(self, steps: Mapping[str, StepExecution]) -> Execution:
        for step in steps.values():
            if step.status == RUNNING and step.job_id:
                with contextlib.suppress(MLStudioError):  # it ended meanwhile
                    self.studio.jobs.stop(step.job_id)
            if step.status == RUNNING and step.type in COMPONENT_STEP_TYPES:
                stop_component_step(
                    self.studio, step.type, step.name, self.document.name, self.execution.id
                )
            if step.status in (RUNNING, QUEUED):
                self.store.update_step(
                    self.execution.id,
                    step.name,
                    status=STEP_STOPPED,
                    ended_at=utcnow(),
                    error="Stopped.",
                )
        return self.store.finish_execution(self.execution.id, STOPPED, "Stopped on request.")

    # -- references -------------------------------------------------------------------
    def resolve(self, value: Any, steps: Mapping[str, StepExecution]) -> Any:
        """``value`` with every reference replaced by its value now."""
        try:
            ref = parse_reference(value)
        except ValueError as exc:
            raise StepError(str(exc)) from None
        if ref is None:
            if isinstance(value, dict):
                return {k: self.resolve(v, steps) for k, v in value.items()}
            if isinstance(value, list):
                return [self.resolve(v, steps) for v in value]
            return value
        if ref.scope == "Parameters":
            return self.execution.parameters.get(ref.name)
        if ref.scope == "Execution":
            if ref.name == "Id":
                return self.execution.id
            return (self.execution.started_at or self.execution.created_at).isoformat()
        assert ref.step is not None
        source = steps[ref.step]
        if ref.category == "Metrics":
            if ref.name not in source.metrics:
                shown = ", ".join(sorted(source.metrics)) or "none"
                raise StepError(
                    f"step {ref.step!r} reported no metric {ref.name!r} (it reported: {shown})"
                )
            return source.metrics[ref.name]
        if ref.category == "Properties":
            if ref.name not in source.properties:
                raise StepError(f"step {ref.step!r} has no property {ref.name!r}")
            return source.properties[ref.name]
        if ref.name not in source.outputs:
            shown = ", ".join(sorted(source.outputs)) or "none"
            raise StepError(f"step {ref.step!r} has no output {ref.name!r} (its outputs: {shown})")
        output = source.outputs[ref.name]
        if ref.category != "JsonGet":
            return output
        assert ref.json_path is not None
        if not isinstance(output, str):
            return _dig(output, ref.json_path)  # a Python step's Json value
        path, json_path = _local_path(output), ref.json_path
        if path.is_dir():
            file, _, json_path = ref.json_path.partition(":")
            if not json_path:
                raise StepError(
                    f"JsonGet: output {ref.name!r} is a folder; give the path as "
                    "'<file>.json:<dotted path>'"
                )
            path = path / file
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise StepError(f"JsonGet: cannot read {path.name} as JSON: {exc}") from None
        return _dig(data, json_path)

    # -- starting ---------------------------------------------------------------------
    def _start(self, doc: StepDocument, steps: Mapping[str, StepExecution]) -> StepExecution:
        exe = self.execution.id
        current = steps[doc.name]
        try:
            arguments = self.resolve(doc.arguments, steps)
            key = None
            if doc.type in CACHEABLE_STEP_TYPES and doc.cache.enabled:
                key = cache_key(doc.type, arguments, self.base)
                expiry = doc.cache.expire_after_seconds
                newer = utcnow() - timedelta(seconds=expiry) if expiry is not None else None
                hit = self.store.find_cached(key, newer)
                if hit is not None:
                    now = utcnow()
                    return self.store.update_step(
                        exe,
                        doc.name,
                        status=CACHED,
                        outputs=hit.outputs,
                        metrics=hit.metrics,
                        properties=hit.properties,
                        job_id=hit.job_id,
                        cache_key=key,
                        cache_source=hit.cache_source or hit.execution_id,
                        started_at=now,
                        ended_at=now,
                    )
            if doc.type in REUSABLE_STEP_TYPES and doc.cache.enabled:
                expiry = doc.cache.expire_after_seconds
                newer = utcnow() - timedelta(seconds=expiry) if expiry is not None else None
                reused = reusable_result(self.studio, doc.type, arguments, newer)
                if reused is not None:  # the version is registered / the endpoint serves it
                    now = utcnow()
                    return self.store.update_step(
                        exe,
                        doc.name,
                        status=CACHED,
                        properties=reused.properties,
                        cache_source=reused.source,
                        started_at=now,
                        ended_at=now,
                    )
            if doc.type == "Condition":
                outcome = all(self._holds(c) for c in arguments["conditions"])
                now = utcnow()
                return self.store.update_step(
                    exe,
                    doc.name,
                    status=STEP_SUCCEEDED,
                    attempts=current.attempts + 1,
                    properties={"Outcome": outcome},
                    started_at=now,
                    ended_at=now,
                )
            if doc.type == "Fail":
                now = utcnow()
                message = str(arguments.get("error_message") or "The pipeline reached a Fail step.")
                return self.store.update_step(
                    exe,
                    doc.name,
                    status=STEP_FAILED,
                    attempts=current.attempts + 1,
                    error=message,
                    started_at=now,
                    ended_at=now,
                )
            if doc.type in INLINE_STEP_TYPES:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(2, thread_name_prefix="mlstudio-pipeline-step")
                future = self._pool.submit(self._inline_step, doc, arguments)
                future.add_done_callback(lambda _f: self.wake())
                self._inline[doc.name] = future
                return self.store.update_step(
                    exe,
                    doc.name,
                    status=RUNNING,
                    cache_key=key,
                    attempts=current.attempts + 1,
                    started_at=current.started_at or utcnow(),
                )
            job = self.studio.jobs.submit(self._job_spec(doc, arguments), base_dir=self.base)
            return self.store.update_step(
                exe,
                doc.name,
                status=RUNNING,
                job_id=job.id,
                cache_key=key,
                attempts=current.attempts + 1,
                started_at=current.started_at or utcnow(),
                error=None,
            )
        except (MLStudioError, ValueError, KeyError, TypeError) as exc:
            return self._failed(doc, current.attempts + 1, str(exc))

    def _holds(self, expr: Mapping[str, Any]) -> bool:
        op = expr["op"]
        if op == "Not":
            return not self._holds(expr["conditions"][0])
        if op == "And":
            return all(self._holds(c) for c in expr["conditions"])
        if op == "Or":
            return any(self._holds(c) for c in expr["conditions"])
        left, right = expr["left"], expr["right"]
        if op == "In":
            return left in right
        if op != "Equals":
            try:
                left, right = float(left), float(right)
            except (TypeError, ValueError):
                raise StepError(f"{op} compares numbers; got {left!r} and {right!r}") from None
        return bool(_COMPARE[op](left, right))

    def _job_spec(self, doc: StepDocument, a: Mapping[str, Any]) -> Any:
        common: dict[str, Any] = {
            "experiment": f"{EXPERIMENT_PREFIX}{self.document.name}",
            "timeout_seconds": doc.timeout_seconds,
            "environment": {
                **{str(k): str(v) for k, v in (a.get("environment") or {}).items()},
                "MLSTUDIO_PIPELINE_EXECUTION": self.execution.id,
                "MLSTUDIO_PIPELINE_STEP": doc.name,
            },
        }
        if doc.type in ("Processing", "Notebook"):
            return ProcessingSpec(
                code=a["code"] if doc.type == "Processing" else a["notebook"],
                arguments=[str(x) for x in a.get("arguments", [])],
                parameters=dict(a.get("parameters") or {}),
                inputs=[
                    ProcessingInput(name=n, source=str(s))
                    for n, s in (a.get("inputs") or {}).items()
                ],
                outputs=[ProcessingOutput(name=n) for n in a.get("outputs") or []],
                **common,
            )
        if doc.type == "Python":
            file = (self.base / str(a["file"]).removeprefix("file://")).resolve()
            return ProcessingSpec(
                code=str(PYTHON_STEP_SCRIPT),
                arguments=[
                    str(file),
                    a["function"],
                    json.dumps(a.get("kwargs") or {}),
                    json.dumps(a.get("outputs") or []),
                ],
                outputs=[ProcessingOutput(name="result")],
                working_dir=str(file.parent),
                **common,
            )
        if doc.type == "Training":
            channels = {str(k): str(v) for k, v in (a.get("channels") or {}).items()}
            if a.get("data") is not None:
                channels["train"] = str(a["data"])
            return TrainingSpec(
                algorithm=a.get("algorithm"),
                entry_point=a.get("entry_point"),
                source_dir=a.get("source_dir"),
                channels=channels,
                target=a.get("target"),
                hyperparameters=dict(a.get("hyperparameters") or {}),
                exclude_columns=list(a.get("exclude_columns") or []),
                validation_fraction=a.get("validation_fraction", 0.2),
                **common,
            )
        output = a.get("output") or (
            f"{self.studio.config.artifact_uri}/pipelines/{self.execution.id}/{doc.name}"
        )
        return BatchTransformSpec(
            model=a["model_name"],
            version=a.get("version"),
            input=str(a["input"]),
            output=str(output),
            output_format=a.get("output_format", "parquet"),
            **common,
        )

    def _job_of_model(self, source: str) -> Job | None:
        """The training job whose model folder ``source`` is: a Training step's ``model``
        output in this execution (or the one it reused), or a Tuning step's best trial."""
        for step in self.store.steps(self.execution.id):
            # only a training job's model folder is what the job registers; a Python or
            # Processing step's "model" output is a folder of its own making
            if (
                step.type not in ("Training", "Tuning")
                or (step.outputs or {}).get("model") != source
            ):
                continue
            ref = (
                (step.properties or {}).get("BestTrialJobName")
                if step.type == "Tuning"
                else step.job_id
            )
            if ref:
                try:
                    return self.studio.jobs.find(str(ref))
                except MLStudioError:
                    return None
        return None

    def _inline_step(self, doc: StepDocument, a: Mapping[str, Any]) -> dict[str, Any]:
        """RegisterModel and Deploy: their properties; a component step (Tuning,
        FeatureIngest, MonitorBaseline, MonitorCheck): its outputs, metrics and properties
        as ``{"outputs", "metrics", "properties"}``."""
        if doc.type in COMPONENT_STEP_TYPES:
            return run_component_step(
                self.studio,
                doc.type,
                doc.name,
                self.document.name,
                self.execution.id,
                a,
                self.base,
            )
        if doc.type == "RegisterModel":
            from ..registry.service import current_user

            source = str(a["model"])
            # an engine that adopts this execution after a crash runs the step again:
            # the version registered the first time is the step's result
            try:
                earlier = [
                    v
                    for v in self.studio.registry.list_versions(a["model_name"])
                    if v.tags.get("mlstudio.pipeline_execution") == self.execution.id
                    and v.tags.get("mlstudio.pipeline_step") == doc.name
                ]
            except MLStudioError:
                earlier = []
            if earlier:
                return {"ModelName": a["model_name"], "ModelVersion": earlier[0].version}
            job = self._job_of_model(source)
            registered = self.studio.registry.register(
                # the job that trained it, when known: the version keeps its run, data and
                # input channels as lineage (a bare folder has none)
                job
                if job is not None
                else str(_local_path(source))
                if "://" not in source.removeprefix("file://")
                else source,
                a["model_name"],
                description=str(a.get("description") or ""),
                tags={
                    **{str(k): str(v) for k, v in (a.get("tags") or {}).items()},
                    "mlstudio.pipeline": self.document.name,
                    "mlstudio.pipeline_execution": self.execution.id,
                    "mlstudio.pipeline_step": doc.name,
                },
                trust_code=bool(a.get("trust_code")),
            )
            status = a.get("approval_status") or "PendingManualApproval"
            if status != "PendingManualApproval":
                self.studio.registry.set_approval(
                    a["model_name"],
                    registered.version,
                    status,
                    f"Pipeline {self.document.name} execution {self.execution.id}",
                    current_user(),
                )
            return {"ModelName": a["model_name"], "ModelVersion": registered.version}
        name = a["endpoint_name"]
        version = int(a["version"]) if a.get("version") is not None else None
        variant = {"name": "primary", "model": a["model_name"], "version": version}
        try:
            self.studio.endpoints.get(name)
            exists = True
        except MLStudioError:
            exists = False
        if exists:
            endpoint = self.studio.endpoints.update(name, variants=[variant])
        else:
            endpoint = self.studio.endpoints.deploy(name, model=a["model_name"], version=version)
        return {"EndpointName": endpoint.name, "EndpointUrl": endpoint.url or ""}

    # -- following --------------------------------------------------------------------
    def _follow(self, step: StepExecution) -> StepExecution:
        doc = self.document.step(step.name)
        if doc.type in INLINE_STEP_TYPES:
            future = self._inline.get(step.name)
            if future is None:  # its engine died: run it again
                return self.store.update_step(self.execution.id, step.name, status=QUEUED)
            if not future.done():
                return step
            del self._inline[step.name]
            try:
                properties = future.result()
            except Exception as exc:
                return self._failed(doc, step.attempts, str(exc))
            results: dict[str, Any] = {"properties": properties}
            if doc.type in COMPONENT_STEP_TYPES:
                results = properties
            return self.store.update_step(
                self.execution.id, step.name, status=STEP_SUCCEEDED, ended_at=utcnow(), **results
            )
        if step.job_id is None:
            return self.store.update_step(self.execution.id, step.name, status=QUEUED)
        job = self.studio.jobs.get(step.job_id)
        if not job.is_terminal:
            return step
        if job.status != COMPLETED:
            return self._failed(
                doc,
                step.attempts,
                f"job {job.name} {job.status.lower()}: {job.failure_reason or 'no reason given'}",
            )
        try:
            outputs, metrics = self._results(doc, job)
        except (StepError, OSError, ValueError) as exc:
            return self._failed(doc, step.attempts, str(exc))
        return self.store.update_step(
            self.execution.id,
            step.name,
            status=STEP_SUCCEEDED,
            outputs=outputs,
            metrics=metrics,
            properties={"JobName": job.name, "JobId": job.id, "RunId": job.run_id},
            ended_at=utcnow(),
        )

    def _results(self, doc: StepDocument, job: Job) -> tuple[dict[str, Any], dict[str, float]]:
        outputs: dict[str, Any] = dict(job.outputs)
        metrics: dict[str, float] = {}
        if job.run_id:
            run = self.studio.experiments.get_run(job.run_id)
            metrics.update({k: float(v) for k, v in run.metrics.items()})
        if doc.type == "Python":
            result = outputs.pop("result", None)
            if result is None:
                raise StepError("the Python step wrote no result")
            values = json.loads((_local_path(result) / "outputs.json").read_text())
            for name, value in values.items():
                if isinstance(value, dict) and set(value) == {"file"}:
                    value = f"{result}/{value['file']}"
                outputs[name] = value
                if isinstance(value, int | float) and not isinstance(value, bool):
                    metrics[name] = float(value)
        return outputs, metrics

    def _failed(self, doc: StepDocument, attempts: int, error: str) -> StepExecution:
        """Queue a retry after the backoff while attempts remain; else Failed."""
        if attempts < doc.retry.max_attempts:
            delay = doc.retry.backoff_seconds * (2 ** max(0, attempts - 1))
            return self.store.update_step(
                self.execution.id,
                doc.name,
                status=QUEUED,
                attempts=attempts,
                job_id=None,
                error=f"attempt {attempts} failed: {error}",
                not_before=utcnow() + timedelta(seconds=delay),
            )
        return self.store.update_step(
            self.execution.id,
            doc.name,
            status=STEP_FAILED,
            attempts=attempts,
            error=error,
            ended_at=utcnow(),
        )
