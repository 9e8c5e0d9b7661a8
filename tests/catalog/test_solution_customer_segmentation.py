"""The customer-segmentation JumpStart solution end to end, offline, on this test's home:
the launch generates the customers, runs the pipeline (prep flow → a grid tuning job over
k on the silhouette → profile → silhouette gate → register → deploy) and creates the
monitor; the endpoint answers segments; the notebook runs top to bottom."""

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

ENTRY = "customer-segmentation"


def test_customer_segmentation_launches_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))  # where launches make project folders
    studio = default_studio()
    try:
        handle = mls.catalog.launch(ENTRY, {"k_min": 3, "k_max": 5})
        launch = handle.wait(timeout=300)
        assert launch.status == "Completed", (launch.failed_step, launch.error)
        folder = root / launch.folder
        assert (folder / "data" / "customers.csv").is_file()
        assert (launch.model_name, launch.endpoint_name) == ("segments", "segments")
        assert launch.monitor_name

        steps = {s.name: s for s in studio.pipelines.steps(launch.execution_id)}
        assert steps["segments-unclear"].status == "Skipped"
        assert all(
            steps[name].status == "Succeeded"
            for name in ("prep", "choose-k", "profile", "register", "deploy")
        )
        # the grid found the four kinds of customers the recipe hides
        assert steps["choose-k"].properties["BestHyperparameters"]["n_clusters"] in (4, "4")
        report = steps["profile"].outputs["report"]
        assert report["metrics"]["segments"] == 4
        assert report["metrics"]["silhouette"] > 0.4
        names = {s["name"] for s in report["segments"]}
        assert names == {"lapsed", "bargain hunters", "high spenders", "regulars"}
        lapsed = next(s for s in report["segments"] if s["name"] == "lapsed")
        assert lapsed["vs_average"]["recency_days"] > 1.0  # far longer since the last order
        assert sum(s["customers"] for s in report["segments"]) == 4000

        # the endpoint answers each customer's segment
        endpoint = studio.endpoints.get("segments")
        assert endpoint.status == "InService"
        test = mls.Flow.load(folder / "prep.flow").run(output="test")
        segments = np.asarray(studio.endpoints.predict("segments", test.head(50)))
        assert set(segments.tolist()) <= {0, 1, 2, 3} and len(set(segments.tolist())) >= 3
        assert studio.monitor.get_monitor(launch.monitor_name).endpoint == "segments"

        # the notebook runs top to bottom in the project folder
        notebook = nbformat.read(folder / f"{ENTRY}.ipynb", as_version=4)
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
        assert "best k: 4" in outputs
        assert "not running" not in outputs
    finally:
        stop_endpoints(studio, "segments")
