"""Feature Store ingestion as processing jobs: real job processes ingest a file (or a
Data Wrangler flow's result over its whole source) with progress in the log and the
job (and flow) named in the ingestion history."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.features.jobs import (
    IngestionSource,
    ingestion_source,
    parse_source,
    submit_ingest,
)
from jupyter_mlstudio.studio import Studio

FEATURES = [
    {"name": "customer_id", "type": "integral"},
    {"name": "ts", "type": "timestamp"},
    {"name": "age", "type": "integral"},
]


def _group(studio: Studio, name: str = "customers") -> None:
    studio.features.create_group(
        name, record_identifier="customer_id", event_time_feature="ts", features=FEATURES
    )


def _csv(path: Path, rows: int, age: object = None) -> Path:
    pd.DataFrame(
        {
            "customer_id": list(range(rows)),
            "ts": ["2024-01-01T00:00:00Z"] * rows,
            "age": [age if age is not None else 20 + i for i in range(rows)],
        }
    ).to_csv(path, index=False)
    return path


def test_a_file_is_ingested_by_a_job_with_progress_and_the_job_as_source(
    studio: Studio, tmp_path: Path
) -> None:
    _group(studio)
    data = _csv(tmp_path / "big.csv", 5)
    job = submit_ingest(studio, "customers", data, batch_size=2)
    assert job.kind == "processing" and job.name.startswith("ingest-customers-")
    done = studio.jobs.wait(job.id, timeout=120)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    for line in ("ingest: 2/5 rows written", "ingest: 4/5 rows written", "5/5 rows written"):
        assert line in log, log
    assert "ingested 5 rows into customers@1 in 3 batch(es)" in log
    history = studio.features.ingestions("customers").items
    assert [h.rows for h in history] == [5]
    assert history[0].source == f"job:{job.id} {data.resolve()}"
    assert parse_source(history[0].source) == IngestionSource(
        job_id=job.id, path=str(data.resolve())
    )
    assert studio.features.get_record("customers", 4)["age"] == 24


def test_bad_rows_fail_the_job_with_the_reason_and_write_nothing(
    studio: Studio, tmp_path: Path
) -> None:
    _group(studio)
    data = _csv(tmp_path / "bad.csv", 3, age="old")
    job = submit_ingest(studio, "customers", data)
    done = studio.jobs.wait(job.id, timeout=120)
    assert done.status == "Failed"
    assert "age" in (done.failure_reason or ""), done.failure_reason
    assert studio.features.ingestions("customers").items == []


def test_bad_requests_submit_nothing(studio: Studio, tmp_path: Path) -> None:
    _group(studio)
    data = _csv(tmp_path / "ok.csv", 1)
    with pytest.raises(NotFoundError):
        submit_ingest(studio, "nope", data)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        submit_ingest(studio, "customers", tmp_path / "missing.csv")
    with pytest.raises(InvalidArgumentError, match="batch_size"):
        submit_ingest(studio, "customers", data, batch_size=0)
    with pytest.raises(InvalidArgumentError, match="one of them"):
        submit_ingest(studio, "customers")
    studio.features.create_group(
        "customers",
        record_identifier="customer_id",
        event_time_feature="ts",
        features=[*FEATURES, {"name": "city", "type": "string"}],
        new_version=True,
    )
    with pytest.raises(InvalidArgumentError, match="newest version"):
        submit_ingest(studio, "customers@1", data)
    assert studio.jobs.list().items == []


def test_source_strings_round_trip() -> None:
    assert ingestion_source(job_id="j1", flow="/w/a b.flow") == "job:j1 flow:/w/a b.flow"
    assert parse_source("job:j1 flow:/w/a b.flow") == IngestionSource(
        job_id="j1", flow="/w/a b.flow"
    )
    assert parse_source("job:j1 /data/x.csv") == IngestionSource(job_id="j1", path="/data/x.csv")
    assert parse_source("DataFrame") == IngestionSource()
    assert parse_source("/data/x.csv") == IngestionSource(path="/data/x.csv")
