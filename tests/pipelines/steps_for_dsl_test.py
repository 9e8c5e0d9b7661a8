"""Functions the pipeline tests turn into Python steps (imported by file in the job)."""

from __future__ import annotations


def add(a: float, b: float) -> float:
    return a + b
