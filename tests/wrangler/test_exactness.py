"""For every registered transform, on several datasets, the exported script's output
equals the engine's output, dtypes included (pandas.testing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument, Step
from jupyter_mlstudio.wrangler.transforms import REGISTRY


def _flow(name: str, params: dict[str, Any], files: tuple[Path, Path, dict[str, Any]]) -> Flow:
    main, right, options = files
    transform = REGISTRY[name]
    sources = [CsvSource(id="data", path=main.name, options=options)]
    inputs = ["data"]
    if len(transform.ports) == 2:
        other = main if name == "concatenate" else right
        sources.append(CsvSource(id="other", name="other", path=other.name))
        inputs.append("other")
    doc = FlowDocument(
        sources=sources, steps=[Step(id="step", transform=name, params=params, inputs=inputs)]
    )
    doc.validate_graph()
    return Flow(doc, base_dir=main.parent)


def _check(flow: Flow) -> None:
    expected = flow.run_all()
    namespace: dict[str, Any] = {}
    exec(compile(flow.to_code(absolute_paths=True), "<export>", "exec"), namespace)
    for output, variable in flow.result_variables().items():
        pd.testing.assert_frame_equal(namespace[variable], expected[output], check_dtype=True)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_exported_code_equals_engine(name: str, dataset_files: dict[str, Any]) -> None:
    transform = REGISTRY[name]
    applied = []
    for dataset, files in dataset_files.items():
        frame = pd.read_csv(files[0], **files[2])
        params = transform.example(frame)
        if params is None:
            continue
        flow = _flow(name, params, files)
        _check(flow)
        applied.append(dataset)
    assert applied, f"{name} provides example params for none of the test datasets"


def test_branching_flow_keeps_every_frame_intact(dataset_files: dict[str, Any]) -> None:
    """Two branches off one source, custom code off-chain, a join back and a split."""
    main, right, options = dataset_files["customers"]
    flow = Flow(
        FlowDocument(
            sources=[
                CsvSource(id="customers", name="customers", path=main.name, options=options),
                CsvSource(id="extra", name="extra", path=right.name),
            ]
        ),
        base_dir=main.parent,
    )
    flow.add_step("impute_median", {"columns": ["age", "income"]}, step_id="impute")
    flow.add_step(
        "custom_pandas",
        {"code": 'df["age"] = df["age"] * 0'},
        inputs=["customers"],
        step_id="zeroed",
    )
    flow.add_step(
        "group_by",
        {"by": ["plan"], "aggregations": [{"column": "age"}]},
        inputs=["zeroed"],
        step_id="agg",
    )
    flow.add_step(
        "join", {"on": ["id"], "how": "left"}, inputs=["impute", "extra"], step_id="joined"
    )
    flow.add_step(
        "join",
        {"on": ["plan"], "how": "left", "suffix": "_plan"},
        inputs=["joined", "agg"],
        step_id="with_agg",
    )
    flow.add_step("split_random", {"test_size": 0.25}, step_id="split")
    flow.add_step(
        "keep_columns", {"columns": ["id", "age"]}, inputs=["customers"], step_id="raw_ages"
    )
    code = flow.to_code(absolute_paths=True)
    assert "def custom_step(df):" in code
    _check(flow)
    outputs = flow.run_all()
    assert set(outputs) == {"train", "test", "df"}
    # the custom step's in-place edit never reached the other branches
    assert outputs["df"]["age"].fillna(-1).ne(0).any()
    assert outputs["train"]["age"].ne(0).any()
