"""The credit-risk JumpStart solution end to end, offline, on this test's home: the launch
generates the data, runs the pipeline (prep flow → XGBoost → per-group evaluation → AUC
gate → register → model card → deploy) and creates the monitor; the endpoint answers
decisions; the model card and the run hold the per-group metrics; the notebook runs top
to bottom."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
from catalog_test_entries import stop_endpoints
from nbclient import NotebookClient

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import SERVER_ROOT_ENV
from jupyter_mlstudio.studio import default_studio

ENTRY = "credit-risk"


def test_credit_risk_launches_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))  # where launches make project folders
    studio = default_studio()
    try:
        handle = mls.catalog.launch(ENTRY, {"min_auc": 0.65})
        launch = handle.wait(timeout=300)
        assert launch.status == "Completed", (launch.failed_step, launch.error)
        folder = root / launch.folder
        assert launch.folder == ENTRY and (folder / "data" / "credit.csv").is_file()
        assert (launch.model_name, launch.endpoint_name) == ("credit-risk", "credit-risk")
        assert launch.model_version == 1 and launch.monitor_name

        steps = {s.name: s for s in studio.pipelines.steps(launch.execution_id)}
        assert steps["auc-too-low"].status == "Skipped"
        assert all(
            steps[name].status == "Succeeded"
            for name in ("prep", "train", "evaluate", "register", "model-card", "deploy")
        )
        report = steps["evaluate"].outputs["report"]
        assert report["overall"]["auc"] > 0.7
        assert set(report["groups"]["sex"]) == {"F", "M"}
        assert set(report["groups"]["age_band"]) == {"18-25", "26-35", "36-50", "51-65", "66+"}
        assert "sex" not in report["features"]  # a protected attribute is never a feature

        # the per-group metrics are run metrics
        runs = mls.search_runs(f"pipeline-{launch.pipeline_name}")
        evaluation = runs[runs["name"] == "evaluation"].iloc[0]
        for key in ("sex=F:approval_rate", "age_band=18-25:auc", "sex:approval_rate_ratio"):
            assert 0 <= evaluation[f"metrics.{key}"] <= 1, key

        # the model card holds the per-group evaluation
        version = studio.registry.get_version("credit-risk", 1)
        assert version.approval_status == "Approved"
        assert "Per sex" in version.card["evaluation"]
        assert "| 18-25 |" in version.card["evaluation"]
        assert "four-fifths" in version.card["caveats"]
        assert version.card["intended_use"] and version.card["training_data"]
        assert version.tags["catalog"] == ENTRY
        assert version.tags["mlstudio.pipeline_step"] == "register"  # merged, not replaced

        # the endpoint answers the decision (1 = decline) on prepared applications
        endpoint = studio.endpoints.get("credit-risk")
        assert endpoint.status == "InService"
        test = mls.Flow.load(folder / "prep.flow").run(output="test")
        rows = test.drop(columns=["default", "sex"]).head(40)
        decisions = np.asarray(studio.endpoints.predict("credit-risk", rows))
        assert set(decisions.tolist()) <= {0, 1} and 0 < decisions.sum() < len(decisions)
        assert studio.monitor.get_monitor(launch.monitor_name).endpoint == "credit-risk"

        # the notebook runs top to bottom in the project folder
        notebook = nbformat.read(folder / "credit-risk.ipynb", as_version=4)
        NotebookClient(
            notebook,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        outputs = "".join(
            str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
            for cell in notebook.cells
            if cell.cell_type == "code"
            for o in cell.get("outputs", [])
        )
        assert "Model card: credit-risk version" in outputs
        # it read the launch's trained model through the SDK instead of training again
        assert len(mls.list_jobs(kind="training")) == 1
        assert "not running" not in outputs
    finally:
        stop_endpoints(studio, "credit-risk")
