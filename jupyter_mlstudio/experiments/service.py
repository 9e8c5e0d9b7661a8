"""Experiments and their runs: the one API the SDK, the magics, the tracking module, the
jobs and the REST handlers share.

The operations that are exactly a store call are the stores' own bound methods (their
contracts, in ``store.py`` and ``run_store.py``, document what they raise); the ones with
logic of their own (get-or-create, search by name, the REST list and search forms,
metric histories) are methods here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..artifacts import ArtifactRepository
from ..errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from ..store.pagination import Page
from .downsample import MetricSeries, metric_histories
from .entities import Experiment
from .garbage import GarbageReport, collect_garbage
from .run_entities import Run
from .run_store import RunStore
from .search import split_order_by
from .store import ExperimentStore

MAX_HISTORY_RUNS = 100
MAX_HISTORY_KEYS = 50


class ExperimentService:
    def __init__(self, store: ExperimentStore, runs: RunStore) -> None:
        self.store = store
        self.runs = runs
        # Pure store operations, as the stores define them.
        self.create_experiment = store.create_experiment
        self.get_experiment = store.get_experiment
        self.get_experiment_by_name = store.get_experiment_by_name
        self.update_experiment = store.update_experiment
        self.delete_experiment = store.delete_experiment
        self.create_run = runs.create_run
        self.get_run = runs.get_run
        self.log_batch = runs.log_batch
        self.end_run = runs.end_run
        self.record_runs = runs.record_runs
        self.delete_run = runs.delete_run
        self.delete_tag = runs.delete_tag
        self.list_keys = runs.list_keys
        self.get_metric_history = runs.get_metric_history
        self.changed_since = runs.changed_since
        self.fail_dead_runs = runs.fail_dead_runs

    # -- experiments -------------------------------------------------------------------
    def experiment(self, name: str) -> Experiment:
        """The experiment named ``name``, created when it does not exist yet (safe when
        two processes race to create it)."""
        try:
            return self.store.get_experiment_by_name(name)
        except NotFoundError:
            try:
                return self.store.create_experiment(name)
            except AlreadyExistsError:
                return self.store.get_experiment_by_name(name)

    def list_experiments(
        self, max_items: int = 1000, next_token: str | None = None, *, name: str | None = None
    ) -> Page[Experiment]:
        """One page of experiments, or just the one named ``name``."""
        if name is not None:
            return Page(items=[self.store.get_experiment_by_name(name)])
        return self.store.list_experiments(max_items, next_token)

    # -- runs --------------------------------------------------------------------------
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        max_items: int = 1000,
        next_token: str | None = None,
        lifecycle: str = "active",
    ) -> Page[Run]:
        """Runs matching the filter grammar; ``order_by`` is a list of ``"key [ASC|DESC]"``
        or one comma-separated string of them (the REST form)."""
        if isinstance(order_by, str):
            order_by = split_order_by(order_by)
        return self.runs.search_runs(
            experiment_ids, filter, order_by, max_items, next_token, lifecycle
        )

    def search_experiment_runs(
        self,
        experiment_id: str,
        filter: str | None = None,
        order_by: str | None = None,
        max_items: int = 1000,
        next_token: str | None = None,
        lifecycle: str = "active",
    ) -> tuple[Page[Run], int]:
        """One page of an experiment's runs and how many match in all (``NotFoundError``
        for an unknown experiment rather than an empty page)."""
        self.store.get_experiment(experiment_id)
        page = self.search_runs([experiment_id], filter, order_by, max_items, next_token, lifecycle)
        return page, self.runs.count_runs([experiment_id], filter, lifecycle)

    def search_runs_by_name(
        self,
        experiments: Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 1000,
    ) -> list[Run]:
        """Up to ``max_results`` runs of the named experiments, over as many pages as needed."""
        ids = [self.store.get_experiment_by_name(n).id for n in experiments]
        runs: list[Run] = []
        token = None
        while len(runs) < max_results:
            page = self.runs.search_runs(
                ids,
                filter,
                order_by,
                max_items=min(1000, max_results - len(runs)),
                next_token=token,
            )
            runs.extend(page.items)
            token = page.next_token
            if token is None:
                break
        return runs

    def update_run(
        self,
        run_id: str,
        *,
        name: str | None = None,
        experiment_id: str | None = None,
        status: str | None = None,
    ) -> Run:
        """Rename or move a run, and end it when ``status`` is given."""
        run = self.runs.update_run(run_id, name=name, experiment_id=experiment_id)
        if status is not None:
            run = self.runs.end_run(run_id, status)
        return run

    def artifacts(self, run_id: str) -> ArtifactRepository:
        """The artifact folder of a run."""
        return ArtifactRepository(self.runs.get_run(run_id).artifact_uri)

    def discard_run(self, run_id: str) -> None:
        """End a run FAILED and put it in the trash (its job could not be created)."""
        self.runs.end_run(run_id, "FAILED")
        self.runs.delete_run(run_id)

    def restore_run(self, run_id: str) -> Run:
        """Bring a run back from the trash."""
        self.runs.restore_run(run_id)
        return self.runs.get_run(run_id)

    def metric_histories(
        self, run_ids: str | Sequence[str], keys: str | Sequence[str], max_points: int
    ) -> list[MetricSeries]:
        """Each run's series for each key, downsampled; ids and keys may be given as
        comma-separated strings (the REST form)."""
        return metric_histories(
            self.runs,
            _names(run_ids, "run_ids", MAX_HISTORY_RUNS),
            _names(keys, "keys", MAX_HISTORY_KEYS),
            max_points,
        )

    def collect_garbage(self, older_than_days: float = 0, dry_run: bool = False) -> GarbageReport:
        """Purge runs trashed more than ``older_than_days`` ago, and their artifacts."""
        return collect_garbage(self.runs, older_than_days, dry_run)


def _names(value: str | Sequence[str], name: str, limit: int) -> list[str]:
    items: Any = value.split(",") if isinstance(value, str) else value
    cleaned = [item.strip() for item in items if item.strip()]
    if not cleaned:
        raise InvalidArgumentError(f"{name} must name at least one value.")
    if len(cleaned) > limit:
        raise InvalidArgumentError(f"{name} takes at most {limit} values; got {len(cleaned)}.")
    return list(dict.fromkeys(cleaned))
