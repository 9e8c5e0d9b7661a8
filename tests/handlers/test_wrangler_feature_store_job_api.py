"""Data Wrangler → Feature Store as a processing job over REST on a real server: the
saved flow runs over its whole source (not the 2-row sample the schema came from) in a
real job process that ingests the result, recorded as ``job:<id> flow:<path>``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from jupyter_mlstudio.features.jobs import parse_source

if TYPE_CHECKING:
    from conftest import Call, JobWait

FLOW = {
    "schema_version": 1,
    "sample": {"method": "first", "size": 2},
    "sources": [{"id": "visits", "kind": "csv", "path": "visits.csv"}],
    "steps": [
        {
            "id": "impute",
            "transform": "impute_median",
            "params": {"columns": ["minutes"]},
            "inputs": ["visits"],
        }
    ],
}


async def test_flow_export_as_a_job_ingests_the_whole_source(
    call: Call, jp_root_dir: Path, wait_job_ended: JobWait
) -> None:
    pd.DataFrame(
        {
            "customer_id": list(range(1, 8)),
            "ts": [f"2025-01-0{d}T00:00:00" for d in range(1, 8)],
            "minutes": [10.0, None, 30.0, 40.0, 50.0, 60.0, 70.0],
        }
    ).to_csv(jp_root_dir / "visits.csv", index=False)
    body = {
        "path": "prep.flow",
        "flow": FLOW,
        "format": "feature-store",
        "feature_store": {
            "group": "visits",
            "record_identifier": "customer_id",
            "event_time_feature": "ts",
            "as_job": True,
        },
    }
    # the job runs the saved flow: an unsaved one is refused, nothing created
    status, error = await call("POST", "wrangler", "export", body=body)
    assert status == 400 and "Save the flow first" in error["error"]["message"], error
    status, _ = await call("GET", "feature-groups", "visits")
    assert status == 404

    (jp_root_dir / "prep.flow").write_text(json.dumps(FLOW))
    status, answer = await call("POST", "wrangler", "export", body=body)
    assert status == 201, answer
    assert answer["feature_group"] == "visits@1" and "rows_written" not in answer
    done = await wait_job_ended(answer["job_id"])
    assert done["status"] == "Completed", done
    status, history = await call("GET", "feature-groups", "visits", "ingestions")
    assert [h["rows"] for h in history["items"]] == [7]  # all rows, not the sample's 2
    source = parse_source(history["items"][0]["source"])
    assert source.job_id == answer["job_id"]
    assert source.flow == str((jp_root_dir / "prep.flow").resolve())
    status, record = await call("GET", "feature-groups", "visits", "records", "7")
    assert status == 200 and record["record"]["minutes"] == 70.0, record
