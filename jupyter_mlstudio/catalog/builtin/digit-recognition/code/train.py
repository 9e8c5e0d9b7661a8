"""Train the digit classifier (SageMaker script mode).

Reads the ``train`` channel (a CSV of 64 pixel columns ``px0`` … ``px63`` and ``digit``),
fits an RBF support vector classifier with calibrated probabilities, and saves the model
folder the registry stores: ``model.skops``, this entry's inference code under ``code/``
(so the endpoint takes images, see ``inference.py``) and ``metadata.json``.

    python train.py --C 10 --gamma 0.001      (SM_CHANNEL_TRAIN, SM_MODEL_DIR set)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TARGET = "digit"
PIXEL_COLUMNS = [f"px{i}" for i in range(64)]


def fit(X: Any, y: Any, *, C: float = 10.0, gamma: float = 0.001, seed: int = 0) -> Any:
    """The classifier: an RBF SVM (no scaling: the pixels share the 0..16 range) whose
    decision values are calibrated into class probabilities."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC

    model = CalibratedClassifierCV(SVC(C=C, gamma=gamma, random_state=seed), ensemble=False)
    return model.fit(np.asarray(X, dtype=np.float64), np.asarray(y))


def save(model: Any, folder: Path, example: list[list[float]]) -> None:
    """``folder`` as a code model: the skops file, ``code/inference.py``, the metadata
    (flavor ``sagemaker``: the endpoint runs the handlers of ``code/inference.py``)."""
    from jupyter_mlstudio.registry.format import dump_estimator, library_versions, write_metadata

    folder.mkdir(parents=True, exist_ok=True)
    untrusted = dump_estimator(model, folder)
    (folder / "code").mkdir(exist_ok=True)
    shutil.copy2(HERE / "inference.py", folder / "code" / "inference.py")
    write_metadata(
        folder,
        {
            "flavor": "sagemaker",
            "model_file": "code/inference.py",
            "inference_code": "code/inference.py",
            "signature": {
                "inputs": [{"name": c, "dtype": "float64"} for c in PIXEL_COLUMNS],
                "outputs": [{"name": TARGET, "dtype": "int64"}],
            },
            "input_example": example,
            "library_versions": {**library_versions(), "pillow": _version("pillow")},
            "untrusted_types": untrusted,
            "classes": [int(c) for c in model.classes_],
            "content_types": ["image/png", "image/jpeg", "application/json", "text/csv"],
        },
    )


def _version(package: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _train_file(channel: Path) -> Path:
    if channel.is_file():
        return channel
    files = sorted(channel.glob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV file in the train channel {channel}")
    return files[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float, default=10.0)
    parser.add_argument("--gamma", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = pd.read_csv(_train_file(Path(os.environ["SM_CHANNEL_TRAIN"])))
    X, y = data[PIXEL_COLUMNS], data[TARGET]
    model = fit(X, y, C=args.C, gamma=args.gamma, seed=args.seed)
    print(f"train accuracy: {model.score(X.to_numpy(dtype=float), y):.4f}")
    save(model, Path(os.environ["SM_MODEL_DIR"]), X.head(1).to_numpy().tolist())
    print(json.dumps({"rows": len(data), "C": args.C, "gamma": args.gamma}))


if __name__ == "__main__":
    main()
