"""``ExecutionHandle``: what ``Pipeline.run`` returns — wait with progress, read the
steps, stop, retry from the failed step."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..errors import MLStudioError
from .entities import FAILED, STOPPED, TERMINAL_STEP_STATUSES, Execution, StepExecution

if TYPE_CHECKING:
    from ..studio import Studio


class PipelineFailedError(MLStudioError):
    """``wait()`` on an execution that ended Failed or Stopped."""

    def __init__(self, execution: Execution) -> None:
        super().__init__(
            f"Pipeline {execution.pipeline_name!r} execution {execution.id} "
            f"{execution.status.lower()}: {execution.failure_reason or 'no reason given'}"
        )
        self.execution = execution


class ExecutionHandle:
    def __init__(self, studio: Studio, execution: Execution) -> None:
        self._studio = studio
        self._execution = execution
        self.id = execution.id
        self.pipeline = execution.pipeline_name

    def __repr__(self) -> str:
        return f"<PipelineExecution {self.pipeline!r} {self.id} {self._execution.status}>"

    def refresh(self) -> Execution:
        self._execution = self._studio.pipelines.get_execution(self.id)
        return self._execution

    @property
    def status(self) -> str:
        return self.refresh().status

    @property
    def parameters(self) -> dict[str, object]:
        return dict(self._execution.parameters)

    def steps(self) -> list[StepExecution]:
        """Every step's state, in the document's order."""
        return self._studio.pipelines.steps(self.id)

    def step(self, name: str) -> StepExecution:
        for item in self.steps():
            if item.name == name:
                return item
        raise KeyError(name)

    def wait(
        self, progress: bool = False, timeout: float | None = None, check: bool = True
    ) -> Execution:
        """Block until the execution ends. ``progress=True`` shows a bar of finished
        steps; ``check=True`` raises ``PipelineFailedError`` when it Failed or Stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(self.steps()), desc=self.pipeline, unit="step")
        try:
            while True:
                execution = self.refresh()
                if bar is not None:
                    steps = self.steps()
                    bar.n = sum(s.status in TERMINAL_STEP_STATUSES for s in steps)
                    running = [s.name for s in steps if s.status == "Running"]
                    bar.set_postfix_str(", ".join(running) or execution.status, refresh=False)
                    bar.refresh()
                if execution.is_terminal:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(
                        f"The execution is still {execution.status} after {timeout} s."
                    )
                time.sleep(0.1)
        finally:
            if bar is not None:
                bar.close()
        if check and execution.status in (FAILED, STOPPED):
            raise PipelineFailedError(execution)
        return execution

    def stop(self) -> Execution:
        return self._studio.pipelines.stop(self.id)

    def retry(self, from_step: str | None = None) -> ExecutionHandle:
        """A new execution reusing the finished steps; reruns the failed ones (or
        ``from_step``) and their downstream steps."""
        return ExecutionHandle(self._studio, self._studio.pipelines.retry(self.id, from_step))
