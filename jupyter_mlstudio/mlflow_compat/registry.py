"""MLflow's model registry API (registered models, versions, aliases, tags) on our registry.

One registry: a registered model is our model group, a model version our version (its
number is MLflow's ``version``, sent as text), aliases and tags are ours. What MLflow has
and we do not is said, not faked: stages are a version tag (``mlflow.current_stage``, as
MLflow's deprecated stage calls only label versions), and renaming a model or deleting a
single version are refused with a message.

A version is created from a model folder: ``source`` is where the MLflow client says it
is — ``mlflow-artifacts:/…`` (our proxy), ``runs:/<run id>/<path>``, or a local folder.
The folder must be an MLflow scikit-learn model saved with skops, or our own model
folder (see :mod:`.models`).

Shapes are MLflow's protobuf JSON (``model_registry.proto``); the handlers in
``server/handlers/mlflow_registry.py`` only parse requests and call these.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..artifacts import ArtifactRepository
from ..errors import InvalidArgumentError, NotFoundError
from ..registry.entities import ModelGroup, ModelVersion
from .artifacts import SCHEME, MlflowArtifactProxy, mlflow_artifact_uri, proxy_path

if TYPE_CHECKING:
    from ..studio import Studio

STAGE_TAG = "mlflow.current_stage"
SOURCE_TAG = "mlflow.source"
STAGES = ("None", "Staging", "Production", "Archived")
RUN_PATH = re.compile(r"^experiments/[^/]+/runs/(?P<run>[^/]+)/artifacts/(?P<path>.+)$")
# One condition of MLflow's registry filter: name, run_id, tags.<key> (or tag.<key>)
# with =, !=, LIKE or ILIKE.
CONDITION = re.compile(
    r"""^\s*(?P<key>name|run_id|source_path|source_run_id|status|tags?\.(?:`[^`]+`|[\w.]+))\s*
    (?P<op>=|!=|LIKE|ILIKE)\s*(?P<q>['"])(?P<value>.*?)(?P=q)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in sorted(tags.items())]


def _like(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def parse_filter(text: str | None) -> list[tuple[str, str, str]]:
    """``[(key, op, value)]`` of an MLflow registry filter (conditions joined by AND)."""
    if not text or not text.strip():
        return []
    conditions = []
    for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        match = CONDITION.match(part)
        if not match:
            raise InvalidArgumentError(
                f"Unsupported filter {part!r}: use name, run_id or tags.<key> with =, !=, "
                "LIKE or ILIKE and a quoted value, joined by AND."
            )
        key = match["key"]
        head, _, rest = key.partition(".")
        key = "tags." + rest.strip("`") if head.lower() in ("tag", "tags") else key.lower()
        conditions.append((key, match["op"].upper(), match["value"]))
    return conditions


def matches(conditions: list[tuple[str, str, str]], fields: Mapping[str, str | None]) -> bool:
    for key, op, expected in conditions:
        actual = fields.get(key)
        if op == "=":
            ok = actual == expected
        elif op == "!=":
            ok = actual != expected
        else:
            ok = actual is not None and _like(expected, actual, op == "ILIKE")
        if not ok:
            return False
    return True


class MlflowRegistry:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.registry = studio.registry
        self.root = studio.config.artifact_uri
        self.proxy = MlflowArtifactProxy(self.root, studio.stores.runs)

    # -- shapes ------------------------------------------------------------------------
    def version_json(self, version: ModelVersion) -> dict[str, Any]:
        tags = {k: v for k, v in version.tags.items() if k not in (STAGE_TAG, SOURCE_TAG)}
        return {
            "name": version.name,
            "version": str(version.version),
            "creation_timestamp": millis(version.created_at),
            "last_updated_timestamp": millis(version.created_at),
            "user_id": "",
            "current_stage": version.tags.get(STAGE_TAG, "None"),
            "description": version.description,
            "source": version.tags.get(SOURCE_TAG) or self.download_uri_of(version),
            "run_id": version.source_run_id or "",
            "status": "READY",
            "tags": _tag_list(tags),
            "aliases": list(version.aliases),
        }

    def model_json(self, group: ModelGroup) -> dict[str, Any]:
        latest = []
        if group.latest_version:
            latest = [self.version_json(self.registry.get_version(group.name))]
        return {
            "name": group.name,
            "creation_timestamp": millis(group.created_at),
            "last_updated_timestamp": millis(group.updated_at),
            "description": group.description,
            "latest_versions": latest,
            "tags": _tag_list(group.tags),
            "aliases": [{"alias": a, "version": str(v)} for a, v in sorted(group.aliases.items())],
        }

    def download_uri_of(self, version: ModelVersion) -> str:
        return mlflow_artifact_uri(self.root, version.artifact_uri)

    # -- registered models -------------------------------------------------------------
    def create_model(
        self, name: str, description: str = "", tags: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return self.model_json(self.registry.create_group(name, description, tags))

    def get_model(self, name: str) -> dict[str, Any]:
        return self.model_json(self.registry.get_group(name))

    def update_model(self, name: str, description: str | None) -> dict[str, Any]:
        return self.model_json(self.registry.update_group(name, description=description))

    def rename_model(self, name: str, new_name: str) -> dict[str, Any]:
        self.registry.get_group(name)  # an unknown model is a 404 first
        raise InvalidArgumentError(
            "Renaming a registered model is not supported: endpoints and lineage refer to it "
            "by name. Register the versions under the new name instead."
        )

    def delete_model(self, name: str) -> None:
        self.registry.delete_model(name, force=True)

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        group = self.registry.get_group(name)
        self.registry.update_group(name, tags={**group.tags, key: value})

    def delete_model_tag(self, name: str, key: str) -> None:
        group = self.registry.get_group(name)
        if key not in group.tags:
            raise NotFoundError(f"Registered model {name!r} has no tag {key!r}.")
        self.registry.update_group(name, tags={k: v for k, v in group.tags.items() if k != key})

    def _all_groups(self) -> list[ModelGroup]:
        groups: list[ModelGroup] = []
        token: str | None = None
        while True:
            page = self.registry.list_groups(max_items=1000, next_token=token)
            groups += page.items
            token = page.next_token
            if not token:
                return groups

    def search_models(
        self, filter: str | None, max_results: int = 100, page_token: str | None = None
    ) -> dict[str, Any]:
        conditions = parse_filter(filter)
        found = [
            g
            for g in sorted(self._all_groups(), key=lambda g: g.name)
            if matches(conditions, {"name": g.name, **{f"tags.{k}": v for k, v in g.tags.items()}})
        ]
        return self._page(found, max_results, page_token, "registered_models", self.model_json)

    @staticmethod
    def _page(
        items: list[Any], max_results: int, token: str | None, key: str, shape: Any
    ) -> dict[str, Any]:
        if max_results < 1:
            raise InvalidArgumentError("max_results must be a positive number.")
        try:
            start = int(token) if token else 0
        except ValueError:
            raise InvalidArgumentError(f"Invalid page_token {token!r}.") from None
        chunk = items[start : start + max_results]
        result: dict[str, Any] = {key: [shape(item) for item in chunk]}
        if start + max_results < len(items):
            result["next_page_token"] = str(start + max_results)
        return result

    # -- versions ----------------------------------------------------------------------
    @staticmethod
    def _number(version: str | int) -> int:
        try:
            return int(version)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"Version {version!r} must be a number.") from None

    def get_version(self, name: str, version: str | int) -> dict[str, Any]:
        return self.version_json(self.registry.get_version(name, self._number(version)))

    def get_by_alias(self, name: str, alias: str) -> dict[str, Any]:
        return self.version_json(self.registry.get_version(name, alias=alias))

    def create_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        description: str = "",
    ) -> dict[str, Any]:
        if not source:
            raise InvalidArgumentError("A model version needs a source: where its model is.")
        all_tags = {**(tags or {}), SOURCE_TAG: source}
        with self._source_folder(source) as (folder, source_run):
            run = run_id or source_run
            if run:
                try:
                    self.studio.stores.runs.get_run(run)
                except NotFoundError:
                    raise InvalidArgumentError(f"No run with id {run!r}.") from None
            created = self.registry.register_folder(
                folder, name, run_id=run, description=description, tags=all_tags
            )
        return self.version_json(created)

    @contextmanager
    def _source_folder(self, source: str) -> Iterator[tuple[Path, str | None]]:
        """A local copy of the model folder ``source`` names, and the run it belongs to."""
        run_id: str | None = None
        if source.startswith("runs:/"):
            run_id, _, inner = source.removeprefix("runs:/").partition("/")
            try:
                run = self.studio.stores.runs.get_run(run_id)
            except NotFoundError:
                raise InvalidArgumentError(f"No run with id {run_id!r} ({source}).") from None
            uri = f"{run.artifact_uri}/{inner}" if inner else run.artifact_uri
        elif source.startswith(SCHEME):
            path = proxy_path(source)
            found = RUN_PATH.match(path)
            run_id = found["run"] if found else None
            repo, rel = self.proxy.resolve(path)
            uri = f"{repo.root_uri}/{rel}" if rel else repo.root_uri
        elif source.startswith("models:/m-"):
            from .logged_models import LoggedModels

            model_id = source.removeprefix("models:/").split("/")[0]
            try:
                run, record = LoggedModels(self.studio).find(model_id)
            except NotFoundError:
                raise InvalidArgumentError(f"No logged model {model_id!r} ({source}).") from None
            run_id = run.id
            uri = f"{run.artifact_uri}/{record['path']}"
        elif source.startswith("models:/"):
            raise InvalidArgumentError(
                f"{source} names a registered model: register from runs:/<run id>/<path>, "
                "a logged model (models:/<model id>) or an artifact URI."
            )
        else:
            uri = source if "://" in source else Path(source).resolve().as_uri()
        repo = ArtifactRepository(uri)
        local = repo.local_path
        if local is not None:
            if not local.is_dir():
                raise InvalidArgumentError(f"The model source {source} is not a folder.")
            yield local, run_id
            return
        with tempfile.TemporaryDirectory(prefix="mlstudio-mlflow-source-") as tmp:
            _fetch(repo, "", Path(tmp))
            yield Path(tmp), run_id

    def update_version(self, name: str, version: str | int, description: str) -> dict[str, Any]:
        updated = self.registry.update_version(name, self._number(version), description=description)
        return self.version_json(updated)

    def delete_version(self, name: str, version: str | int) -> None:
        self.registry.get_version(name, self._number(version))
        raise InvalidArgumentError(
            "Deleting a single model version is not supported: versions are immutable "
            "records. Delete the registered model, or move its aliases to another version."
        )

    def set_version_tag(self, name: str, version: str | int, key: str, value: str) -> None:
        found = self.registry.get_version(name, self._number(version))
        self.registry.update_version(name, found.version, tags={**found.tags, key: value})

    def delete_version_tag(self, name: str, version: str | int, key: str) -> None:
        found = self.registry.get_version(name, self._number(version))
        tags = {k: v for k, v in found.tags.items() if k != key}
        self.registry.update_version(name, found.version, tags=tags)

    def transition_stage(
        self, name: str, version: str | int, stage: str, archive_existing: bool = False
    ) -> dict[str, Any]:
        canonical = {s.lower(): s for s in STAGES}.get(str(stage).lower())
        if canonical is None:
            raise InvalidArgumentError(f"Stage {stage!r} must be one of {', '.join(STAGES)}.")
        found = self.registry.get_version(name, self._number(version))
        if archive_existing and canonical in ("Staging", "Production"):
            for other in self.registry.list_versions(name):
                if other.version != found.version and other.tags.get(STAGE_TAG) == canonical:
                    self.registry.update_version(
                        name, other.version, tags={**other.tags, STAGE_TAG: "Archived"}
                    )
        updated = self.registry.update_version(
            name, found.version, tags={**found.tags, STAGE_TAG: canonical}
        )
        return self.version_json(updated)

    def latest_versions(self, name: str, stages: list[str] | None = None) -> list[dict[str, Any]]:
        """The newest version of each stage (of the given ``stages``)."""
        newest: dict[str, ModelVersion] = {}
        for version in self.registry.list_versions(name):  # newest first
            newest.setdefault(version.tags.get(STAGE_TAG, "None"), version)
        wanted = {s.lower() for s in stages or []}
        return [
            self.version_json(v)
            for stage, v in newest.items()
            if not wanted or stage.lower() in wanted
        ]

    def search_versions(
        self, filter: str | None, max_results: int = 10_000, page_token: str | None = None
    ) -> dict[str, Any]:
        conditions = parse_filter(filter)
        names = [value for key, op, value in conditions if key == "name" and op == "="]
        groups = names[:1] if names else [g.name for g in self._all_groups()]
        found: list[ModelVersion] = []
        for group in groups:
            try:
                versions = self.registry.list_versions(group)
            except NotFoundError:
                continue
            for v in versions:
                fields = {
                    "name": v.name,
                    "run_id": v.source_run_id,
                    "source_path": v.tags.get(SOURCE_TAG),
                    **{f"tags.{k}": val for k, val in v.tags.items()},
                }
                if matches(conditions, fields):
                    found.append(v)
        return self._page(found, max_results, page_token, "model_versions", self.version_json)

    def set_alias(self, name: str, alias: str, version: str | int) -> None:
        self.registry.set_alias(name, alias, self._number(version))

    def delete_alias(self, name: str, alias: str) -> None:
        self.registry.delete_alias(name, alias)

    def download_uri(self, name: str, version: str | int) -> str:
        return self.download_uri_of(self.registry.get_version(name, self._number(version)))


def _fetch(repo: ArtifactRepository, rel: str, target: Path) -> None:
    for item in repo.list(rel):
        if item.is_dir:
            _fetch(repo, item.path, target)
        else:
            destination = target / item.path
            destination.parent.mkdir(parents=True, exist_ok=True)
            with repo.open(item.path) as src, open(destination, "wb") as dst:
                shutil.copyfileobj(src, dst)
