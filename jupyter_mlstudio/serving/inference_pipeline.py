"""Inference pipelines (SageMaker's PipelineModel): an endpoint that runs a Data Wrangler
flow's fitted scikit-learn export on the raw rows of each request, then the model.

``mls.deploy("churn", version=3, preprocess="prep.flow")`` fits the flow's steps on the
flow's full data (the data the model was trained on, once through the flow) as one
scikit-learn Pipeline (``Flow.to_sklearn``), saves it with skops in the artifact store
(``endpoints/<name>/preprocess/<time>/preprocess.skops``, content hash recorded) and
serves: stage 1 (the flow) turns the raw rows into the model's columns, stage 2 (every
variant's model) predicts on them. Requests are validated against the raw-row schema
(the flow's source columns, less the label and any column that only passes through to
a column the models do not take). The same fitted file serves every worker and every
restart: the endpoint never refits, so training and serving see the same statistics.

A flow whose steps have no fitted scikit-learn equivalent (filters, joins, custom code,
splits …) is refused, naming the steps.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidArgumentError, NotFoundError

STAGE_FILE = "preprocess.skops"
EXAMPLE_ROWS = 3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PipelineStep(_Strict):
    """One step of the flow, as the stages are shown."""

    id: str
    transform: str
    title: str


class PreprocessConfig(_Strict):
    """An endpoint's first stage: a flow's fitted scikit-learn export (what the serving
    processes load) and what it is (what the endpoint view and ``describe`` show)."""

    flow: str  # the .flow file as given at deploy
    flow_name: str
    uri: str  # the folder in the artifact store holding preprocess.skops
    content_hash: str  # sha256 of preprocess.skops, checked when a worker loads it
    steps: list[PipelineStep]
    # the raw-row schema requests are validated against: [{"name", "dtype"}]
    inputs: list[dict[str, str]] = Field(min_length=1)
    outputs: list[str] = Field(min_length=1)  # the columns the models receive, in order
    input_example: list[dict[str, Any]] = Field(default_factory=list)
    fitted_rows: int = 0
    fitted_at: str = ""

    @property
    def signature(self) -> dict[str, Any]:
        return {"inputs": [dict(c) for c in self.inputs], "outputs": []}


def model_columns(signature: Mapping[str, Any] | None, model: Any = None) -> list[str]:
    """The columns a model takes: its signature's inputs, else ``feature_names_in_``."""
    inputs = (signature or {}).get("inputs") or []
    names = [str(c["name"]) for c in inputs if isinstance(c, Mapping) and "name" in c]
    if names:
        return names
    found = getattr(model, "feature_names_in_", None)
    return [str(c) for c in found] if found is not None else []


def build_preprocess(
    flow_path: str | os.PathLike[str],
    models: Mapping[str, list[str]],
    *,
    artifact_uri: str,
    endpoint: str,
    roots: Sequence[Path] | None = None,
) -> PreprocessConfig:
    """Fit the flow at ``flow_path`` as an endpoint's first stage for ``models`` (a label
    such as ``"churn version 3"`` → the columns it takes) and save it under
    ``<artifact_uri>/endpoints/<endpoint>/preprocess/``. ``roots``: the folders its
    sources must lie in (the REST API). Refuses (``InvalidArgumentError``) a flow that
    cannot be a fitted transformer, and models taking columns the flow does not make."""
    from ..artifacts import ArtifactRepository
    from ..registry.format import json_safe
    from ..wrangler.flow import Flow
    from ..wrangler.sklearn_export import build_pipeline, save_pipeline, unsupported_steps
    from ..wrangler.sources import confine_sources
    from ..wrangler.transforms import get_transform

    path = Path(flow_path).expanduser().resolve()
    shown = os.fspath(flow_path)
    if path.suffix != ".flow":
        raise InvalidArgumentError(f"preprocess must be a .flow file; {shown} is not one.")
    if not path.is_file():
        raise NotFoundError(f"The flow {shown} does not exist.")
    flow = Flow.load(path)
    doc = flow.document
    if roots is not None:
        confine_sources(doc, flow.base_dir, roots)
    what = f"The flow {path.name} cannot be an endpoint's preprocessing stage"
    if len(doc.sources) != 1:
        raise InvalidArgumentError(f"{what}: it needs exactly one source.")
    if not doc.steps:
        raise InvalidArgumentError(f"{what}: it has no steps.")
    refused = unsupported_steps(doc)
    if refused:
        raise InvalidArgumentError(
            f"{what}: these steps have no fitted scikit-learn equivalent (impute, encode, "
            f"scale and drop steps have): {', '.join(refused)}."
        )
    raw = flow.run(output=doc.first_source().id)
    output = flow.run(data=raw)
    produced = [str(c) for c in output.columns]
    needed: list[str] = []
    for label, columns in models.items():
        if not columns:
            raise InvalidArgumentError(
                f"{label} has no input signature: the endpoint cannot tell which of the "
                f"flow's columns it takes. Register it with its training data."
            )
        missing = [c for c in columns if c not in set(produced)]
        if missing:
            raise InvalidArgumentError(
                f"{label} takes columns the flow {path.name} does not make: "
                f"{', '.join(map(repr, missing[:10]))}{' …' if len(missing) > 10 else ''}. "
                f"The flow makes {', '.join(map(repr, produced[:20]))}."
            )
        needed.extend(c for c in columns if c not in needed)
    # raw columns that reach the output untouched but no model takes (the label):
    # requests do not carry them
    dropped = [str(c) for c in raw.columns if str(c) in produced and str(c) not in needed]
    fit_data = raw.drop(columns=dropped)
    order = [c for c in produced if c in needed]
    try:
        pipeline = build_pipeline(doc, fit_data, order)
    except (KeyError, ValueError) as exc:
        raise InvalidArgumentError(
            f"{what}: fitting it without the columns no model takes "
            f"({', '.join(map(repr, dropped))}) failed: {exc}"
        ) from None
    steps = [
        PipelineStep(
            id=s.id, transform=s.transform, title=s.title or get_transform(s.transform).title
        )
        for s in doc.order()
    ]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    repo = ArtifactRepository(artifact_uri)
    rel = f"endpoints/{endpoint}/preprocess/{stamp}-{os.urandom(3).hex()}"
    with tempfile.TemporaryDirectory(prefix="mlstudio-preprocess-") as tmp:
        file = Path(tmp) / STAGE_FILE
        save_pipeline(pipeline, file)
        digest = _sha256(file.read_bytes())
        repo.put_file(file, f"{rel}/{STAGE_FILE}")
    return PreprocessConfig(
        flow=shown,
        flow_name=path.name,
        uri=f"{repo.root_uri}/{rel}",
        content_hash=digest,
        steps=steps,
        inputs=[{"name": str(c), "dtype": _dtype(fit_data[c])} for c in fit_data.columns],
        outputs=order,
        input_example=json_safe(fit_data.head(EXAMPLE_ROWS).to_dict(orient="records")),
        fitted_rows=len(fit_data),
        fitted_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


def _dtype(series: Any) -> str:
    """A raw column's signature type: numbers stay numbers (integer columns as float64,
    so a missing value the flow imputes is not refused), the rest is text."""
    kind = series.dtype.kind
    if kind in "iuf":
        return "float64"
    if kind == "b":
        return "bool"
    return "object"


def _sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def load_preprocess(config: PreprocessConfig) -> Any:
    """The fitted first stage from the artifact store (hash checked; scikit-learn's own
    types only, as a model file)."""
    from ..artifacts import ArtifactRepository
    from ..registry.format import load_skops

    repo = ArtifactRepository(config.uri)
    try:
        with repo.open(STAGE_FILE) as handle:
            data = handle.read()
    except NotFoundError:
        raise NotFoundError(
            f"The preprocessing stage of flow {config.flow_name} is missing ({config.uri})."
        ) from None
    if _sha256(data) != config.content_hash:
        raise InvalidArgumentError(
            f"The preprocessing stage of flow {config.flow_name} changed after it was fitted "
            "(its content hash does not match); refusing to load it. Deploy it again."
        )
    with tempfile.TemporaryDirectory(prefix="mlstudio-preprocess-") as tmp:
        file = Path(tmp) / STAGE_FILE
        file.write_bytes(data)
        return load_skops(file, label=f"the preprocessing stage of {config.flow_name}")


class InferencePipeline:
    """Stage 1 (the flow's fitted transformer) then stage 2 (the model), as one model:
    ``predict`` and ``predict_proba`` take raw rows; anything else is the model's."""

    def __init__(self, preprocess: Any, model: Any) -> None:
        self.preprocess = preprocess
        self.model = model
        names = getattr(model, "feature_names_in_", None)
        self._columns = [str(c) for c in names] if names is not None else None
        self.feature_names_in_ = getattr(preprocess, "feature_names_in_", None)

    def transform(self, raw: Any) -> Any:
        """The model's input for raw rows (a DataFrame): stage 1's output, in the
        model's column order."""
        import pandas as pd

        frame = raw if isinstance(raw, pd.DataFrame) else pd.DataFrame(raw)
        features = self.preprocess.transform(frame)
        return features[self._columns] if self._columns is not None else features

    def predict(self, raw: Any) -> Any:
        return self.model.predict(self.transform(raw))

    def __getattr__(self, name: str) -> Any:
        if name == "predict_proba":
            proba = self.model.predict_proba  # AttributeError when the model has none
            return lambda raw: proba(self.transform(raw))
        if name in ("model", "preprocess"):
            raise AttributeError(name)
        return getattr(self.model, name)


def stages(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An endpoint config's stages, as ``describe`` shows them: the flow (name, steps,
    the raw columns it takes, the columns it makes), then each variant's model."""
    found: list[dict[str, Any]] = []
    preprocess = config.get("preprocess")
    if preprocess:
        found.append(
            {
                "kind": "preprocess",
                "flow": preprocess.get("flow_name"),
                "path": preprocess.get("flow"),
                "steps": preprocess.get("steps", []),
                "inputs": [c.get("name") for c in preprocess.get("inputs", [])],
                "outputs": preprocess.get("outputs", []),
                "fitted_rows": preprocess.get("fitted_rows"),
            }
        )
    for variant in config.get("variants", []):
        found.append(
            {
                "kind": "model",
                "variant": variant.get("name"),
                "model": variant.get("model"),
                "version": variant.get("version"),
            }
        )
    return found


def pipeline_models(config: Any, registry: Any) -> dict[str, list[str]]:
    """The pinned variants' (and shadow's) models of an endpoint config (``EndpointConfig``)
    that a first stage feeds: a label → the columns each takes. Refuses what cannot
    follow a flow: online feature lookups, inference code (its ``input_fn`` decodes the
    request) and multi-model endpoints (their models are not known at deploy)."""
    from .inference_code import INFERENCE_CODE_TAG

    if config.features:
        raise InvalidArgumentError(
            "An inference pipeline cannot also look features up: its flow takes raw rows."
        )
    if getattr(config, "multi_model", None) is not None:
        raise InvalidArgumentError(
            "A multi-model endpoint cannot have a preprocessing flow: its models are loaded "
            "on request, after the flow was fitted for the variants' models."
        )
    targets = [(v.model, v.version, v.trusted) for v in config.variants]
    if config.shadow is not None:
        targets.append((config.shadow.model, config.shadow.version, config.shadow.trusted))
    found: dict[str, list[str]] = {}
    for model, version, trusted in targets:
        entry = registry.get_version(model, version)
        label = f"Model {model!r} version {entry.version}"
        if INFERENCE_CODE_TAG in entry.tags:
            raise InvalidArgumentError(
                f"{label} runs inference code (its input_fn decodes the request): it cannot "
                "follow a preprocessing flow."
            )
        columns = model_columns(entry.signature)
        if not columns:  # registered without data: the estimator tells
            columns = model_columns(None, registry.load(model, entry.version, trusted=trusted))
        found[label] = columns
    return found


def check_pipeline(config: Any, registry: Any) -> None:
    """An endpoint config with a first stage (new variants of an update, a shadow): every
    model must take columns the fitted flow makes."""
    preprocess: PreprocessConfig | None = config.preprocess
    if preprocess is None:
        return
    made = set(preprocess.outputs)
    for label, columns in pipeline_models(config, registry).items():
        missing = [c for c in columns if c not in made]
        if missing:
            raise InvalidArgumentError(
                f"{label} takes columns the endpoint's flow {preprocess.flow_name} does not "
                f"hand on: {', '.join(map(repr, missing[:10]))}. Deploy the endpoint again "
                "with its flow to fit the flow for this model."
            )
