"""The pipeline's Python step: evaluate the trained model on the held-out digits, both
as pixel rows and as the PNG images in ``data/samples`` (through the model's own
inference code, exactly as the endpoint runs it)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls


def _inference_code(model: Path) -> Any:
    """The model folder's ``code/inference.py`` as a module."""
    script = model / "code" / "inference.py"
    spec = importlib.util.spec_from_file_location("digits_inference", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["digits_inference"] = module
    spec.loader.exec_module(module)
    return module


def _local(path: str) -> Path:
    """A step output's folder (``file:`` URLs of the local artifact store) as a path."""
    from urllib.parse import unquote, urlparse

    if path.startswith("file:"):
        return Path(unquote(urlparse(path).path))
    return Path(path)


@mls.step(outputs={"accuracy": float, "image_accuracy": float, "report": "Json"})
def evaluate(model: str, test: str, samples: str) -> dict[str, Any]:
    import pandas as pd
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    folder = _local(model)
    code = _inference_code(folder)
    loaded = code.model_fn(str(folder))
    table = pd.read_csv(test)
    X = table[[f"px{i}" for i in range(64)]].to_numpy(dtype=float)
    y = table["digit"].to_numpy()
    predicted = code.predict_fn(X, loaded)["predictions"]
    images = sorted(Path(samples).glob("digit_*.png"))
    read = [
        code.predict_fn(code.input_fn(p.read_bytes(), "image/png"), loaded)["predictions"][0]
        for p in images
    ]
    truth = [int(p.stem.split("_")[1]) for p in images]
    report = {
        "metrics": {
            "accuracy": float(accuracy_score(y, predicted)),
            "macro_f1": float(f1_score(y, predicted, average="macro")),
            "image_accuracy": float(accuracy_score(truth, read)) if images else 0.0,
        },
        "confusion_matrix": confusion_matrix(y, predicted).tolist(),
        "images": {p.name: int(d) for p, d in zip(images, read, strict=True)},
        "test_rows": len(table),
    }
    print(json.dumps(report["metrics"]))
    return {
        "accuracy": report["metrics"]["accuracy"],
        "image_accuracy": report["metrics"]["image_accuracy"],
        "report": report,
    }
