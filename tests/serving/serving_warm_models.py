"""A model whose first ``predict`` in a process is slow (as a scikit-learn model's first
call is, exaggerated so a test can tell): the warm-up tests of serving/warmup.py."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

FIRST_CALL_SECONDS = 2.0
_called = False  # per process: a forked worker starts with the supervisor's (never set)


class ColdStart(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def fit(self, X: Any, y: Any = None) -> ColdStart:
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X: Any) -> Any:
        global _called
        if not _called:
            time.sleep(FIRST_CALL_SECONDS)
            _called = True
        return (np.asarray(X, dtype=float)[:, 0] > 15).astype(int)
