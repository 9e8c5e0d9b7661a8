"""A tiny custom catalog solution the catalog tests write into private catalogs: a seeded
CSV and a one-step pipeline (a few seconds), whose step fails when asked to."""

from __future__ import annotations

import contextlib
from pathlib import Path

from jupyter_mlstudio.errors import MLStudioError
from jupyter_mlstudio.studio import Studio

TINY_MANIFEST = """\
format: mlstudio.catalog-entry
version: 1
name: {name}
kind: solution
title: Tiny team solution
task: regression
description: Counts rows; a team's private entry used by the tests.
tags: [team, tiny]
licence: "MIT"
data: {{source: "numpy, seed 0", rows: 40, size_mb: 0.01}}
resources: {{ram_mb: 10, disk_mb: 1, minutes: 0.1}}
parameters:
  - {{name: rows, type: Integer, default: 40, minimum: 1, maximum: 1000, description: "Rows"}}
  - {{name: fail, type: Boolean, default: false, description: "Make the check step fail"}}
creates: ["a project folder", "a pipeline execution"]
assets:
  pipeline: pipeline.py
  steps: steps.py
  data_recipe: data.py
  notebook: tiny.ipynb
monitor: false
"""

TINY_DATA = """\
from pathlib import Path

import numpy as np
import pandas as pd


def generate(folder: Path, *, seed: int = 0, rows: int = 40, **parameters) -> None:
    rng = np.random.default_rng(seed)
    (folder / "data").mkdir(exist_ok=True)
    pd.DataFrame({"x": rng.normal(size=rows), "y": rng.normal(size=rows)}).to_csv(
        folder / "data" / "rows.csv", index=False
    )
"""

TINY_STEPS = """\
import jupyter_mlstudio as mls


@mls.step(outputs={"rows": int})
def count_rows(data: str, fail: bool = False) -> dict:
    import pandas as pd

    if fail:
        raise ValueError("the rows did not pass the check")
    return {"rows": len(pd.read_csv(data))}
"""

TINY_PIPELINE = """\
from steps import count_rows

import jupyter_mlstudio as mls


def build(parameters):
    step = count_rows(name="check", data="data/rows.csv", fail=bool(parameters.get("fail")))
    return mls.Pipeline(parameters["project"], steps=[step])
"""

TINY_NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def write_tiny_entry(catalog: Path, name: str = "tiny-team") -> Path:
    folder = catalog / name
    folder.mkdir(parents=True)
    (folder / "manifest.yaml").write_text(TINY_MANIFEST.format(name=name))
    (folder / "data.py").write_text(TINY_DATA)
    (folder / "steps.py").write_text(TINY_STEPS)
    (folder / "pipeline.py").write_text(TINY_PIPELINE)
    (folder / "tiny.ipynb").write_text(TINY_NOTEBOOK)
    (folder / "README.md").write_text("# Tiny\n\nA team's entry.\n")
    return folder


def stop_endpoints(studio: Studio, name: str) -> None:
    """Delete a solution's endpoint and stop every serving process the studio started, so
    none outlives a test, even after a failed assertion."""
    with contextlib.suppress(MLStudioError):
        studio.endpoints.delete(name)
    studio.endpoints.stop_all()
