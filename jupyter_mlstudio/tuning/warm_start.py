"""Warm start: the finished trials of earlier tuning jobs, fitted to a new search space.

Each parameter of an earlier trial is kept when its value lies in the new range, mapped
when it can be (an integer value of a range that became continuous, a whole number of a
range that became integer, a number whose text is a new categorical value) and dropped
otherwise; a parameter the new space no longer has is dropped too. A trial keeps the
parameters that fit (optuna's samplers handle trials that miss a parameter); a trial
with none left is skipped. The report names every mapping and drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState, create_trial

from .spec import TuningJobSpec
from .study import distributions, to_hyperparameters, to_optuna_params

WARM_START_ATTR = "warm_start_from"


@dataclass
class WarmStartReport:
    """What a warm start added, per earlier tuning job, and what it had to change."""

    added: dict[str, int] = field(default_factory=dict)  # earlier job name → trials added
    skipped: dict[str, str] = field(default_factory=dict)  # earlier job name → why
    mapped: dict[str, str] = field(default_factory=dict)  # param → how
    dropped: dict[str, str] = field(default_factory=dict)  # param → why
    trials_without_params: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": dict(self.added),
            "skipped": dict(self.skipped),
            "mapped": dict(self.mapped),
            "dropped": dict(self.dropped),
            "trials_without_params": self.trials_without_params,
        }

    def summary(self) -> str:
        total = sum(self.added.values())
        parts = [f"warm-started with {total} trial(s) from {', '.join(self.added) or 'nothing'}"]
        if self.mapped:
            parts.append("mapped " + "; ".join(f"{k}: {v}" for k, v in self.mapped.items()))
        if self.dropped:
            parts.append("dropped " + "; ".join(f"{k}: {v}" for k, v in self.dropped.items()))
        if self.skipped:
            parts.append("skipped " + "; ".join(f"{k}: {v}" for k, v in self.skipped.items()))
        return "; ".join(parts)


def fit_value(name: str, value: Any, dist: BaseDistribution) -> tuple[Any, str | None] | None:
    """``value`` as a value of ``dist``, with how it was mapped; None when it cannot be."""
    if isinstance(dist, CategoricalDistribution):
        if value in dist.choices:
            return value, None
        for choice in dist.choices:
            if str(choice) == str(value):
                return choice, f"{value!r} → {choice!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    if isinstance(dist, IntDistribution):
        if float(value) != int(value):
            return None
        number: float = int(value)
        note = None if isinstance(value, int) else f"{value!r} → {int(value)}"
    else:
        assert isinstance(dist, FloatDistribution)
        number = float(value)
        note = None if isinstance(value, float) else f"{value!r} → {number!r}"
    if not dist.low <= number <= dist.high:
        return None
    if isinstance(dist, IntDistribution) and (int(number) - dist.low) % dist.step:
        return None
    return number, note


def warm_start(
    study: optuna.Study,
    spec: TuningJobSpec,
    earlier: list[tuple[str, TuningJobSpec, optuna.Study]],
) -> WarmStartReport:
    """Add the completed trials of each earlier (name, spec, study) to ``study``."""
    report = WarmStartReport()
    outside: dict[str, list[Any]] = {}  # param → values that fit no new range
    new_dists = distributions(spec)
    objectives = [(o.metric, o.direction) for o in spec.objectives()]
    for name, old_spec, old_study in earlier:
        old_objectives = [o.metric for o in old_spec.objectives()]
        if old_objectives != [m for m, _ in objectives]:
            wanted = ", ".join(m for m, _ in objectives)
            report.skipped[name] = f"it optimised {', '.join(old_objectives)}, not {wanted}"
            continue
        added = 0
        for trial in old_study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            hyper = to_hyperparameters(old_spec, trial.params)
            params: dict[str, Any] = {}
            dists: dict[str, BaseDistribution] = {}
            for param, value in hyper.items():
                dist = new_dists.get(param)
                if dist is None:
                    report.dropped.setdefault(param, "not in the new search space")
                    continue
                fitted = fit_value(param, to_optuna_params(spec, {param: value})[param], dist)
                if fitted is None:
                    outside.setdefault(param, []).append(value)
                    continue
                params[param], note = fitted
                dists[param] = dist
                old_range = old_spec.search_space.get(param)
                new_type = spec.search_space[param].type
                if old_range is not None and old_range.type != new_type:
                    report.mapped.setdefault(param, f"{old_range.type} → {new_type}")
                elif note:
                    report.mapped.setdefault(param, note)
            if not params:
                report.trials_without_params += 1
                continue
            study.add_trial(
                create_trial(
                    params=params,
                    distributions=dists,
                    values=list(trial.values),
                    user_attrs={WARM_START_ATTR: f"{name}#{trial.number}"},
                    intermediate_values=dict(trial.intermediate_values),
                )
            )
            added += 1
        report.added[name] = added
    for param, values in outside.items():
        shown = ", ".join(repr(v) for v in values[:5]) + (" …" if len(values) > 5 else "")
        report.dropped.setdefault(
            param, f"{len(values)} value(s) outside the new range ({shown}) left out"
        )
    return report
