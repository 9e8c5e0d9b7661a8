"""MLflow's artifact proxy (``mlflow-artifacts:/…``) onto our artifact store.

The MLflow client, given an http(s) tracking URI and a run whose ``artifact_uri`` is
``mlflow-artifacts:/<path>``, calls ``<tracking URI>/api/2.0/mlflow-artifacts/artifacts/<path>``
(PUT to upload, GET to download) and ``…/mlflow-artifacts/artifacts?path=<path>`` to list.
Those paths are relative to our store's artifact root (``StudioConfig.artifact_uri``): a run
stored at ``<root>/experiments/1/runs/abc/artifacts`` is ``mlflow-artifacts:/experiments/1/
runs/abc/artifacts`` to MLflow, so what the client logs is the run's artifacts in our UI,
REST and SDK. A run whose folder is not under the root (a custom ``artifact_uri``) is
reached through ``mlflow-artifacts:/runs/<run id>/…``, resolved through the run store.

No tornado here: the handlers in ``server/handlers/mlflow_registry.py`` call this.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from ..artifacts import ArtifactRepository, clean_relative_path
from ..errors import InvalidArgumentError, NotFoundError

if TYPE_CHECKING:
    from ..experiments.run_entities import Run
    from ..experiments.run_store import RunStore

SCHEME = "mlflow-artifacts:"
# The namespace for runs whose artifact folder is outside the store's artifact root.
RUNS_PREFIX = "runs"
# Where the registry keeps its versions (Registry.register_folder): read-only to MLflow, as
# a changed file would no longer match the version's content hash.
READ_ONLY_PREFIX = "models"


def mlflow_artifact_uri(root_uri: str, artifact_uri: str, run_id: str | None = None) -> str:
    """The ``mlflow-artifacts:/…`` URI the MLflow client resolves to our proxy for the
    folder ``artifact_uri`` (a run's, a logged model's or a model version's).

    The tracking side calls this for every run it returns; ``run_id`` gives the fallback
    for a run stored outside ``root_uri``."""
    root = root_uri.rstrip("/")
    uri = artifact_uri.rstrip("/")
    if uri == root:
        return f"{SCHEME}/"
    if uri.startswith(root + "/"):
        return f"{SCHEME}/{uri[len(root) + 1 :]}"
    if run_id:
        return f"{SCHEME}/{RUNS_PREFIX}/{run_id}"
    raise InvalidArgumentError(
        f"{artifact_uri} is outside the artifact root {root_uri}: MLflow cannot reach it."
    )


def run_artifact_uri(root_uri: str, run: Run) -> str:
    """The ``artifact_uri`` of ``run`` as MLflow's RunInfo shows it."""
    return mlflow_artifact_uri(root_uri, run.artifact_uri, run.id)


def proxy_path(uri: str) -> str:
    """The path after ``mlflow-artifacts:`` (``mlflow-artifacts:/a/b`` → ``a/b``); a path
    without the scheme is returned cleaned."""
    if uri.startswith(SCHEME):
        uri = uri[len(SCHEME) :]
        # mlflow-artifacts://host:port/path: the host part is the client's business.
        if uri.startswith("//"):
            uri = "/" + uri[2:].partition("/")[2]
    return clean_relative_path(uri)


class MlflowArtifactProxy:
    """Upload, download, list and delete by proxy path (relative to the artifact root)."""

    def __init__(self, root_uri: str, runs: RunStore) -> None:
        self.root_uri = root_uri.rstrip("/")
        self._runs = runs

    def resolve(self, path: str | None) -> tuple[ArtifactRepository, str]:
        """The repository and the path inside it that a proxy path names. Refuses paths
        that climb out of the root (``..``)."""
        rel = clean_relative_path(path)
        head, _, rest = rel.partition("/")
        if head == RUNS_PREFIX and rest:
            run_id, _, inner = rest.partition("/")
            try:
                run = self._runs.get_run(run_id)
            except NotFoundError:
                pass  # a folder called "runs" under the root, not a run
            else:
                return ArtifactRepository(run.artifact_uri), inner
        return ArtifactRepository(self.root_uri), rel

    def list(self, path: str | None) -> dict[str, Any]:
        """``{"files": [{"path", "is_dir", "file_size"}]}`` as MLflow's server answers:
        the entries of the folder ``path`` by base name; a missing folder is empty; a file
        lists itself (the client turns that into "no children")."""
        repo, rel = self.resolve(path)
        try:
            items = repo.list(rel)
        except NotFoundError:
            return {"files": []}
        except InvalidArgumentError:
            if not rel:
                raise
            parent, name = posixpath.split(rel)
            try:
                siblings = repo.list(parent)
            except (NotFoundError, InvalidArgumentError):
                return {"files": []}
            items = [item for item in siblings if item.name == name]
        files: list[dict[str, Any]] = []
        for item in items:
            entry: dict[str, Any] = {"path": item.name, "is_dir": item.is_dir}
            if not item.is_dir and item.size is not None:
                entry["file_size"] = item.size
            files.append(entry)
        return {"files": files}

    def _writable(self, path: str) -> None:
        if clean_relative_path(path).partition("/")[0] == READ_ONLY_PREFIX:
            raise InvalidArgumentError(
                "Registered model versions are read-only: register a new version instead."
            )

    def upload(self, path: str, data: bytes) -> str:
        """Write ``data`` at ``path``; returns the path inside the resolved repository."""
        self._writable(path)
        repo, rel = self.resolve(path)
        if not rel:
            raise InvalidArgumentError("An artifact upload needs a file path.")
        return repo.put_bytes(data, rel)

    def open(self, path: str) -> IO[bytes]:
        """The file at ``path`` for reading; ``NotFoundError`` when it is not a file."""
        repo, rel = self.resolve(path)
        return repo.open(rel)

    def iter_chunks(self, path: str) -> Iterator[bytes]:
        repo, rel = self.resolve(path)
        return repo.iter_chunks(rel)

    def delete(self, path: str) -> None:
        """Delete the file or folder at ``path`` (MLflow's DELETE); missing is not an error."""
        self._writable(path)
        repo, rel = self.resolve(path)
        if not rel:
            raise InvalidArgumentError("Refusing to delete the whole artifact root.")
        target = ArtifactRepository(f"{repo.root_uri}/{rel}")
        with contextlib.suppress(FileNotFoundError):
            target.delete_all()
