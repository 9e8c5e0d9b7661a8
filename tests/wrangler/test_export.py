"""Exports: the notebook reproduces the flow; to_sklearn() gives an equivalent, fitted,
skops-saved Pipeline; the bundled example flows open and run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument

from .datasets import customers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def flow(tmp_path: Path) -> Flow:
    customers(300).to_csv(tmp_path / "customers.csv", index=False)
    flow = Flow(
        FlowDocument(sources=[CsvSource(id="customers", path="customers.csv")]), base_dir=tmp_path
    )
    flow.add_step("drop_columns", {"columns": ["name", "signup", "last_seen"]})
    flow.add_step("impute_median", {"columns": ["age", "income"]})
    flow.add_step("impute_mode", {"columns": ["city"]})
    flow.add_step("one_hot_encode", {"columns": ["plan"]})
    flow.add_step("ordinal_encode", {"columns": ["city"]})
    flow.add_step("standard_scale", {"columns": ["age", "income", "visits"]})
    flow.add_step("minmax_scale", {"columns": ["id"]})
    return flow


def test_notebook_cells_reproduce_the_flow(flow: Flow, tmp_path: Path) -> None:
    notebook = flow.to_notebook(tmp_path / "prep.ipynb", absolute_paths=True)
    kinds = [c.cell_type for c in notebook.cells]
    assert kinds[:2] == ["markdown", "code"]
    # title, source, one per step, and the result (shapes, then the first rows)
    assert kinds.count("markdown") == 1 + 1 + len(flow.document.steps) + 1
    assert notebook.cells[-2].source == "print('df', df.shape)"
    assert notebook.cells[4].source.startswith("### 1. Drop columns")
    namespace: dict[str, Any] = {}
    for cell in notebook.cells[:-1]:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    pd.testing.assert_frame_equal(namespace["df"], flow.run())
    assert (tmp_path / "prep.ipynb").exists()


def test_code_is_readable_pandas(flow: Flow) -> None:
    code = flow.to_code()
    assert 'df = pd.read_csv("customers.csv")' in code
    assert 'df["age"]' not in code.split("Impute with the median")[0]
    assert (
        'columns = ["age", "income"]\ndf[columns] = df[columns].fillna(df[columns].median())'
        in code
    )
    assert 'df = pd.get_dummies(df, columns=["plan"], dtype=int)' in code
    assert "jupyter_mlstudio" not in code.split('"""')[-1]  # no call into our library


def test_to_sklearn_equals_the_flow(flow: Flow, tmp_path: Path) -> None:
    import skops.io as sio

    path = tmp_path / "prep.skops"
    pipeline = flow.to_sklearn(path)
    data = pd.read_csv(tmp_path / "customers.csv")
    expected = flow.run(data=data)
    pd.testing.assert_frame_equal(pipeline.transform(data), expected, check_dtype=False, atol=1e-9)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(t.startswith(("sklearn.", "numpy.")) for t in untrusted)  # no custom code
    loaded = sio.load(path, trusted=untrusted)
    pd.testing.assert_frame_equal(loaded.transform(data), expected, check_dtype=False, atol=1e-9)


def test_to_sklearn_refuses_steps_without_an_equivalent(flow: Flow) -> None:
    flow.add_step("filter_rows", {"expression": "age > 0"}, step_id="adults")
    with pytest.raises(InvalidArgumentError, match=r"these are not: adults \(filter_rows\)"):
        flow.to_sklearn()


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.flow")))
def test_example_flows_open_and_run(name: str) -> None:
    flow = Flow.load(EXAMPLES / name)
    statuses = flow.status()
    assert [s.message for s in statuses if s.state != "ok"] == []
    outputs = flow.run_all()
    assert all(len(frame) > 0 for frame in outputs.values())
    namespace: dict[str, Any] = {}
    exec(flow.to_code(absolute_paths=True), namespace)
    for output, variable in flow.result_variables().items():
        pd.testing.assert_frame_equal(namespace[variable], outputs[output])


def test_there_are_example_flows() -> None:
    assert len(list(EXAMPLES.glob("*.flow"))) >= 2
