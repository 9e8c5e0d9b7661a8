"""The demand-forecasting JumpStart solution end to end, offline, on this test's home: the
launch generates the sales history, runs the pipeline (prep flow with lags → rolling-origin
backtest beside the final XGBoost fit → MAPE gate → register → deploy) and creates the
monitor; the endpoint forecasts; the backtest's folds are run metrics and a report; the
notebook runs top to bottom."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from catalog_test_entries import stop_endpoints
from nbclient import NotebookClient

import jupyter_mlstudio as mls
from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.config import SERVER_ROOT_ENV
from jupyter_mlstudio.studio import default_studio

ENTRY = "demand-forecasting"


def test_demand_forecasting_launches_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))  # where launches make project folders
    studio = default_studio()
    try:
        launch = mls.catalog.launch(ENTRY, {"num_round": 120}).wait(timeout=300)
        assert launch.status == "Completed", (launch.failed_step, launch.error)
        folder = root / launch.folder
        sales = pd.read_csv(folder / "data" / "sales.csv")
        per_series = sales.groupby(["store", "item"]).size()
        assert len(per_series) == 12 and per_series.max() < 639  # days are missing
        assert (launch.model_name, launch.endpoint_name) == (ENTRY, ENTRY)
        assert launch.model_version == 1 and launch.monitor_name

        steps = {s.name: s for s in studio.pipelines.steps(launch.execution_id)}
        assert steps["backtest-error-too-high"].status == "Skipped"
        backtest = steps["backtest"]
        report = backtest.outputs["report"]
        folds = report["folds"]
        assert [f["fold"] for f in folds] == [1, 2, 3] and report["horizon_days"] == 28
        # rolling origin: each fold trains on more history, and only on days before it
        assert folds[0]["train_rows"] < folds[1]["train_rows"] < folds[2]["train_rows"]
        assert all(f["train_until"] < f["window"][:10] for f in folds)
        # the model beats the seasonal-naive forecast and passes the gate (0.3)
        assert all(f["mape"] < f["naive_mape"] for f in folds)
        assert backtest.metrics["mape"] == pytest.approx(report["mean"]["mape"])
        assert report["mean"]["mape"] < 0.3

        runs = mls.search_runs(f"pipeline-{launch.pipeline_name}")
        run = runs[runs["name"] == "backtest"].iloc[0]
        for k, fold in enumerate(folds, 1):
            assert run[f"metrics.fold{k}:mape"] == pytest.approx(fold["mape"])
            assert run[f"metrics.fold{k}:rmse"] == pytest.approx(fold["rmse"])
        markdown = ArtifactRepository(mls.get_run(run["run_id"]).artifact_uri).open("backtest.md")
        assert "| 3 |" in markdown.read().decode()

        version = studio.registry.get_version(ENTRY, 1)
        assert float(version.tags["backtest_mape"]) == pytest.approx(report["mean"]["mape"])
        assert "date" not in [c["name"] for c in version.signature["inputs"]]

        # the endpoint forecasts units for prepared rows, close to what was sold
        assert studio.endpoints.get(ENTRY).status == "InService"
        prepared = mls.Flow.load(folder / "prep.flow").run().tail(24)
        forecast = np.asarray(
            studio.endpoints.predict(ENTRY, prepared.drop(columns=["units_sold", "date"]))
        )
        actual = prepared["units_sold"].to_numpy()
        assert forecast.shape == (24,) and np.mean(np.abs(forecast - actual) / actual) < 0.4
        assert studio.monitor.get_monitor(launch.monitor_name).endpoint == ENTRY

        notebook = nbformat.read(folder / "demand-forecasting.ipynb", as_version=4)
        NotebookClient(
            notebook,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        outputs = "".join(
            str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
            for cell in notebook.cells
            if cell.cell_type == "code"
            for o in cell.get("outputs", [])
        )
        assert "demand-forecasting version 1: Approved" in outputs
        assert "forecast" in outputs and "not running" not in outputs
    finally:
        stop_endpoints(studio, ENTRY)
