"""The compiled forest (serving/fast_forest.py) answers exactly what scikit-learn's
``predict`` and ``predict_proba`` answer, bit for bit, and hands every input it cannot
take back to the model; an endpoint serving a forest answers as the model does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)

import jupyter_mlstudio as mls
from jupyter_mlstudio.serving import fast_forest
from jupyter_mlstudio.serving.fast_forest import MAX_ROWS, compile_forest

RNG = np.random.default_rng(20261205)


def inputs(X: pd.DataFrame, forest: Any) -> list[pd.DataFrame]:
    """Batches of 1 to MAX_ROWS rows: training rows, noisy rows, rows far outside the
    data, and rows whose values sit exactly on the forest's thresholds (where ``<=``
    against a float32 input decides)."""
    thresholds = np.concatenate(
        [e.tree_.threshold[e.tree_.feature >= 0] for e in forest.estimators_]
    )
    features = np.concatenate([e.tree_.feature[e.tree_.feature >= 0] for e in forest.estimators_])
    on_threshold = X.sample(MAX_ROWS, replace=True, random_state=1).to_numpy(copy=True)
    for row in on_threshold:
        picks = RNG.integers(0, len(thresholds), size=5)
        row[features[picks]] = thresholds[picks]  # float64 thresholds, rounded to float32
    noisy = X.sample(MAX_ROWS, replace=True, random_state=2).to_numpy() * RNG.normal(
        1, 0.1, (MAX_ROWS, X.shape[1])
    )
    far = RNG.normal(0, 1e4, (7, X.shape[1]))
    frames = [
        X.iloc[:1],
        X.iloc[5:21],
        pd.DataFrame(on_threshold, columns=X.columns),
        pd.DataFrame(noisy, columns=X.columns),
        pd.DataFrame(far, columns=X.columns),
        pd.DataFrame(noisy[:3].astype(np.float32), columns=X.columns),
    ]
    return frames


def classifiers() -> list[tuple[pd.DataFrame, Any]]:
    cancer, cancer_y = load_breast_cancer(return_X_y=True, as_frame=True)
    iris, iris_y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])[iris_y]
    weights = RNG.uniform(0.1, 3.0, len(cancer_y))
    return [
        (cancer, RandomForestClassifier(100, random_state=0).fit(cancer, cancer_y)),
        (cancer, RandomForestClassifier(30, max_depth=4, random_state=1).fit(cancer, cancer_y)),
        (
            cancer,
            RandomForestClassifier(25, random_state=2).fit(cancer, cancer_y, sample_weight=weights),
        ),
        (iris, RandomForestClassifier(40, max_features=None, random_state=3).fit(iris, names)),
        (iris, ExtraTreesClassifier(40, random_state=4).fit(iris, names)),
    ]


def regressors() -> list[tuple[pd.DataFrame, Any]]:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return [
        (X, RandomForestRegressor(50, random_state=0).fit(X, y)),
        (X, ExtraTreesRegressor(30, min_samples_leaf=3, random_state=1).fit(X, y)),
    ]


@pytest.mark.parametrize("case", range(5))
def test_classifiers_answer_exactly_as_scikit_learn(case: int) -> None:
    X, forest = classifiers()[case]
    compiled = compile_forest(forest)
    assert compiled is not None
    for frame in inputs(X, forest):
        answered = compiled.predict(frame)
        assert answered is not None
        labels, proba = answered
        assert np.array_equal(proba, forest.predict_proba(frame)), type(forest).__name__
        assert labels.tolist() == forest.predict(frame).tolist()
        assert labels.dtype == forest.predict(frame).dtype
    # without feature names: a bare array, for a forest fitted on one
    bare = type(forest)(**forest.get_params()).fit(X.to_numpy(), forest.predict(X))
    compiled = compile_forest(bare)
    assert compiled is not None
    rows = X.to_numpy()[:9]
    answered = compiled.predict(rows)
    assert answered is not None
    assert np.array_equal(answered[1], bare.predict_proba(rows))


@pytest.mark.parametrize("case", range(2))
def test_regressors_answer_exactly_as_scikit_learn(case: int) -> None:
    X, forest = regressors()[case]
    compiled = compile_forest(forest)
    assert compiled is not None
    for frame in inputs(X, forest):
        answered = compiled.predict(frame)
        assert answered is not None
        values, proba = answered
        assert proba is None
        assert np.array_equal(values, forest.predict(frame))


def test_what_it_cannot_take_goes_to_the_model() -> None:
    X, forest = classifiers()[1]
    compiled = compile_forest(forest)
    assert compiled is not None
    with_nan = X.iloc[:2].copy()
    with_nan.iloc[0, 3] = np.nan
    with_inf = X.iloc[:2].copy()
    with_inf.iloc[1, 0] = np.inf
    huge = X.iloc[:1].copy()
    huge.iloc[0, 0] = 1e300  # infinite once float32, as scikit-learn finds
    as_text = X.iloc[:2].astype(str)
    refused = [
        X.iloc[:2][list(reversed(X.columns))],  # other column order: the model's warning
        X.iloc[:2].rename(columns={X.columns[0]: "other"}),
        X.iloc[:2].iloc[:, :-1],  # a column short
        X.iloc[:2].to_numpy(),  # fitted with names, given none
        with_nan,
        with_inf,
        huge,
        as_text,
        X.iloc[:0],
        pd.concat([X] * 2).iloc[: MAX_ROWS + 1],
        X.iloc[:2].to_numpy().tolist(),
    ]
    for features in refused:
        assert compiled.predict(features) is None


def test_only_plain_single_output_forests_are_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)

    class Tweaked(RandomForestClassifier):
        def predict(self, X: Any) -> Any:
            return super().predict(X)

    two_outputs = np.stack([y, 1 - y], axis=1)
    assert compile_forest(Tweaked(5, random_state=0).fit(X, y)) is None
    assert compile_forest(RandomForestClassifier(5).fit(X, two_outputs)) is None
    assert compile_forest(GradientBoostingClassifier(n_estimators=5).fit(X, y)) is None
    assert compile_forest(RandomForestClassifier(5)) is None  # not fitted
    fitted = RandomForestClassifier(5, random_state=0).fit(X, y)
    compiled = compile_forest(fitted)
    assert compiled is not None and 0 < compiled.nbytes < 1_000_000
    nodes = sum(e.tree_.node_count for e in fitted.estimators_)
    monkeypatch.setattr(fast_forest, "MAX_NODES", nodes - 1)  # too large to copy
    assert compile_forest(fitted) is None
    monkeypatch.setattr(fast_forest, "MAX_NODES", nodes)
    assert compile_forest(fitted) is not None
    monkeypatch.setenv("MLSTUDIO_SERVING_FAST_FOREST", "0")
    assert compile_forest(RandomForestClassifier(5, random_state=0).fit(X, y)) is None
    monkeypatch.delenv("MLSTUDIO_SERVING_FAST_FOREST")
    assert fast_forest.enabled()


def test_a_forest_endpoint_answers_as_the_model(mlstudio_home: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = RandomForestClassifier(60, random_state=7).fit(X, labels)
    mls.register(model, "iris-forest", input_example=X)
    endpoint = mls.deploy("iris-forest", return_probabilities=True, timeout=120)
    try:
        rows = pd.concat([X.iloc[::10], X.iloc[:5] * 1.07], ignore_index=True)
        answer = endpoint._service.invoke(endpoint.name, rows)
        assert answer["predictions"] == model.predict(rows).tolist()
        assert np.array_equal(np.array(answer["probabilities"]), model.predict_proba(rows))
        one = endpoint._service.invoke(endpoint.name, X.iloc[[77]])
        assert one["predictions"] == model.predict(X.iloc[[77]]).tolist()
        # a batch over MAX_ROWS goes through scikit-learn: the same answers
        many = pd.concat([X] * 2, ignore_index=True)
        assert endpoint.predict(many).tolist() == model.predict(many).tolist()
    finally:
        endpoint.delete()
