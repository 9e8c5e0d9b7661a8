"""MLflow model folders (``MLmodel`` + the flavor's files) in our registry.

An MLflow scikit-learn model saved with skops (MLflow 3's default outside Databricks:
``model.skops``) is the same file our registry stores, so registering one only adds our
``metadata.json`` beside ``MLmodel`` (flavor ``sklearn``, the model file, the signature and
input example translated from MLflow's): the registry loads it, endpoints serve it, and
MLflow's client still reads the folder as its own.

Which flavors serve: ``sklearn`` saved with ``serialization_format="skops"``, also when
reached through ``python_function`` (``loader_module: mlflow.sklearn``). Refused with a
message: pickle/cloudpickle scikit-learn models (loading them runs arbitrary code) and
every other flavor (a custom ``python_function``, PyTorch, …).

Reads ``MLmodel`` as YAML: the ``mlflow`` package is not needed at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidArgumentError
from ..registry.format import (
    ANY_DTYPE,
    EXAMPLE_ROWS,
    METADATA_FILE,
    json_safe,
    write_metadata,
)

MLMODEL_FILE = "MLmodel"
SERVED_FLAVORS = ("sklearn", "python_function")
# MLflow column types → the pandas dtypes our signatures use.
COLUMN_TYPES = {
    "double": "float64",
    "float": "float32",
    "long": "int64",
    "integer": "int32",
    "boolean": "bool",
    "string": "object",
    "datetime": "datetime64[ns]",
}


def is_mlflow_model(folder: Path) -> bool:
    return (folder / MLMODEL_FILE).is_file()


def read_mlmodel(folder: Path) -> dict[str, Any]:
    path = folder / MLMODEL_FILE
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidArgumentError(f"{path} is not a readable MLmodel file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict):
        raise InvalidArgumentError(f"{path} has no flavors: it is not an MLflow model.")
    return data


def _unsupported(flavors: list[str], why: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"This MLflow model ({', '.join(flavors) or 'no flavor'}) {why}. The registry serves "
        "MLflow scikit-learn models saved with skops (mlflow.sklearn.log_model's default, "
        "or serialization_format='skops'); pickle and cloudpickle models are refused "
        "because loading them runs arbitrary code, and other flavors are not served yet."
    )


def sklearn_model_file(mlmodel: dict[str, Any]) -> str:
    """The skops file of an MLflow sklearn model, or a message saying why it cannot be
    registered."""
    flavors = mlmodel["flavors"]
    names = sorted(str(name) for name in flavors)
    sklearn = flavors.get("sklearn")
    if not isinstance(sklearn, dict):
        pyfunc = flavors.get("python_function") or {}
        if isinstance(pyfunc, dict) and pyfunc.get("loader_module") == "mlflow.sklearn":
            sklearn = {"pickled_model": pyfunc.get("model_path"), "serialization_format": None}
        else:
            raise _unsupported(names, "has no sklearn flavor")
    model_file = str(sklearn.get("pickled_model") or "")
    fmt = sklearn.get("serialization_format") or (
        "skops" if model_file.endswith(".skops") else "pickle"
    )
    if fmt != "skops" or not model_file:
        raise _unsupported(names, f"was saved with {fmt}")
    return model_file


def _columns(spec: Any, default_name: str) -> list[dict[str, Any]]:
    """Our ``[{"name", "dtype"}]`` from an MLflow schema (a JSON string in MLmodel)."""
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError:
            return []
    if not isinstance(spec, list):
        return []
    columns: list[dict[str, Any]] = []
    for i, col in enumerate(spec):
        if not isinstance(col, dict):
            continue
        if col.get("type") == "tensor":
            tensor = col.get("tensor-spec") or {}
            shape = tensor.get("shape") or []
            dtype = str(tensor.get("dtype") or ANY_DTYPE)
            if len(shape) == 2 and isinstance(shape[1], int) and shape[1] > 0:
                columns += [{"name": f"{default_name}{j}", "dtype": dtype} for j in range(shape[1])]
            else:
                columns.append({"name": str(col.get("name") or default_name), "dtype": dtype})
            continue
        name = col.get("name") or (default_name if len(spec) == 1 else f"{default_name}{i}")
        dtype = COLUMN_TYPES.get(str(col.get("type")), ANY_DTYPE)
        columns.append({"name": str(name), "dtype": dtype})
    return columns


def signature_of_mlmodel(mlmodel: dict[str, Any]) -> dict[str, Any]:
    signature = mlmodel.get("signature") or {}
    if not isinstance(signature, dict):
        return {"inputs": [], "outputs": []}
    return {
        "inputs": _columns(signature.get("inputs"), "x"),
        "outputs": _columns(signature.get("outputs"), "prediction"),
        "inferred_from": "mlflow",
    }


def input_example_of_mlmodel(folder: Path, mlmodel: dict[str, Any]) -> Any:
    """The saved input example as records (a DataFrame's split form) or rows."""
    info = mlmodel.get("saved_input_example_info") or {}
    name = info.get("artifact_path") if isinstance(info, dict) else None
    if not name or not (folder / str(name)).is_file():
        return None
    try:
        example = json.loads((folder / str(name)).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(example, dict) and "columns" in example and "data" in example:
        columns = [str(c) for c in example["columns"]]
        rows = example["data"][:EXAMPLE_ROWS]
        return json_safe([dict(zip(columns, row, strict=False)) for row in rows])
    if isinstance(example, list):
        return json_safe(example[:EXAMPLE_ROWS])
    return None


def add_metadata(folder: Path) -> dict[str, Any]:
    """Write our ``metadata.json`` into the MLflow model folder ``folder`` (a copy the
    caller owns); returns it. Refuses what the registry cannot serve."""
    mlmodel = read_mlmodel(folder)
    model_file = sklearn_model_file(mlmodel)
    if not (folder / model_file).is_file():
        raise InvalidArgumentError(f"The MLflow model has no model file {model_file!r}.")
    sklearn = mlmodel["flavors"].get("sklearn") or {}
    pyfunc = mlmodel["flavors"].get("python_function") or {}
    metadata = {
        "flavor": "sklearn",
        "format": "skops",
        "model_file": model_file,
        "source_format": "mlflow",
        "mlflow_flavors": sorted(str(f) for f in mlmodel["flavors"]),
        "mlflow_model_id": mlmodel.get("model_id"),
        "signature": signature_of_mlmodel(mlmodel),
        "input_example": input_example_of_mlmodel(folder, mlmodel),
        "library_versions": {
            k: str(v)
            for k, v in (
                ("mlflow", mlmodel.get("mlflow_version")),
                ("scikit-learn", sklearn.get("sklearn_version")),
                ("python", pyfunc.get("python_version")),
            )
            if v
        },
        "untrusted_types": list(sklearn.get("skops_trusted_types") or []),
        "created_at": str(mlmodel.get("utc_time_created") or ""),
    }
    write_metadata(folder, metadata)
    return metadata


__all__ = [
    "METADATA_FILE",
    "MLMODEL_FILE",
    "SERVED_FLAVORS",
    "add_metadata",
    "is_mlflow_model",
    "read_mlmodel",
    "signature_of_mlmodel",
]
