"""The engine: per-step caching, error and blocked statuses, previews, SDK runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument, SampleSpec

from .datasets import customers


@pytest.fixture
def flow(tmp_path: Path) -> Flow:
    customers().to_csv(tmp_path / "customers.csv", index=False)
    source = CsvSource(id="customers", path="customers.csv", options={"parse_dates": ["signup"]})
    flow = Flow(FlowDocument(sources=[source], sample=SampleSpec(size=300)), base_dir=tmp_path)
    flow.add_step("drop_columns", {"columns": ["name"]}, step_id="drop")
    flow.add_step("impute_median", {"columns": ["age", "income"]}, step_id="impute")
    flow.add_step("one_hot_encode", {"columns": ["plan"]}, step_id="onehot")
    flow.add_step("filter_rows", {"expression": "age >= 18"}, step_id="adults")
    return flow


def test_editing_step_k_recomputes_only_from_k(flow: Flow) -> None:
    flow.status()
    assert flow.engine.executions == {"drop": 1, "impute": 1, "onehot": 1, "adults": 1}
    flow.status()
    flow.preview("adults")
    assert flow.engine.executions == {"drop": 1, "impute": 1, "onehot": 1, "adults": 1}
    flow.set_params("onehot", {"columns": ["plan", "city"]})
    statuses = {s.id: s for s in flow.status()}
    assert flow.engine.executions == {"drop": 1, "impute": 1, "onehot": 2, "adults": 2}
    assert statuses["impute"].cached and not statuses["onehot"].cached
    assert flow.engine.source_reads["customers"] == 1
    # going back to earlier params finds them in the cache
    flow.set_params("onehot", {"columns": ["plan"]})
    flow.status()
    assert flow.engine.executions["onehot"] == 2


def test_changed_file_invalidates_the_cache(flow: Flow, tmp_path: Path) -> None:
    flow.status()
    customers(rows=50).to_csv(tmp_path / "customers.csv", index=False)
    statuses = {s.id: s for s in flow.status()}
    assert statuses["customers"].outputs[0].rows == 50
    assert flow.engine.executions["drop"] == 2


def test_missing_column_errors_and_blocks_downstream(flow: Flow) -> None:
    flow.set_params("impute", {"columns": ["age", "salary"]})
    statuses = {s.id: s for s in flow.status()}
    assert statuses["drop"].state == "ok"
    assert statuses["impute"].state == "error"
    assert statuses["impute"].message is not None
    assert statuses["impute"].message.startswith(
        "step 'impute' (Impute with the median): column 'salary' not found in its input;"
        " the columns are 'id', 'age', 'income'"
    )
    assert [statuses[s].state for s in ("onehot", "adults")] == ["blocked", "blocked"]
    assert statuses["onehot"].message == "waiting for 'impute', which did not run successfully"
    with pytest.raises(InvalidArgumentError, match="column 'salary' not found"):
        flow.run()
    with pytest.raises(InvalidArgumentError, match="column 'salary' not found"):
        flow.preview("adults")
    # nothing lost: fixing the step brings everything back
    flow.set_params("impute", {"columns": ["age", "income"]})
    assert {s.state for s in flow.status()} == {"ok"}


def test_wrong_dtype_is_named(flow: Flow) -> None:
    flow.add_step("standard_scale", {"columns": ["city"]}, step_id="scale")
    status = flow.status()[-1]
    assert status.message == (
        "step 'scale' (Standardize (z-score)): column 'city' has dtype str, but this"
        " transform needs a numeric column"
    )


def test_custom_code_that_raises_reports_type_and_line(flow: Flow) -> None:
    flow.add_step("custom_pandas", {"code": "df = df.copy()\nratio = 1 / 0\n"}, step_id="custom")
    status = flow.status()[-1]
    assert status.state == "error"
    assert status.message == (
        "step 'custom' (Custom pandas code) failed: ZeroDivisionError: division by zero (line 2)"
    )
    flow.set_params("custom", {"code": "df = 3"})
    assert "the code must leave a DataFrame in `df`, got int" in str(flow.status()[-1].message)


def test_filter_with_unknown_name_reports_the_step(flow: Flow) -> None:
    flow.set_params("adults", {"expression": "agee >= 18"})
    message = flow.status()[-1].message
    assert message is not None
    assert message.startswith(
        "step 'adults' (Filter rows) failed: UndefinedVariableError: name 'agee'"
    )


def test_preview_has_rows_types_and_distributions(flow: Flow) -> None:
    preview = flow.preview("onehot", rows=5)
    assert len(preview.rows) == 5
    assert preview.total_rows == 300
    assert preview.sample_note == "first 300 rows of customers.csv"
    columns = {c.name: c for c in preview.columns}
    assert columns["age"].kind == "numeric"
    assert columns["age"].histogram is not None
    assert sum(columns["age"].histogram.counts) == 300 - columns["age"].missing
    assert columns["city"].top is not None
    assert columns["city"].top[0].value == "Paris"
    assert columns["signup"].kind == "datetime"
    assert columns["signup"].histogram is not None
    assert str(columns["signup"].histogram.edges[0]).startswith("2022-01")
    assert {"plan_basic", "plan_plus", "plan_pro"} <= set(columns)
    preview.model_dump_json()  # JSON-ready, NaN becomes null
    assert None in [row[list(columns).index("city")] for row in flow.preview("drop", rows=300).rows]


def test_run_uses_full_data_and_replacement_data(flow: Flow) -> None:
    assert len(flow.run()) == len(
        pd.read_csv(flow.base_dir / "customers.csv").query("age >= 18 or age != age")
    )
    small = customers(rows=20, seed=5)
    small["signup"] = pd.to_datetime(small["signup"])
    out = flow.run(data=small)
    assert len(out) <= 20
    assert flow.run(output="impute").shape[1] == 9


def test_split_outputs_by_name(flow: Flow) -> None:
    flow.add_step("split_stratified", {"column": "churned", "test_size": 0.25}, step_id="split")
    with pytest.raises(
        InvalidArgumentError, match=r"several outputs \(train, test\): pass output="
    ):
        flow.run()
    test = flow.run(output="test")
    train = flow.run(output="split:train")
    assert len(test) + len(train) == len(flow.run(output="adults"))
    assert flow.preview("split", output="test").output == "test"


def test_list_transforms_gives_json_schemas() -> None:
    from jupyter_mlstudio.wrangler import list_transforms

    items = list_transforms()
    assert len(items) >= 40
    by_name: dict[str, Any] = {t["name"]: t for t in items}
    schema = by_name["standard_scale"]["params_schema"]
    assert schema["properties"]["columns"]["x-mlstudio-widget"] == "columns"
    assert schema["properties"]["columns"]["x-mlstudio-dtype"] == "numeric"
    assert by_name["split_random"]["outputs"] == ["train", "test"]
    assert by_name["join"]["inputs"] == ["df", "right"]
    assert by_name["impute_median"]["fittable"] is True


def _titles(schema: dict[str, Any]) -> dict[str, str]:
    """Every field title of a parameter schema, nested models ($defs) included."""
    out: dict[str, str] = {}
    for model in [schema, *schema.get("$defs", {}).values()]:
        for key, prop in model.get("properties", {}).items():
            out[key] = prop.get("title", "")
    return out


def test_form_labels_read_as_words() -> None:
    """The forms label fields with the schema titles: no "Dummy Na" or "N Std" made up
    from field names; sentence case like JupyterLab's own labels."""
    from jupyter_mlstudio.wrangler import list_transforms

    by_name: dict[str, Any] = {t["name"]: t for t in list_transforms()}
    one_hot = _titles(by_name["one_hot_encode"]["params_schema"])
    assert one_hot["dummy_na"] == "Dummy column for missing values"
    assert _titles(by_name["outliers_stdev"]["params_schema"])["n_std"] == "Standard deviations"
    assert _titles(by_name["parse_datetime"]["params_schema"])["utc"] == "Convert to UTC"
    assert _titles(by_name["duplicate_column"]["params_schema"])["new_column"] == "New column"
    # words a field name makes but a label should not show
    unreadable = {"na", "std", "utc", "dtype", "dropna", "n", "min", "max", "idx"}
    for name, info in by_name.items():
        for key, title in _titles(info["params_schema"]).items():
            words = title.split()
            assert words, (name, key)
            assert words[0][0].isupper(), (name, key, title)
            for word in words[1:]:  # sentence case: later words lower-case but acronyms
                assert word.islower() or word.isupper() or not word.isalpha(), (name, title)
            assert title == "Convert to UTC" or not ({w.lower() for w in words} & unreadable), (
                name,
                key,
                title,
            )


def test_sdk_exports_from_package(tmp_path: Path) -> None:
    import jupyter_mlstudio as mls

    customers(30).to_csv(tmp_path / "c.csv", index=False)
    flow = mls.Flow.new(tmp_path / "c.csv")
    flow.add_step("drop_columns", {"columns": ["name"]})
    flow.save(tmp_path / "prep.flow")
    again = mls.Flow.load(tmp_path / "prep.flow")
    assert again.run().shape == (30, 9)
    assert callable(mls.list_transforms)


def test_report_hook_runs_on_a_node(flow: Flow) -> None:
    pytest.importorskip("jupyter_mlstudio.wrangler.insights")
    report = flow.report("impute", target="churned")
    assert report is not None
    flow.path = None  # a flow never saved
    with pytest.raises(InvalidArgumentError, match="save the flow first"):
        flow.run_job()
