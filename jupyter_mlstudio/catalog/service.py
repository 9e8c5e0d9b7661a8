"""``studio.catalog``: the catalog's listing, entries with their resource check,
launches of solutions, and the pre-built models' deploy and fine-tune."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import SERVER_ROOT_ENV
from ..errors import ConflictError, InvalidArgumentError, NotFoundError
from .entries import (
    BUILTIN_SOURCE,
    Catalog,
    CatalogEntry,
    CatalogListing,
    configured_locations,
)
from .launcher import CatalogLaunch, Launcher, LaunchRecords
from .manifest import TASKS
from .resources import ResourceCheck, check_resources

if TYPE_CHECKING:
    from ..jobs.entities import Job
    from ..studio import Studio

CATALOG_TAG = "catalog_entry"
DIGEST_TAG = "catalog_digest"


@dataclass(frozen=True)
class Deployment:
    model_name: str
    model_version: int
    endpoint_name: str


def default_root() -> Path:
    """Where launches make their project folders: the Jupyter server's root (exported
    to kernels as MLSTUDIO_SERVER_ROOT), else the working directory."""
    return Path(os.environ.get(SERVER_ROOT_ENV) or Path.cwd()).resolve()


class CatalogService:
    def __init__(self, studio: Studio, *, locations: list[str] | None = None) -> None:
        self.studio = studio
        self._locations = locations
        self.catalog = Catalog(
            configured_locations(locations), cache_dir=studio.config.home / "catalog" / "sources"
        )
        self.launcher = Launcher(
            studio, LaunchRecords(studio.config.home / "catalog" / "launches"), default_root
        )

    # -- entries ----------------------------------------------------------------------
    def listing(
        self, *, task: str | None = None, kind: str | None = None, query: str | None = None
    ) -> CatalogListing:
        if task and task not in TASKS:
            raise InvalidArgumentError(f"task: {task!r} is not one of {', '.join(TASKS)}")
        if kind and kind not in ("solution", "model"):
            raise InvalidArgumentError(f"kind: {kind!r} is not 'solution' or 'model'")
        listing = self.catalog.load()
        words = (query or "").lower().split()

        def matches(entry: CatalogEntry) -> bool:
            m = entry.manifest
            text = " ".join([m.name, m.title, m.description, m.task, *m.tags]).lower()
            return (
                (not task or m.task == task)
                and (not kind or m.kind == kind)
                and all(word in text for word in words)
            )

        listing.entries = [e for e in listing.entries if matches(e)]
        return listing

    def get(self, name: str) -> CatalogEntry:
        return self.catalog.get(name)

    def resource_check(self, entry: CatalogEntry, root: Path | None = None) -> ResourceCheck:
        return check_resources(entry.manifest.resources, root or default_root())

    # -- launches ---------------------------------------------------------------------
    def launch(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        folder: str | None = None,
        *,
        root: Path | None = None,
    ) -> CatalogLaunch:
        """Launch solution ``name`` into a new folder under ``root`` (default: the
        Jupyter root or the working directory)."""
        return self.launcher.launch(self.get(name), parameters, folder, root=root)

    def launches(self) -> list[CatalogLaunch]:
        return [self.launcher.reconciled(launch) for launch in self.launcher.records.all()]

    def get_launch(self, launch_id: str) -> CatalogLaunch:
        return self.launcher.reconciled(self.launcher.records.get(launch_id))

    # -- pre-built models -------------------------------------------------------------
    def _model_entry(self, name: str) -> CatalogEntry:
        entry = self.get(name)
        if entry.kind != "model":
            raise ConflictError(f"{name} is a solution: launch it; deploy is for pre-built models.")
        return entry

    def register(self, name: str) -> tuple[str, int]:
        """The entry's model in the registry: the version registered from these very files
        before, or a new one (tagged with the entry and the files' digest)."""
        from ..registry.format import folder_digest

        entry = self._model_entry(name)
        model_name = str(entry.manifest.model_name)
        folder = entry.asset("model")
        assert folder is not None
        digest, _ = folder_digest(folder)
        registry = self.studio.registry
        try:
            versions = registry.list_versions(model_name)
        except NotFoundError:
            versions = []
        for version in versions:
            tags = getattr(version, "tags", {}) or {}
            if tags.get(CATALOG_TAG) == name and tags.get(DIGEST_TAG) == digest:
                return model_name, version.version
        registered = registry.register_folder(
            folder,
            model_name,
            description=f"{entry.manifest.title} (JumpStart pre-built model {name})",
            tags={CATALOG_TAG: name, DIGEST_TAG: digest},
            # a built-in model's inference code (code/inference.py) ships in this package:
            # trusted like the package itself; a private catalog's is trusted at deploy
            trust_code=entry.source == BUILTIN_SOURCE,
        )
        manifest = entry.manifest
        metrics = ", ".join(f"{k} {v:g}" for k, v in sorted(manifest.metrics.items()))
        card = {
            "intended_use": manifest.description,
            "training_data": manifest.data.source if manifest.data is not None else "",
            "evaluation": f"Held-out validation split: {metrics}." if metrics else "",
            "caveats": f"Licence: {manifest.licence}." if manifest.licence else "",
            "owner": f"JumpStart ({entry.source} catalog)",
        }
        registry.update_version(model_name, registered.version, card=card)
        return model_name, registered.version

    def deploy(
        self, name: str, endpoint_name: str | None = None, *, wait: bool = True
    ) -> Deployment:
        """Register (once) and deploy the pre-built model: a new endpoint, or an update of
        the endpoint of that name to this version (``wait``: until it serves)."""
        entry = self._model_entry(name)
        target = endpoint_name or entry.manifest.endpoint_name or name
        model_name, version = self.register(name)
        endpoints = self.studio.endpoints
        try:
            endpoints.get(target)
        except NotFoundError:
            endpoints.deploy(target, model=model_name, version=version, wait=wait)
        else:
            variants = [{"name": "primary", "model": model_name, "version": version}]
            endpoints.update(target, variants, wait=wait)
        return Deployment(model_name, version, target)

    def fine_tune(
        self,
        name: str,
        data: str,
        target: str | None = None,
        *,
        base_dir: Path | None = None,
        within_base: bool = False,
    ) -> Job:
        """A training job of the entry's algorithm and hyperparameters on ``data`` (a file
        relative to ``base_dir``), registering its model under the entry's model name."""
        entry = self._model_entry(name)
        manifest = entry.manifest
        if not manifest.algorithm:
            raise ConflictError(f"{name} names no algorithm to fine-tune with.")
        label = target or manifest.target
        if not label:
            raise InvalidArgumentError("target: name the column to predict")
        if not str(data).strip():
            raise InvalidArgumentError("data: pick a CSV or Parquet file")
        spec = {
            "kind": "training",
            "name": f"fine-tune-{name}",
            "experiment": f"fine-tune-{name}",
            "algorithm": manifest.algorithm,
            "hyperparameters": dict(manifest.hyperparameters),
            "channels": {"train": str(data)},
            "target": label,
            "register_as": manifest.model_name,
        }
        return self.studio.jobs.submit_data(spec, base_dir=base_dir, within_base=within_base)
