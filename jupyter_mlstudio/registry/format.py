"""The folder a model lives in: ``model.skops`` plus ``metadata.json``.

Runs (``run.log_model``, autolog), built-in training jobs and the registry all write and
read this one format. Loading trusts what skops trusts by default (scikit-learn's
estimators, NumPy and SciPy types and ufuncs, plain containers), ``numpy.dtype``, and
the classes scikit-learn defines (trees, KD-trees, distance metrics); any other
type or function a file asks for must be named by the caller (``trusted=[...]``),
because a skops file can otherwise make Python build arbitrary objects or hand the
model a function such as ``builtins.exec`` to call.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InvalidArgumentError, NotFoundError

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
# Beyond skops' own trusted list: the classes scikit-learn defines
# (``sklearn.tree._tree.Tree`` …), not its functions nor anything it re-exports (skops
# calls a trusted name with the file's arguments when it rebuilds an object, so a
# trusted ``builtins.eval`` would run the file's text, ``numpy.memmap`` write a file).
TRUSTED_MODULES = ("sklearn.",)
# Types outside those modules that the built-in algorithms save, trusted by name: the
# boosters restore from their own model format (no code runs), the wrapper is ours.
TRUSTED_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "numpy.dtype",  # a dtype parameter (OneHotEncoder(dtype=np.float64) …)
        "xgboost.core.Booster",
        "xgboost.sklearn.XGBClassifier",
        "xgboost.sklearn.XGBRegressor",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        "jupyter_mlstudio.jobs.label_encoding.LabelEncodedClassifier",
    }
)
EXAMPLE_ROWS = 5
ANY_DTYPE = "any"  # a signature column whose values are passed as they come


@dataclass(frozen=True)
class ModelMetadata:
    flavor: str
    model_file: str
    signature: dict[str, Any]
    input_example: Any
    library_versions: dict[str, str]
    extra: dict[str, Any]


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        **{p: _version(p) for p in ("scikit-learn", "skops", "numpy", "pandas")},
        "jupyter_mlstudio": _version("jupyter_mlstudio"),
    }


def json_safe(value: Any) -> Any:
    """NaN → None, numpy scalars → Python, timestamps → ISO text, recursively."""
    import math

    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def signature_of(X: Any, y: Any = None) -> dict[str, Any]:
    """Input columns and dtypes (a DataFrame) or shape (an array); the output likewise."""

    def describe(data: Any, default_name: str) -> list[dict[str, Any]]:
        if data is None:
            return []
        columns = getattr(data, "columns", None)
        if columns is not None:
            return [
                {"name": str(c), "dtype": str(t)}
                for c, t in zip(columns, data.dtypes, strict=False)
            ]
        name = getattr(data, "name", None)
        dtype = getattr(data, "dtype", None)
        shape = getattr(data, "shape", None)
        if shape is not None and len(shape) == 2:
            return [{"name": f"{default_name}{i}", "dtype": str(dtype)} for i in range(shape[1])]
        return [{"name": str(name or default_name), "dtype": str(dtype)}]

    return {"inputs": describe(X, "x"), "outputs": describe(y, "prediction")}


def signature_of_estimator(estimator: Any) -> dict[str, Any]:
    """What a fitted estimator says of its own input and output: ``feature_names_in_``
    (or ``x0, x1 …`` for ``n_features_in_`` columns of an array) and ``classes_``.

    An estimator that takes its features as given (a plain scikit-learn model, or a
    pipeline starting with numeric steps) takes numbers: ``float64``. One whose first
    step may take text or categories (a column transformer, an encoder, a function) gets
    ``any``: the columns are checked, their values passed as they come. Empty when the
    estimator does not say (not fitted, or not scikit-learn-like)."""
    names = getattr(estimator, "feature_names_in_", None)
    count = getattr(estimator, "n_features_in_", None)
    if names is not None:
        columns = [str(n) for n in names]
    elif isinstance(count, int) and not isinstance(count, bool) and count > 0:
        columns = [f"x{i}" for i in range(count)]
    else:
        return {"inputs": [], "outputs": []}
    dtype = "float64" if _numeric_input(estimator) else ANY_DTYPE
    inputs = [{"name": c, "dtype": dtype} for c in columns]
    outputs: list[dict[str, Any]] = []
    classes = getattr(estimator, "classes_", None)
    if classes is not None:
        import numpy as np

        dtype_of_classes = np.asarray(classes).dtype
        text = dtype_of_classes.kind in "USO"  # labels as text: pandas calls them object
        outputs = [{"name": "prediction", "dtype": "object" if text else str(dtype_of_classes)}]
    elif _is_regressor(estimator):
        outputs = [{"name": "prediction", "dtype": "float64"}]
    return {"inputs": inputs, "outputs": outputs, "inferred_from": "estimator"}


def _numeric_input(estimator: Any) -> bool:
    """Whether the estimator's first step takes numbers only (see above)."""
    try:
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import FeatureUnion, Pipeline
        from sklearn.preprocessing import FunctionTransformer
        from sklearn.utils import get_tags
    except ImportError:
        return False
    first = estimator
    while isinstance(first, Pipeline):
        steps = [s for _, s in first.steps if s not in (None, "passthrough")]
        if not steps:
            return False
        first = steps[0]
    if isinstance(first, ColumnTransformer | FeatureUnion | FunctionTransformer):
        return False
    try:
        tags = get_tags(first).input_tags
    except Exception:  # not a scikit-learn estimator: no promise about its input
        return False
    return not (tags.string or tags.categorical)


def _is_regressor(estimator: Any) -> bool:
    try:
        from sklearn.base import is_regressor

        return bool(is_regressor(estimator))
    except Exception:
        return False


def input_example_of(X: Any) -> Any:
    if X is None:
        return None
    head = X.head(EXAMPLE_ROWS) if hasattr(X, "head") else X[:EXAMPLE_ROWS]
    if hasattr(head, "to_dict"):
        return json_safe(head.to_dict(orient="records"))
    return json_safe(head.tolist() if hasattr(head, "tolist") else list(head))


def dump_estimator(estimator: Any, folder: Path) -> list[str]:
    """Write ``folder/model.skops`` with skops; returns the types a loader of it must
    trust (recorded as ``untrusted_types`` in the metadata)."""
    import skops.io

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    skops.io.dump(estimator, path)
    return list(skops.io.get_untrusted_types(file=path))


def write_metadata(folder: Path, metadata: Mapping[str, Any], *, allow_nan: bool = True) -> None:
    """Write ``folder/metadata.json`` (``allow_nan=False``: a NaN is an error, not
    written as the non-JSON ``NaN``)."""
    (folder / METADATA_FILE).write_text(
        json.dumps(metadata, indent=2, default=str, allow_nan=allow_nan) + "\n"
    )


def save_sklearn_model(
    estimator: Any, folder: Path, X: Any = None, y: Any = None, extra: dict[str, Any] | None = None
) -> ModelMetadata:
    """Save a fitted estimator with skops, and its metadata, into ``folder``."""
    untrusted = dump_estimator(estimator, folder)
    cls = type(estimator)
    metadata = {
        "flavor": "sklearn",
        "format": "skops",
        "model_file": MODEL_FILE,
        "estimator_class": f"{cls.__module__}.{cls.__qualname__}",
        # without data, the estimator itself tells its columns
        "signature": signature_of(X, y) if X is not None else signature_of_estimator(estimator),
        "input_example": input_example_of(X),
        "library_versions": library_versions(),
        "untrusted_types": untrusted,
        "created_at": datetime.now(timezone.utc).isoformat(),
        **(extra or {}),
    }
    write_metadata(folder, metadata)
    return read_metadata(folder)


def read_metadata(folder: Path) -> ModelMetadata:
    """The metadata of a model folder, from any of the writers' versions."""
    path = folder / METADATA_FILE
    if not path.is_file():
        raise InvalidArgumentError(f"{folder} is not a model folder: it has no {METADATA_FILE}.")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidArgumentError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidArgumentError(
            f"{path} must hold a JSON object (flavor, model_file, signature …), "
            f"not {type(data).__name__}."
        )
    signature = data.get("signature")
    if signature is None and isinstance(data.get("inputs"), dict):  # autolog's first format
        signature = {"inputs": data["inputs"].get("columns", []), "outputs": []}
    versions = data.get("library_versions")
    if not isinstance(versions, dict):
        versions = {
            k.removesuffix("_version"): str(v) for k, v in data.items() if k.endswith("_version")
        }
    return ModelMetadata(
        flavor=str(data.get("flavor", "sklearn")),
        model_file=str(data.get("model_file", MODEL_FILE)),
        signature=signature or {"inputs": [], "outputs": []},
        input_example=data.get("input_example"),
        library_versions={str(k): str(v) for k, v in versions.items()},
        extra=data,
    )


def folder_digest(folder: Path) -> tuple[str, int]:
    """sha256 over every file's relative path and bytes (sorted), and the total size."""
    digest = hashlib.sha256()
    size = 0
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for file in files:
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        digest.update(b"\0")
    return f"sha256:{digest.hexdigest()}", size


def load_sklearn_model(folder: Path, trusted: Sequence[str] | None = None) -> Any:
    """Load the estimator; refuses types outside scikit-learn/NumPy/SciPy that the caller
    did not name in ``trusted``."""
    metadata = read_metadata(folder)
    path = folder / metadata.model_file
    if not path.is_file():
        raise NotFoundError(f"The model file {metadata.model_file} is missing from {folder}.")
    return load_skops(path, trusted, label=metadata.model_file)


def library_class(name: str) -> bool:
    """Whether ``name`` is a class one of :data:`TRUSTED_MODULES` itself defines:
    skops restores such an object's state without running code the file chooses. A
    function (``FunctionTransformer(func=…)`` hands it to the model to call), a name
    that is not a class, or a class scikit-learn only re-exports is not."""
    if not name.startswith(TRUSTED_MODULES):
        return False
    module_name, _, attribute = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except Exception:  # not importable: nothing to trust
        return False
    return isinstance(found, type) and str(found.__module__).startswith(TRUSTED_MODULES)


def load_skops(path: Path, trusted: Sequence[str] | None = None, *, label: str = "") -> Any:
    """Load a skops file with the one trust rule: types of :data:`TRUSTED_MODULES` and
    :data:`TRUSTED_TYPES`, and those the caller names in ``trusted``; anything else is
    refused with a message. ``label`` names the file in messages (default: its path)."""
    import skops.io

    label = label or str(path)
    try:
        needed = list(skops.io.get_untrusted_types(file=path))
    except Exception as exc:  # a zip error, a bad schema: not a skops file
        raise InvalidArgumentError(f"{label} is not a readable skops file: {exc}") from None
    allowed = TRUSTED_TYPES | set(trusted or ())
    refused = [t for t in needed if t not in allowed and not library_class(t)]
    if refused:
        raise InvalidArgumentError(
            "Refusing to load the model: it needs types or functions that are not "
            f"scikit-learn's, NumPy's or SciPy's own: {', '.join(refused)}. If you trust "
            f"where this model came from, pass trusted={refused!r}."
        )
    try:
        return skops.io.load(path, trusted=needed)
    except Exception as exc:
        raise InvalidArgumentError(f"{label} could not be loaded: {exc}") from None
