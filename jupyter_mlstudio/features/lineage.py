"""Feature Store lineage: recorded training sets, and who feeds and uses a group.

A dataset written by ``FeatureStore.dataset(output=...)`` is recorded with the
registry's ``data_reference`` hash of the file, so a model version trained on that very
file (its ``data_ref`` hash, or one of its training job's channel hashes) matches
exactly. ``feature_lineage`` walks both ways from a group version: the ingestion sources
that feed it (Data Wrangler flows, files, jobs), the datasets built from it, the runs
they were built in or whose models trained on them, those model versions, and the
endpoints serving them. Every step is one query over a batch of ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from ..store.db import Database
from ..store.orm import as_utc
from .entities import FeatureGroup

FLOW_SOURCE_PREFIX = "Data Wrangler flow "
# Sources the SDK writes for single records: not a feed worth listing.
_RECORD_SOURCES = frozenset({"put_record", "delete_record"})


@dataclass(frozen=True)
class FeatureDataset:
    """A recorded training set: what it joined, and the file it was written to."""

    id: str
    fingerprint: str
    groups: tuple[str, ...]  # name@version
    features: tuple[str, ...]
    entity_source: str
    entity_rows: int
    as_of: datetime | None
    output_uri: str | None
    output_hash: str | None
    run_id: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "groups": list(self.groups),
            "features": list(self.features),
            "entity_source": self.entity_source,
            "entity_rows": self.entity_rows,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "output_uri": self.output_uri,
            "output_hash": self.output_hash,
            "run_id": self.run_id,
            "created_at": self.created_at.isoformat(),
        }


def parse_source(source: str) -> dict[str, str | None]:
    """What an ingestion ``source`` names (formats in ``jobs.py``): ``kind`` (``flow``:
    a Data Wrangler flow, exported in the request or run as a job; ``job``: a
    processing job over a file; ``file``: a path; ``sdk``: a DataFrame or records),
    the ``flow`` file and ``job_id`` when known, and a display ``name``."""
    from .jobs import parse_source as parse_job_source

    if source.startswith(FLOW_SOURCE_PREFIX):
        name = source.removeprefix(FLOW_SOURCE_PREFIX)
        return {"kind": "flow", "name": name, "flow": name, "job_id": None}
    parsed = parse_job_source(source)
    if parsed.job_id is not None:
        kind = "flow" if parsed.flow else "job"
        name = parsed.flow or parsed.path or parsed.job_id
        return {"kind": kind, "name": name, "flow": parsed.flow, "job_id": parsed.job_id}
    if parsed.path is not None and source not in _RECORD_SOURCES:
        return {"kind": "file", "name": source, "flow": None, "job_id": None}
    return {"kind": "sdk", "name": source, "flow": None, "job_id": None}


def data_hashes(data_ref: str | dict[str, Any] | None) -> set[str]:
    """Every content hash in a model version's ``data_ref`` (stored JSON or the dict):
    its data's and its training job's channels'."""
    if not data_ref:
        return set()
    try:
        ref = json.loads(data_ref) if isinstance(data_ref, str) else data_ref
    except ValueError:
        return set()
    if not isinstance(ref, dict):
        return set()
    found = {ref["hash"]} if isinstance(ref.get("hash"), str) else set()
    for channel in (ref.get("channels") or {}).values():
        if isinstance(channel, dict) and isinstance(channel.get("hash"), str):
            found.add(channel["hash"])
    return found


def datasets_matching(db: Database, hashes: set[str]) -> list[FeatureDataset]:
    """The recorded datasets whose written file has one of ``hashes``."""
    from .orm import FeatureDatasetRow

    if not hashes:
        return []
    with db.session() as session:
        rows = session.scalars(
            select(FeatureDatasetRow)
            .where(FeatureDatasetRow.output_hash.in_(sorted(hashes)))
            .order_by(FeatureDatasetRow.created_at.desc())
        ).all()
        return [row.to_entity() for row in rows]


def feature_lineage(db: Database, group: FeatureGroup, *, limit: int = 200) -> dict[str, Any]:
    """Who feeds ``group`` (this version) and who uses it (see the module doc)."""
    from ..endpoints.orm import EndpointRow
    from ..experiments.orm import ExperimentRow
    from ..experiments.runs_orm import RunRow
    from ..jobs.orm import JobRow
    from ..registry.orm import ModelGroupRow, ModelVersionRow
    from .orm import FeatureDatasetGroupRow, FeatureDatasetRow, FeatureIngestionRow

    with db.session() as session:
        # Feeds: ingestion sources of this version, grouped.
        feeds = []
        for source, count, rows, last in session.execute(
            select(
                FeatureIngestionRow.source,
                func.count(),
                func.sum(FeatureIngestionRow.rows),
                func.max(FeatureIngestionRow.ingested_at),
            )
            .where(FeatureIngestionRow.group_id == group.id)
            .group_by(FeatureIngestionRow.source)
            .order_by(func.max(FeatureIngestionRow.ingested_at).desc())
        ):
            if source in _RECORD_SOURCES:
                continue
            feeds.append(
                {
                    **parse_source(source),
                    "source": source,
                    "ingestions": int(count),
                    "rows": int(rows or 0),
                    "last_ingested_at": as_utc(last).isoformat(),
                }
            )

        # Datasets built from this version.
        datasets = [
            row.to_entity()
            for row in session.scalars(
                select(FeatureDatasetRow)
                .join(
                    FeatureDatasetGroupRow,
                    FeatureDatasetGroupRow.dataset_id == FeatureDatasetRow.id,
                )
                .where(
                    FeatureDatasetGroupRow.group_name == group.name,
                    FeatureDatasetGroupRow.group_version == group.version,
                )
                .order_by(FeatureDatasetRow.created_at.desc())
                .limit(limit)
            )
        ]
        by_hash: dict[str, list[str]] = {}
        for dataset in datasets:
            if dataset.output_hash:
                by_hash.setdefault(dataset.output_hash, []).append(dataset.id)

        # Model versions trained on one of those files: a LIKE narrows, the parsed
        # data_ref decides (the hash must be the data's or a channel's, not a substring).
        models: list[dict[str, Any]] = []
        if by_hash:
            candidates = session.execute(
                select(ModelVersionRow, ModelGroupRow.name)
                .join(ModelGroupRow, ModelGroupRow.id == ModelVersionRow.group_id)
                .where(or_(*(ModelVersionRow.data_ref.contains(h) for h in sorted(by_hash))))
                .order_by(ModelGroupRow.name, ModelVersionRow.version)
            ).all()
            for version, model_name in candidates:
                matched = data_hashes(version.data_ref) & by_hash.keys()
                if not matched:
                    continue
                models.append(
                    {
                        "model": model_name,
                        "version": version.version,
                        "run_id": version.source_run_id,
                        "job_id": version.source_job_id,
                        "datasets": sorted({d for h in matched for d in by_hash[h]}),
                    }
                )

        # Runs: where a dataset was built, and where its models came from.
        run_ids = {d.run_id for d in datasets if d.run_id} | {
            m["run_id"] for m in models if m["run_id"]
        }
        runs = []
        if run_ids:
            for run, experiment_name in session.execute(
                select(RunRow, ExperimentRow.name)
                .join(ExperimentRow, ExperimentRow.id == RunRow.experiment_id)
                .where(RunRow.id.in_(sorted(run_ids)))
                .order_by(RunRow.start_time.desc())
            ):
                runs.append(
                    {
                        "id": run.id,
                        "name": run.name,
                        "status": run.status,
                        "experiment_id": run.experiment_id,
                        "experiment_name": experiment_name,
                        "built_dataset": any(d.run_id == run.id for d in datasets),
                    }
                )
        job_ids = {m["job_id"] for m in models if m["job_id"]}
        jobs = (
            [
                {"id": job.id, "name": job.name, "status": job.status}
                for job in session.scalars(
                    select(JobRow).where(JobRow.id.in_(sorted(job_ids))).order_by(JobRow.name)
                )
            ]
            if job_ids
            else []
        )

        # Endpoints serving one of those versions (variants are JSON: filtered here).
        served = {(m["model"], m["version"]) for m in models}
        endpoints = []
        if served:
            for endpoint in session.scalars(select(EndpointRow).order_by(EndpointRow.name)):
                variants = json.loads(endpoint.variants_json or "[]")
                hits = [
                    {"model": v["model"], "version": int(v["version"])}
                    for v in variants
                    if (v.get("model"), int(v.get("version") or 0)) in served
                ]
                if hits:
                    endpoints.append(
                        {"name": endpoint.name, "status": endpoint.status, "models": hits}
                    )

    return {
        "group": group.ref,
        "feeds": feeds,
        "datasets": [d.to_dict() for d in datasets],
        "runs": runs,
        "jobs": jobs,
        "model_versions": models,
        "endpoints": endpoints,
    }
