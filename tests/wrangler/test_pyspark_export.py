"""The PySpark export, run for real on a local Spark: for every transform with a Spark
template, on every test dataset it has an example for, the script's output equals the
pandas engine's; flows and parameters it cannot reproduce exactly are refused with
their names."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument, Step
from jupyter_mlstudio.wrangler.pyspark_export import TEMPLATES, pyspark_blockers, to_pyspark
from jupyter_mlstudio.wrangler.transforms import REGISTRY

pyspark_sql = pytest.importorskip("pyspark.sql")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (
            pyspark_sql.SparkSession.builder.master("local[1]")
            .appName("mlstudio-export-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _flow(name: str, params: dict[str, Any], main: Path, options: dict[str, Any]) -> Flow:
    doc = FlowDocument(
        sources=[CsvSource(id="data", path=main.name, options=options)],
        steps=[Step(id="step", transform=name, params=params, inputs=["data"])],
    )
    doc.validate_graph()
    return Flow(doc, base_dir=main.parent)


def _normalized(frame: pd.DataFrame) -> pd.DataFrame:
    """Values to compare: numbers as floats, missing (None, NaN, NaT) as NaN, datetimes
    as naive UTC, text as str; Spark and pandas differ in dtypes, not in values."""
    out = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            out[column] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = series.dt.tz_convert(None) if series.dt.tz is not None else series
            out[column] = values.astype("datetime64[us]")
        else:
            values = series.astype(object)
            if values.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all():
                out[column] = values.map(lambda v: np.nan if v is None else float(v))
            else:
                out[column] = values.map(
                    lambda v: (
                        np.nan if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                    )
                )
    return pd.DataFrame(out).reset_index(drop=True)


def _check(flow: Flow, spark: Any, tmp_path: Path) -> None:
    expected = flow.run_all()
    script = to_pyspark(flow.document, flow.base_dir, output_dir=str(tmp_path / "out"))
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(script, "<pyspark export>", "exec"), namespace)
    for output, want in expected.items():
        got = spark.read.parquet(str(tmp_path / "out" / output)).toPandas()
        assert list(got.columns) == list(want.columns)
        pd.testing.assert_frame_equal(
            _normalized(got), _normalized(want), check_exact=False, rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_equals_the_pandas_engine(
    name: str, spark: Any, dataset_files: dict[str, Any], tmp_path: Path
) -> None:
    transform = REGISTRY[name]
    checked = []
    for dataset, (main, _right, options) in dataset_files.items():
        params = transform.example(pd.read_csv(main, **options))
        if params is None:
            continue
        flow = _flow(name, params, main, options)
        if pyspark_blockers(flow.document):
            continue  # refused combinations are tested below
        _check(flow, spark, tmp_path / dataset)
        checked.append(dataset)
    assert checked, f"{name}: no test dataset exercised its Spark template"


def test_a_chain_of_steps_equals_the_pandas_export(
    spark: Any, dataset_files: dict[str, Any], tmp_path: Path
) -> None:
    main, _right, options = dataset_files["customers"]
    flow = Flow(
        FlowDocument(sources=[CsvSource(id="c", path=main.name, options=options)]),
        base_dir=main.parent,
    )
    flow.add_step("drop_columns", {"columns": ["id"]})
    flow.add_step("impute_mean", {"columns": ["age", "income"]})
    flow.add_step("fill_missing", {"columns": ["city"], "value": "unknown"})
    flow.add_step("text_strip", {"columns": ["name"], "characters": None})
    flow.add_step("text_case", {"columns": ["plan"], "case": "capitalize"})
    flow.add_step("formula", {"new_column": "income_k", "expression": "income / 1000"})
    flow.add_step("filter_rows", {"expression": "visits > 1 and `income_k` >= 20"})
    flow.add_step("sort_rows", {"columns": ["plan", "visits"], "ascending": False})
    flow.add_step("regex_replace", {"columns": ["city"], "pattern": "(a)", "replacement": r"<\1>"})
    _check(flow, spark, tmp_path)


def test_what_spark_would_do_differently_is_refused_with_the_step(
    dataset_files: dict[str, Any],
) -> None:
    main, _right, options = dataset_files["customers"]
    flow = Flow(
        FlowDocument(sources=[CsvSource(id="c", path=main.name, options=options)]),
        base_dir=main.parent,
    )
    flow.add_step("impute_median", {"columns": ["age"]}, step_id="median")
    flow.add_step("text_case", {"columns": ["plan"], "case": "title"}, step_id="title")
    flow.add_step(
        "regex_replace",
        {"columns": ["city"], "pattern": "(?P<x>a)", "replacement": "b"},
        step_id="named",
    )
    flow.add_step("formula", {"new_column": "y", "expression": "age ** 2"}, step_id="power")
    problems = pyspark_blockers(flow.document)
    assert [p.split(" ", 2)[1] for p in problems] == ["'median'", "'title'", "'named'", "'power'"]
    with pytest.raises(InvalidArgumentError, match=r"cannot be exported to PySpark.*'median'"):
        to_pyspark(flow.document, flow.base_dir)
