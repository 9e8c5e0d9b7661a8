"""Registering models from runs, jobs, estimators or folders; loading them back safely;
model cards and lineage. The SDK and the REST handlers share this."""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..artifacts import ArtifactRepository
from ..errors import InvalidArgumentError, MLStudioError, NotFoundError
from ..experiments.run_entities import Run
from ..jobs.entities import Job
from ..mlflow_compat.models import MLMODEL_FILE, is_mlflow_model
from ..mlflow_compat.models import add_metadata as add_mlflow_metadata
from .entities import CARD_FIELDS, ModelVersion
from .format import (
    METADATA_FILE,
    MODEL_FILE,
    folder_digest,
    load_sklearn_model,
    read_metadata,
    save_sklearn_model,
)
from .store import RegistryStore

if TYPE_CHECKING:
    from ..endpoints.store import EndpointStore
    from ..experiments.run_store import RunStore
    from ..experiments.store import ExperimentStore
    from ..features.lineage import FeatureDataset
    from ..jobs.store import JobStore

CARD_TITLES = {
    "intended_use": "Intended use",
    "training_data": "Training data",
    "evaluation": "Evaluation",
    "caveats": "Caveats and limitations",
    "owner": "Owner",
}


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def data_reference(path: str) -> dict[str, Any]:
    """Where the training data was and a hash of its content (files under a folder)."""
    local = Path(path.removeprefix("file://"))
    if not local.exists():
        return {"uri": path}
    digest = hashlib.sha256()
    files = sorted(p for p in local.rglob("*") if p.is_file()) if local.is_dir() else [local]
    for file in files:
        with open(file, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return {"uri": str(local.resolve()), "hash": f"sha256:{digest.hexdigest()}"}


def lineage_data(
    data: str | None, channels: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The data a version was trained on: ``uri`` and ``hash`` of ``data`` (default: the
    ``train`` channel, else the first channel) and, for a training job, every input
    channel's reference under ``channels``."""
    hashed = {name: data_reference(uri) for name, uri in sorted((channels or {}).items())}
    if data:
        ref = data_reference(data)
    elif hashed:
        ref = dict(hashed["train" if "train" in hashed else next(iter(hashed))])
    else:
        return None
    if hashed:
        ref["channels"] = hashed
    return ref


def not_a_model_folder(where: str, files: Sequence[str]) -> InvalidArgumentError:
    """Why a folder cannot be registered, and how to produce one that can."""
    found = ", ".join(sorted(files)[:10]) + (" …" if len(files) > 10 else "")
    has = f"holds {found}, which is not" if files else "is empty: it holds no"
    return InvalidArgumentError(
        f"{where} {has} a model this registry can read. A registrable model is a model "
        f"folder: {MODEL_FILE} (the scikit-learn estimator saved with skops) and "
        f"{METADATA_FILE} (flavor, signature, library versions). Produce one with "
        "run.log_model(estimator, X=X) inside mls.start_run() (or mls.autolog()), or in a "
        "training script with jupyter_mlstudio.registry.format.save_sklearn_model(estimator, "
        "Path(os.environ['SM_MODEL_DIR']), X=X). A model saved with joblib or pickle is "
        "served through SageMaker inference handlers: define model_fn(model_dir) in the "
        "training script (then the job registers with it), or put code/inference.py in "
        "the folder."
    )


def code_trusted(version: ModelVersion, trust_code: bool = False) -> bool:
    """Whether a code model's code may run: trusted now or when it was registered."""
    from ..serving.inference_code import TRUST_CODE_TAG

    return trust_code or version.tags.get(TRUST_CODE_TAG) == "true"


def require_code_trust(version: ModelVersion, trust_code: bool = False) -> None:
    """Refuse (400) to load a code model's code that nobody trusted."""
    from ..serving.inference_code import INFERENCE_CODE_TAG

    if not code_trusted(version, trust_code):
        entry = version.tags.get(INFERENCE_CODE_TAG, "its inference code")
        raise InvalidArgumentError(
            f"{version.name} version {version.version} runs inference code ({entry}): "
            "loading it runs that Python code. Pass trust_code=True (at deploy, or at "
            "register) if you trust where this model came from."
        )


class Registry:
    """The model registry: what the SDK, the magics, the jobs and the REST handlers call.

    The operations that are exactly a store call are the store's own bound methods (its
    contract in ``store.py`` documents what they raise); registering, loading, cards,
    lineage and deleting have logic of their own.
    """

    def __init__(
        self,
        store: RegistryStore,
        *,
        runs: RunStore,
        experiments: ExperimentStore,
        jobs: JobStore,
        endpoints: EndpointStore,
        artifact_uri: str,
        feature_datasets: Callable[[set[str]], list[FeatureDataset]] | None = None,
    ) -> None:
        """``feature_datasets`` finds the Feature Store training sets written with one of
        the given content hashes (lineage shown with a version; none without it)."""
        self.store = store
        self._datasets_with_hashes = feature_datasets
        self._runs = runs
        self._experiments = experiments
        self._jobs = jobs
        self._endpoints = endpoints
        self._artifact_uri = artifact_uri
        self.create_group = store.create_group
        self.get_group = store.get_group
        self.list_groups = store.list_groups
        self.update_group = store.update_group
        self.get_version = store.get_version
        self.list_versions = store.list_versions
        self.set_approval = store.set_approval
        self.set_alias = store.set_alias
        self.delete_alias = store.delete_alias
        self.changed_since = store.changed_since

    def update_version(self, name: str, version: int, **changes: Any) -> ModelVersion:
        """The store's ``update_version``; new ``tags`` keep a code version's
        ``mlstudio.inference_code`` and ``mlstudio.trust_code`` as registered (facts of
        the registration: editing tags neither hides the code nor trusts it)."""
        from ..serving.inference_code import INFERENCE_CODE_TAG, TRUST_CODE_TAG

        if changes.get("tags") is not None:
            current = self.store.get_version(name, version).tags
            kept = {k: current[k] for k in (INFERENCE_CODE_TAG, TRUST_CODE_TAG) if k in current}
            tags = {
                k: v
                for k, v in dict(changes["tags"]).items()
                if k not in (INFERENCE_CODE_TAG, TRUST_CODE_TAG)
            }
            changes["tags"] = {**tags, **kept}
        return self.store.update_version(name, version, **changes)

    # -- registering -------------------------------------------------------------------
    def register(
        self,
        source: Any,
        name: str,
        *,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        data: str | None = None,
        input_example: Any = None,
        artifact_path: str = "model",
        trust_code: bool = False,
    ) -> ModelVersion:
        """Register ``source`` as the next version of ``name``.

        ``source``: a run (``Run``, an active run or a run id) whose ``model/`` artifacts
        hold a saved model; a job (``Job``, a job handle) that produced a model; a fitted
        scikit-learn estimator (saved now, with ``input_example`` for its signature); or a
        model folder path. A script-mode job whose model folder is not ours (joblib,
        pickle …) registers with its training script as inference code, as does a folder
        with ``code/inference.py`` (see serving/inference_code.py); ``trust_code=True``
        records that its code may be loaded when deployed.
        """
        code = self._script_of(source)
        with self._model_folder(source, artifact_path, input_example, code is not None) as (
            folder,
            run_id,
            job_id,
            channels,
        ):
            return self.register_folder(
                folder,
                name,
                run_id=run_id,
                job_id=job_id,
                data=data,
                channels=channels,
                description=description,
                tags=tags,
                code=code,
                trust_code=trust_code,
            )

    def _script_of(self, source: Any) -> tuple[Path, str] | None:
        """A script-mode job's code folder and entry point (relative to it), if local and
        the script defines model_fn: ``source`` is the job or the run it logged to."""
        from ..serving.inference_code import defines_model_fn

        job = source if isinstance(source, Job) else getattr(source, "job", None)
        if job is None and isinstance(source, str | Run):  # a job's run (Register button)
            with contextlib.suppress(MLStudioError):  # not a run id: no job
                run = source if isinstance(source, Run) else self._runs.get_run(source)
                job_id = run.tags.get("mlstudio.job_id")
                job = self._jobs.get_job(job_id) if job_id else None
        if not isinstance(job, Job) or not job.spec.get("entry_point"):
            return None
        local = ArtifactRepository(f"{job.artifact_uri}/code").local_path
        if local is None or not local.is_dir():
            return None
        entry = str(job.spec["entry_point"])
        entry = entry if job.spec.get("source_dir") else Path(entry).name
        return (local, entry) if defines_model_fn(local / entry) else None

    def register_source(
        self,
        name: str,
        *,
        run_id: str | None = None,
        job_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        artifact_path: str = "model",
        trust_code: bool = False,
    ) -> ModelVersion:
        """Register the model of a run or of a job, given by id (the REST form): exactly one
        of them; an unknown one is bad input, not a missing model."""
        if (run_id is None) == (job_id is None):
            raise InvalidArgumentError("Give either run_id or job_id: the source of the model.")
        source: object
        if job_id is not None:
            try:
                source = self._jobs.get_job(job_id)
            except NotFoundError:
                raise InvalidArgumentError(f"No job with id {job_id!r}.") from None
        else:
            try:
                self._runs.get_run(str(run_id))
            except NotFoundError:
                raise InvalidArgumentError(f"No run with id {run_id!r}.") from None
            source = run_id
        return self.register(
            source,
            name,
            description=description,
            tags=tags,
            artifact_path=artifact_path,
            trust_code=trust_code,
        )

    def register_folder(
        self,
        folder: Path,
        name: str,
        *,
        run_id: str | None = None,
        job_id: str | None = None,
        data: str | None = None,
        channels: Mapping[str, str] | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        code: tuple[Path, str] | None = None,
        trust_code: bool = False,
    ) -> ModelVersion:
        """Copy a local model folder into the registry as the next version of ``name``.
        ``data`` and a training job's input ``channels`` are its data lineage. An MLflow
        model folder (``MLmodel``) gets our metadata in a copy (see mlflow_compat.models).
        A folder without our metadata is a code model when ``code`` (the training
        script's folder and entry point) is given or it holds ``code/inference.py``: laid
        out in a copy with the script under ``code/`` (serving/inference_code.py)."""
        from ..serving.inference_code import (
            CODE_FOLDER,
            INFERENCE_CODE_TAG,
            INFERENCE_SCRIPT,
            TRUST_CODE_TAG,
            code_entry,
            defines_model_fn,
            package_code_model,
        )

        if code is not None and not defines_model_fn(code[0] / code[1]):
            code = None  # a training script that is not inference code
        if code is None and (folder / CODE_FOLDER / INFERENCE_SCRIPT).is_file():
            code = (folder / CODE_FOLDER, INFERENCE_SCRIPT)
        # A folder without our metadata may still be a model: script-mode code or an
        # MLflow model. Either is completed in a temporary copy, which then registers.
        prepare: Callable[[Path], None] | None = None
        if code is not None and not (folder / METADATA_FILE).is_file():
            script_dir, script = code

            def prepare(copy: Path) -> None:
                package_code_model(folder, script_dir, script, copy, trust_code=trust_code)

        elif not (folder / METADATA_FILE).is_file() and is_mlflow_model(folder):

            def prepare(copy: Path) -> None:
                shutil.copytree(folder, copy)
                add_mlflow_metadata(copy)

            trust_code = False  # an MLflow folder carries no inference code of ours
        if prepare is not None:
            with tempfile.TemporaryDirectory(prefix="mlstudio-model-") as tmp:
                copy = Path(tmp) / "model"
                prepare(copy)
                return self.register_folder(
                    copy,
                    name,
                    run_id=run_id,
                    job_id=job_id,
                    data=data,
                    channels=channels,
                    description=description,
                    tags=tags,
                    trust_code=trust_code,
                )
        if not (folder / METADATA_FILE).is_file():
            files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
            raise not_a_model_folder(f"The model folder {folder}", files)
        metadata = read_metadata(folder)
        if not (folder / metadata.model_file).is_file():
            raise InvalidArgumentError(f"{folder} has no model file {metadata.model_file!r}.")
        entry = code_entry(metadata.extra)
        if entry is not None:  # the Models view and deploy read these
            tags = {
                **dict(tags or {}),
                INFERENCE_CODE_TAG: entry,
                TRUST_CODE_TAG: "true" if trust_code else "false",
            }
        content_hash, size = folder_digest(folder)
        version_id = uuid.uuid4().hex
        artifact_uri = f"{self._artifact_uri.rstrip('/')}/models/{version_id}"
        ArtifactRepository(artifact_uri).put_dir(folder)
        run = self._runs.get_run(run_id) if run_id else None
        metrics = {k: v for k, v in (run.metrics.items() if run else ()) if v == v}
        params = dict(run.params) if run else {}
        data_ref = lineage_data(data, channels)
        return self.store.create_version(
            name,
            version_id=version_id,
            artifact_uri=artifact_uri,
            content_hash=content_hash,
            size_bytes=size,
            flavor=metadata.flavor,
            signature=metadata.signature,
            input_example=metadata.input_example,
            library_versions=metadata.library_versions,
            metrics=metrics,
            params=params,
            source_run_id=run_id,
            source_job_id=job_id,
            data_ref=data_ref,
            description=description,
            tags=tags,
            card=self._prefilled_card(metrics, params, data_ref, metadata.signature),
        )

    @contextmanager
    def _model_folder(
        self, source: Any, artifact_path: str, input_example: Any, has_code: bool = False
    ) -> Iterator[tuple[Path, str | None, str | None, dict[str, str] | None]]:
        """A local folder holding the model, plus the run and job it came from and the
        job's input channels."""
        if isinstance(source, Job) or (
            hasattr(source, "job") and isinstance(getattr(source, "job", None), Job)
        ):
            job = source if isinstance(source, Job) else source.job
            if job.status != "Completed" or "model" not in job.outputs:
                raise InvalidArgumentError(f"Job {job.name!r} has no model (status {job.status}).")
            with self._download(job.outputs["model"]) as folder:
                yield folder, job.run_id, job.id, dict(job.spec.get("channels") or {})
            return
        if isinstance(source, str | Path) and Path(source).is_dir():
            yield Path(source), None, None, None
            return
        run_id = source if isinstance(source, str) else getattr(source, "id", None)
        if (
            isinstance(source, Run)
            or (isinstance(source, str) and run_id)
            or (run_id and hasattr(source, "log_metric"))
        ):
            assert isinstance(run_id, str)
            try:
                run = self._runs.get_run(run_id)
            except NotFoundError:
                raise InvalidArgumentError(
                    f"{source!r} is neither a run id nor a model folder."
                ) from None
            no_model = InvalidArgumentError(
                f"Run {run.name!r} has no model under {artifact_path}/: log one with "
                "run.log_model(estimator) or mls.autolog()."
            )
            try:
                names = {a.name for a in ArtifactRepository(run.artifact_uri).list(artifact_path)}
            except (NotFoundError, InvalidArgumentError):
                raise no_model from None
            if not names:
                raise no_model
            if METADATA_FILE not in names and MLMODEL_FILE not in names and not has_code:
                raise not_a_model_folder(f"Run {run.name!r}'s {artifact_path}/", sorted(names))
            with self._download(f"{run.artifact_uri}/{artifact_path}") as folder:
                job_id = run.tags.get("mlstudio.job_id")
                yield folder, run.id, job_id, self._channels_of(job_id, run.id)
            return
        if hasattr(source, "predict") or hasattr(source, "fit"):
            with tempfile.TemporaryDirectory(prefix="mlstudio-register-") as tmp:
                folder = Path(tmp) / "model"
                save_sklearn_model(source, folder, X=input_example)
                yield folder, None, None, None
            return
        raise InvalidArgumentError(
            "Register a run, a job, a fitted estimator or a model folder; "
            f"got {type(source).__name__}."
        )

    def _channels_of(self, job_id: str | None, run_id: str) -> dict[str, str] | None:
        """The input channels of the training job that produced run ``run_id``: its
        data is the run's lineage too (None when the job is gone)."""
        if not job_id:
            return None
        try:
            job = self._jobs.get_job(job_id)
        except NotFoundError:
            return None
        return dict(job.spec.get("channels") or {}) if job.run_id == run_id else None

    @contextmanager
    def _download(self, uri: str) -> Iterator[Path]:
        repo = ArtifactRepository(uri)
        local = repo.local_path
        if local is not None:
            if not local.is_dir():
                raise NotFoundError(f"The model folder {uri} does not exist.")
            yield local
            return
        with tempfile.TemporaryDirectory(prefix="mlstudio-model-") as tmp:
            self._fetch(repo, "", Path(tmp))
            yield Path(tmp)

    def _fetch(self, repo: ArtifactRepository, rel: str, target: Path) -> None:
        for item in repo.list(rel):
            if item.is_dir:
                self._fetch(repo, item.path, target)
            else:
                destination = target / item.path
                destination.parent.mkdir(parents=True, exist_ok=True)
                with repo.open(item.path) as src, open(destination, "wb") as dst:
                    shutil.copyfileobj(src, dst)

    @staticmethod
    def _prefilled_card(
        metrics: Mapping[str, float],
        params: Mapping[str, str],
        data_ref: Mapping[str, Any] | None,
        signature: Mapping[str, Any],
    ) -> dict[str, str]:
        inputs = signature.get("inputs") or []
        training = []
        if data_ref:
            training.append(f"Data: {data_ref.get('uri')}")
            if data_ref.get("hash"):
                training.append(f"Content hash: {data_ref['hash']}")
            for channel, ref in (data_ref.get("channels") or {}).items():
                if ref.get("uri") != data_ref.get("uri"):
                    hashed = f" ({ref['hash']})" if ref.get("hash") else ""
                    training.append(f"Channel {channel}: {ref.get('uri')}{hashed}")
        if inputs:
            training.append(
                f"Features ({len(inputs)}): "
                + ", ".join(f"{c['name']} ({c['dtype']})" for c in inputs[:30])
            )
        if params:
            training.append(
                "Parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
            )
        evaluation = "\n".join(f"- {k}: {v:.6g}" for k, v in sorted(metrics.items()))
        return {
            "intended_use": "",
            "training_data": "\n".join(training),
            "evaluation": evaluation,
            "caveats": "",
            "owner": current_user(),
        }

    # -- loading -----------------------------------------------------------------------
    def load(
        self,
        name: str,
        version: int | None = None,
        alias: str | None = None,
        trusted: Sequence[str] | None = None,
        trust_code: bool = False,
    ) -> Any:
        """The estimator of a version. Refuses a missing or changed artifact, and types
        outside scikit-learn/NumPy/SciPy not named in ``trusted``. A code model (SageMaker
        inference handlers) loads, through its ``model_fn``, as the handlers
        (``serving.inference_code.InferenceHandlers``), only when its code is trusted
        (``trust_code=True`` now or at register)."""
        from ..serving.inference_code import INFERENCE_CODE_TAG, code_entry, load_handlers

        found = self.store.get_version(name, version, alias)
        if INFERENCE_CODE_TAG in found.tags:
            require_code_trust(found, trust_code)
        label = f"{found.name} version {found.version}"
        try:
            with self._download(found.artifact_uri) as folder:
                if not folder.is_dir() or not any(folder.iterdir()):
                    raise NotFoundError(
                        f"The artifact of {label} is missing ({found.artifact_uri})."
                    )
                digest, _ = folder_digest(folder)
                if digest != found.content_hash:
                    raise InvalidArgumentError(
                        f"The artifact of {label} changed after it was registered (its content "
                        "hash does not match); refusing to load it. Register the model again."
                    )
                entry = code_entry(read_metadata(folder).extra)
                if entry is not None:
                    require_code_trust(found, trust_code)
                    return load_handlers(folder, entry)
                return load_sklearn_model(folder, trusted)
        except NotFoundError as exc:
            raise NotFoundError(f"The artifact of {label} is missing: {exc.message}") from None
        except MLStudioError:
            raise

    # -- cards and lineage -------------------------------------------------------------
    def card_markdown(self, name: str, version: int) -> str:
        found = self.store.get_version(name, version)
        lines = [f"# Model card: {found.name} version {found.version}", ""]
        lines.append(f"- Approval: {found.approval_status}")
        if found.aliases:
            lines.append(f"- Aliases: {', '.join(found.aliases)}")
        lines.append(f"- Registered: {found.created_at:%Y-%m-%d %H:%M UTC}")
        lines.append(f"- Flavor: {found.flavor}; content hash `{found.content_hash}`")
        if found.description:
            lines += ["", found.description]
        for key in CARD_FIELDS:
            lines += ["", f"## {CARD_TITLES[key]}", "", found.card.get(key) or "_Not given._"]
        inputs = found.signature.get("inputs") or []
        if inputs:
            lines += ["", "## Signature", "", "| Input | Type |", "|---|---|"]
            lines += [f"| {c['name']} | {c['dtype']} |" for c in inputs]
        if found.approvals:
            lines += ["", "## Approval history", ""]
            lines += [
                f"- {e.at:%Y-%m-%d %H:%M} {e.actor}: {e.from_status} → {e.to_status} — {e.comment}"
                for e in found.approvals
            ]
        return "\n".join(lines) + "\n"

    def lineage(self, name: str, version: int) -> dict[str, Any]:
        """The chain a version came from: run, job, data (and, later, where it is used)."""
        found = self.store.get_version(name, version)
        result: dict[str, Any] = {"run": None, "job": None, "data": found.data_ref}
        if found.source_run_id:
            try:
                run = self._runs.get_run(found.source_run_id)
                experiment = self._experiments.get_experiment(run.experiment_id)
                result["run"] = {
                    "id": run.id,
                    "name": run.name,
                    "status": run.status,
                    "experiment_id": run.experiment_id,
                    "experiment_name": experiment.name,
                }
            except NotFoundError:
                result["run"] = {"id": found.source_run_id, "missing": True}
        if found.source_job_id:
            try:
                job = self._jobs.get_job(found.source_job_id)
                result["job"] = {"id": job.id, "name": job.name, "status": job.status}
            except NotFoundError:
                result["job"] = {"id": found.source_job_id, "missing": True}
        result["feature_datasets"] = self._feature_datasets(found.data_ref)
        return result

    def _feature_datasets(self, data_ref: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The Feature Store training sets whose written file is this version's data
        (or one of its channels): the same content hash."""
        from ..features.lineage import data_hashes

        hashes = data_hashes(data_ref)
        if self._datasets_with_hashes is None or not hashes:
            return []
        return [d.to_dict() for d in self._datasets_with_hashes(hashes)]

    def delete_model(self, name: str, force: bool = False) -> None:
        """Delete a model and its versions (``force``), never while an endpoint serves
        one of them."""
        used = self._endpoints.versions_in_use(name)
        in_use = frozenset(v.id for v in self.store.list_versions(name) if v.version in used)
        uris = self.store.delete_group(name, force=force, in_use=in_use)
        for uri in uris:
            with contextlib.suppress(OSError):  # a leftover folder is harmless
                ArtifactRepository(uri).delete_all()
