"""``jupyter mlstudio import-mlflow <mlruns folder | sqlite:///… | postgresql://…>``.

Reads the source through MLflow's own client (``MlflowClient(tracking_uri=…)``: the real
library parses its folders and databases) and copies into our store: experiments (by
name), their active runs (name, status, start/end times, params, tags, every metric value
with its step and timestamp, nested runs under their parent) with their artifacts, and
registered models whose versions are scikit-learn models saved with skops.

Idempotent: an imported run carries the tag ``mlstudio.mlflow_run_id`` (and a version
``mlstudio.mlflow_version``) and is not copied again, so a second import changes nothing.
Needs the ``mlflow`` package (imported here only).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError, MLStudioError, NotFoundError
from ..experiments.run_entities import (
    KEY_MAX_LENGTH,
    PARAM_VALUE_MAX_LENGTH,
    TAG_VALUE_MAX_LENGTH,
    Metric,
    RunRecord,
)

if TYPE_CHECKING:
    from ..studio import Studio

RUN_ID_TAG = "mlstudio.mlflow_run_id"
SOURCE_TAG = "mlstudio.mlflow_source"
VERSION_TAG = "mlstudio.mlflow_version"
PARENT_TAG = "mlflow.parentRunId"
ENDED = {"FINISHED", "FAILED", "KILLED"}


@dataclass
class ImportSummary:
    experiments_created: int = 0
    experiments_reused: int = 0
    runs_imported: int = 0
    runs_skipped: int = 0  # already imported
    metric_values: int = 0
    params: int = 0
    tags: int = 0
    artifact_files: int = 0
    model_versions_imported: int = 0
    model_versions_skipped: int = 0  # already imported
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.experiments_created or self.runs_imported or self.model_versions_imported)

    def lines(self) -> list[str]:
        out = [
            f"Experiments: {self.experiments_created} created, "
            f"{self.experiments_reused} already there",
            f"Runs: {self.runs_imported} imported, {self.runs_skipped} already imported",
            f"  {self.metric_values} metric values, {self.params} params, {self.tags} tags, "
            f"{self.artifact_files} artifact files",
            f"Model versions: {self.model_versions_imported} imported, "
            f"{self.model_versions_skipped} already imported",
        ]
        out += [f"Warning: {w}" for w in self.warnings]
        return out


def tracking_uri_of(source: str) -> str:
    """The MLflow tracking URI of ``source``: a database URL as given; a folder (an
    ``mlruns`` folder, or one holding it) as an absolute path."""
    if "://" in source and not source.startswith("file://"):
        if not source.startswith(("sqlite:", "postgresql", "mysql", "mssql")):
            raise InvalidArgumentError(
                f"{source!r} is not an mlruns folder or an MLflow database URL "
                "(sqlite:///path.db, postgresql://…)."
            )
        return source
    folder = Path(source.removeprefix("file://")).expanduser().resolve()
    if not folder.is_dir():
        raise InvalidArgumentError(f"{folder} is not a folder: give an mlruns folder.")
    if (folder / "mlruns").is_dir() and not (folder / "0").is_dir():
        folder = folder / "mlruns"
    return str(folder)


def _ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=timezone.utc)


@contextlib.contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    """``name=value`` in the environment while the block runs (nothing when None)."""
    if value is None:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _paged(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


class MlflowImporter:
    def __init__(self, studio: Studio, source: str, *, progress: bool = True) -> None:
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:  # pragma: no cover - mlflow is in the test extras
            raise InvalidArgumentError(
                "Importing MLflow data needs the mlflow package: pip install mlflow."
            ) from None
        self.studio = studio
        self.source = source
        self.uri = tracking_uri_of(source)
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        self.progress = progress
        self.summary = ImportSummary()
        self._run_ids: dict[str, str] = {}  # MLflow run id → ours

    # -- helpers -----------------------------------------------------------------------
    def _bar(self, total: int, desc: str) -> Any:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit="run", disable=not self.progress)

    def _experiment_id(self, name: str) -> str:
        store = self.studio.stores.experiments
        try:
            found = store.get_experiment_by_name(name)
        except NotFoundError:
            self.summary.experiments_created += 1
            return store.create_experiment(name).id
        self.summary.experiments_reused += 1
        return found.id

    def _imported_runs(self, experiment_id: str) -> dict[str, str]:
        """MLflow run id → our run id, for the runs of ours imported before."""
        runs = self.studio.stores.runs
        found: dict[str, str] = {}
        for lifecycle in ("active", "deleted"):
            token: str | None = None
            while True:
                page = runs.search_runs(
                    [experiment_id], max_items=1000, next_token=token, lifecycle=lifecycle
                )
                for run in page.items:
                    if RUN_ID_TAG in run.tags:
                        found[run.tags[RUN_ID_TAG]] = run.id
                token = page.next_token
                if not token:
                    break
        return found

    def _record(self, run: Any) -> RunRecord:
        info, data = run.info, run.data
        metrics: list[Metric] = []
        for key in data.metrics:
            for m in self.client.get_metric_history(info.run_id, key):
                metrics.append(
                    Metric(
                        key=m.key,
                        value=float(m.value),
                        step=int(m.step),
                        timestamp=m.timestamp / 1000,
                    )
                )
        tags = {RUN_ID_TAG: info.run_id, SOURCE_TAG: self.source}
        for key, value in data.tags.items():
            if key == PARENT_TAG:
                continue
            if len(key) > KEY_MAX_LENGTH or len(value) > TAG_VALUE_MAX_LENGTH:
                self.summary.warnings.append(
                    f"run {info.run_id}: tag {key[:60]!r} is too long to store; skipped"
                )
                continue
            tags[key] = value
        params = {}
        for key, value in data.params.items():
            if len(value) > PARAM_VALUE_MAX_LENGTH:
                self.summary.warnings.append(f"run {info.run_id}: param {key!r} too long; skipped")
                continue
            params[key] = value
        start = _ms(info.start_time) or datetime.now(timezone.utc)
        status = info.status if info.status in ENDED else "KILLED"
        self.summary.metric_values += len(metrics)
        self.summary.params += len(params)
        self.summary.tags += len(tags)
        return RunRecord(
            name=info.run_name or info.run_id,
            status=status,
            start_time=start,
            end_time=_ms(info.end_time) or start,
            tags=tags,
            params=params,
            metrics=tuple(metrics),
        )

    def _copy_artifacts(self, mlflow_run_id: str, our_run_id: str) -> None:
        with tempfile.TemporaryDirectory(prefix="mlstudio-import-") as tmp:
            try:
                local = self.client.download_artifacts(mlflow_run_id, "", tmp)
            except Exception as exc:  # an artifact store we cannot reach: keep the run
                self.summary.warnings.append(f"run {mlflow_run_id}: artifacts not copied: {exc}")
                return
            written = self.studio.experiments.artifacts(our_run_id).put_dir(local)
            self.summary.artifact_files += len(written)

    # -- the import --------------------------------------------------------------------
    def run(self) -> ImportSummary:
        # MLflow 3 refuses its folder store unless told: reading one is what a move needs.
        with _env("MLFLOW_ALLOW_FILE_STORE", "true" if "://" not in self.uri else None):
            return self._run()

    def _run(self) -> ImportSummary:
        from mlflow.entities import ViewType

        experiments = list(
            _paged(
                lambda token: self.client.search_experiments(
                    view_type=ViewType.ACTIVE_ONLY, page_token=token
                )
            )
        )
        for experiment in experiments:
            self._import_experiment(experiment)
        self._import_models()
        return self.summary

    def _import_experiment(self, experiment: Any) -> None:
        our_experiment = self._experiment_id(experiment.name)
        done = self._imported_runs(our_experiment)
        runs = list(
            _paged(
                lambda token: self.client.search_runs(
                    [experiment.experiment_id], max_results=1000, page_token=token
                )
            )
        )
        self._run_ids.update(done)
        todo = [r for r in runs if r.info.run_id not in done]
        self.summary.runs_skipped += len(runs) - len(todo)
        # Parents before children: a child is recorded under its parent's new id.
        pending = {r.info.run_id: r for r in todo}
        with self._bar(len(todo), f"Importing {experiment.name}") as bar:
            while pending:
                ready = [r for r in pending.values() if r.data.tags.get(PARENT_TAG) not in pending]
                if not ready:  # a cycle cannot happen in MLflow; guard anyway
                    ready = list(pending.values())
                by_parent: dict[str | None, list[Any]] = {}
                for r in ready:
                    parent = self._run_ids.get(r.data.tags.get(PARENT_TAG) or "")
                    by_parent.setdefault(parent, []).append(r)
                for parent, group in by_parent.items():
                    records = [self._record(r) for r in group]
                    ids = self.studio.stores.runs.record_runs(
                        our_experiment, records, parent_run_id=parent
                    )
                    for r, our_id in zip(group, ids, strict=True):
                        self._run_ids[r.info.run_id] = our_id
                        self._copy_artifacts(r.info.run_id, our_id)
                        pending.pop(r.info.run_id)
                        self.summary.runs_imported += 1
                        bar.update(1)

    def _imported_versions(self, name: str) -> set[str]:
        try:
            versions = self.studio.registry.list_versions(name)
        except NotFoundError:
            return set()
        return {v.tags[VERSION_TAG] for v in versions if VERSION_TAG in v.tags}

    def _import_models(self) -> None:
        from mlflow.artifacts import download_artifacts

        try:
            models = list(
                _paged(lambda token: self.client.search_registered_models(page_token=token))
            )
        except Exception as exc:  # a source without a registry (old file stores)
            self.summary.warnings.append(f"registered models not read: {exc}")
            return
        for model in models:
            done = self._imported_versions(model.name)
            # Some stores leave a searched version's aliases empty: the model has them all.
            aliases: dict[str, set[str]] = {}
            for alias, number in (getattr(model, "aliases", None) or {}).items():
                aliases.setdefault(str(number), set()).add(alias)
            versions = sorted(
                self.client.search_model_versions(f"name='{model.name}'"),
                key=lambda v: int(v.version),
            )
            for version in versions:
                key = f"{model.name}/{version.version}"
                if key in done:
                    self.summary.model_versions_skipped += 1
                    continue
                uri = self.client.get_model_version_download_uri(model.name, version.version)
                with tempfile.TemporaryDirectory(prefix="mlstudio-import-model-") as tmp:
                    try:
                        local = download_artifacts(
                            artifact_uri=uri, dst_path=tmp, tracking_uri=self.uri
                        )
                        tags = {**version.tags, VERSION_TAG: key}
                        named = sorted(
                            aliases.get(str(version.version), set()) | set(version.aliases)
                        )
                        if named:
                            tags["mlflow.aliases"] = ",".join(named)
                        created = self.studio.registry.register_folder(
                            Path(local),
                            model.name,
                            run_id=self._run_ids.get(version.run_id or ""),
                            description=version.description or model.description or "",
                            tags=tags,
                        )
                    except (MLStudioError, OSError) as exc:
                        self.summary.warnings.append(f"model {key} not imported: {exc}")
                        continue
                self.summary.model_versions_imported += 1
                for alias in named:
                    with contextlib.suppress(MLStudioError):
                        self.studio.registry.set_alias(model.name, alias, created.version)


def import_mlflow(studio: Studio, source: str, *, progress: bool = True) -> ImportSummary:
    return MlflowImporter(studio, source, progress=progress).run()
