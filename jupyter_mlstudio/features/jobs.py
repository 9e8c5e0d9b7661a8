"""Feature Store ingestion as processing jobs: a big file, or a Data Wrangler flow run
over its whole source, ingested by a real job process (on the Dask executor when that
is configured) with a line of progress per batch in the job's log.

The ingestion history names where rows came from in ``feature_ingestions.source``:

- ``job:<job id> <path>`` — a file ingested by a job;
- ``job:<job id> flow:<flow path>`` — a Data Wrangler flow's result ingested by a job;
- anything else is a path (``ingest_file``) or ``DataFrame``.

:func:`parse_source` reads these back (lineage: "flows that feed this group").
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidArgumentError

if TYPE_CHECKING:
    from ..jobs.entities import Job
    from ..jobs.specs import ProcessingSpec
    from ..studio import Studio
    from .service import FeatureStore

SCRIPT = Path(__file__).parent / "job_scripts" / "ingest_file.py"
_SOURCE = re.compile(r"^job:(?P<job>\S+)(?: flow:(?P<flow>.+)| (?P<path>.+))?$")


@dataclass(frozen=True)
class IngestionSource:
    job_id: str | None = None
    flow: str | None = None
    path: str | None = None


def ingestion_source(
    *, job_id: str | None, path: str | None = None, flow: str | None = None
) -> str:
    """The ``source`` a job records (see the module docstring)."""
    parts = [f"job:{job_id or 'unknown'}"]
    if flow:
        parts.append(f"flow:{flow}")
    elif path:
        parts.append(path)
    return " ".join(parts)


def parse_source(source: str) -> IngestionSource:
    """The job, flow and path named by an ingestion's ``source``."""
    match = _SOURCE.match(source)
    if match is None:
        return IngestionSource(path=None if source == "DataFrame" else source)
    return IngestionSource(job_id=match["job"], flow=match["flow"], path=match["path"])


def submit_ingest(
    studio: Studio,
    ref: str,
    path: str | Path | None = None,
    *,
    flow: str | Path | None = None,
    flow_output: str | None = None,
    batch_size: int | None = None,
    name: str | None = None,
    experiment: str | None = None,
) -> Job:
    """A processing job that ingests ``path`` (a data file or folder) — or the result
    of the Data Wrangler ``flow`` over its full source — into the group ``ref``.

    The group, the file and the batch size are checked now (a bad request submits
    nothing); the rows are checked by the job, all-or-nothing per batch as ``ingest``."""
    spec = ingest_spec(
        studio.features,
        ref,
        path,
        flow=flow,
        flow_output=flow_output,
        batch_size=batch_size,
        name=name,
        experiment=experiment,
    )
    return studio.jobs.submit(spec)


def ingest_spec(
    store: FeatureStore,
    ref: str,
    path: str | Path | None = None,
    *,
    flow: str | Path | None = None,
    flow_output: str | None = None,
    batch_size: int | None = None,
    name: str | None = None,
    experiment: str | None = None,
) -> ProcessingSpec:
    """The processing spec :func:`submit_ingest` submits, checked."""
    from ..jobs.specs import ProcessingSpec

    if (path is None) == (flow is None):
        raise InvalidArgumentError("Ingest a file (path) or a flow's result (flow), one of them.")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise InvalidArgumentError("batch_size must be a positive whole number.")
    group = store.writable_group(ref)  # an old version or a missing group: refused now
    arguments = ["--group", group.ref]
    if path is not None:
        source = Path(path).resolve()
        if not source.exists():
            raise InvalidArgumentError(f"{path} does not exist.")
        arguments += ["--path", str(source)]
        stem = f"ingest-{group.name}"
    else:
        assert flow is not None
        flow_file = Path(flow).resolve()
        if not flow_file.is_file():
            raise InvalidArgumentError(f"Save the flow first: {flow} does not exist yet.")
        arguments += ["--flow", str(flow_file)]
        if flow_output:
            arguments += ["--flow-output", flow_output]
        stem = f"flow-to-{group.name}"
    if batch_size is not None:
        arguments += ["--batch-size", str(batch_size)]
    return ProcessingSpec(
        code=str(SCRIPT),
        arguments=arguments,
        name=name or _unique_name(stem),
        experiment=experiment,
    )


def _unique_name(stem: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:80]
    return f"{stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
