"""Inference code of the digit classifier (SageMaker's handler names).

The endpoint runs these functions for each request (see docs/endpoints.md, "Inference
code"). The model takes scikit-learn's ``load_digits`` rows: 64 pixels of an 8x8 image,
0 (paper) to 16 (ink), row by row. A request is either

- an image (``image/png``, ``image/jpeg``, any other type Pillow reads, any size, dark
  ink on light paper or light on dark): converted to that 8x8 grid the way the digits
  were made — cropped to the ink, centred in a square, each of the 64 cells the share of
  ink it covers, times 16; or
- rows of 64 pixels: a JSON array (one row, rows, or one 8x8 image), a JSON object with
  ``instances``, ``inputs`` or ``dataframe_split``/``dataframe_records``, or CSV lines.

The answer is JSON: ``{"predictions": [digit, ...], "probabilities": [[p0..p9], ...],
"classes": [0..9]}``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.skops"
SIDE = 8  # load_digits images are 8x8
LEVELS = 16  # ... with values 0..16
PIXELS = SIDE * SIDE
JSON_TYPES = ("application/json", "application/jsonlines")
CSV_TYPES = ("text/csv", "text/plain")


def model_fn(model_dir: str) -> Any:
    """The fitted scikit-learn pipeline, loaded with the studio's skops trust rule."""
    from jupyter_mlstudio.registry.format import load_skops

    return load_skops(Path(model_dir) / MODEL_FILE)


def input_fn(body: Any, content_type: str) -> np.ndarray:
    """The request as an (n, 64) float array of load_digits pixels."""
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    if kind.startswith("image/") or kind == "application/octet-stream":
        raw = body if isinstance(body, bytes) else str(body).encode("latin-1")
        return image_to_pixels(raw).reshape(1, PIXELS)
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    if kind in JSON_TYPES:
        return _rows(_json_rows(json.loads(text)))
    if kind in CSV_TYPES:
        rows = [line.split(",") for line in text.splitlines() if line.strip()]
        if rows and not _numeric(rows[0][0]):
            rows = rows[1:]  # a header line
        return _rows(rows)
    raise ValueError(
        f"content type {content_type!r} is not taken: send an image (image/png, "
        "image/jpeg) or 64-pixel rows as application/json or text/csv"
    )


def predict_fn(data: np.ndarray, model: Any) -> dict[str, Any]:
    probabilities = model.predict_proba(data)
    classes = [int(c) for c in model.classes_]
    best = probabilities.argmax(axis=1)
    return {
        "predictions": [classes[i] for i in best],
        "probabilities": np.round(probabilities, 4).tolist(),
        "classes": classes,
    }


def output_fn(prediction: dict[str, Any], accept: str) -> tuple[str, str]:
    return json.dumps(prediction), "application/json"


# -- images --------------------------------------------------------------------------
def image_to_pixels(data: bytes) -> np.ndarray:
    """An image file as load_digits' 8x8 grid of ink levels 0..16 (float)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"the body is not an image Pillow can read: {exc}") from None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # transparent pixels are paper: put the image on white
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    gray = np.asarray(ImageOps.exif_transpose(image).convert("L"), dtype=np.float64) / 255.0
    # ink is what differs from the paper; the paper is the image's border colour
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 1.0 - gray if np.median(border) >= 0.5 else gray
    ink = np.clip((ink - 0.15) / 0.7, 0.0, 1.0)  # scanner/JPEG noise is not ink
    rows = np.flatnonzero(ink.max(axis=1) > 0.2)
    cols = np.flatnonzero(ink.max(axis=0) > 0.2)
    if rows.size == 0:
        return np.zeros((SIDE, SIDE))  # a blank page
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    # centred in a square box whose side is the longer one (the digit keeps its shape)
    height, width = ink.shape
    side = max(height, width)
    square = np.zeros((side, side))
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = ink
    # each cell the mean ink it covers (the UCI digits counted on-pixels of 4x4 blocks)
    boxed = Image.fromarray((square * 255).astype(np.uint8)).resize(
        (SIDE * 4, SIDE * 4), Image.Resampling.BOX
    )
    blocks = np.asarray(boxed, dtype=np.float64).reshape(SIDE, 4, SIDE, 4) / 255.0
    cells = blocks.mean(axis=(1, 3))
    return np.round(cells * (LEVELS / cells.max()))


# -- rows ----------------------------------------------------------------------------
def _json_rows(value: Any) -> Any:
    if isinstance(value, dict):
        for key in ("instances", "inputs", "data"):
            if key in value:
                return _json_rows(value[key])
        split = value.get("dataframe_split")
        if isinstance(split, dict):
            return split.get("data", [])
        records = value.get("dataframe_records")
        if isinstance(records, list):
            return [list(r.values()) if isinstance(r, dict) else r for r in records]
        raise ValueError(
            "a JSON object takes 'instances', 'inputs', 'dataframe_split' or 'dataframe_records'"
        )
    return value


def _rows(value: Any) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the rows are not numbers: {exc}") from None
    if array.shape == (SIDE, SIDE):  # one 8x8 image
        array = array.reshape(1, PIXELS)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != PIXELS:
        raise ValueError(
            f"each row must have {PIXELS} pixels (an 8x8 image, 0..{LEVELS}); got shape "
            f"{list(array.shape)}"
        )
    if np.isnan(array).any():
        raise ValueError("the rows have missing pixels")
    return array


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
