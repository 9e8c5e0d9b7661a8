"""Build the JumpStart pre-built model ``digits-classifier``.

Trains the digit-recognition solution's classifier (its ``code/train.py``: an RBF SVM
with calibrated probabilities) on the training split of scikit-learn's ``load_digits``,
measures it on the held-out split, and writes into
``jupyter_mlstudio/catalog/builtin/digits-classifier/``:

- ``model/``: the model folder as the registry stores it (``model.skops``,
  ``code/inference.py`` — images or pixel rows in, digits out — and ``metadata.json``);
- ``example.json``: a test request (one 8x8 image as 64 pixel values);
- the ``metrics`` block of ``manifest.yaml`` (rewritten in place).

    .venv/bin/python scripts/build_catalog_digits_model.py

Run it again after changing the solution's training or inference code (the test
``tests/catalog/test_catalog_digits_model.py`` checks the copies are the same).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ROOT / "jupyter_mlstudio" / "catalog" / "builtin"
SOLUTION = BUILTIN / "digit-recognition"
ENTRY = BUILTIN / "digits-classifier"
SEED = 0


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    from sklearn.datasets import load_digits
    from sklearn.metrics import accuracy_score, f1_score, log_loss
    from sklearn.model_selection import train_test_split

    train = _module(SOLUTION / "code" / "train.py", "digits_train")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED, stratify=y
    )
    model = train.fit(X_train, y_train, C=10.0, gamma=0.001, seed=SEED)
    predicted = model.predict(X_test)
    metrics = {
        "validation:accuracy": round(float(accuracy_score(y_test, predicted)), 4),
        "validation:f1_macro": round(float(f1_score(y_test, predicted, average="macro")), 4),
        "validation:log_loss": round(float(log_loss(y_test, model.predict_proba(X_test))), 4),
    }
    folder = ENTRY / "model"
    shutil.rmtree(folder, ignore_errors=True)
    example = [[int(v) for v in X_test[0]]]
    train.save(model, folder, example)
    metadata = json.loads((folder / "metadata.json").read_text())
    # reproducible files: no build time, the metrics beside the model
    metadata.pop("created_at", None)
    metadata["metrics"] = metrics
    metadata["training"] = {
        "data": "sklearn.datasets.load_digits, stratified 75/25 split (seed 0)",
        "rows": len(X_train),
        "hyperparameters": {"C": 10.0, "gamma": 0.001},
    }
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    (ENTRY / "example.json").write_text(json.dumps({"instances": example}) + "\n")
    manifest = ENTRY / "manifest.yaml"
    text = manifest.read_text()
    block = "metrics:\n" + "".join(f"  {k}: {v}\n" for k, v in metrics.items())
    text, count = re.subn(r"(?m)^metrics:\n(?:  .*\n)*", block, text)
    if count != 1:
        text += block
    manifest.write_text(text)
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
