"""Multi-model endpoints: one endpoint serving many registered model versions, each
loaded by a worker on its first request and evicted, least recently used first, under
a memory cap (SageMaker's multi-model endpoints, ``TargetModel``).

An endpoint deployed with ``multi_model={...}`` (``config.MultiModelConfig``) keeps its
variants (its default model answers ``/invocations`` without a target, as any endpoint)
and also answers, in every worker:

- ``POST /models/{target}/invocations`` (``/models/churn/3/invocations`` and
  ``/models/churn/versions/3/invocations`` too) and ``POST /invocations`` with the header
  ``X-Amzn-SageMaker-Target-Model: {target}`` (SageMaker's contract), where ``target`` is
  ``churn/3`` (a version), ``churn@champion``
  (an alias) or ``churn`` (the newest version); aliases and "newest" are looked up again
  at most every ``RESOLVE_TTL`` seconds;
- ``POST /v2/models/{model}[/versions/{v}]/infer`` and ``GET /v2/models/{model}[/versions/{v}]``
  (Open Inference Protocol v2: inference and metadata) for a model that is not one of
  the variants;
- ``GET /models``: the models the endpoint has served (this generation), loaded or not,
  with their per-model metrics merged over the workers.

The allowed models are ``MultiModelConfig.models`` (names; every version of an allowed
model may be targeted) or, when it is ``None``, every registered model. A model name
outside the list is looked up again in the endpoint's stored config (at most every
``ALLOWED_REFRESH`` seconds per name), so ``EndpointService.add_models`` widens the
list without redeploying.

Each worker keeps its own LRU (``ModelCache``): concurrent first requests for one
version load it once (they wait for the same load), loads run on a thread (the event
loop keeps serving the loaded models), every loaded version has its own batcher, and
after a load the least recently used versions that have no request in flight are
evicted until the worker's loaded models fit ``memory_limit_bytes`` (a model's size: its
pickled size, which for scikit-learn models is about what its arrays take in memory).
A version that cannot be loaded is answered 404 (unknown model or version), 400 (the
registry refuses it) or 500, and the worker serves on.

Per-model counters live in a second memory-mapped file beside the endpoint's metrics
(``<metrics>.models``, ``ModelTable``): one row per model version, named in the file
(rows are handed out under a file lock, so every worker counts a version in the same
row), with the request counters of ``metrics.py`` plus loads, load time, evictions, load
errors and, per worker, whether the version is loaded now and its size.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import mmap
import os
import pickle
import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, MLStudioError, NotFoundError
from .batching import Batcher
from .config import MultiModelConfig, VariantConfig
from .handlers import BaseHandler, InferHandler, InvocationsHandler, ModelMetadataHandler
from .inference_code import InferenceHandlers
from .metrics import FIELDS, SlotWriter, summarize
from .schema import PayloadError
from .variants import Endpoint, LoadedVariant

TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model"
RESOLVE_TTL = 5.0  # seconds an alias or "newest" stays resolved in a worker
ALLOWED_REFRESH = 0.2  # a name refused is looked up again in the store after this long
PREDICT_THREADS = 2  # per worker, shared by its loaded models (a slow one holds only one)
_TARGET = re.compile(r"^(?P<name>[^/@:]+)(?:(?:/|:)(?P<version>\d+)|@(?P<alias>[^/@:]+))?$")

MAGIC = 0x4D4C53_4D4D444C  # "MLSMMDL"
HEADER = 6  # magic, slots, rows, fields, extra fields, rows named
ROWS = 256  # model versions counted per generation; the last row takes any beyond
NAME_CELLS = 24  # 192 bytes per row name ("model/version")
(LOADS, LOAD_US, EVICTIONS, LOAD_ERRORS, LOADED, BYTES, LAST_USED_MS) = range(7)
EXTRA = 7
OVERFLOW = "(other versions)"


def parse_target(target: str) -> tuple[str, int | None, str | None]:
    """``churn/3`` (or ``churn:3``) → ("churn", 3, None); ``churn@champion`` → ("churn",
    None, "champion"); ``churn`` → ("churn", None, None). A ``PayloadError`` 400 else."""
    from ..registry.entities import validate_alias, validate_model_name

    match = _TARGET.match(target.strip())
    try:
        if match is None:
            raise InvalidArgumentError("")
        name = validate_model_name(match["name"])
        alias = validate_alias(match["alias"]) if match["alias"] else None
    except InvalidArgumentError:
        raise PayloadError(
            400,
            f"Target model {target!r} is not a model reference: give 'name/version', "
            "'name@alias' or 'name' (the newest version).",
        ) from None
    version = int(match["version"]) if match["version"] else None
    if version is not None and version < 1:
        raise PayloadError(400, f"Target model {target!r}: versions start at 1.")
    return name, version, alias


def models_path(metrics_file: str | os.PathLike[str]) -> Path:
    """The per-model counters' file beside the endpoint's metrics file."""
    return Path(f"{metrics_file}.models")


# -- the shared per-model counters --------------------------------------------------------
class ModelTable:
    """One row per model version, shared by the workers (see the module docstring).
    Created by the first worker that opens it (``O_EXCL``); the others wait for it."""

    def __init__(self, path: Path, handle: mmap.mmap, slots: int) -> None:
        self.path = path
        self.slots = slots
        self._mmap = handle
        self._cells = memoryview(handle).cast("q")
        self._names_at = HEADER
        self._counters_at = HEADER + ROWS * NAME_CELLS
        self._extra_at = self._counters_at + slots * ROWS * FIELDS
        self._rows: dict[str, int] = {}

    @staticmethod
    def _size(slots: int) -> int:
        return 8 * (HEADER + ROWS * NAME_CELLS + slots * ROWS * (FIELDS + EXTRA))

    @classmethod
    def open(cls, path: Path, slots: int, timeout: float = 10.0) -> ModelTable:
        size = cls._size(slots)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            created = True
        except FileExistsError:
            fd = os.open(path, os.O_RDWR)
            created = False
        try:
            if created:
                os.ftruncate(fd, size)
            else:  # another worker is creating it: wait for its header
                deadline = time.monotonic() + timeout
                while os.fstat(fd).st_size < size or _magic(fd) != MAGIC:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{path} was not initialised in time.")
                    time.sleep(0.005)
            handle = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        table = cls(path, handle, slots)
        if created:
            for index, value in enumerate((slots, ROWS, FIELDS, EXTRA)):
                table._cells[1 + index] = value
            table._cells[0] = MAGIC  # last: the others wait for it
        return table

    def close(self) -> None:
        self._cells.release()
        self._mmap.close()

    # -- rows ---------------------------------------------------------------------------
    def _name(self, row: int) -> str:
        start = 8 * (self._names_at + row * NAME_CELLS)
        return bytes(self._mmap[start : start + 8 * NAME_CELLS]).rstrip(b"\0").decode()

    def names(self) -> list[str]:
        return [self._name(row) for row in range(min(int(self._cells[5]), ROWS))]

    def row(self, key: str) -> int:
        """The row of a model version (``name/version``), handed out once for all
        workers; the last row when the table is full."""
        found = self._rows.get(key)
        if found is not None:
            return found
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            names = self.names()
            if key in names:
                found = names.index(key)
            elif len(names) < ROWS - 1:
                found = len(names)
                encoded = key.encode()[: 8 * NAME_CELLS]
                start = 8 * (self._names_at + found * NAME_CELLS)
                self._mmap[start : start + len(encoded)] = encoded
                self._cells[5] = found + 1  # after the name: readers see it whole
            else:
                found = ROWS - 1
                if len(names) < ROWS:
                    encoded = OVERFLOW.encode()
                    start = 8 * (self._names_at + found * NAME_CELLS)
                    self._mmap[start : start + len(encoded)] = encoded
                    self._cells[5] = ROWS
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._rows[key] = found
        return found

    def writer(self, slot: int) -> SlotWriter:
        """The request, error, latency and batch counters of a worker (metrics.py's)."""
        return SlotWriter(self._cells, self._counters_at + slot * ROWS * FIELDS)

    def _extra(self, slot: int, row: int, field: int) -> int:
        return self._extra_at + (slot * ROWS + row) * EXTRA + field

    def add(self, slot: int, row: int, field: int, amount: int) -> None:
        self._cells[self._extra(slot, row, field)] += amount

    def put(self, slot: int, row: int, field: int, value: int) -> None:
        self._cells[self._extra(slot, row, field)] = value

    def forget_slot(self, slot: int) -> None:
        """A (re)started worker holds no model yet."""
        for row in range(ROWS):
            self.put(slot, row, LOADED, 0)
            self.put(slot, row, BYTES, 0)

    # -- reading --------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """Every named row with its counters merged over the workers."""
        names = self.names()
        everything = np.frombuffer(self._mmap, dtype=np.int64).copy()
        counters = everything[self._counters_at : self._extra_at].reshape(self.slots, ROWS, FIELDS)
        extra = everything[self._extra_at :].reshape(self.slots, ROWS, EXTRA)
        found = []
        for row, key in enumerate(names):
            figures = summarize(counters[:, row, :])
            latency = figures["latency_ms"]
            latency.pop("histogram", None)
            loads = int(extra[:, row, LOADS].sum())
            name, _, version = key.rpartition("/")
            loaded_workers = int((extra[:, row, LOADED] > 0).sum())
            last_used = int(extra[:, row, LAST_USED_MS].max())
            found.append(
                {
                    "target": key,
                    "model": name if version.isdigit() else key,
                    "version": int(version) if version.isdigit() else None,
                    "loaded": loaded_workers > 0,
                    "loaded_workers": loaded_workers,
                    "bytes": int(extra[:, row, BYTES].max()),
                    "loads": loads,
                    "load_ms": round(float(extra[:, row, LOAD_US].sum()) / loads / 1000, 3)
                    if loads
                    else None,
                    "evictions": int(extra[:, row, EVICTIONS].sum()),
                    "load_errors": int(extra[:, row, LOAD_ERRORS].sum()),
                    "last_used": last_used / 1000 if last_used else None,
                    "requests": figures["requests"],
                    "errors": figures["errors"],
                    "latency_ms": latency,
                    "batch_size_mean": figures["batch_size"]["mean"],
                }
            )
        return found


def _magic(fd: int) -> int:
    data = os.pread(fd, 8, 0)
    return int.from_bytes(data, "little", signed=True) if len(data) == 8 else 0


# -- a worker's loaded models -------------------------------------------------------------
@dataclass
class LoadedModel:
    key: str  # "name/version"
    row: int  # in the ModelTable
    variant: LoadedVariant  # parsing, predict and batching, as for a variant
    bytes: int
    inflight: int = 0  # requests holding it (it is not evicted meanwhile)


def model_size(model: Any, fallback: int) -> int:
    """What a loaded model takes, about: its pickled size (scikit-learn models are
    mostly NumPy arrays, pickled as their bytes); ``fallback`` when it does not pickle."""
    try:
        return len(pickle.dumps(model, protocol=5))
    except Exception:
        return max(fallback, 1)


class ModelCache:
    """One worker's models loaded on demand, least recently used first out (see the
    module docstring). Used on the worker's event loop; loads run on its threads."""

    def __init__(self, endpoint: Endpoint, table: ModelTable, slot: int) -> None:
        settings = endpoint.config.multi_model
        assert settings is not None
        self.endpoint = endpoint
        self.settings: MultiModelConfig = settings
        self.table = table
        self.slot = slot
        self.writer = table.writer(slot)
        self.allowed: set[str] | None = None if settings.models is None else set(settings.models)
        self.loaded: OrderedDict[str, LoadedModel] = OrderedDict()
        self.bytes = 0
        self._loading: dict[str, asyncio.Future[LoadedModel]] = {}
        self._waiting: dict[str, int] = {}
        self._resolved: dict[tuple[str, str | None], tuple[int, float]] = {}
        self._refused: dict[str, float] = {}  # names refused, when (monotonic)
        self._tasks: set[asyncio.Task[None]] = set()  # loads under way (kept referenced)
        # loads, and registry look-ups that must not wait behind a long load
        self._executor = ThreadPoolExecutor(2, thread_name_prefix="mlstudio-models")
        # the loaded models' predict threads, shared (each model's batches still run one
        # at a time): a thread per model had dozens contending for the GIL
        self._predict = ThreadPoolExecutor(PREDICT_THREADS, thread_name_prefix="mlstudio-predict")
        self._studio: Any = None
        table.forget_slot(slot)

    @classmethod
    def open(cls, endpoint: Endpoint, metrics_file: str, slot: int) -> ModelCache:
        table = ModelTable.open(models_path(metrics_file), endpoint.metrics_file.slots)
        return cls(endpoint, table, slot)

    # -- on the event loop --------------------------------------------------------------
    async def acquire(self, target: str) -> LoadedModel:
        """The model ``target`` names, loaded (its in-flight count raised: ``release`` it
        once answered); a ``PayloadError`` when it is unknown, not allowed or fails."""
        name, version, alias = parse_target(target)
        await self._require_allowed(name)
        if version is None:
            version = await self._resolve(name, alias)
        key = f"{name}/{version}"
        model = self.loaded.get(key)
        if model is not None:
            model.inflight += 1
            self.loaded.move_to_end(key)
            self.table.put(self.slot, model.row, LAST_USED_MS, int(time.time() * 1000))
            return model
        loop = asyncio.get_running_loop()
        future = self._loading.get(key)
        if future is None:
            future = loop.create_future()
            self._loading[key] = future
            self._waiting[key] = 0
            self._tasks.add(task := loop.create_task(self._load(key, name, version, future)))
            task.add_done_callback(self._tasks.discard)
        self._waiting[key] += 1
        return await future  # counted in flight for every waiter (see _load)

    def release(self, model: LoadedModel) -> None:
        model.inflight -= 1
        if model.inflight <= 0 and self.bytes > self.settings.memory_limit_bytes:
            self._evict()

    async def _require_allowed(self, name: str) -> None:
        if self.allowed is None or name in self.allowed:
            return
        now = time.monotonic()
        if now - self._refused.get(name, 0.0) >= ALLOWED_REFRESH:  # added since? (add_models)
            if len(self._refused) > 10_000:
                self._refused.clear()
            self._refused[name] = now
            loop = asyncio.get_running_loop()
            stored = await loop.run_in_executor(self._executor, self._stored_allowed)
            if stored is not _UNKNOWN:
                self.allowed = None if stored is None else set(stored)
            if self.allowed is None or name in self.allowed:
                return
        served = ", ".join(sorted(self.allowed)) or "none yet"
        raise PayloadError(
            404,
            f"Model {name!r} is not served by endpoint {self.endpoint.name!r} (it serves "
            f"{served}); add it with endpoint.add_models([{name!r}]).",
        )

    async def _resolve(self, name: str, alias: str | None) -> int:
        cached = self._resolved.get((name, alias))
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        loop = asyncio.get_running_loop()
        try:
            version = await loop.run_in_executor(self._executor, self._version_of, name, alias)
        except NotFoundError as exc:
            raise PayloadError(404, exc.message) from None
        self._resolved[(name, alias)] = (version, now + RESOLVE_TTL)
        return version

    async def _load(
        self, key: str, name: str, version: int, future: asyncio.Future[LoadedModel]
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            row, variant, size, seconds = await loop.run_in_executor(
                self._executor, self._load_sync, key, name, version
            )
        except Exception as exc:
            del self._loading[key], self._waiting[key]
            future.set_exception(self._load_error(key, exc))
            return
        endpoint = self.endpoint
        variant.batcher = Batcher(
            variant.predict,
            max_rows=endpoint.config.batching.max_batch_size,
            max_wait=endpoint.config.batching.max_wait_ms / 1000,
            idle=lambda: endpoint.open_connections() - endpoint.inflight,
            on_batch=functools.partial(self.writer.batch, row),
            name=key,
            executor=self._predict,
        )
        model = LoadedModel(key, row, variant, size, inflight=self._waiting.pop(key))
        del self._loading[key]
        self.loaded[key] = model
        self.bytes += size
        table, slot = self.table, self.slot
        table.add(slot, row, LOADS, 1)
        table.add(slot, row, LOAD_US, int(seconds * 1e6))
        table.put(slot, row, LOADED, 1)
        table.put(slot, row, BYTES, size)
        table.put(slot, row, LAST_USED_MS, int(time.time() * 1000))
        self._evict()
        future.set_result(model)

    def _load_error(self, key: str, exc: BaseException) -> PayloadError:
        if isinstance(exc, PayloadError):
            return exc
        with contextlib.suppress(Exception):
            self.table.add(self.slot, self.table.row(key), LOAD_ERRORS, 1)
        if isinstance(exc, NotFoundError):
            return PayloadError(404, f"Model {key}: {exc.message}")
        message = exc.message if isinstance(exc, MLStudioError) else f"{type(exc).__name__}: {exc}"
        status = 400 if isinstance(exc, InvalidArgumentError) else 500
        return PayloadError(status, f"Model {key} could not be loaded: {message}")

    def _evict(self) -> None:
        """Least recently used first, while over the cap, never a model in use nor the
        last one (a model larger than the cap is served alone)."""
        limit = self.settings.memory_limit_bytes
        while self.bytes > limit and len(self.loaded) > 1:
            victim = next((m for m in self.loaded.values() if m.inflight <= 0), None)
            if victim is None:
                return  # all in use: evicted once released
            del self.loaded[victim.key]
            self.bytes -= victim.bytes
            self._unload(victim)
            self.table.add(self.slot, victim.row, EVICTIONS, 1)

    def _unload(self, model: LoadedModel) -> None:
        variant = model.variant
        if variant.batcher is not None:
            variant.batcher.close()
        if variant.code_executor is not None:
            variant.code_executor.shutdown(wait=False)
        self.table.put(self.slot, model.row, LOADED, 0)
        self.table.put(self.slot, model.row, BYTES, 0)

    def close(self) -> None:
        for model in self.loaded.values():
            self._unload(model)
        self.loaded.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._predict.shutdown(wait=False, cancel_futures=True)
        if self._studio is not None:
            with contextlib.suppress(Exception):
                self._studio.close()
        self.table.close()

    # -- on the cache's threads ---------------------------------------------------------------
    def _open_studio(self) -> Any:
        if self._studio is None:
            from ..config import StudioConfig
            from ..studio import Studio

            self._studio = Studio(StudioConfig.resolve(), prepare_schema=False)
        return self._studio

    def _stored_allowed(self) -> Any:
        """The allowed models in the endpoint's stored config (``add_models`` changes
        them); ``_UNKNOWN`` for an endpoint the store does not know (started by hand)."""
        try:
            stored = self._open_studio().stores.endpoints.get(self.endpoint.name).config
        except MLStudioError:
            return _UNKNOWN
        settings = stored.get("multi_model") or {}
        return settings.get("models")

    def _version_of(self, name: str, alias: str | None) -> int:
        version: int = self._open_studio().registry.get_version(name, None, alias).version
        return version

    def _load_sync(
        self, key: str, name: str, version: int
    ) -> tuple[int, LoadedVariant, int, float]:
        started = time.perf_counter()
        studio = self._open_studio()
        found = studio.registry.get_version(name, version)
        model = studio.registry.load(name, version)
        if not isinstance(model, InferenceHandlers) and not hasattr(model, "predict"):
            raise InvalidArgumentError(f"{name} version {version} has no predict().")
        row = self.table.row(key)
        config = self.endpoint.config
        variant = LoadedVariant(
            VariantConfig.model_construct(name=key, model=name, version=version),
            found,
            model,
            row,
            return_probabilities=config.return_probabilities,
            code=model if isinstance(model, InferenceHandlers) else None,
        )
        size = model_size(model, found.size_bytes)
        if variant.fast is not None:  # the compiled copy of a forest's trees
            size += variant.fast.nbytes
        return row, variant, size, time.perf_counter() - started

    # -- reading --------------------------------------------------------------------------
    def listing(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint.name,
            "allowed": None if self.allowed is None else sorted(self.allowed),
            "memory_limit_bytes": self.settings.memory_limit_bytes,
            "time": time.time(),
            "models": self.table.summary(),
        }


_UNKNOWN: Any = object()


# -- routes ------------------------------------------------------------------------------
class _ModelRouted(BaseHandler):
    """A request answered by a model of the cache: counted in its row of the model
    table and in the endpoint's totals (not in a variant's figures), not captured,
    released once answered."""

    model: LoadedModel | None = None

    @property
    def cache(self) -> ModelCache:
        cache: ModelCache = self.endpoint.models
        return cache

    async def take(self, target: str) -> bool:
        """Acquire the target's model; ``False`` after the error was answered."""
        try:
            self.model = await self.cache.acquire(target)
        except PayloadError as exc:
            self.fail(exc.status, exc.message)
            return False
        self.set_header("X-Invoked-Model", self.model.key)
        return True

    def start_capture(self, content_type: str) -> None:
        if self.model is None:
            super().start_capture(content_type)

    def _count(self) -> None:
        model = self.model
        if model is None:
            super()._count()
        elif self.counted and not self._counted:
            self._counted = True
            status, seconds = self.get_status(), self.request.request_time()
            self.cache.writer.request(model.row, status, seconds)
            # and in the endpoint's totals (the row of requests that reached no variant)
            self.endpoint.metrics.request(self.endpoint.unrouted_row, status, seconds)

    def on_finish(self) -> None:
        super().on_finish()
        model, self.model = self.model, None
        if model is not None:
            self.cache.release(model)


class ModelInvocationsHandler(_ModelRouted, InvocationsHandler):
    """``/invocations`` (the target in ``X-Amzn-SageMaker-Target-Model``, or none: the
    variants) and ``/models/{target}[/versions/{v}]/invocations``."""

    async def post(self, target: str | None = None, version: str | None = None) -> None:
        if target is not None and version is not None:
            target = f"{target}/{version}"
        target = target or self.request.headers.get(TARGET_MODEL_HEADER)
        if target and not await self.take(target):
            return
        await super().post()

    def choose_variant(self) -> LoadedVariant:
        if self.model is not None:
            return self.model.variant
        return super().choose_variant()


class ModelInferHandler(_ModelRouted, InferHandler):
    """``/v2/models/{name}[/versions/{v}]/infer``: a variant, else a model of the cache."""

    async def post(self, name: str, version: str | None = None) -> None:
        if not self.endpoint.variants_named(name, version):
            target = name if version is None else f"{name}/{version}"
            if not await self.take(target):
                return
        await super().post(name, version)

    def resolve(self, name: str, version: str | None) -> list[LoadedVariant] | None:
        if self.model is not None:
            return [self.model.variant]
        return super().resolve(name, version)


class ModelMetadataMultiHandler(_ModelRouted, ModelMetadataHandler):
    """``GET /v2/models/{name}[/versions/{v}]``: a variant's, else a model of the cache
    (loaded to answer: its inputs come from the loaded estimator)."""

    async def get(self, name: str, version: str | None = None) -> None:  # type: ignore[override]
        if self.endpoint.variants_named(name, version):
            super().get(name, version)
            return
        if await self.take(name if version is None else f"{name}/{version}"):
            assert self.model is not None
            variant = self.model.variant
            self.reply(variant.oip_metadata(name, [str(variant.version.version)]))


class ModelsHandler(BaseHandler):
    counted = False

    def get(self) -> None:
        cache: ModelCache = self.endpoint.models
        self.reply(cache.listing())


def with_model_routes(routes: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The worker's routes with the multi-model ones (``handlers.make_app``)."""
    replaced = {
        InvocationsHandler: ModelInvocationsHandler,
        InferHandler: ModelInferHandler,
        ModelMetadataHandler: ModelMetadataMultiHandler,
    }
    return [
        (r"/models", ModelsHandler),
        (r"/models/([^/]+)(?:/(?:versions/)?([^/]+))?/invocations", ModelInvocationsHandler),
        *((path, replaced.get(handler, handler)) for path, handler in routes),
    ]
