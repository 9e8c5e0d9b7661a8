"""A Processing step running a Data Wrangler .flow passes the flow's outputs on: an output
the step declares (so other steps can reference it) is the folder holding that flow
output's data, not an empty folder; a declared name the flow does not make fails the step
with the flow's output names."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_mlstudio.pipelines import Pipeline, ProcessingStep, PythonStep
from jupyter_mlstudio.pipelines.handle import PipelineFailedError
from jupyter_mlstudio.studio import Studio

ROWS = """def rows(data: str) -> int:
    import pandas as pd

    return len(pd.read_parquet(data.removeprefix("file://")))
"""


def _flow(root: Path) -> None:
    lines = ["x,label"] + [f"{i},{i % 2}" for i in range(20)]
    (root / "raw.csv").write_text("\n".join(lines) + "\n")
    flow = {
        "schema_version": 1,
        "sources": [{"id": "raw", "kind": "csv", "path": "raw.csv"}],
        "steps": [
            {
                "id": "split",
                "transform": "split_ordered",
                "params": {"test_size": 0.25},
                "inputs": ["raw"],
            }
        ],
    }
    (root / "prep.flow").write_text(json.dumps(flow))
    (root / "rows_fn.py").write_text(ROWS)


def test_declared_flow_outputs_hold_the_data(studio: Studio, tmp_path: Path) -> None:
    _flow(tmp_path)
    prep = ProcessingStep("prep", code="prep.flow", outputs=["train", "test"])
    count = PythonStep(
        "count",
        file="rows_fn.py",
        function="rows",
        kwargs={"data": prep.outputs["train"]},
        outputs={"rows": int},
    )
    handle = Pipeline("flow-outputs", steps=[prep, count]).run(studio=studio, base_dir=tmp_path)
    execution = handle.wait(timeout=120)
    assert execution.status == "Succeeded", execution.failure_reason
    assert handle.step("count").outputs["rows"] == 15
    outputs = handle.step("prep").outputs
    for name in ("train", "test"):
        folder = Path(outputs[name].removeprefix("file://"))
        assert [p.name for p in folder.iterdir()] == [f"{name}.parquet"]


def test_a_declared_output_the_flow_does_not_make(studio: Studio, tmp_path: Path) -> None:
    _flow(tmp_path)
    prep = ProcessingStep("prep", code="prep.flow", outputs=["train", "validation"])
    handle = Pipeline("flow-missing", steps=[prep]).run(studio=studio, base_dir=tmp_path)
    try:
        handle.wait(timeout=120)
        raise AssertionError("the step should fail")
    except PipelineFailedError:
        pass
    error = handle.step("prep").error or ""
    assert "no output 'validation'" in error and "test, train" in error, error
