"""``TuningHandle``: what ``mls.tune`` and ``mls.get_tuning_job`` return — wait for the
tuning job with a progress bar, read its trials as a DataFrame, reach its optuna study,
stop it, and register or deploy its best trial's model.

Also the search space in the forms a notebook user types (:func:`python_space`).

Imports stay light (no optuna, no pandas at import time): ``import jupyter_mlstudio``
does not pay for tuning until it is used.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError, MLStudioError
from .entities import FAILED, TuningJob

if TYPE_CHECKING:
    import optuna
    from typing_extensions import Unpack

    from ..endpoints.handle import DeployOptions, EndpointHandle
    from ..registry.entities import ModelVersion
    from ..studio import Studio
    from .trials import TrialInfo
    from .warm_start import WarmStartReport

WAIT_INTERVAL = 0.5
_SCALINGS = {
    "auto": "Auto",
    "linear": "Linear",
    "log": "Logarithmic",
    "logarithmic": "Logarithmic",
    "reverse-log": "ReverseLogarithmic",
    "reverse_log": "ReverseLogarithmic",
    "reverselog": "ReverseLogarithmic",
    "reverselogarithmic": "ReverseLogarithmic",
}


class TuningFailedError(MLStudioError):
    """``wait()`` on a tuning job that ended Failed; the message is the reason."""

    def __init__(self, job: TuningJob) -> None:
        super().__init__(
            f"Tuning job {job.name!r} failed: {job.failure_reason or 'no reason given'}"
        )
        self.job = job


# -- the search space as Python values ----------------------------------------------------
def python_space(space: Mapping[str, Any]) -> dict[str, Any]:
    """The spec's search space from the forms a notebook user types:

    - ``(1e-4, 1e-1)`` a continuous range (an integer range when both bounds are ints),
      ``(1e-4, 1e-1, "log")`` with a scaling (``"log"``, ``"linear"``, ``"reverse-log"``,
      ``"auto"`` or SageMaker's names);
    - ``range(2, 13)`` the integers 2…12 (a ``range`` with a step: those values);
    - ``["gini", "entropy"]`` categorical values;
    - a dict (``{"type": "integer", "min_value": 2, "max_value": 12}``) as the spec takes it.
    """
    if not isinstance(space, Mapping):
        raise InvalidArgumentError(
            "space: give a dict of hyperparameter → range, e.g. "
            '{"max_depth": (2, 12), "criterion": ["gini", "entropy"]}.'
        )
    return {str(name): _python_range(str(name), value) for name, value in space.items()}


def _python_range(name: str, value: Any) -> Any:
    where = f"space[{name!r}]"
    if isinstance(value, Mapping) or hasattr(value, "model_dump"):
        return value  # the spec's own form; the spec validates it
    if isinstance(value, range):
        if value.step == 1 and len(value) > 1:
            return {"type": "integer", "min_value": value.start, "max_value": value.stop - 1}
        if len(value) == 0:
            raise InvalidArgumentError(f"{where}: {value!r} is empty.")
        return {"type": "categorical", "values": list(value)}
    if isinstance(value, list | set | frozenset):
        return {"type": "categorical", "values": list(value)}
    if isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise InvalidArgumentError(
                f"{where}: a tuple is (min, max) or (min, max, scaling), got {value!r}; "
                "give categorical values as a list."
            )
        low, high = value[0], value[1]
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
        if not numbers:
            raise InvalidArgumentError(
                f"{where}: (min, max) takes two numbers, got {value!r}; give categorical "
                "values as a list."
            )
        scaling = "Auto"
        if len(value) == 3:
            given = value[2]
            scaling = _SCALINGS.get(str(given).lower(), "") if isinstance(given, str) else ""
            if not scaling:
                raise InvalidArgumentError(
                    f"{where}: unknown scaling {given!r}; use 'log', 'linear', 'reverse-log' "
                    "or 'auto'."
                )
        kind = "integer" if isinstance(low, int) and isinstance(high, int) else "continuous"
        return {"type": kind, "min_value": low, "max_value": high, "scaling": scaling}
    raise InvalidArgumentError(
        f"{where}: {value!r} is a single value; give a range (min, max), a list of values, "
        "or pass it as a fixed hyperparameter (hyperparameters=)."
    )


# -- the handle ----------------------------------------------------------------------------
class TuningHandle:
    def __init__(self, studio: Studio, job: TuningJob) -> None:
        self._studio = studio
        self._job = job
        self.id = job.id
        self.name = job.name

    # -- facts ---------------------------------------------------------------------------
    def refresh(self) -> TuningJob:
        self._job = self._studio.tuning.get(self.id)
        return self._job

    @property
    def job(self) -> TuningJob:
        """The latest snapshot (refreshed)."""
        return self.refresh()

    @property
    def status(self) -> str:
        return self.refresh().status

    @property
    def best_value(self) -> float | None:
        return self.refresh().best_value

    @property
    def max_trials(self) -> int:
        return int(self._job.spec.get("limits", {}).get("max_trials", 0))

    @property
    def objective(self) -> str:
        return str(self._job.spec.get("objective", {}).get("metric", "objective"))

    def __repr__(self) -> str:
        job = self._job
        done = job.counts.completed + job.counts.pruned + job.counts.failed
        best = "" if job.best_value is None else f", best {self.objective}={job.best_value:.6g}"
        return f"<TuningJob {self.name!r} {job.status} {done}/{self.max_trials} trials{best}>"

    def _repr_html_(self) -> str:
        job = self.refresh()
        counts = job.counts
        rows = [
            ("Status", job.status + (f": {job.failure_reason}" if job.failure_reason else "")),
            (
                "Trials",
                f"{counts.completed + counts.pruned + counts.failed} of {self.max_trials} done "
                f"({counts.running} running, {counts.pruned} pruned, {counts.failed} failed)",
            ),
            ("Objective", f"{self.objective} ({job.spec.get('objective', {}).get('direction')})"),
            ("Best", "—" if job.best_value is None else f"{job.best_value:.6g} (trial "
             f"{job.best_trial})"),
            ("Strategy", str(job.spec.get("strategy", ""))),
        ]  # fmt: skip
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<b>Tuning job {html.escape(self.name)}</b><table>{body}</table>"

    # -- waiting and stopping --------------------------------------------------------------
    def wait(
        self, progress: bool = True, timeout: float | None = None, check: bool = True
    ) -> TuningJob:
        """Block until the tuning job ends. ``progress=True`` shows a tqdm bar of trials
        done out of the maximum, with the best value so far; ``check=True`` raises
        ``TuningFailedError`` when it failed (a stopped tuning job keeps its best trial
        and does not raise)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.max_trials, desc=self.name, unit="trial")
        try:
            while True:
                job = self.refresh()
                if bar is not None:
                    _show(bar, job, self.objective)
                if job.is_terminal:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(
                        f"Tuning job {job.name!r} is still {job.status} after {timeout} s."
                    )
                time.sleep(WAIT_INTERVAL)
        finally:
            if bar is not None:
                bar.close()
        job = self._studio.tuning.wait(self.id)  # its supervisor's last writes are done
        self._job = job
        if check and job.status == FAILED:
            raise TuningFailedError(job)
        return job

    def stop(self, wait: bool = True, timeout: float | None = 60) -> TuningJob:
        """Stop the tuning job: its running trials are stopped; it ends Stopped."""
        self._studio.tuning.stop(self.id)
        return self.wait(progress=False, timeout=timeout, check=False) if wait else self.refresh()

    def clone(self, name: str | None = None, **changes: Any) -> TuningHandle:
        """A new tuning job with this one's spec (``changes`` to its top-level fields, e.g.
        ``warm_start=[handle.name]``); function trials cannot be cloned."""
        return TuningHandle(self._studio, self._studio.tuning.clone(self.id, name, **changes))

    # -- trials ----------------------------------------------------------------------------
    @property
    def best_trial(self) -> TrialInfo | None:
        """The best completed trial (None before one completed, or with two objectives:
        see ``pareto_front()``)."""
        return self._studio.tuning.best_trial(self.id)

    def trials(self, include_warm_start: bool = True) -> Any:
        """Every trial as a pandas DataFrame, one row per trial in number order."""
        return trials_frame(
            self._studio.tuning.trials(self.id, include_warm_start=include_warm_start),
            second_objective=self._job.spec.get("second_objective") is not None,
        )

    def pareto_front(self) -> list[TrialInfo]:
        """With two objectives: the trials no other trial beats on both."""
        return self._studio.tuning.pareto_front(self.id)

    @property
    def study(self) -> optuna.Study:
        """The real ``optuna.Study``: any optuna visualization works on it (read it;
        the tuning job writes it while it runs)."""
        return self._studio.tuning.study(self.id)

    def importances(self) -> dict[str, float]:
        """optuna's hyperparameter importances (empty until two trials completed)."""
        return self._studio.tuning.importances(self.id)

    def warm_start_report(self) -> WarmStartReport | None:
        return self._studio.tuning.warm_start_report(self.id)

    # -- the best model --------------------------------------------------------------------
    def register_best(
        self, name: str, *, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> ModelVersion:
        """Register the best trial's model as the next version of ``name`` (its job's
        model for training-job trials; its run's ``model/`` for function trials that
        logged one)."""
        best = self.best_trial
        if best is None:
            job = self.refresh()
            if job.spec.get("second_objective") is not None:
                raise InvalidArgumentError(
                    f"Tuning job {self.name!r} has two objectives and so no single best trial: "
                    "pick one of pareto_front() and register_trial(number, name)."
                )
            raise InvalidArgumentError(
                f"Tuning job {self.name!r} has no completed trial yet ({job.status})."
            )
        return self.register_trial(best.number, name, description=description, tags=tags)

    def register_trial(
        self,
        number: int,
        name: str,
        *,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        """Register the model of trial ``number`` as the next version of ``name``."""
        found = [t for t in self._studio.tuning.trials(self.id) if t.number == number]
        if not found:
            raise InvalidArgumentError(f"Tuning job {self.name!r} has no trial {number}.")
        trial = found[0]
        if trial.state != "Completed":
            raise InvalidArgumentError(
                f"Trial {number} of {self.name!r} is {trial.state}; only a completed trial "
                "has a model to register."
            )
        lineage = {"mlstudio.tuning.job": self.name, "mlstudio.tuning.trial": str(number)}
        registry = self._studio.registry
        all_tags = lineage | dict(tags or {})
        if trial.job_id is not None:
            job = self._studio.jobs.get(trial.job_id)
            return registry.register(job, name, description=description, tags=all_tags)
        if trial.run_id is not None:
            return registry.register(trial.run_id, name, description=description, tags=all_tags)
        raise InvalidArgumentError(
            f"Trial {number} of {self.name!r} has neither a job nor a run with a model"
            + (f" (it comes from the warm start of {trial.warm_start_from!r})."
               if trial.warm_start_from else ".")
        )  # fmt: skip

    def deploy_best(
        self,
        name: str,
        *,
        model: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        **options: Unpack[DeployOptions],
    ) -> EndpointHandle:
        """Register the best trial's model (as ``model``, default ``name``) and deploy
        that version as endpoint ``name``; ``options`` are ``mls.deploy``'s (instances,
        batching, capture, auth, max_payload_bytes, wait, timeout)."""
        from ..endpoints.handle import deploy_on

        model_name = model or name
        version = self.register_best(model_name, description=description, tags=tags)
        return deploy_on(self._studio.endpoints, name, version.version, model=model_name, **options)


def _show(bar: Any, job: TuningJob, objective: str) -> None:
    counts = job.counts
    bar.n = counts.completed + counts.pruned + counts.failed
    parts = [job.status]
    if job.best_value is not None:
        parts.append(f"best {objective}={job.best_value:.4g}")
    if counts.running:
        parts.append(f"{counts.running} running")
    if counts.pruned:
        parts.append(f"{counts.pruned} pruned")
    if counts.failed:
        parts.append(f"{counts.failed} failed")
    bar.set_postfix_str(", ".join(parts), refresh=False)
    bar.refresh()


TRIAL_COLUMNS = ("number", "state", "value")


def trials_frame(trials: Sequence[TrialInfo], *, second_objective: bool = False) -> Any:
    """Trials as a DataFrame: number, state, value (``values_0``/``values_1`` with two
    objectives, as optuna names them), ``params_<name>``, job and run ids, pruned step,
    failure reason, warm-start source, start and end times and the duration."""
    import pandas as pd

    records = []
    for t in trials:
        record: dict[str, Any] = {"number": t.number, "state": t.state}
        values = list(t.values or [])
        if second_objective:
            record["values_0"] = values[0] if values else math.nan
            record["values_1"] = values[1] if len(values) > 1 else math.nan
        else:
            record["value"] = values[0] if values else math.nan
        record.update({f"params_{k}": v for k, v in sorted(t.params.items())})
        record.update(
            job_id=t.job_id,
            job_name=t.job_name,
            run_id=t.run_id,
            pruned_step=t.pruned_step,
            failure_reason=t.failure_reason,
            warm_start_from=t.warm_start_from,
            started_at=t.started_at,
            ended_at=t.ended_at,
            duration=(
                t.ended_at - t.started_at if t.started_at is not None and t.ended_at else None
            ),
        )
        records.append(record)
    values_cols = ["values_0", "values_1"] if second_objective else ["value"]
    fixed = ["job_id", "job_name", "run_id", "pruned_step", "failure_reason"]
    fixed += ["warm_start_from", "started_at", "ended_at", "duration"]
    frame = pd.DataFrame.from_records(records)
    if not records:
        return pd.DataFrame(columns=["number", "state", *values_cols, *fixed])
    params = sorted(c for c in frame.columns if c.startswith("params_"))
    frame = frame[["number", "state", *values_cols, *params, *fixed]]
    frame["pruned_step"] = frame["pruned_step"].astype("Int64")
    return frame
