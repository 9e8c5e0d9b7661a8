"""The optuna study behind a tuning job: where it is stored and how it samples and prunes.

Storage: optuna's ``JournalStorage`` with one append-only journal file per tuning job in
the studio's home folder (``<home>/tuning/<tuning job id>.journal``), not optuna's
``RDBStorage`` on our SQLAlchemy URL, for two reasons:

- speed: per trial of a cheap TPE study (``benchmark_storages``, 300 trials, on a busy
  2-core machine) in-memory 5.3 ms, the journal 24.7 ms, RDB on SQLite 136.7 ms: the
  RDB costs 5.5 times the journal (the issue's figures: 1.0, 2.2 and 14.7 ms);
- the shared database: optuna's RDB schema has its own Alembic history kept in the
  default ``alembic_version`` table, the very table our migrations own, so the two
  cannot share one database.

The journal is safe across processes on one host (optuna locks the file). A team on
PostgreSQL with trials on several machines needs the home folder on a shared file
system (or a separate optuna database: ``open_study(storage=...)`` takes any optuna
storage).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.study import StudyDirection

from ..errors import InvalidArgumentError
from .spec import (
    CategoricalRange,
    ContinuousRange,
    IntegerRange,
    TuningJobSpec,
    effective_scaling,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

STUDY_NAME = "tuning"


def journal_path(home: Path, tuning_job_id: str) -> Path:
    return home / "tuning" / f"{tuning_job_id}.journal"


def journal_storage(path: Path) -> optuna.storages.BaseStorage:
    """The journal at ``path``, locked with an empty lock file (``O_CREAT | O_EXCL``), not
    optuna's default symlink to the journal: a symlink to a path of 60 characters or
    more (our ``<home>/tuning/<id>.journal``) keeps its target in a data block, and on a
    file system mounted with ``discard`` removing it after each write took ~3 ms, more
    than the write itself (benchmarks/tuning.py)."""
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = JournalFileOpenLock(str(path))
    return optuna.storages.JournalStorage(JournalFileBackend(str(path), lock_obj=lock))


def open_study(
    spec: TuningJobSpec, storage: optuna.storages.BaseStorage | str, *, create: bool = False
) -> optuna.Study:
    """The study of a tuning job, with the sampler and pruner its strategy names."""
    directions = [
        StudyDirection.MAXIMIZE if o.direction == "Maximize" else StudyDirection.MINIMIZE
        for o in spec.objectives()
    ]
    if create:
        return optuna.create_study(
            storage=storage,
            study_name=STUDY_NAME,
            sampler=make_sampler(spec),
            pruner=make_pruner(spec),
            directions=directions,
            load_if_exists=True,
        )
    return optuna.load_study(
        study_name=STUDY_NAME, storage=storage, sampler=make_sampler(spec), pruner=make_pruner(spec)
    )


# -- search space ------------------------------------------------------------------------
def distribution(spec: ContinuousRange | IntegerRange | CategoricalRange) -> BaseDistribution:
    """optuna's distribution of one range.

    ReverseLogarithmic (SageMaker: values close to 1 sampled finely) has no optuna
    distribution: the trial samples ``1 - x`` on a log scale instead; see
    :func:`sample_params`.
    """
    if isinstance(spec, CategoricalRange):
        return CategoricalDistribution(spec.values)
    log = effective_scaling(spec) == "Logarithmic"
    if isinstance(spec, IntegerRange):
        return IntDistribution(spec.min_value, spec.max_value, log=log)
    if effective_scaling(spec) == "ReverseLogarithmic":
        # 1 - x over [1 - max, 1 - min], on a log scale; max < 1 so the bound is > 0
        return FloatDistribution(1 - spec.max_value, 1 - spec.min_value, log=True)
    return FloatDistribution(spec.min_value, spec.max_value, log=log)


def distributions(spec: TuningJobSpec) -> dict[str, BaseDistribution]:
    return {name: distribution(r) for name, r in spec.search_space.items()}


def to_hyperparameters(spec: TuningJobSpec, sampled: dict[str, Any]) -> dict[str, Any]:
    """The trial's hyperparameters from optuna's params (ReverseLogarithmic mapped back)."""
    out: dict[str, Any] = {}
    for name, value in sampled.items():
        r = spec.search_space.get(name)
        if isinstance(r, ContinuousRange) and effective_scaling(r) == "ReverseLogarithmic":
            value = 1 - value
        out[name] = value.item() if hasattr(value, "item") else value
    return out


def to_optuna_params(spec: TuningJobSpec, hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`to_hyperparameters` (for enqueued and warm-start trials)."""
    out: dict[str, Any] = {}
    for name, value in hyperparameters.items():
        r = spec.search_space.get(name)
        if isinstance(r, ContinuousRange) and effective_scaling(r) == "ReverseLogarithmic":
            value = 1 - float(value)
        out[name] = value
    return out


# -- strategy ----------------------------------------------------------------------------
def make_sampler(spec: TuningJobSpec) -> optuna.samplers.BaseSampler:
    seed = spec.random_seed
    if spec.strategy == "Random":
        return optuna.samplers.RandomSampler(seed=seed)
    if spec.strategy == "Grid":
        grid = {n: list(r.values) for n, r in spec.search_space.items() if hasattr(r, "values")}
        return optuna.samplers.GridSampler(grid, seed=seed)
    if spec.second_objective is not None:
        return optuna.samplers.NSGAIISampler(seed=seed)
    if spec.strategy == "GP":
        _require("torch", "GP")
        return optuna.samplers.GPSampler(seed=seed)
    if spec.strategy == "CMA-ES":
        _require("cmaes", "CMA-ES")
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    # Bayesian and Hyperband (SageMaker's Hyperband samples at random within brackets;
    # TPE inside Hyperband is optuna's recommended pairing)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=_startup(spec))


def make_pruner(spec: TuningJobSpec) -> optuna.pruners.BasePruner:
    if not spec.prunes:
        return optuna.pruners.NopPruner()
    if spec.strategy == "Hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=spec.min_resource,
            max_resource=spec.max_resource if spec.max_resource is not None else "auto",
            reduction_factor=3,
        )
    # SageMaker's "Auto" early stopping is the median rule
    return optuna.pruners.MedianPruner(
        n_startup_trials=min(5, max(1, spec.limits.max_trials // 4)), n_warmup_steps=1
    )


def _startup(spec: TuningJobSpec) -> int:
    """TPE's random start: optuna's 10, fewer for a short budget."""
    return max(2, min(10, spec.limits.max_trials // 3))


def _require(module: str, strategy: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise InvalidArgumentError(
            f"strategy {strategy} needs the {module!r} package, which is not installed here; "
            f"install it (pip install {module}) or choose Bayesian."
        )


def check_strategy(spec: TuningJobSpec) -> None:
    """Raise now, before anything is created, when the strategy cannot run here."""
    make_sampler(spec)


# -- measuring the storages --------------------------------------------------------------
def benchmark_storages(folder: Path, n_trials: int = 200) -> dict[str, float]:
    """Milliseconds per trial of a cheap TPE study on each storage (for the choice above)."""

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_int("y", 0, 10)
        return (x - 2) ** 2 + y

    folder.mkdir(parents=True, exist_ok=True)
    storages: dict[str, Any] = {
        "in-memory": None,
        "journal": journal_storage(folder / "bench.journal"),
        "rdb-sqlite": f"sqlite:///{folder / 'bench-optuna.db'}",
    }
    figures: dict[str, float] = {}
    for label, storage in storages.items():
        study = optuna.create_study(storage=storage, sampler=optuna.samplers.TPESampler(seed=0))
        began = time.perf_counter()
        study.optimize(objective, n_trials=n_trials)
        figures[label] = (time.perf_counter() - began) * 1000 / n_trials
    return figures
