"""Export → PySpark script over REST: written next to the flow with paths relative to
it; a flow with steps Spark cannot reproduce is a 400 naming them, and nothing is
written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Call

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def customers(jp_root_dir: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 200).astype(float), "plan": "basic"})
    frame.loc[::7, "age"] = np.nan
    (jp_root_dir / "data").mkdir()
    frame.to_csv(jp_root_dir / "data" / "customers.csv", index=False)
    return jp_root_dir / "data" / "customers.csv"


def flow_document(steps: list[dict[str, object]]) -> dict[str, object]:
    return {
        "schema_version": 1,
        "sources": [{"id": "customers", "kind": "csv", "path": "data/customers.csv"}],
        "steps": steps,
    }


SPARK_STEPS = [
    {
        "id": "impute",
        "transform": "impute_mean",
        "params": {"columns": ["age"]},
        "inputs": ["customers"],
    },
    {
        "id": "adults",
        "transform": "filter_rows",
        "params": {"expression": "age >= 30"},
        "inputs": ["impute"],
    },
]


async def test_pyspark_export_writes_a_script_or_names_the_steps(
    call: Call,
    jp_root_dir: Path,
    customers: Path,
) -> None:
    body = {"path": "prep.flow", "flow": flow_document(SPARK_STEPS), "format": "pyspark"}
    status, answer = await call("POST", "wrangler", "export", body=body)
    assert status == 201, answer
    assert answer["path"] == "prep-pyspark.py"
    script = (jp_root_dir / "prep-pyspark.py").read_text()
    compile(script, "prep-pyspark.py", "exec")
    assert '.csv("data/customers.csv")' in script
    assert 'filter("age >= 30")' in script and "prep-output/" in script

    steps = [
        *SPARK_STEPS,
        {
            "id": "median",
            "transform": "impute_median",
            "params": {"columns": ["age"]},
            "inputs": ["adults"],
        },
    ]
    body = {"path": "other.flow", "flow": flow_document(steps), "format": "pyspark"}
    status, error = await call("POST", "wrangler", "export", body=body)
    assert status == 400, error
    assert "'median' (impute_median)" in error["error"]["message"]
    assert not (jp_root_dir / "other-pyspark.py").exists()
