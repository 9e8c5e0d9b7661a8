"""The customer-churn JumpStart solution end to end, offline, on this test's home: the
launch generates the data, runs the pipeline (prep flow → XGBoost → evaluate → AUC gate
→ register → deploy), turns data capture on and creates the hourly data-quality monitor;
the endpoint answers; the notebook runs top to bottom in the project folder (and reaches
the endpoint)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from catalog_test_entries import stop_endpoints
from nbclient import NotebookClient

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import SERVER_ROOT_ENV
from jupyter_mlstudio.monitor.baseline import CONSTRAINTS_FILE, load_constraints
from jupyter_mlstudio.studio import default_studio

ENTRY = "customer-churn"


def test_customer_churn_launches_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))
    studio = default_studio()
    try:
        launch = mls.catalog.launch(ENTRY, {"min_auc": 0.7}).wait(timeout=300)
        assert launch.status == "Completed", (launch.failed_step, launch.error)
        folder = root / launch.folder
        assert launch.folder == ENTRY
        customers = pd.read_csv(folder / "data" / "churn.csv")
        assert customers.shape == (5000, 18) and 0.02 < customers["age"].isna().mean() < 0.06
        assert (launch.model_name, launch.model_version, launch.endpoint_name) == (
            "churn",
            1,
            "churn",
        )
        assert launch.notebook == f"{ENTRY}/customer-churn.ipynb"

        steps = {s.name: s for s in studio.pipelines.steps(launch.execution_id or "")}
        assert steps["auc-too-low"].status == "Skipped"
        for name in ("prep", "train", "evaluate", "check-auc", "register", "model-card", "deploy"):
            assert steps[name].status in ("Succeeded", "Cached"), (name, steps[name].error)
        assert 0.75 < steps["evaluate"].outputs["auc"] < 1.0
        version = studio.registry.get_version("churn", 1)
        assert version.approval_status == "Approved" and version.tags["catalog"] == ENTRY
        assert "ROC AUC 0." in version.card["evaluation"] and version.card["intended_use"]

        # the endpoint answers churn predictions for prepared customers
        endpoint = studio.endpoints.get("churn")
        assert endpoint.status == "InService"
        assert endpoint.config["capture"]["enabled"] is True
        test = mls.Flow.load(folder / "prep.flow").run(output="test")
        predictions = studio.endpoints.predict("churn", test.drop(columns=["churned"]).head(50))
        assert set(predictions) <= {0, 1} and 0 < sum(predictions) < 50

        monitor = studio.monitor.get_monitor(launch.monitor_name or "")
        assert (monitor.name, monitor.endpoint, monitor.schedule) == (
            "churn-data-quality",
            "churn",
            "rate(1 hour)",
        )
        assert monitor.baseline  # from the training split
        # ... cut to the model's inputs: a request has no target column, and a baseline
        # feature missing from the traffic would be a violation at every check
        constraints = load_constraints(f"{monitor.baseline}/{CONSTRAINTS_FILE}")
        baseline_features = {f.name for f in constraints.features}
        assert baseline_features == {i["name"] for i in version.signature["inputs"]}
        assert "churned" not in baseline_features

        # the notebook runs top to bottom in the project folder, reaching the endpoint
        notebook = nbformat.read(folder / "customer-churn.ipynb", as_version=4)
        NotebookClient(
            notebook,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        outputs = "".join(
            str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
            for cell in notebook.cells
            if cell.cell_type == "code"
            for o in cell.get("outputs", [])
        )
        assert "test AUC" in outputs and "predicted_churn" in outputs
        assert "not running" not in outputs
    finally:
        stop_endpoints(studio, "churn")
