"""The pre-built ``digits-classifier`` (JumpStart): its model folder registers, deploys
and answers images (PNG, JPEG, any size, either polarity) and pixel rows through its
inference code; bad images are the client's fault (400); its manifest's metrics are
what the model scores; its inference code is the digit-recognition solution's."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from jupyter_mlstudio.errors import MLStudioError
from jupyter_mlstudio.studio import Studio

BUILTIN = Path(__file__).resolve().parents[2] / "jupyter_mlstudio" / "catalog" / "builtin"
ENTRY = BUILTIN / "digits-classifier"
SOLUTION = BUILTIN / "digit-recognition"


def _inference() -> ModuleType:
    name = "digits_classifier_inference_test"
    spec = importlib.util.spec_from_file_location(name, ENTRY / "model/code/inference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _held_out() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return X_test, y_test


def _image(pixels: np.ndarray, *, size: int, fmt: str, light_ink: bool = False) -> bytes:
    """A load_digits row drawn as an image file: ``size`` pixels, smoothed, a margin."""
    from PIL import Image

    cells = (pixels.reshape(8, 8) / 16.0 * 255).astype(np.uint8)
    ink = cells if light_ink else 255 - cells
    inner = size * 2 // 3
    digit = Image.fromarray(ink).resize((inner, inner), Image.Resampling.BICUBIC)
    page = Image.new("L", (size, size + 20), 0 if light_ink else 255)
    page.paste(digit, ((size - inner) // 2, 15))
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


def test_code_is_the_solutions() -> None:
    assert (ENTRY / "model/code/inference.py").read_bytes() == (
        SOLUTION / "code/inference.py"
    ).read_bytes(), "run scripts/build_catalog_digits_model.py after changing the solution"


def test_manifest_metrics_are_the_models() -> None:
    manifest = yaml.safe_load((ENTRY / "manifest.yaml").read_text())
    code = _inference()
    model = code.model_fn(str(ENTRY / "model"))
    X_test, y_test = _held_out()
    accuracy = float(np.mean(code.predict_fn(X_test, model)["predictions"] == y_test))
    assert manifest["metrics"]["validation:accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert accuracy > 0.98
    # drawn as images, the held-out digits are still read (crop, centre, 8x8 ink share)
    images = [_image(x, size=90, fmt="PNG") for x in X_test[:100]]
    read = [code.predict_fn(code.input_fn(b, "image/png"), model)["predictions"][0] for b in images]
    assert float(np.mean(np.array(read) == y_test[:100])) >= 0.93


def test_input_forms() -> None:
    code = _inference()
    row = list(range(64))
    for body, kind in [
        (json.dumps([row]), "application/json"),
        (json.dumps(row), "application/json"),
        (json.dumps({"instances": [row, row]}), "application/json"),
        (
            json.dumps(
                {"dataframe_split": {"columns": [f"px{i}" for i in range(64)], "data": [row]}}
            ),
            "application/json",
        ),
        (json.dumps(np.arange(64).reshape(8, 8).tolist()), "application/json"),
        ("\n".join([",".join(f"px{i}" for i in range(64)), ",".join(map(str, row))]), "text/csv"),
    ]:
        assert code.input_fn(body, kind).shape[1] == 64, body[:40]
    for body, kind, message in [
        (json.dumps([[1, 2, 3]]), "application/json", "64 pixels"),
        (b"not an image", "image/png", "not an image"),
        (json.dumps({"rows": []}), "application/json", "instances"),
        ("a,b", "application/xml", "content type"),
    ]:
        with pytest.raises(ValueError, match=message):
            code.input_fn(body, kind)
    blank = io.BytesIO()
    from PIL import Image

    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(blank, format="PNG")  # transparent
    assert code.input_fn(blank.getvalue(), "image/png").sum() == 0


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


def _deploy(studio: Studio) -> Any:
    """One click: the catalog registers the built-in model (its code trusted, as the
    package's own) and deploys it."""
    deployment = studio.catalog.deploy("digits-classifier")
    assert (deployment.model_name, deployment.endpoint_name) == (
        "digits-classifier",
        "digits-classifier",
    )
    return studio.endpoints.get(deployment.endpoint_name)


def test_deploy_and_send_images(studio: Studio) -> None:
    try:
        endpoint = _deploy(studio)
        assert endpoint.status == "InService", studio.endpoints.read_log(endpoint.name).text[-3000:]
        X_test, y_test = _held_out()
        example = (ENTRY / "example.json").read_bytes()
        status, answer = _post(endpoint, example, "application/json")
        assert status == 200, answer
        assert answer["predictions"] == [int(y_test[0])]
        assert answer["classes"] == list(range(10))
        assert len(answer["probabilities"][0]) == 10
        for index, kind, fmt, size, light in [
            (3, "image/png", "PNG", 200, False),
            (5, "image/jpeg", "JPEG", 64, False),
            (8, "image/png", "PNG", 33, True),
        ]:
            body = _image(X_test[index], size=size, fmt=fmt, light_ink=light)
            status, answer = _post(endpoint, body, kind)
            assert status == 200, answer
            assert answer["predictions"] == [int(y_test[index])], (index, answer)
        status, answer = _post(endpoint, b"\x89PNG broken", "image/png")
        assert status == 400
        assert "input_fn" in answer["error"]["message"]
        assert "not an image" in answer["error"]["message"]
        example_request = studio.endpoints.example(endpoint.name)
        assert (
            json.loads(example_request["body"])["instances"][0]
            == json.loads(example)["instances"][0]
        )
    finally:
        with contextlib.suppress(MLStudioError):
            studio.endpoints.delete("digits-classifier")


def test_fine_tune_on_pixel_rows(studio: Studio, tmp_path: Path) -> None:
    """The manifest's fine-tuning (svm-classifier with its hyperparameters) trains on a
    CSV of 64 pixel columns and 'digit', and registers a new digits-classifier version."""
    import pandas as pd
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    table = pd.DataFrame(X[:400].astype(int), columns=[f"px{i}" for i in range(64)])
    table["digit"] = y[:400]
    table.to_csv(tmp_path / "my-digits.csv", index=False)
    job = studio.catalog.fine_tune("digits-classifier", "my-digits.csv", base_dir=tmp_path)
    finished = studio.jobs.wait(job.id, timeout=180)
    assert finished.status == "Completed", finished.failure_reason
    name, version = finished.outputs["registered_model"].split("/")
    assert name == "digits-classifier"
    assert studio.registry.get_version(name, int(version)).metrics["validation:accuracy"] > 0.9
