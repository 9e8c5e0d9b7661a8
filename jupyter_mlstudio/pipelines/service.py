"""Pipelines and their executions: the one API the SDK, the REST handlers (and the
magics) share.

``start`` validates the stored document and the run's parameters, records the
execution with every step Queued and drives it on an engine thread in this process.
An execution whose driving process died (a server restart, a kernel that exited) is
adopted by :meth:`PipelineService.resume`: its running steps' jobs are followed where
they are, finished steps are never run again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..artifacts import LogChunk
from ..errors import ConflictError, InvalidArgumentError, NotFoundError
from ..processes import pid_alive, this_host
from .definition import (
    PipelineDocument,
    PipelineInvalid,
    ValidatedPipeline,
    coerce_parameter,
    load_document,
)
from .engine import ExecutionEngine
from .entities import (
    ACTIVE_EXECUTION_STATUSES,
    DONE_STEP_STATUSES,
    SKIPPED,
    Execution,
    Pipeline,
    PipelineVersion,
    StepExecution,
)
from .store import SqlPipelineStore

if TYPE_CHECKING:
    from ..studio import Studio


class PipelineService:
    def __init__(
        self, studio: Studio, store: SqlPipelineStore, *, poll_interval: float = 0.05
    ) -> None:
        self._studio = studio
        self.store = store
        self.poll_interval = poll_interval
        self._engines: dict[str, tuple[threading.Thread, ExecutionEngine]] = {}
        self._lock = threading.Lock()
        self.changed_since = store.changed_since

    # -- definitions ------------------------------------------------------------------
    @staticmethod
    def validated(document: Any) -> ValidatedPipeline:
        """The validated document, or ``InvalidArgumentError`` naming every issue
        (``.issues`` holds them)."""
        try:
            return load_document(document)
        except PipelineInvalid as exc:
            error = InvalidArgumentError(str(exc))
            error.issues = exc.issues  # type: ignore[attr-defined]
            raise error from None

    def upsert(self, document: Any) -> Pipeline:
        """Store a document: a new pipeline, or a new version of the one of its name
        when it changed."""
        doc = self.validated(document).document
        return self.store.upsert(doc.name, doc.model_dump(mode="json"), doc.description)

    def get(self, ref: str) -> Pipeline:
        return self.store.get(ref)

    def list_pipelines(self) -> list[Pipeline]:
        return self.store.list_pipelines()

    def delete(self, ref: str) -> None:
        self.store.delete(ref)

    def version(self, ref: str, version: int | None = None) -> PipelineVersion:
        return self.store.version(ref, version)

    def versions(self, ref: str) -> list[PipelineVersion]:
        return self.store.versions(ref)

    # -- executions -------------------------------------------------------------------
    @staticmethod
    def parameters_for(doc: PipelineDocument, given: Mapping[str, Any]) -> dict[str, Any]:
        """The values an execution runs with: ``given`` over the defaults, typed."""
        declared = {p.name: p for p in doc.parameters}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise InvalidArgumentError(
                f"parameters: the pipeline has no parameter {', '.join(map(repr, unknown))} "
                f"(it has: {', '.join(declared) or 'none'})"
            )
        values: dict[str, Any] = {}
        for name, parameter in declared.items():
            value = given.get(name, parameter.default)
            if value is None:
                raise InvalidArgumentError(f"parameters: {name!r} has no default; give a value.")
            try:
                values[name] = coerce_parameter(parameter.type, value)
            except ValueError as exc:
                raise InvalidArgumentError(f"parameters: {name!r}: {exc}") from None
        return values

    def start(
        self,
        ref: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        version: int | None = None,
        base_dir: Path | None = None,
    ) -> Execution:
        """Start an execution of pipeline ``ref`` (its latest version by default)."""
        pipeline = self.store.get(ref)
        stored = self.store.version(pipeline.id, version)
        validated = self.validated(stored.document)
        values = self.parameters_for(validated.document, parameters or {})
        execution = self.store.create_execution(
            pipeline,
            stored.version,
            values,
            [(s.name, s.type) for s in validated.document.steps],
            base_dir=str((base_dir or Path.cwd()).resolve()),
            owner_host=this_host(),
            owner_pid=os.getpid(),
        )
        self._drive(execution, validated)
        return execution

    def retry(self, execution_id: str, from_step: str | None = None) -> Execution:
        """A new execution of the same version and parameters that reuses the steps
        that finished, except ``from_step`` (default: the failed or stopped ones) and
        everything downstream of it."""
        old = self.store.execution(execution_id)
        if not old.is_terminal:
            raise ConflictError("The execution is still running; stop it first.")
        stored = self.store.version(old.pipeline_id, old.version)
        validated = self.validated(stored.document)
        steps = {s.name: s for s in self.store.steps(execution_id)}
        if from_step is not None and from_step not in steps:
            raise NotFoundError(f"The execution has no step {from_step!r}.")
        rerun = (
            {from_step}
            if from_step is not None
            else {n for n, s in steps.items() if s.status not in DONE_STEP_STATUSES}
        )
        # downstream of a rerun step reruns too (order is topological)
        for name in validated.order:
            if validated.upstream[name] & rerun:
                rerun.add(name)
        reused = {
            n: s
            for n, s in steps.items()
            if n not in rerun and s.status in DONE_STEP_STATUSES and s.status != SKIPPED
        }
        pipeline = self.store.get(old.pipeline_id)
        execution = self.store.create_execution(
            pipeline,
            old.version,
            old.parameters,
            [(s.name, s.type) for s in validated.document.steps],
            base_dir=old.base_dir,
            owner_host=this_host(),
            owner_pid=os.getpid(),
            retry_of=old.id,
            reused=reused,
        )
        self._drive(execution, validated)
        return execution

    def _drive(self, execution: Execution, validated: ValidatedPipeline) -> None:
        engine = ExecutionEngine(
            self._studio, self.store, execution, validated, poll_interval=self.poll_interval
        )
        thread = threading.Thread(
            target=engine.run, name=f"mlstudio-pipeline-{execution.id[:8]}", daemon=True
        )
        with self._lock:
            self._engines[execution.id] = (thread, engine)
        thread.start()

    def stop(self, execution_id: str) -> Execution:
        execution = self.store.request_stop(execution_id)
        with self._lock:
            driven = self._engines.get(execution_id)
        if driven is not None:
            driven[1].wake()
        elif execution.owner_host == this_host() and not pid_alive(execution.owner_pid or -1):
            self.resume()  # nobody drives it: adopt it, which ends it
        return execution

    def resume(self) -> list[Execution]:
        """Adopt the executions whose driver is gone (a dead process on this host, or
        none); returns those adopted."""
        adopted: list[Execution] = []
        reconciled = False
        for execution in self.store.in_statuses(ACTIVE_EXECUTION_STATUSES):
            with self._lock:
                if execution.id in self._engines and self._engines[execution.id][0].is_alive():
                    continue
            owner_alive = (
                execution.owner_pid is not None
                and (execution.owner_host != this_host() or pid_alive(execution.owner_pid))
                and not (execution.owner_host == this_host() and execution.owner_pid == os.getpid())
            )
            if owner_alive:
                continue
            if not reconciled:  # the dead driver's jobs are watched here too
                self._studio.jobs.executor.reconcile()
                reconciled = True
            if not self.store.claim_owner(
                execution.id,
                host=this_host(),
                pid=os.getpid(),
                previous=(execution.owner_host, execution.owner_pid),
            ):
                continue
            stored = self.store.version(execution.pipeline_id, execution.version)
            self._drive(self.store.execution(execution.id), self.validated(stored.document))
            adopted.append(execution)
        return adopted

    def get_execution(self, execution_id: str) -> Execution:
        return self.store.execution(execution_id)

    def executions(
        self, pipeline: str | None = None, status: str | None = None, max_items: int = 100
    ) -> list[Execution]:
        return self.store.executions(pipeline=pipeline, status=status, max_items=max_items)

    def steps(self, execution_id: str) -> list[StepExecution]:
        """The steps in the document's order."""
        execution = self.store.execution(execution_id)
        order = [
            s["name"]
            for s in self.store.version(execution.pipeline_id, execution.version).document["steps"]
        ]
        by_name = {s.name: s for s in self.store.steps(execution_id)}
        return [by_name[n] for n in order if n in by_name]

    def step_log(self, execution_id: str, step: str, offset: int = 0) -> LogChunk:
        """The log of a step's job (a step that ran no job has none)."""
        found = self.store.step(execution_id, step)
        if found.job_id is None:
            raise NotFoundError(f"Step {step!r} ran no job, so it has no log.")
        return self._studio.jobs.read_log(found.job_id, offset)

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            execution = self.store.execution(execution_id)
            if execution.is_terminal:
                return execution
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"The execution is still {execution.status} after {timeout} s.")
            time.sleep(0.05)

    def close(self, timeout: float = 1.0) -> None:
        """Wait a little for engine threads (they end with their executions; an
        unfinished one is adopted later by a server)."""
        with self._lock:
            threads = [t for t, _e in self._engines.values()]
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
