"""POST /feature-datasets with event_time_start/end and include_duplicated on a real
Jupyter server (real SQLite catalog, real Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from conftest import Call, JobWait


async def test_dataset_switches_over_rest(call: Call, jp_root_dir: Path) -> None:
    folder = jp_root_dir / "data"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        {"customer_id": [1, 1], "ts": ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"]}
    ).assign(age=[30, 31]).to_csv(folder / "c.csv", index=False)
    pd.DataFrame({"customer_id": [1], "ts": ["2024-02-01T00:00:00Z"], "age": [32]}).to_csv(
        folder / "again.csv", index=False
    )
    pd.DataFrame({"customer_id": [1], "event_ts": ["2024-03-01T00:00:00Z"]}).to_csv(
        folder / "entity.csv", index=False
    )
    status, _ = await call(
        "POST",
        "feature-groups",
        body={
            "name": "customers",
            "record_identifier": "customer_id",
            "event_time_feature": "ts",
            "features": [
                {"name": "customer_id", "type": "integral"},
                {"name": "ts", "type": "timestamp"},
                {"name": "age", "type": "integral"},
            ],
        },
    )
    assert status == 201
    for path in ("data/c.csv", "data/again.csv"):
        status, body = await call(
            "POST", "feature-groups", "customers", "ingest", body={"path": path}
        )
        assert status == 200, body
    base = {
        "entity_path": "data/entity.csv",
        "features": ["customers:age"],
        "event_time": "event_ts",
    }

    status, plain = await call("POST", "feature-datasets", body=base)
    assert status == 200, plain
    assert [r[-1] for r in plain["preview"]["rows"]] == [32]

    status, ranged = await call(
        "POST", "feature-datasets", body={**base, "event_time_end": "2024-01-15T00:00:00Z"}
    )
    assert status == 200, ranged
    assert [r[-1] for r in ranged["preview"]["rows"]] == [30]
    assert "2024-01-15" in ranged["sql"]

    status, dups = await call("POST", "feature-datasets", body={**base, "include_duplicated": True})
    assert status == 200, dups
    assert [r[-1] for r in dups["preview"]["rows"]] == [31, 32]
    assert (dups["rows"], dups["entity_rows"]) == (2, 1)

    status, error = await call(
        "POST",
        "feature-datasets",
        body={
            **base,
            "event_time_start": "2024-02-01T00:00:00Z",
            "event_time_end": "2024-01-01T00:00:00Z",
        },
    )
    assert status == 400 and "range starts" in error["error"]["message"], error
    status, error = await call(
        "POST", "feature-datasets", body={**base, "event_time_start": "yesterday"}
    )
    assert status == 400, error


async def test_ingest_a_file_as_a_job_over_rest(
    call: Call, jp_root_dir: Path, wait_job_ended: JobWait
) -> None:
    folder = jp_root_dir / "data"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        {"customer_id": [1, 2, 3], "ts": ["2024-01-01T00:00:00Z"] * 3, "age": [30, 40, 50]}
    ).to_csv(folder / "big.csv", index=False)
    status, _ = await call(
        "POST",
        "feature-groups",
        body={
            "name": "customers",
            "record_identifier": "customer_id",
            "event_time_feature": "ts",
            "features": [
                {"name": "customer_id", "type": "integral"},
                {"name": "ts", "type": "timestamp"},
                {"name": "age", "type": "integral"},
            ],
        },
    )
    assert status == 201
    status, job = await call(
        "POST",
        "feature-groups",
        "customers",
        "ingest-jobs",
        body={"path": "data/big.csv", "batch_size": 2},
    )
    assert status == 202, job
    assert job["kind"] == "processing" and job["name"].startswith("ingest-customers-")
    done = await wait_job_ended(job["id"])
    assert done["status"] == "Completed", done
    status, history = await call("GET", "feature-groups", "customers", "ingestions")
    assert [h["rows"] for h in history["items"]] == [3]
    assert history["items"][0]["source"].startswith(f"job:{job['id']} ")

    for body, code in (
        ({"path": "../outside.csv"}, 400),
        ({"path": "data/missing.csv"}, 404),
        ({"path": "data/big.csv", "batch_size": 0}, 400),
    ):
        status, error = await call("POST", "feature-groups", "customers", "ingest-jobs", body=body)
        assert status == code, (body, error)
    status, error = await call(
        "POST", "feature-groups", "nope", "ingest-jobs", body={"path": "data/big.csv"}
    )
    assert status == 404, error


async def test_types_are_inferred_on_the_server_from_every_row(
    call: Call, jp_root_dir: Path
) -> None:
    # the first 100 rows look integral; a fraction comes later: a browser reading the
    # first lines would say integral
    rows = [f"{i},2024-01-01T00:00:00Z,{i},yes" for i in range(1, 101)]
    rows.append("101,2024-01-02T00:00:00Z,1.5,no")
    rows = [f"{r},{'' if i == 3 else i}" for i, r in enumerate(rows)]  # age: one blank
    (jp_root_dir / "wide.csv").write_text("customer_id,event_ts,score,flag,age\n" + "\n".join(rows))
    status, answer = await call("POST", "feature-inference", body={"path": "wide.csv"})
    assert status == 200, answer
    assert {f["name"]: f["type"] for f in answer["features"]} == {
        "customer_id": "integral",
        "event_ts": "timestamp",
        "score": "fractional",
        "flag": "string",
        "age": "integral",
    }
    assert (answer["record_identifier"], answer["event_time_feature"]) == (
        "customer_id",
        "event_ts",
    )
    assert answer["rows"] == 101
    status, error = await call("POST", "feature-inference", body={"path": "missing.csv"})
    assert status == 404, error
    status, error = await call("POST", "feature-inference", body={"path": "../x.csv"})
    assert status == 400, error
