"""Shadow variants (SageMaker's ShadowProductionVariants): try a model on real traffic.

An endpoint deployed with ``shadow={"model": ..., "version": ..., "sampling": 0.5}``
loads the shadow model in every worker beside the production variants. For a sampled
share of the requests (a hash of the inference id, like data capture), once the
production variant's answer has left, the handler hands the request to the worker's
shadow thread (:class:`ShadowRunner`): it parses the same body with the shadow model's
schema, predicts (merging what is queued into one ``predict``) and writes both answers,
with the shared inference id, the latencies and ``"shadow": true`` on the shadow's, to
the endpoint's shadow capture folder (``<artifacts>/endpoints/<name>/shadow-capture``,
apart from the Model Monitor's data capture). The client never waits for the shadow and
never sees its answer or its errors; a full queue drops the copy (counted).

:func:`compare` joins the two sides by inference id: agreement and a confusion table for
classifiers (mean and largest absolute difference for regressors), latency percentiles
and error counts of each. :func:`promoted` is the config a promotion rolls out: the
shadow replaces the production variant (SageMaker's semantics: the old one is removed,
not kept as a shadow), through the usual rolling update, so no request is dropped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError, InvalidArgumentError
from .capture import CaptureRecord, CaptureWriter, sampled
from .config import EndpointConfig, ShadowConfig, VariantConfig

if TYPE_CHECKING:
    from .metrics import MetricsFile, SlotWriter
    from .variants import LoadedVariant

log = logging.getLogger("jupyter_mlstudio.serving.shadow")

QUEUE_SIZE = 1000  # copies waiting for the shadow thread; more are dropped
MAX_BATCH = 64  # requests merged into one shadow predict
MAX_FILES = 400  # newest capture files a comparison reads
CONFUSION_LIMIT = 20  # classes shown in the confusion table


def shadow_destination(artifact_uri: str, endpoint: str) -> str:
    """Where an endpoint's shadow captures go (both sides of each sampled request)."""
    return f"{artifact_uri.rstrip('/')}/endpoints/{endpoint}/shadow-capture"


def shadow_row(config: EndpointConfig) -> int:
    """The shadow's metrics row: after the variants' and the unrouted one."""
    return len(config.variants) + 1


def metrics_rows(config: EndpointConfig) -> int:
    """Rows of the endpoint's metrics file (variants, unrouted, the shadow's)."""
    return len(config.variants) + 1 + (config.shadow is not None)


# -- config -----------------------------------------------------------------------------
def check_shadow(config: EndpointConfig) -> None:
    """What a shadow cannot be combined with (an ``InvalidArgumentError``)."""
    if config.shadow is not None and config.features:
        raise InvalidArgumentError(
            "A shadow variant is not available on an endpoint that looks features up "
            "(the shadow would need the same lookup)."
        )


def shadow_settings(shadow: Mapping[str, Any]) -> dict[str, Any]:
    """The SDK's ``shadow={"version": 3, "sampling": 0.5}`` as a config dict: ``percent``
    (0-100) may stand for ``sampling`` (0-1)."""
    if not isinstance(shadow, Mapping):
        raise InvalidArgumentError(
            "shadow is a dict: {'model': ..., 'version': ..., 'sampling': 0.5}."
        )
    settings = dict(shadow)
    if "percent" in settings:
        if "sampling" in settings:
            raise InvalidArgumentError("Give the shadow's sampling or percent, not both.")
        percent = settings.pop("percent")
        if not isinstance(percent, int | float) or isinstance(percent, bool):
            raise InvalidArgumentError("The shadow's percent is a number from 0 to 100.")
        settings["sampling"] = percent / 100
    return settings


def promoted(config: EndpointConfig, replace: str | None = None) -> list[dict[str, Any]]:
    """The variants after promoting the shadow: it takes the place (and the weight,
    instances and autoscaling policy) of production variant ``replace`` (default: the
    only one), under its own name; the old variant is removed."""
    shadow = config.shadow
    if shadow is None:
        raise ConflictError(f"Endpoint {config.name!r} has no shadow variant to promote.")
    names = [v.name for v in config.variants]
    if replace is None:
        if len(names) != 1:
            raise InvalidArgumentError(
                f"Endpoint {config.name!r} has several production variants "
                f"({', '.join(names)}): say which one the shadow replaces."
            )
        replace = names[0]
    if replace not in names:
        raise InvalidArgumentError(
            f"Endpoint {config.name!r} has no production variant {replace!r}; "
            f"it has {', '.join(map(repr, names))}."
        )
    variants = []
    for variant in config.variants:
        if variant.name != replace:
            variants.append(variant.model_dump(mode="json"))
            continue
        variants.append(
            VariantConfig(
                name=shadow.name,
                model=shadow.model,
                version=shadow.version,
                alias=shadow.alias,
                weight=variant.weight,
                instances=variant.instances,
                trusted=shadow.trusted,
                trust_code=shadow.trust_code,
                autoscaling=variant.autoscaling,
            ).model_dump(mode="json", exclude_none=True)
        )
    return variants


# -- in the worker -------------------------------------------------------------------------
def load_shadow(config: EndpointConfig) -> LoadedVariant | None:
    """The shadow's model, loaded like a variant's (hash and trust checked); its version
    must be pinned (the supervisor resolves it once for all workers)."""
    shadow = config.shadow
    if shadow is None:
        return None
    from .variants import load_variants

    as_variant = VariantConfig(
        name=shadow.name,
        model=shadow.model,
        version=shadow.version,
        alias=shadow.alias,
        trusted=shadow.trusted,
        trust_code=shadow.trust_code,
    )
    # features are refused with a shadow; probabilities are not compared
    alone = config.model_copy(
        update={"variants": [as_variant], "features": [], "return_probabilities": False}
    )
    (variant,) = load_variants(alone)
    variant.row = shadow_row(config)
    return variant


@dataclass(frozen=True)
class ShadowCopy:
    """One sampled request, as the production variant handled it."""

    inference_id: str
    time: float
    kind: str  # "invocations" or "infer" (the Open Inference Protocol)
    content_type: str
    body: bytes
    header_length: str | None  # Inference-Header-Content-Length (binary OIP requests)
    accept: str
    production: LoadedVariant
    status: int
    response: Any
    latency_ms: float


class ShadowRunner:
    """A worker's shadow thread: takes copies off a bounded queue, runs the shadow model,
    captures both answers and counts the shadow's requests, errors and latency in its
    metrics row (the only writer of that row; its drop counter is also counted from the
    event loop, under a lock)."""

    def __init__(
        self,
        config: EndpointConfig,
        variant: LoadedVariant,
        metrics: SlotWriter,
        destination: str,
        worker: str,
        *,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        assert config.shadow is not None
        self.variant = variant
        self.percent = config.shadow.sampling * 100
        self.row = variant.row
        self._metrics = metrics
        self._task = "classification" if hasattr(variant.model, "classes_") else "regression"
        self._writer = CaptureWriter(
            destination,
            endpoint=config.name,
            worker=worker,
            file_format="jsonl",
            rotate_bytes=config.capture.rotate_bytes,
            rotate_seconds=config.capture.rotate_seconds,
            on_written=self._written,
        )
        self._queue: queue.Queue[ShadowCopy | None] = queue.Queue(maxsize=queue_size)
        # the drop counter's one cell is written by the event loop (a full queue) and by
        # this runner's thread (a full capture queue)
        self._drops = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="mlstudio-shadow", daemon=True)
        self._thread.start()

    def wants(self, inference_id: str) -> bool:
        """Whether this request is copied to the shadow (a stable function of its id)."""
        return sampled(inference_id, self.percent)

    def submit(self, copy: ShadowCopy) -> None:
        """Queue a copy (event-loop thread); a full queue drops it, counted."""
        try:
            self._queue.put_nowait(copy)
        except queue.Full:
            self._dropped()

    def close(self, timeout: float = 10.0) -> None:
        """Answer what is queued, then write the captures out."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=timeout)
        self._thread.join(timeout)
        self._writer.close(timeout)

    def _dropped(self) -> None:
        with self._drops:
            self._metrics.capture_dropped(self.row)

    def _written(self, row: int) -> None:
        if row == self.row:  # production's side is counted by its own capture, if any
            self._metrics.captured(row)

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        running = True
        while running:
            first = self._queue.get()
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while len(batch) < MAX_BATCH:
                    batch.append(self._queue.get_nowait())
            copies = [c for c in batch if c is not None]
            running = len(copies) == len(batch)
            if copies:
                try:
                    self._answer(copies)
                except Exception:  # the shadow thread never dies
                    log.exception("The shadow variant failed on a batch.")

    def _answer(self, copies: list[ShadowCopy]) -> None:
        variant = self.variant
        started = time.perf_counter()
        outcomes: dict[int, tuple[int, Any]] = {}
        parts: list[tuple[int, Any]] = []
        for index, copy in enumerate(copies):
            if variant.code is not None:
                outcomes[index] = _code_answer(variant, copy)
                continue
            try:
                parts.append((index, _parse(variant, copy)))
            except Exception as exc:
                outcomes[index] = (_status_of(exc), {"error": _message(exc)})
        if parts:
            try:
                predictions = variant.predict([p for _, p in parts])
                for (index, _), answer in zip(parts, predictions, strict=True):
                    outcomes[index] = (200, {"predictions": answer.values})
            except Exception:
                for index, part in parts:  # one at a time: whose input was refused
                    try:
                        (answer,) = variant.predict([part])
                        outcomes[index] = (200, {"predictions": answer.values})
                    except Exception as exc:
                        outcomes[index] = (500, {"error": _message(exc)})
        # requests merged into one predict share its time
        seconds = time.perf_counter() - started
        for index, copy in enumerate(copies):
            status, answer = outcomes[index]
            self._metrics.request(self.row, status, seconds)
            self._capture(copy, status, answer, seconds * 1000)

    def _capture(self, copy: ShadowCopy, status: int, answer: Any, latency_ms: float) -> None:
        production = copy.production
        request = copy.body.decode("utf-8", "replace") if copy.kind == "invocations" else None
        records = (
            CaptureRecord(
                copy.inference_id,
                copy.time,
                production.name,
                production.version.name,
                production.version.version,
                copy.content_type,
                request,
                copy.status,
                copy.response,
                production.row,
                extra={"shadow": False, "latency_ms": round(copy.latency_ms, 3)},
            ),
            CaptureRecord(
                copy.inference_id,
                copy.time,
                self.variant.name,
                self.variant.version.name,
                self.variant.version.version,
                copy.content_type,
                None,  # the same request: kept once, on production's side
                status,
                answer,
                self.row,
                extra={"shadow": True, "latency_ms": round(latency_ms, 3), "task": self._task},
            ),
        )
        for record in records:
            if not self._writer.submit(record):
                self._dropped()


def _parse(variant: LoadedVariant, copy: ShadowCopy) -> Any:
    from .payloads import parse_infer, parse_invocation

    if copy.kind == "infer":
        return parse_infer(copy.body, copy.content_type, variant.schema, copy.header_length).part
    part, _ = parse_invocation(copy.body, copy.content_type, variant.schema)
    return part


def _code_answer(variant: LoadedVariant, copy: ShadowCopy) -> tuple[int, Any]:
    """A shadow served through SageMaker inference handlers: its output_fn's answer."""
    assert variant.code is not None
    try:
        body, _ = variant.code.invoke(copy.body, copy.content_type, copy.accept)
    except Exception as exc:
        return _status_of(exc), {"error": _message(exc)}
    text = body.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        return 200, json.loads(text)
    return 200, text


def _status_of(exc: BaseException) -> int:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else 400


def _message(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else f"{type(exc).__name__}: {exc}"


# -- comparing ---------------------------------------------------------------------------
def read_shadow_capture(destination: str, max_files: int = MAX_FILES) -> Iterator[dict[str, Any]]:
    """The records of the newest ``max_files`` shadow capture files (both sides), oldest
    first; a line still being written is skipped."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(destination)
    if not fs.exists(root):
        return
    paths = [p for p in fs.find(root) if p.endswith(".jsonl")]
    # <variant>/<yyyy>/<mm>/<dd>/<hh>/<endpoint>-<worker>-<stamp>-<n>.jsonl: by hour, stamp
    paths.sort(key=lambda p: (p.split("/")[-5:-1], p.rsplit("-", 2)[-2:]))
    for path in paths[-max_files:]:
        with fs.open(path, "rb") as handle:
            for line in handle:
                if line.endswith(b"\n"):
                    with contextlib.suppress(ValueError):
                        yield json.loads(line)


def predictions_of(response: Any) -> list[Any] | None:
    """The predictions in an answer: ``{"predictions": [...]}``, an Open Inference
    Protocol document (its first output), or the JSON text of either."""
    if isinstance(response, str):
        try:
            response = json.loads(response)
        except ValueError:
            return None
    if isinstance(response, list):
        return response
    if not isinstance(response, dict):
        return None
    if isinstance(response.get("predictions"), list):
        return list(response["predictions"])
    outputs = response.get("outputs")
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict):
        data = outputs[0].get("data")
        return list(data) if isinstance(data, list) else None
    return None


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p99": None, "max": None}
    import numpy as np

    array = np.asarray(values, dtype=float)
    return {
        "count": len(values),
        "mean": round(float(array.mean()), 3),
        "p50": round(float(np.percentile(array, 50)), 3),
        "p99": round(float(np.percentile(array, 99)), 3),
        "max": round(float(array.max()), 3),
    }


def compare(
    records: Iterable[Mapping[str, Any]], shadow: ShadowConfig | None = None
) -> dict[str, Any]:
    """Production's and the shadow's answers to the same requests, joined by inference
    id: the pairs, agreement (classifiers) or absolute differences (regressors), the
    confusion of production's class against the shadow's, latency and errors of each.
    ``shadow``: only that model version's records count (earlier shadows are ignored)."""
    production: dict[str, Mapping[str, Any]] = {}
    shadows: dict[str, Mapping[str, Any]] = {}
    for record in records:
        if (
            shadow is not None
            and record.get("shadow")
            and (
                record.get("model") != shadow.model or record.get("model_version") != shadow.version
            )
        ):
            continue
        side = shadows if record.get("shadow") else production
        side[str(record.get("inference_id"))] = record
    joined = [(production[i], s) for i, s in shadows.items() if i in production]
    task = next((s.get("task") for _, s in joined if s.get("task")), None)
    agree = rows = 0
    differences: list[float] = []
    confusion: Counter[tuple[str, str]] = Counter()
    production_errors = shadow_errors = compared = 0
    production_latency: list[float] = []
    shadow_latency: list[float] = []
    variants: Counter[str] = Counter()
    for prod, shad in joined:
        variants[str(prod.get("variant"))] += 1
        prod_status = int((prod.get("response") or {}).get("status") or 0)
        shad_status = int((shad.get("response") or {}).get("status") or 0)
        production_errors += prod_status >= 400
        shadow_errors += shad_status >= 400
        if isinstance(prod.get("latency_ms"), int | float):
            production_latency.append(float(prod["latency_ms"]))
        if isinstance(shad.get("latency_ms"), int | float):
            shadow_latency.append(float(shad["latency_ms"]))
        if prod_status >= 400 or shad_status >= 400:
            continue
        left = predictions_of((prod.get("response") or {}).get("data"))
        right = predictions_of((shad.get("response") or {}).get("data"))
        if left is None or right is None or len(left) != len(right):
            continue
        compared += 1
        if task is None:
            task = "regression" if any(isinstance(v, float) for v in left) else "classification"
        for a, b in zip(left, right, strict=True):
            rows += 1
            if task == "regression" and _number(a) and _number(b):
                differences.append(abs(float(a) - float(b)))
            else:
                agree += a == b
                confusion[(_label(a), _label(b))] += 1
    result: dict[str, Any] = {
        "task": task,
        "pairs": len(joined),
        "compared": compared,
        "rows": rows,
        "production_variants": dict(variants),
        "agreement": round(agree / rows, 6) if rows and task == "classification" else None,
        "mean_absolute_difference": (
            round(sum(differences) / len(differences), 6) if differences else None
        ),
        "max_absolute_difference": round(max(differences), 6) if differences else None,
        "confusion": _confusion(confusion),
        "production": {"errors": production_errors, "latency_ms": _percentiles(production_latency)},
        "shadow": {"errors": shadow_errors, "latency_ms": _percentiles(shadow_latency)},
        "unanswered": sum(1 for i in production if i not in shadows),
    }
    return result


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _confusion(counts: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    """The (production, shadow) class pairs seen, the most frequent production classes
    first (at most ``CONFUSION_LIMIT`` of them)."""
    by_class: Counter[str] = Counter()
    for (production, _), count in counts.items():
        by_class[production] += count
    kept = {c for c, _ in by_class.most_common(CONFUSION_LIMIT)}
    return [
        {"production": p, "shadow": s, "count": n}
        for (p, s), n in sorted(counts.items(), key=lambda item: (-by_class[item[0][0]], item[0]))
        if p in kept
    ]


def start_runner(
    config: EndpointConfig,
    variant: LoadedVariant | None,
    metrics: SlotWriter,
    worker: str,
    artifact_uri: str,
) -> ShadowRunner | None:
    """The worker's shadow thread, when the endpoint has a shadow."""
    if variant is None or config.shadow is None:
        return None
    return ShadowRunner(
        config, variant, metrics, shadow_destination(artifact_uri, config.name), worker
    )


def shadow_metrics(metrics: MetricsFile, runner: ShadowRunner) -> dict[str, Any]:
    """The shadow's live figures for ``GET /metrics``: requests it answered, errors,
    latency (its predict time), copies captured and dropped."""
    from .metrics import summarize

    _, counters = metrics.snapshot()
    version = runner.variant.version
    return {
        "name": runner.variant.name,
        "model": version.name,
        "version": version.version,
        "sampling": runner.percent / 100,
        **summarize(counters[:, runner.row, :]),
    }
