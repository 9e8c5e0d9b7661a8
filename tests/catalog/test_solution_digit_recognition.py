"""The digit-recognition JumpStart solution end to end, offline, on this test's home: the
launch writes the digits (CSV and sample PNGs), runs the pipeline (script-mode training
whose model carries image inference code → evaluate → accuracy gate → register with the
code trusted → deploy); the endpoint reads a PNG and a JPEG of a digit and pixel rows; the
notebook runs top to bottom and reaches the endpoint."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import nbformat
import pytest
from catalog_test_entries import stop_endpoints
from nbclient import NotebookClient

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import SERVER_ROOT_ENV
from jupyter_mlstudio.studio import default_studio

ENTRY = "digit-recognition"


def _post(endpoint: Any, body: bytes, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{endpoint.url}/invocations",
        data=body,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {endpoint.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_digit_recognition_launches_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv(SERVER_ROOT_ENV, str(root))  # where launches make project folders
    studio = default_studio()
    try:
        handle = mls.catalog.launch(ENTRY)
        launch = handle.wait(timeout=300)
        assert launch.status == "Completed", (launch.failed_step, launch.error)
        folder = root / launch.folder
        assert (folder / "data" / "train.csv").is_file()
        assert len(list((folder / "data" / "samples").glob("digit_*.png"))) == 10
        assert (launch.model_name, launch.endpoint_name) == ("digits", "digits")

        steps = {s.name: s for s in studio.pipelines.steps(launch.execution_id)}
        assert steps["too-inaccurate"].status == "Skipped"
        assert all(
            steps[name].status == "Succeeded"
            for name in ("train", "evaluate", "check", "register", "deploy")
        )
        metrics = steps["evaluate"].outputs["report"]["metrics"]
        assert metrics["accuracy"] > 0.97
        assert metrics["image_accuracy"] >= 0.8  # the PNG samples, through input_fn

        # registered as a code model, its code trusted by the pipeline's register step
        version = studio.registry.get_version("digits", launch.model_version)
        assert version.flavor == "sagemaker"
        assert version.tags["mlstudio.inference_code"] == "code/inference.py"
        assert version.tags["mlstudio.trust_code"] == "true"

        # the endpoint reads images as they come: a PNG file, a JPEG, and pixel rows
        endpoint = studio.endpoints.get("digits")
        assert endpoint.status == "InService"
        status, answer = _post(
            endpoint, (folder / "data/samples/digit_3.png").read_bytes(), "image/png"
        )
        assert status == 200, answer
        assert answer["predictions"] == [3]
        assert len(answer["probabilities"][0]) == 10
        jpeg = io.BytesIO()
        Image.open(folder / "data/samples/digit_0.png").convert("RGB").resize((300, 300)).save(
            jpeg, format="JPEG", quality=85
        )
        status, answer = _post(endpoint, jpeg.getvalue(), "image/jpeg")
        assert (status, answer["predictions"]) == (200, [0]), answer
        rows = (folder / "data" / "test.csv").read_text().splitlines()[:3]
        status, answer = _post(
            endpoint, "\n".join(r.rsplit(",", 1)[0] for r in rows).encode(), "text/csv"
        )
        assert status == 200 and len(answer["predictions"]) == 2, answer  # header skipped
        status, answer = _post(endpoint, b"GIF89a not really", "image/gif")
        assert status == 400 and "input_fn" in answer["error"]["message"]

        # the notebook runs top to bottom in the project folder and reaches the endpoint
        notebook = nbformat.read(folder / f"{ENTRY}.ipynb", as_version=4)
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
        assert "digit_0.png: predicted 0" in outputs
        assert "not running" not in outputs
    finally:
        stop_endpoints(studio, "digits")
