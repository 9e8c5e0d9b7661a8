"""Flows on dask.dataframe: every transform in DASK_READY gives the pandas engine's
result on every test dataset; a whole flow runs by partition, also as a job on the Dask
executor; a flow that needs pandas is refused with the steps that do."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.studio import Studio
from jupyter_mlstudio.wrangler import Flow
from jupyter_mlstudio.wrangler.distributed import DASK_READY, dask_blockers, run_on_dask
from jupyter_mlstudio.wrangler.transforms import get_transform

from .datasets import customers, datasets

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(autouse=True)
def synchronous_pandas_dtypes() -> Iterator[None]:
    with dask.config.set({"scheduler": "synchronous", "dataframe.convert-string": False}):
        yield


@pytest.mark.parametrize("name", sorted(DASK_READY))
def test_each_dask_ready_transform_matches_pandas(name: str) -> None:
    transform = get_transform(name)
    checked = 0
    for frame, options in datasets().values():
        frame = frame.copy()
        for column in options.get("parse_dates", []):  # as the CSV source reads them
            frame[column] = pd.to_datetime(frame[column])
        params = transform.example(frame)
        if params is None:
            continue
        parsed = transform.params_model.model_validate(params)
        expected = transform.apply([frame], parsed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lazy = transform.apply([dd.from_pandas(frame, npartitions=3)], parsed)
        for output, want in expected.items():
            got = lazy[output].compute()
            pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-12)
        checked += 1
    assert checked, f"{name} has no example on any test dataset"


def _flow(folder: Path) -> Flow:
    data = customers(3000, seed=7)
    data.to_csv(folder / "customers.csv", index=False)
    flow = Flow.new("customers.csv", base_dir=folder)
    flow.add_step("drop_columns", {"columns": ["id"]})
    flow.add_step("impute_mean", {"columns": ["age", "income"]})
    flow.add_step("fill_missing", {"columns": ["city"], "value": "unknown"})
    flow.add_step("text_case", {"columns": ["plan"], "case": "upper"})
    flow.add_step("formula", {"new_column": "income_k", "expression": "income / 1000"})
    flow.add_step("filter_rows", {"expression": "visits > 1"})
    flow.save(folder / "prep.flow")
    return flow


def _read_parts(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder).reset_index(drop=True)


def test_a_flow_runs_by_partition_and_matches_pandas(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    assert dask_blockers(flow.document) == []
    written = run_on_dask(flow.document, tmp_path, tmp_path / "out", blocksize="40KB")
    assert len(list(written["df"].glob("*.parquet"))) > 1  # really partitioned
    got = _read_parts(written["df"])
    want = flow.run().reset_index(drop=True)
    # one partition's mean differs from the whole column's only in the last bits
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)


def test_a_flow_that_needs_pandas_says_which_steps(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    flow.add_step("impute_median", {"columns": ["visits"]}, step_id="median")
    flow.add_step("split_random", {"test_size": 0.2}, step_id="split")
    problems = dask_blockers(flow.document)
    assert problems == [
        "step 'median' (impute_median) needs pandas",
        "step 'split' (split_random) needs pandas",
    ]
    with pytest.raises(InvalidArgumentError, match="impute_median"):
        run_on_dask(flow.document, tmp_path, tmp_path / "out")


def test_a_flow_job_on_the_dask_executor_runs_on_dask_dataframe(
    cluster: Any, tmp_path: Path
) -> None:
    flow = _flow(tmp_path)
    studio = Studio(
        StudioConfig.resolve(job_executor="dask", dask_address=cluster.scheduler_address)
    )
    try:
        job = studio.jobs.submit(
            ProcessingSpec(code=str(tmp_path / "prep.flow"), parameters={"engine": "dask"})
        )
        done = studio.jobs.wait(job.id, timeout=180)
        log = studio.jobs.read_log(job.id).text
        assert done.status == "Completed", (done.failure_reason, log)
        assert "on dask.dataframe" in log
        folder = Path(done.outputs["df"].removeprefix("file://"))
        got = _read_parts(folder)
        pd.testing.assert_frame_equal(
            got, flow.run().reset_index(drop=True), check_exact=False, rtol=1e-9
        )
    finally:
        studio.close()
