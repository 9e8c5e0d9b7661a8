"""Models served through SageMaker inference handlers: a script-mode training script
(or ``code/inference.py``) that defines ``model_fn``, ``input_fn``, ``predict_fn``,
``output_fn`` (or ``transform_fn``), any subset, with the SageMaker scikit-learn
container's defaults for the rest.

A registered code model is SageMaker's ``model.tar.gz`` layout: the files the script
saved to ``SM_MODEL_DIR`` at the top, the code under ``code/``, plus our
``metadata.json`` (flavor ``sagemaker``, ``inference_code``: the entry point). Importing
the code runs it, so it is loaded only when the user trusted it (``trust_code=True`` at
register or deploy). The defaults follow the container:

- ``model_fn``: none: the script must define one (the container raises too);
- ``input_fn``: ``application/json`` (a JSON array), ``text/csv`` and
  ``application/x-npy`` decoded to a NumPy array; JSON and CSV as ``float32``;
- ``predict_fn``: ``model.predict(input)``;
- ``output_fn``: the prediction encoded as the ``Accept`` type (JSON by default, CSV,
  NPY); another type is a 406, an unknown request type a 415.

No tornado here: the worker calls :meth:`InferenceHandlers.invoke` on its own thread.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError

FLAVOR = "sagemaker"
CODE_FOLDER = "code"
INFERENCE_SCRIPT = "inference.py"
# version tags: the entry point (what the Models view shows) and the trust decision
INFERENCE_CODE_TAG = "mlstudio.inference_code"
TRUST_CODE_TAG = "mlstudio.trust_code"

JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
DECODED_TYPES = (JSON, CSV, NPY)
UTF8_TYPES = (JSON, CSV)


class HandlerError(Exception):
    """A request the handlers cannot answer: ``status`` and a message without traceback."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _media(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def decode(body: bytes, content_type: str) -> np.ndarray:
    """The container's decoder: JSON array, CSV rows, NPY; another type is a 415."""
    kind = _media(content_type) or JSON
    try:
        if kind == JSON:
            return np.array(json.loads(body.decode("utf-8")))
        if kind == CSV:
            text = body.decode("utf-8")
            rows = [line for line in text.splitlines() if line.strip()]
            return np.array([next(_csv_rows(line)) for line in rows])
        if kind == NPY:
            loaded: np.ndarray = np.load(io.BytesIO(body), allow_pickle=False)
            return loaded
    except (ValueError, UnicodeDecodeError) as exc:
        raise HandlerError(400, f"The {kind} body could not be decoded: {exc}") from None
    raise HandlerError(
        415,
        f"Content type {content_type!r} is not supported by the default input_fn "
        f"(it takes {', '.join(DECODED_TYPES)}); define input_fn in the script for others.",
    )


def _csv_rows(line: str) -> Any:
    import csv

    return csv.reader([line])


def encode(prediction: Any, accept: str) -> tuple[bytes, str]:
    """The container's encoder: the prediction as JSON, CSV or NPY."""
    kind = _media(accept)
    if kind in ("", "*/*"):
        kind = JSON
    array = np.asarray(prediction)
    if kind == JSON:
        return json.dumps(_listed(prediction)).encode(), JSON
    if kind == CSV:
        stream = io.StringIO()
        np.savetxt(stream, array if array.ndim else array.reshape(1), delimiter=",", fmt="%s")
        return stream.getvalue().encode(), CSV
    if kind == NPY:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue(), NPY
    raise HandlerError(
        406,
        f"Accept {accept!r} is not supported by the default output_fn (it answers "
        f"{', '.join(DECODED_TYPES)}); define output_fn in the script for others.",
    )


def _listed(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_listed(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _listed(v) for k, v in value.items()}
    return value


def default_input_fn(body: bytes, content_type: str) -> Any:
    array = decode(body, content_type)
    return array.astype(np.float32) if _media(content_type) in UTF8_TYPES else array


def default_predict_fn(data: Any, model: Any) -> Any:
    return model.predict(data)


def default_output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    return encode(prediction, accept)


@dataclass
class InferenceHandlers:
    """A code model loaded in a worker: the script's module and what its model_fn gave."""

    entry: str  # the script, relative to the model folder (code/train.py)
    module: ModuleType
    model: Any

    def _fn(self, name: str) -> Callable[..., Any] | None:
        fn = getattr(self.module, name, None)
        return fn if callable(fn) else None

    def predict(self, data: Any) -> Any:
        """``predict_fn`` on already decoded input (Python callers, OIP tensors)."""
        return (self._fn("predict_fn") or default_predict_fn)(data, self.model)

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        """One request through the handlers: the response body and its content type.
        A ``HandlerError`` for the container's 4xx; the script's own exceptions are
        raised as they are, with the stage, for the caller to log and answer."""
        content_type = content_type or JSON
        accept = accept if _media(accept) not in ("", "*/*") else JSON
        transform_fn = self._fn("transform_fn")
        if transform_fn is not None:
            result = _stage("transform_fn", transform_fn, self.model, body, content_type, accept)
            return _response(result, accept)
        input_fn = self._fn("input_fn")
        if input_fn is None:
            data = default_input_fn(body, content_type)
        else:
            data = _stage("input_fn", input_fn, _text_or_bytes(body, content_type), content_type)
        prediction = _stage("predict_fn", self.predict, data)
        output_fn = self._fn("output_fn")
        if output_fn is None:
            return default_output_fn(prediction, accept)
        return _response(_stage("output_fn", output_fn, prediction, accept), accept)


class StageError(Exception):
    """The script's handler ``stage`` raised ``cause``."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{stage} raised {type(cause).__name__}: {cause}")
        self.stage = stage
        self.cause = cause


def _stage(stage: str, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except (HandlerError, StageError):
        raise
    except Exception as exc:
        raise StageError(stage, exc) from exc


def _text_or_bytes(body: bytes, content_type: str) -> Any:
    """What the container hands input_fn: text for UTF-8 types, bytes otherwise."""
    if _media(content_type) in UTF8_TYPES or _media(content_type).startswith("text/"):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body
    return body


def _response(result: Any, accept: str) -> tuple[bytes, str]:
    """What output_fn (or transform_fn) returned, as bytes: bytes or text as they are (a
    ``(body, content_type)`` pair names its type), anything else as JSON."""
    content_type = _media(accept) or JSON
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], str):
        result, content_type = result
    if isinstance(result, bytes):
        return result, content_type
    if isinstance(result, str):
        return result.encode(), content_type
    return json.dumps(_listed(result)).encode(), JSON


def code_entry(metadata: Mapping[str, Any]) -> str | None:
    """The inference code a model folder's metadata names (None: not a code model)."""
    if metadata.get("flavor") != FLAVOR:
        return None
    entry = metadata.get("inference_code")
    return str(entry) if entry else None


def defines_model_fn(script: Path) -> bool:
    """Whether a script defines ``model_fn`` at its top level (read, not run): a training
    script without one is not inference code (its model folder is refused as before)."""
    import ast

    try:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "model_fn"
        for node in tree.body
    )


def load_handlers(folder: Path, entry: str) -> InferenceHandlers:
    """Import ``folder/entry`` (its folder first on ``sys.path``, as the container puts
    the code directory) and call its ``model_fn(folder)``."""
    script = (folder / entry).resolve()
    if not script.is_relative_to(folder.resolve()) or not script.is_file():
        raise InvalidArgumentError(f"The model's inference code {entry} is missing.")
    code_dir = str(script.parent)
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    name = f"mlstudio_inference_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise InvalidArgumentError(
            f"Importing the model's inference code {entry} failed: {type(exc).__name__}: {exc}"
        ) from exc
    model_fn = getattr(module, "model_fn", None)
    if not callable(model_fn):
        raise InvalidArgumentError(
            f"The script {entry} defines no model_fn: the SageMaker scikit-learn container "
            "has no default way to load a model, so define model_fn(model_dir) that loads "
            "what the training saved to SM_MODEL_DIR."
        )
    try:
        model = model_fn(str(folder))
    except Exception as exc:
        raise InvalidArgumentError(
            f"model_fn of {entry} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return InferenceHandlers(entry, module, model)


def package_code_model(
    model_dir: Path, code_dir: Path, entry: str, target: Path, *, trust_code: bool
) -> str:
    """Lay out ``target`` as a code model: ``model_dir``'s files, ``code_dir`` under
    ``code/`` (when the model has no ``code/`` of its own) and the metadata. Returns the
    entry point relative to ``target``."""
    from ..registry.format import library_versions, write_metadata

    shutil.copytree(model_dir, target, dirs_exist_ok=True)
    if not (target / CODE_FOLDER).is_dir():
        shutil.copytree(code_dir, target / CODE_FOLDER, dirs_exist_ok=True)
    relative = f"{CODE_FOLDER}/{entry}"
    if not (target / relative).is_file():
        raise InvalidArgumentError(f"The inference code {relative} is not in the model folder.")
    write_metadata(
        target,
        {
            "flavor": FLAVOR,
            "model_file": relative,
            "inference_code": relative,
            "signature": {"inputs": [], "outputs": []},
            "library_versions": library_versions(),
            "trust_code": trust_code,
        },
    )
    return relative
