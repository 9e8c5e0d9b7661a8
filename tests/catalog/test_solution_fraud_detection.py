"""The fraud-detection JumpStart solution end to end, offline, on this test's home: the
launch generates the imbalanced transactions, runs the pipeline (prep flow →
class-weighted XGBoost → threshold on validation, PR-AUC and recall on test → gate →
register the alerting model → deploy) and creates the monitor; the endpoint raises
alerts; the notebook runs top to bottom."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from catalog_test_entries import stop_endpoints
from nbclient import NotebookClient

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import SERVER_ROOT_ENV
from jupyter_mlstudio.studio import default_studio

ENTRY = "fraud-detection"


def test_fraud_detection_launches_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))  # where launches make project folders
    studio = default_studio()
    try:
        launch = mls.catalog.launch(ENTRY, {"target_precision": 0.75}).wait(timeout=300)
        assert launch.status == "Completed", (launch.failed_step, launch.error)
        folder = root / launch.folder
        data = pd.read_csv(folder / "data" / "transactions.csv")
        assert 0.01 <= data["is_fraud"].mean() <= 0.03  # imbalanced, as the manifest says
        assert (launch.model_name, launch.endpoint_name) == (ENTRY, ENTRY)
        assert launch.model_version == 1 and launch.monitor_name

        steps = {s.name: s for s in studio.pipelines.steps(launch.execution_id)}
        assert steps["pr-auc-too-low"].status == "Skipped"
        evaluate = steps["evaluate"]
        report = evaluate.outputs["report"]
        assert report["target_precision"] == 0.75  # the launch parameter reached the step
        # far above chance (the fraud rate) and the threshold is not the default 0.5
        assert report["pr_auc"] > 0.4 and report["roc_auc"] > 0.7
        assert report["validation"]["precision"] >= 0.75
        assert report["rows"] == {"validation": 3000, "test": 3000}
        assert 0 < report["test"]["recall"] < 1 and report["threshold"] != 0.5
        assert evaluate.metrics["pr_auc"] == pytest.approx(report["pr_auc"])

        runs = mls.search_runs(f"pipeline-{launch.pipeline_name}")
        evaluation = runs[runs["name"] == "evaluation"].iloc[0]
        assert evaluation["metrics.test:pr_auc"] == pytest.approx(report["pr_auc"])
        assert evaluation["metrics.threshold"] == pytest.approx(report["threshold"])

        version = studio.registry.get_version(ENTRY, 1)
        assert version.approval_status == "Approved"
        assert float(version.tags["decision_threshold"]) == pytest.approx(report["threshold"])

        # the endpoint alerts (1) at the chosen threshold: it agrees with the model's scores
        assert studio.endpoints.get(ENTRY).status == "InService"
        holdout = mls.Flow.load(folder / "prep.flow").run(output="test")
        sample = pd.concat(
            [holdout[holdout.is_fraud == 1].head(20), holdout[holdout.is_fraud == 0].head(20)]
        )
        alerts = np.asarray(studio.endpoints.predict(ENTRY, sample.drop(columns=["is_fraud"])))
        assert set(alerts.tolist()) <= {0, 1}
        assert alerts[:20].sum() > alerts[20:].sum()  # frauds get more alerts than the rest
        assert studio.monitor.get_monitor(launch.monitor_name).endpoint == ENTRY

        notebook = nbformat.read(folder / "fraud-detection.ipynb", as_version=4)
        NotebookClient(
            notebook,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        outputs = "".join(
            str(o.get("text", ""))
            for cell in notebook.cells
            if cell.cell_type == "code"
            for o in cell.get("outputs", [])
        )
        assert "fraud-detection version 1: Approved" in outputs
        # it read the launch's trained model through the SDK instead of training again
        assert len(mls.list_jobs(kind="training")) == 1
        assert "not running" not in outputs
    finally:
        stop_endpoints(studio, ENTRY)
