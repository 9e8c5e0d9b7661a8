"""A worker's warm-up and garbage-collector settings, before it reports ready.

A worker that has just loaded its models answers its first requests several times
slower than the next ones (the first ``predict`` of a scikit-learn model, the predict
thread started on first use, pandas and NumPy code paths run for the first time, and
in a forked worker the copy-on-write faults of the pages those paths touch). Under load
that first batch is a whole batch of slow answers: after a scale-out the new instance
put the endpoint's p99 over 100 ms in the seconds it joined (issue 20). So a worker
runs each variant's registered input example through the request path — parsed as an
``/invocations`` JSON body, predicted on the variant's own predict thread, outside the
queue and the metrics — before it says ready; the supervisor counts it as serving only
then, and only then does it take connections.

The garbage collector: a forked worker inherits the supervisor's heap (pandas,
scikit-learn, tornado, SQLAlchemy: about 270 000 objects), and a full collection walks
all of them — 150 to 600 ms on this project's 2-core machines, a stall of every request
of that worker — and writes to each object's header, so the pages it touches stop being
shared with the supervisor. :func:`freeze_inherited` moves what the worker inherited to
the permanent generation as it starts; :func:`settle` does the same, after a collection
of the loading garbage, for the models and what the warm-up created. Collections then
only look at what serving creates.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .variants import Endpoint, LoadedVariant

log = logging.getLogger("jupyter_mlstudio.serving")

WARM_ROWS = 5  # at most this many rows of the example (what the registry keeps)


def freeze_inherited() -> int:
    """Put every object the worker has now (inherited or imported) out of the
    collector's reach; the number of objects frozen."""
    gc.freeze()
    return gc.get_freeze_count()


def settle() -> int:
    """Collect the garbage of loading the models, then freeze what is left (the models,
    the warm-up's caches); the number of objects frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def example_body(example: Any) -> bytes | None:
    """An ``/invocations`` JSON body of a version's input example (records or rows, as
    the registry keeps them), or None when there is none to send."""
    if not isinstance(example, list) or not example:
        return None
    rows = example[:WARM_ROWS]
    if all(isinstance(r, dict) for r in rows):
        columns = list(rows[0])
        if any(list(r) != columns for r in rows):
            return json.dumps({"dataframe_records": rows}).encode()
        data = [[r[c] for c in columns] for r in rows]
        return json.dumps({"dataframe_split": {"columns": columns, "data": data}}).encode()
    if all(isinstance(r, list) for r in rows):
        return json.dumps({"instances": rows}).encode()
    return None


async def warm_variant(variant: LoadedVariant) -> int:
    """One variant's example through parsing and ``predict`` (one row, then all of
    them: the sizes a batch starts and grows with); the rows predicted (0: skipped).
    Never raises: an example the model refuses leaves the worker cold, not broken."""
    from .payloads import parse_invocation

    if variant.code is not None or variant.looks_up_features or variant.batcher is None:
        return 0  # user code or a feature lookup: nothing to call without side effects
    body = example_body(variant.version.input_example)
    if body is None:
        return 0
    try:
        part, _ = parse_invocation(body, "application/json", variant.schema)
        one, _ = parse_invocation(
            example_body(variant.version.input_example[:1]) or body,
            "application/json",
            variant.schema,
        )
        await variant.batcher.run_alone([one])
        await variant.batcher.run_alone([one, part])
    except Exception as exc:  # any failure only means no warm-up
        log.info("Variant %s: no warm-up with its input example (%s).", variant.name, exc)
        return 0
    return one.rows + part.rows


async def warm_up(endpoint: Endpoint) -> tuple[int, float]:
    """Warm every variant of a worker's endpoint (multi-model endpoints load their
    models on demand: nothing to warm); (example rows predicted, milliseconds taken)."""
    started = time.perf_counter()
    rows = 0
    if endpoint.models is None:
        for variant in endpoint.variants:
            rows += await warm_variant(variant)
    return rows, (time.perf_counter() - started) * 1000
