"""What a worker holds: every variant's model, loaded once, with its signature, batcher
and metrics row; and the choice of a variant for each request."""

from __future__ import annotations

import functools
import hmac
import random
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import StudioConfig
from ..errors import InvalidArgumentError
from ..registry.entities import ModelVersion
from ..registry.format import signature_of_estimator
from ..studio import Studio
from .batching import Batcher
from .capture import CaptureWriter
from .config import EndpointConfig, VariantConfig
from .fast_forest import CompiledForest, compile_forest
from .features import FeatureLookup
from .inference_code import InferenceHandlers
from .metrics import MetricsFile, SlotWriter
from .schema import InputSchema, Part, PayloadError, oip_datatype

if TYPE_CHECKING:
    from .shadow import ShadowRunner


def rejected_input(exc: BaseException) -> bool:
    """Whether a ``predict`` failure is scikit-learn refusing the input (the caller's
    fault: a 400): a ``ValueError`` raised in scikit-learn's own code, such as its checks
    of feature names, widths, NaN or unknown categories. A model that is not fitted, and
    any error raised by the model's own code, is the model's (a 500)."""
    from sklearn.exceptions import NotFittedError

    if not isinstance(exc, ValueError) or isinstance(exc, NotFittedError):
        return False
    frame = exc.__traceback__
    module = ""
    while frame is not None:  # the innermost Python frame: where it was raised
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        frame = frame.tb_next
    return module.startswith("sklearn.")


@dataclass(frozen=True)
class Predictions:
    """One request's slice of a batch's predictions."""

    values: list[Any]
    datatype: str  # OIP v2 tensor type
    shape: list[int]
    # predict_proba's rows (return_probabilities), one list per row in ``classes`` order
    probabilities: list[list[float]] | None = None


@dataclass
class LoadedVariant:
    config: VariantConfig
    version: ModelVersion
    model: Any
    row: int  # its metrics row
    schema: InputSchema = field(init=False)  # what requests are parsed with
    model_schema: InputSchema = field(init=False)  # what the model takes
    output_datatype: str = field(init=False)
    batcher: Batcher[Predictions] | None = None
    return_probabilities: bool = False
    # the endpoint looks features up: requests are parsed as they come (ids and any
    # inputs), the model input is assembled after the lookup (serving/features.py)
    looks_up_features: bool = False
    classes: list[Any] | None = field(init=False, default=None)
    # a model served through SageMaker inference handlers: /invocations hands it the raw
    # body, one request at a time on its own thread (see handlers.InvocationsHandler)
    code: InferenceHandlers | None = None
    code_executor: ThreadPoolExecutor | None = field(init=False, default=None)
    # an inference pipeline's raw-row signature (serving/inference_pipeline.py): what
    # requests are checked against in place of the model's
    input_signature: dict[str, Any] | None = None
    # a random forest's small batches, answered without scikit-learn's per-call cost
    fast: CompiledForest | None = field(init=False, default=None)
    fast_arrays: bool = field(init=False, default=False)  # rows go to it as parsed

    def __post_init__(self) -> None:
        self.fast = compile_forest(self.model)
        if self.code is not None:
            self.code_executor = ThreadPoolExecutor(1, thread_name_prefix=f"code-{self.name}")
        if self.return_probabilities:
            self.classes = probability_classes(
                self.model, f"{self.version.name} version {self.version.version}"
            )
        signature = self.input_signature or self.version.signature
        if not signature.get("inputs"):  # registered without data: ask the estimator
            signature = signature_of_estimator(self.model)
        self.model_schema = InputSchema(
            signature.get("inputs") or [],
            feature_names=hasattr(self.model, "feature_names_in_"),
        )
        self.schema = (
            InputSchema([], feature_names=True) if self.looks_up_features else self.model_schema
        )
        if self.fast is not None and self.model_schema.uniform is not None:
            self.fast_arrays = self.fast.takes_arrays_of(
                self.model_schema.names, self.model_schema.feature_names
            )
        outputs = self.version.signature.get("outputs") or signature.get("outputs") or []
        if outputs:
            self.output_datatype = oip_datatype(outputs[0].get("dtype"))
        elif hasattr(self.model, "classes_"):
            self.output_datatype = oip_datatype(np.asarray(self.model.classes_).dtype)
        else:
            self.output_datatype = "FP64"

    @property
    def name(self) -> str:
        return self.config.name

    def predict(self, parts: Sequence[Part]) -> list[Predictions]:
        """The model on the parts' rows together; one slice per part (predict thread)."""
        features: Any = None
        answered = None
        if self.fast is not None:  # a forest's small batch (serving/fast_forest.py)
            array = self.model_schema.model_array(parts) if self.fast_arrays else None
            if array is not None:
                answered = self.fast.predict_array(array)
            else:
                features = self.model_schema.model_input(parts)
                answered = self.fast.predict(features)
        if answered is not None:
            result, fast_proba = answered
        else:
            if features is None:
                features = self.model_schema.model_input(parts)
            result, fast_proba = np.asarray(self.model.predict(features)), None
        rows = sum(p.rows for p in parts)
        if result.ndim == 0 or result.shape[0] != rows:
            raise RuntimeError(
                f"The model returned {result.shape[0] if result.ndim else 1} predictions "
                f"for {rows} rows."
            )
        probabilities: list[list[float]] | None = None
        if self.classes is not None:
            if fast_proba is not None:
                proba = fast_proba
            else:
                proba = np.asarray(self.model.predict_proba(features), dtype=float)
            if proba.shape != (rows, len(self.classes)):
                raise RuntimeError(
                    f"predict_proba returned shape {list(proba.shape)} for {rows} rows and "
                    f"{len(self.classes)} classes."
                )
            probabilities = proba.tolist()
        datatype = oip_datatype(result.dtype)
        values = result.tolist()
        tail = list(result.shape[1:])
        sliced, start = [], 0
        for part in parts:
            end = start + part.rows
            chunk = values[start:end]
            probs = probabilities[start:end] if probabilities is not None else None
            sliced.append(Predictions(chunk, datatype, [part.rows, *tail], probs))
            start = end
        return sliced

    def facts(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.version.name,
            "version": self.version.version,
            "weight": self.config.weight,
        }

    def oip_metadata(self, name: str, versions: list[str]) -> dict[str, Any]:
        return {
            "name": name,
            "versions": versions,
            "platform": "sklearn",
            "inputs": [
                {"name": c.name, "datatype": oip_datatype(c.numpy), "shape": [-1]}
                for c in self.model_schema.columns
            ],
            "outputs": [{"name": "predict", "datatype": self.output_datatype, "shape": [-1]}],
            "parameters": {
                "model": self.version.name,
                "model_version": self.version.version,
                "variant": self.name,
                "content_hash": self.version.content_hash,
            },
        }


def probability_classes(model: Any, what: str) -> list[Any]:
    """The classes ``predict_proba``'s columns stand for; an ``InvalidArgumentError`` when
    the model cannot return probabilities (``return_probabilities`` is refused)."""
    from ..registry.format import json_safe

    if not callable(getattr(model, "predict_proba", None)):
        raise InvalidArgumentError(
            f"{what} ({type(model).__name__}) has no predict_proba: return_probabilities "
            "needs a classifier that returns probabilities."
        )
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise InvalidArgumentError(
            f"{what} ({type(model).__name__}) has predict_proba but no classes_: "
            "return_probabilities cannot say which class each probability is for."
        )
    found: list[Any] = json_safe(np.asarray(classes).tolist())
    return found


def load_variants(config: EndpointConfig) -> list[LoadedVariant]:
    """Every variant's model from the registry (hash and trust checked), in config order.
    The versions must be pinned (the supervisor resolves aliases once for all workers)."""
    preprocess = None
    if config.preprocess is not None:  # one fitted first stage for every variant
        from .inference_pipeline import load_preprocess

        preprocess = load_preprocess(config.preprocess)
    studio = Studio(StudioConfig.resolve(), prepare_schema=False)
    try:
        loaded = []
        for row, variant in enumerate(config.variants):
            version = studio.registry.get_version(variant.model, variant.version, variant.alias)
            model = studio.registry.load(
                variant.model,
                version.version,
                trusted=variant.trusted or None,
                trust_code=variant.trust_code,
            )
            if not hasattr(model, "predict"):
                raise TypeError(f"{variant.model} version {version.version} has no predict().")
            if preprocess is not None:
                from .inference_pipeline import InferencePipeline

                model = InferencePipeline(preprocess, model)
            loaded.append(
                LoadedVariant(
                    variant,
                    version,
                    model,
                    row,
                    return_probabilities=config.return_probabilities,
                    looks_up_features=bool(config.features),
                    code=model if isinstance(model, InferenceHandlers) else None,
                    input_signature=config.preprocess.signature if config.preprocess else None,
                )
            )
        return loaded
    finally:
        studio.close()


class Endpoint:
    """A worker's serving state, shared by its handlers."""

    def __init__(
        self,
        config: EndpointConfig,
        variants: list[LoadedVariant],
        metrics_file: MetricsFile,
        slot: int,
        capture: CaptureWriter | None,
        *,
        features: FeatureLookup | None = None,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.features = features
        self.metrics_file = metrics_file
        metrics = metrics_file.writer(slot)
        self.metrics: SlotWriter = metrics
        self.name = config.name
        self.variants = variants
        self.by_name = {v.name: v for v in variants}
        self.capture = capture
        self.unrouted_row = len(variants)
        self.shadow: ShadowRunner | None = None  # the shadow variant's thread (shadow.py)
        self.inflight = 0  # requests between prepare() and finish
        # the worker's open connections (the worker sets it once its server exists)
        self.open_connections: Callable[[], int] = lambda: 1 << 30
        self.draining = False
        self.models: Any = None  # a multi-model endpoint's ModelCache (serving/multi_model.py)
        self._token = config.token.encode() if config.token else None
        self._random = random.Random(seed)  # noqa: S311 - traffic splitting, not secrets
        self._weighted = [v for v in variants if v.config.weight > 0]
        self._cumulative = list(accumulate(v.config.weight for v in self._weighted))
        for variant in variants:
            variant.batcher = Batcher(
                variant.predict,
                max_rows=config.batching.max_batch_size,
                max_wait=config.batching.max_wait_ms / 1000,
                idle=lambda: self.open_connections() - self.inflight,
                on_batch=functools.partial(metrics.batch, variant.row),
                name=variant.name,
            )

    def authorized(self, headers: Mapping[str, str]) -> bool:
        if self._token is None:
            return True
        given = headers.get("X-MLStudio-Token")
        if given is None:
            scheme, _, value = (headers.get("Authorization") or "").partition(" ")
            given = value.strip() if scheme.lower() == "bearer" else None
        return given is not None and hmac.compare_digest(given.encode(), self._token)

    def choose(
        self, target: str | None, among: Sequence[LoadedVariant] | None = None
    ) -> LoadedVariant:
        """``X-Target-Variant`` when given, otherwise a draw by weight."""
        if target:
            variant = self.by_name.get(target)
            if variant is None or (among is not None and variant not in among):
                known = ", ".join(repr(v.name) for v in (among or self.variants))
                raise PayloadError(400, f"Unknown target variant {target!r}: known are {known}.")
            return variant
        if among is not None and len(among) == 1:
            return among[0]
        pool = self._weighted
        cumulative = self._cumulative
        if among is not None:
            pool = [v for v in among if v.config.weight > 0] or list(among)
            cumulative = list(accumulate(v.config.weight or 1.0 for v in pool))
        if len(pool) == 1:
            return pool[0]
        draw = self._random.random() * cumulative[-1]
        return pool[min(bisect_right(cumulative, draw), len(pool) - 1)]

    def variants_named(self, name: str, version: str | None) -> list[LoadedVariant]:
        """The variants ``/v2/models/{name}[/versions/{version}]`` means: the endpoint's
        name (all of them), a variant's name, or a model's name."""
        if name == self.name:
            found = list(self.variants)
        elif name in self.by_name:
            found = [self.by_name[name]]
        else:
            found = [v for v in self.variants if v.version.name == name]
        if version is not None:
            found = [v for v in found if str(v.version.version) == version]
        return found

    def close(self) -> None:
        for variant in self.variants:
            if variant.batcher is not None:
                variant.batcher.close()
            if variant.code_executor is not None:
                variant.code_executor.shutdown(wait=False)
        if self.features is not None:
            self.features.close()
        if self.models is not None:
            self.models.close()
