"""Running a flow: on a cached sample for interactive work, or on the full data.

Sample runs cache each node's output under a key made of the source's fingerprint
(spec, file size and mtime — never the data) and every upstream step's transform and
parameters, so editing step k recomputes step k and what follows, nothing before.

Full runs cache nothing, hash nothing and drop each intermediate frame as soon as its
last consumer has run, so a flow costs what its pandas statements cost.

A failing step does not raise: it gets an ``error`` status with a message naming the
step (and the column, for a missing one) and everything downstream is ``blocked``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import traceback
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..errors import InvalidArgumentError, MLStudioError
from .document import NO_SOURCE, FlowDocument, SampleSpec, Step
from .sources import SampleInfo, fingerprint, read_full, read_sample
from .transforms import get_transform
from .transforms.base import Transform, dtype_kind

NodeOutput = tuple[str, int]
State = Literal["ok", "error", "blocked"]


class _Wire(BaseModel):
    """Sent to the editor as is: fields with defaults are always present, so the
    OpenAPI schema (and the generated TypeScript) marks them required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class OutputInfo(_Wire):
    name: str
    rows: int
    columns: int
    dtypes: dict[str, str]


class StepStatus(_Wire):
    """One node's outcome: what the graph editor colours and the step list shows."""

    id: str
    kind: Literal["source", "step"]
    transform: str | None = None
    state: State
    message: str | None = None
    outputs: list[OutputInfo] = []
    seconds: float = 0.0
    cached: bool = False
    sample_note: str | None = None


@dataclass
class RunResult:
    statuses: dict[str, StepStatus]
    frames: dict[NodeOutput, pd.DataFrame]
    samples: dict[str, SampleInfo] = field(default_factory=dict)

    def failed(self) -> StepStatus | None:
        """The first node that errored, if any."""
        return next((s for s in self.statuses.values() if s.state == "error"), None)


def _info(name: str, frame: pd.DataFrame) -> OutputInfo:
    return OutputInfo(
        name=name,
        rows=len(frame),
        columns=frame.shape[1],
        dtypes={str(c): str(t) for c, t in frame.dtypes.items()},
    )


def _available(frame: pd.DataFrame) -> str:
    names = [str(c) for c in frame.columns]
    shown = ", ".join(repr(c) for c in names[:20])
    return shown + (f" … ({len(names)} columns)" if len(names) > 20 else "")


def check_columns(
    step: Step, transform: Transform[Any], params: Any, frames: Sequence[pd.DataFrame]
) -> None:
    """Name the step and the column when a parameter refers to something absent."""
    where = f"step {step.id!r} ({transform.title})"
    for port, column, kind in transform.column_refs(params):
        frame = frames[port]
        side = "" if len(frames) == 1 else f" {transform.ports[port]!r}"
        if column not in frame.columns:
            raise InvalidArgumentError(
                f"{where}: column {column!r} not found in its input{side};"
                f" the columns are {_available(frame)}"
            )
        if kind != "any":
            actual = dtype_kind(frame[column])
            if actual != kind:
                raise InvalidArgumentError(
                    f"{where}: column {column!r} has dtype {frame[column].dtype},"
                    f" but this transform needs a {kind} column"
                )


def describe_failure(step: Step, transform: Transform[Any], exc: BaseException) -> str:
    """``step 'x' (Title) failed: KeyError: 'col' (line 2)`` — the line for code steps."""
    prefix = f"step {step.id!r} ({transform.title})"
    if isinstance(exc, MLStudioError) and exc.message.startswith(prefix):
        return exc.message
    if isinstance(exc, MLStudioError):
        text = exc.message
    else:
        detail = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {detail[0]}" if detail else type(exc).__name__
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<step>"]
    where = f" (line {lines[-1]})" if lines and transform.group == "custom" else ""
    return f"{prefix} failed: {text}{where}"


class Engine:
    """Runs flow documents; keeps the sample cache between runs (one engine per open flow)."""

    def __init__(self, cache_size: int = 128) -> None:
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[list[pd.DataFrame], SampleInfo | None]] = OrderedDict()
        self._lock = threading.RLock()  # previews from several server threads share the cache
        self.executions: Counter[str] = Counter()  # step id → times actually computed
        self.source_reads: Counter[str] = Counter()

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- graph helpers -------------------------------------------------------------

    @staticmethod
    def _needed(doc: FlowDocument, targets: Sequence[NodeOutput]) -> set[str]:
        steps = {s.id: s for s in doc.steps}
        needed: set[str] = set()
        stack = [node for node, _ in targets]
        while stack:
            node = stack.pop()
            if node in needed:
                continue
            needed.add(node)
            if node in steps:
                stack.extend(doc.resolve(r)[0] for r in steps[node].inputs)
        return needed

    def _keys(
        self, doc: FlowDocument, base_dir: Path | None, sample: SampleSpec, needed: set[str]
    ) -> dict[str, str]:
        keys: dict[str, str] = {}
        for source in doc.sources:
            if source.id in needed:
                raw = [fingerprint(source, base_dir), sample.model_dump()]
                keys[source.id] = _hash(raw)
        for step in doc.order():
            if step.id in needed:
                upstream = [(keys[node], index) for node, index in map(doc.resolve, step.inputs)]
                keys[step.id] = _hash([step.transform, step.params, upstream])
        return keys

    # -- running -------------------------------------------------------------------

    def run(
        self,
        doc: FlowDocument,
        base_dir: Path | None,
        *,
        sample: SampleSpec | None,
        targets: Sequence[NodeOutput] | None = None,
        data: Mapping[str, pd.DataFrame] | None = None,
        stop_on_error: bool = False,
    ) -> RunResult:
        """Compute ``targets`` (default: every output no step consumes).

        ``sample=None`` means the full data; ``data`` replaces sources by in-memory
        frames (and bypasses the cache, which cannot fingerprint them). Sample runs are
        serialized per engine; full runs do not touch the cache and run concurrently.
        """
        if not doc.sources:
            raise InvalidArgumentError(NO_SOURCE)
        if sample is None or data:
            return self._run(doc, base_dir, sample, targets, data, stop_on_error)
        with self._lock:
            return self._run(doc, base_dir, sample, targets, data, stop_on_error)

    def _run(
        self,
        doc: FlowDocument,
        base_dir: Path | None,
        sample: SampleSpec | None,
        targets: Sequence[NodeOutput] | None,
        data: Mapping[str, pd.DataFrame] | None,
        stop_on_error: bool,
    ) -> RunResult:
        targets = list(targets) if targets is not None else doc.terminal_outputs()
        needed = self._needed(doc, targets)
        use_cache = sample is not None and not data
        keys = self._keys(doc, base_dir, sample, needed) if use_cache and sample else {}
        consumers: Counter[NodeOutput] = Counter(
            doc.resolve(r) for s in doc.steps if s.id in needed for r in s.inputs
        )
        keep = set(targets)
        borrowed = {(source_id, 0) for source_id in data or {}}  # the caller's frames
        frames: dict[NodeOutput, pd.DataFrame] = {}
        result = RunResult(statuses={}, frames={})

        for source in doc.sources:
            if source.id not in needed:
                continue
            started = time.perf_counter()
            cached = keys.get(source.id) in self._cache if use_cache else False
            try:
                if cached:
                    self._cache.move_to_end(keys[source.id])
                    outs, info = self._cache[keys[source.id]]
                elif data and source.id in data:
                    frame = data[source.id]
                    info = None
                    if sample is not None:
                        frame = frame.head(sample.size)
                    outs = [frame]
                else:
                    self.source_reads[source.id] += 1
                    if sample is None:
                        outs, info = [read_full(source, base_dir)], None
                    else:
                        frame, info = read_sample(source, base_dir, sample)
                        outs = [frame]
                    if use_cache:
                        self._store(keys[source.id], outs, info)
            except Exception as exc:
                message = (
                    exc.message
                    if isinstance(exc, MLStudioError)
                    else f"{type(exc).__name__}: {exc}"
                )
                result.statuses[source.id] = StepStatus(
                    id=source.id, kind="source", state="error", message=message
                )
                if stop_on_error:
                    return result
                continue
            frames[(source.id, 0)] = outs[0]
            if info is not None:
                result.samples[source.id] = info
            result.statuses[source.id] = StepStatus(
                id=source.id,
                kind="source",
                state="ok",
                outputs=[_info(source.name, outs[0])],
                seconds=time.perf_counter() - started,
                cached=cached,
                sample_note=info.note if info else None,
            )

        for step in doc.order():
            if step.id not in needed:
                continue
            refs = [doc.resolve(r) for r in step.inputs]
            # a frame this step is the last user of is handed over, not shallow-copied:
            # no second reference means copy-on-write never copies, as in plain pandas
            owned = [
                not use_cache
                and consumers[ref] == 1
                and refs.count(ref) == 1
                and ref not in keep
                and ref not in borrowed
                for ref in refs
            ]
            status = self._run_step(doc, step, refs, owned, frames, keys, result, use_cache)
            result.statuses[step.id] = status
            for ref in refs:  # free intermediates nobody needs any more
                consumers[ref] -= 1
                if consumers[ref] <= 0 and ref not in keep:
                    frames.pop(ref, None)
            if status.state == "error" and stop_on_error:
                break
        result.frames = {t: frames[t] for t in targets if t in frames}
        return result

    def _run_step(
        self,
        doc: FlowDocument,
        step: Step,
        refs: list[NodeOutput],
        owned: list[bool],
        frames: dict[NodeOutput, pd.DataFrame],
        keys: dict[str, str],
        result: RunResult,
        use_cache: bool,
    ) -> StepStatus:
        names = doc.outputs_of(step.id)
        blocked = [node for node, index in refs if (node, index) not in frames]
        if blocked:
            upstream = blocked[0]
            return StepStatus(
                id=step.id,
                kind="step",
                transform=step.transform,
                state="blocked",
                message=f"waiting for {upstream!r}, which did not run successfully",
            )
        started = time.perf_counter()
        key = keys.get(step.id)
        if use_cache and key in self._cache:
            assert key is not None
            self._cache.move_to_end(key)
            outs = self._cache[key][0]
            cached = True
        else:
            transform = get_transform(step.transform)
            inputs = [frames[ref] for ref in refs]
            try:
                params = transform.parse(step.params)
                check_columns(step, transform, params, inputs)
                self.executions[step.id] += 1
                for ref, mine in zip(refs, owned, strict=True):
                    if mine:
                        del frames[ref]
                produced = transform.apply(inputs, params, owned=owned)
                del inputs
            except Exception as exc:
                return StepStatus(
                    id=step.id,
                    kind="step",
                    transform=step.transform,
                    state="error",
                    message=describe_failure(step, transform, exc),
                    seconds=time.perf_counter() - started,
                )
            outs = [produced[o] for o in transform.outputs]
            cached = False
            if use_cache and key is not None:
                self._store(key, outs, None)
        for index, frame in enumerate(outs):
            frames[(step.id, index)] = frame
        return StepStatus(
            id=step.id,
            kind="step",
            transform=step.transform,
            state="ok",
            outputs=[_info(name, frame) for name, frame in zip(names, outs, strict=True)],
            seconds=time.perf_counter() - started,
            cached=cached,
        )

    def _store(self, key: str, outs: list[pd.DataFrame], info: SampleInfo | None) -> None:
        self._cache[key] = (outs, info)
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
