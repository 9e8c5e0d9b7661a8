"""The data recipe: scikit-learn's handwritten digits (``load_digits``, 1,797 images of
8x8 pixels, 0..16, shipped with scikit-learn: nothing is downloaded).

Writes under ``folder/data/``:

- ``train.csv`` and ``test.csv``: a stratified 75/25 split (fixed seed), columns
  ``px0`` … ``px63`` (row by row) and ``digit``;
- ``samples/``: ten test images as PNG files, one per digit, drawn as a scanner would
  see them (dark ink on white paper, 112x112 pixels, smoothed) — what you send to the
  endpoint as an image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PIXEL_COLUMNS = [f"px{i}" for i in range(64)]


def generate(folder: Path, *, seed: int = 0, test_fraction: float = 0.25, **_: Any) -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    out = Path(folder) / "data"
    out.mkdir(parents=True, exist_ok=True)
    for name, pixels, labels in (("train", X_train, y_train), ("test", X_test, y_test)):
        table = pd.DataFrame(pixels.astype(int), columns=PIXEL_COLUMNS)
        table["digit"] = labels
        table.to_csv(out / f"{name}.csv", index=False)
    samples = out / "samples"
    samples.mkdir(exist_ok=True)
    for digit in range(10):
        first = int(np.flatnonzero(y_test == digit)[0])
        write_png(X_test[first], samples / f"digit_{digit}.png")


def write_png(pixels: Any, path: Path, size: int = 112) -> None:
    """One load_digits row as a PNG: dark ink on white, ``size`` pixels square with a
    margin, smoothed (bilinear) like a scan."""
    from PIL import Image

    cells = (np.asarray(pixels, dtype=np.float64).reshape(8, 8) / 16.0 * 255).astype(np.uint8)
    inner = size * 3 // 4
    digit = Image.fromarray(255 - cells).resize((inner, inner), Image.Resampling.BILINEAR)
    page = Image.new("L", (size, size), 255)
    page.paste(digit, ((size - inner) // 2, (size - inner) // 2))
    page.save(path, format="PNG")
