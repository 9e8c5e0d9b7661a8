"""A classifier wrapper that numbers the classes for estimators that need 0..k-1 labels.

XGBoost's scikit-learn classifier refuses labels such as ``"yes"``/``"no"``; wrapped in
:class:`LabelEncodedClassifier` it is fitted on class numbers while ``predict`` and
``classes_`` speak the original labels, so a model answers with what it was trained on.
Saved model folders name this class, so it stays importable under this path (the model
loaders trust it by name).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone


class LabelEncodedClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any, **fit_params: Any) -> LabelEncodedClassifier:
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        if "eval_set" in fit_params:
            # the training set passed again keeps its very objects, so XGBoost sees it is
            # the training data and does not build a second DMatrix of it
            fit_params["eval_set"] = [
                (features, codes if features is X and labels is y else self._codes(labels))
                for features, labels in fit_params["eval_set"]
            ]
        self.estimator_ = clone(self.estimator).fit(X, codes, **fit_params)
        return self

    def _codes(self, labels: Any) -> np.ndarray:
        values = np.asarray(labels)
        codes = np.searchsorted(self.classes_, values)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != values
        if unknown.any():
            raise ValueError(
                f"the validation data holds classes the training data does not: "
                f"{sorted({str(v) for v in values[unknown]})[:5]}"
            )
        return codes

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[np.asarray(self.estimator_.predict(X), dtype=int)])

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.estimator_.predict_proba(X))

    @property
    def feature_importances_(self) -> np.ndarray:
        return np.asarray(self.estimator_.feature_importances_)
