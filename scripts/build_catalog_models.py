"""Build the JumpStart pre-built model ``breast-cancer-classifier``.

Trains the built-in ``logistic-regression`` algorithm (exactly what a training job runs,
``jobs/builtin.py``) on scikit-learn's Wisconsin breast-cancer data (569 rows, 30
features; the label ``diagnosis`` is ``malignant`` or ``benign``) and writes into
``jupyter_mlstudio/catalog/builtin/breast-cancer-classifier/``:

- ``model/``: the model folder as a training job writes it and the registry stores it;
- ``example.json``: a test request (two rows, ``dataframe_split``);
- the ``metrics`` block of ``manifest.yaml`` (rewritten in place).

    .venv/bin/python scripts/build_catalog_models.py

"Fine-tune on my data" trains the same algorithm with the same hyperparameters (the
manifest's ``algorithm`` and ``hyperparameters``) on the user's file.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "jupyter_mlstudio" / "catalog" / "builtin" / "breast-cancer-classifier"
ALGORITHM = "logistic-regression"
HYPERPARAMETERS = {"C": 0.5, "max_iter": 2000}
TARGET = "diagnosis"


def cancer_frame() -> Any:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" ", "_"))
    frame[TARGET] = frame.pop("target").map(dict(enumerate(bunch.target_names)))
    return frame


def main() -> int:
    from jupyter_mlstudio.jobs.builtin import train_builtin

    frame = cancer_frame()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cancer.csv"
        frame.to_csv(data, index=False)
        model_dir = Path(tmp) / "model"
        result = train_builtin(
            ALGORITHM,
            HYPERPARAMETERS,
            {"train": data},
            TARGET,
            model_dir,
            validation_fraction=0.25,
            random_state=0,
            log=lambda message: None,
        )
        shutil.rmtree(ENTRY / "model", ignore_errors=True)
        shutil.copytree(model_dir, ENTRY / "model")
    rows = frame.drop(columns=[TARGET]).iloc[[0, 19]]
    example = {"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()}}
    (ENTRY / "example.json").write_text(json.dumps(example, indent=1) + "\n")
    metrics = {
        k: round(float(v), 4) for k, v in result.metrics.items() if k.startswith("validation:")
    }
    manifest = ENTRY / "manifest.yaml"
    block = "metrics:\n" + "".join(f"  {k}: {v}\n" for k, v in sorted(metrics.items()))
    text = re.sub(r"metrics:\n(  .*\n)*", block, manifest.read_text())
    manifest.write_text(text)
    print(json.dumps(metrics, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
