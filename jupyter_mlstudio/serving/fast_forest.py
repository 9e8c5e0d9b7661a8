"""Small batches through a random forest without scikit-learn's per-call overhead.

A 1-row ``predict`` on a 100-tree forest costs scikit-learn about 5 ms, almost all of it
fixed cost: input validation, a joblib ``Parallel`` and one Cython call per tree. A
multi-model endpoint with a random model per request rarely gets two rows for the same
model in a batch, so it pays that cost on every request (issue 20). Here the forest's
trees are laid end to end in flat NumPy arrays once, when the model is loaded, and a
batch walks every tree of every row at once: one gather per tree level.

The answers are scikit-learn's own, bit for bit, for the inputs taken here:

- the input is converted as scikit-learn converts it (``np.asarray(X, dtype=float32)``)
  and compared with the float64 thresholds as its Cython does (``X[i, f] <= t``);
- leaf values are the tree's ``value`` array, as ``DecisionTree*.predict[_proba]``
  returns it, summed over the trees in tree order from zero and divided by their number,
  as ``ForestClassifier.predict_proba`` and ``ForestRegressor.predict`` do;
- ``predict`` of a classifier is ``classes_.take(argmax(proba))``.

Anything else goes to the model itself, which answers (or refuses) as it always has:
more rows than ``MAX_ROWS`` (scikit-learn's loop is faster there), feature names that are
not exactly the fitted ones, non-numeric columns, NaN or infinite values, multi-output
forests. ``tests/serving/test_fast_forest.py`` checks the equality on many forests and
inputs. ``MLSTUDIO_SERVING_FAST_FOREST=0`` turns it off.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

# larger forests are not copied: the flat arrays take 40-60 bytes a node (about 100 MB here)
MAX_NODES = 2_000_000
# more rows go to scikit-learn: its per-call cost no longer dominates there (with 100
# trees, 569 rows took 6.7 ms here and 13 ms in predict_proba), and the walk's
# (rows, trees) arrays stay small
MAX_ROWS = 256


def enabled() -> bool:
    return os.environ.get("MLSTUDIO_SERVING_FAST_FOREST", "1") != "0"


class CompiledForest:
    """A fitted single-output ``RandomForest*`` or ``ExtraTrees*`` as flat arrays."""

    def __init__(self, model: Any) -> None:
        trees = [estimator.tree_ for estimator in model.estimators_]
        counts = np.array([tree.node_count for tree in trees], dtype=np.intp)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        total = int(counts.sum())
        # children[2 * node] is where x <= threshold goes, children[2 * node + 1] the
        # other side; a leaf points to itself both ways, so a walk can run for the
        # deepest tree's depth without checking where each one stopped
        children = np.empty(2 * total, dtype=np.intp)
        feature = np.zeros(total, dtype=np.intp)
        threshold = np.zeros(total, dtype=np.float64)
        self.classifier = hasattr(model, "classes_")
        width = int(model.n_classes_) if self.classifier else 1
        value = np.empty((total, width), dtype=np.float64)
        for tree, start, count in zip(trees, starts, counts, strict=True):
            nodes = np.arange(start, start + count)
            left = tree.children_left.astype(np.intp)
            right = tree.children_right.astype(np.intp)
            leaf = left == -1
            children[2 * nodes] = np.where(leaf, nodes, left + start)
            children[2 * nodes + 1] = np.where(leaf, nodes, right + start)
            feature[nodes] = np.where(leaf, 0, tree.feature)
            threshold[nodes] = np.where(leaf, 0.0, tree.threshold)
            value[nodes] = tree.value[:, 0, :width]
        self.children = children
        self.feature = feature
        self.threshold = threshold
        self.value = value
        self.starts = starts
        self.depth = max(int(tree.max_depth) for tree in trees)
        self.n_trees = len(trees)
        self.n_features = int(model.n_features_in_)
        names = getattr(model, "feature_names_in_", None)
        self.names: list[str] | None = None if names is None else [str(n) for n in names]
        self.classes = np.asarray(model.classes_) if self.classifier else None
        self.nbytes = sum(a.nbytes for a in (children, feature, threshold, value, starts))

    # -- the input --------------------------------------------------------------------
    def takes_arrays_of(self, names: list[str], feature_names: bool) -> bool:
        """Whether a plain array with these columns (handed to the model as a frame
        with these names when ``feature_names``, else bare) is what the forest was
        fitted on, so ``predict_array`` may take it as it is."""
        if self.names is None:
            return not feature_names and len(names) == self.n_features
        return feature_names and names == self.names

    def matrix(self, features: Any) -> np.ndarray[Any, Any] | None:
        """``features`` as scikit-learn would pass them to its trees (float32, C order),
        or ``None`` when the model itself must look at them."""
        import pandas as pd

        if isinstance(features, pd.DataFrame):
            if self.names is None or list(features.columns) != self.names:
                return None
            if not all(isinstance(d, np.dtype) and d.kind in "biuf" for d in features.dtypes):
                return None
        elif isinstance(features, np.ndarray):
            if self.names is not None:
                return None
        else:
            return None
        return self._converted(features)

    def _converted(self, features: Any) -> np.ndarray[Any, Any] | None:
        if isinstance(features, np.ndarray) and features.dtype.kind not in "biuf":
            return None
        rows = len(features)
        if rows == 0 or rows > MAX_ROWS:
            return None
        with np.errstate(over="ignore"):  # too large for float32: refused just below
            matrix = np.asarray(features, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.n_features:
            return None
        if not np.isfinite(matrix).all():  # scikit-learn's own message, or its NaN rules
            return None
        return np.ascontiguousarray(matrix)

    # -- the walk ---------------------------------------------------------------------
    def leaves(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Each row's leaf in every tree, as global node numbers: (rows, trees)."""
        rows = matrix.shape[0]
        node = np.broadcast_to(self.starts, (rows, self.n_trees)).copy()
        row = np.arange(rows)[:, None]
        children, feature, threshold = self.children, self.feature, self.threshold
        for _ in range(self.depth):
            right = matrix[row, feature[node]] > threshold[node]
            node = children[2 * node + right]
        return node

    def summed(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The trees' leaf values added in tree order, over their number: (rows, width)."""
        per_tree = self.value[self.leaves(matrix).T]  # (trees, rows, width)
        # a running sum, tree after tree, as scikit-learn accumulates them (a reduction
        # may add pairwise, which rounds differently); scikit-learn starts from 0.0,
        # which only matters when every term is -0.0: hence the + 0.0
        total: np.ndarray[Any, Any] = np.add.accumulate(per_tree, axis=0)[-1] + 0.0
        total /= self.n_trees
        return total

    def predict(self, features: Any) -> tuple[np.ndarray[Any, Any], Any] | None:
        """``(predict, predict_proba or None)`` for ``features``, or ``None`` when the
        model must answer itself."""
        return self._answer(self.matrix(features))

    def predict_array(self, array: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], Any] | None:
        """As ``predict``, for rows whose columns ``takes_arrays_of`` accepted: the frame
        the model would get is not built (for one row that is most of the cost)."""
        return self._answer(self._converted(array))

    def _answer(
        self, matrix: np.ndarray[Any, Any] | None
    ) -> tuple[np.ndarray[Any, Any], Any] | None:
        if matrix is None:
            return None
        summed = self.summed(matrix)
        if self.classes is None:
            return summed[:, 0], None
        return self.classes.take(np.argmax(summed, axis=1), axis=0), summed


def compile_forest(model: Any) -> CompiledForest | None:
    """A ``CompiledForest`` for a fitted single-output random forest or extra-trees
    model of scikit-learn, else ``None``."""
    if not enabled():
        return None
    try:
        from sklearn.ensemble import (
            ExtraTreesClassifier,
            ExtraTreesRegressor,
            RandomForestClassifier,
            RandomForestRegressor,
        )
    except ImportError:
        return None
    kinds = (
        RandomForestClassifier,
        RandomForestRegressor,
        ExtraTreesClassifier,
        ExtraTreesRegressor,
    )
    # exactly these classes: a subclass may change predict
    if type(model) not in kinds or not hasattr(model, "estimators_"):
        return None
    if int(getattr(model, "n_outputs_", 1)) != 1 or not model.estimators_:
        return None
    if sum(int(e.tree_.node_count) for e in model.estimators_) > MAX_NODES:
        return None  # its copy would take too much memory: the model answers itself
    try:
        return CompiledForest(model)
    except Exception:  # an unexpected layout: the model answers itself
        return None
