"""Model serving: one HTTP server process per endpoint.

``python -m jupyter_mlstudio.serving --config endpoint.json`` (see :mod:`.supervisor`)
starts a supervisor that pins the variants' model versions, binds the port and starts
the worker processes; :class:`EndpointProcess` does that from Python and waits until it
is ready.

Layout: one pool of worker processes per endpoint, sharing one listening socket; every
worker loads every variant and draws a variant per request by weight
(``X-Target-Variant`` forces one). The pool has as many workers as the variants'
``instances`` add up to. One port with per-variant processes would need a hop between
processes for the requests the kernel hands to a worker of another variant; holding all
variants in each worker costs memory instead (models of a local studio are small) and
keeps every request in the process that accepted it, which is what makes batching pay.

Workers are forked from the supervisor once it has imported the libraries (fast starts
and restarts; ``worker_start="spawn"`` starts fresh interpreters instead, the default
off Linux). The kernel queues connections on the shared socket while a worker restarts,
and each worker takes connections in turn with the others (see ``worker._Listener``) so
that long-lived keep-alive connections spread over the pool.

Each worker speaks SageMaker's container contract (``/ping``, ``/invocations``) and the
Open Inference Protocol v2 (``/v2/...``), validates requests against the model's
signature, merges concurrent requests into one ``predict`` (:mod:`.batching`), samples
requests to data capture files (:mod:`.capture`) and counts per-variant metrics in a
memory-mapped file all workers share, served merged at ``/metrics`` (:mod:`.metrics`).
The supervisor and the workers use tornado; importing this package does not.
"""

from .capture import read_capture, sampled
from .config import BatchingConfig, CaptureConfig, EndpointConfig, VariantConfig
from .process import EndpointProcess, EndpointStartError, Response

__all__ = [
    "BatchingConfig",
    "CaptureConfig",
    "EndpointConfig",
    "EndpointProcess",
    "EndpointStartError",
    "Response",
    "VariantConfig",
    "read_capture",
    "sampled",
]
