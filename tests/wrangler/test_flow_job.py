"""Flow.run_job submits the saved flow as a processing job through the jobs service
(not through the SDK) on the process's default studio."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import jupyter_mlstudio as mls
from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument, SampleSpec

from .datasets import customers


def test_run_job_runs_the_saved_flow_as_a_processing_job(tmp_path: Path) -> None:
    customers().to_csv(tmp_path / "customers.csv", index=False)
    source = CsvSource(id="customers", path="customers.csv")
    flow = Flow(FlowDocument(sources=[source], sample=SampleSpec(size=300)), base_dir=tmp_path)
    flow.add_step("drop_columns", {"columns": ["name"]}, step_id="drop")
    flow.save(tmp_path / "prep.flow")

    handle = flow.run_job(output_format="csv", name="prep-job", experiment="flows", wait=True)

    job = handle.job
    assert job.status == "Completed", handle.failure_reason
    assert job.kind == "processing" and job.name == "prep-job"
    assert job.spec["parameters"] == {"output_format": "csv", "engine": "auto"}
    assert job.spec["code"] == str(tmp_path / "prep.flow")
    # the job is in the store the SDK uses, and its run in the named experiment
    assert mls.studio().jobs.get(job.id).status == "Completed"
    assert handle.run is not None
    assert mls.get_experiment("flows").id == handle.run.experiment_id
    written = list((tmp_path / "mlstudio-home").rglob("*.csv"))
    assert written, "the flow wrote no output"
    assert "name" not in pd.read_csv(written[0]).columns
