"""A model defined outside scikit-learn for the serving tests: it sleeps a little (so
that concurrent requests pile up into batches) and raises on a magic value."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

MAGIC = 666.0


class Picky(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay

    def fit(self, X: Any, y: Any = None) -> Picky:
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X: Any) -> Any:
        time.sleep(self.delay)
        first = np.asarray(X, dtype=float)[:, 0]
        if (first == MAGIC).any():
            raise ValueError(f"cannot score a radius of {MAGIC:g}")
        return (first > 15).astype(int)
