"""``mls.autolog()``: scikit-learn fits logged to Experiments, on a real SQLite store."""

from __future__ import annotations

import importlib
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("skops")

import numpy as np
import skops.io as skops_io
from joblib import parallel_backend
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import jupyter_mlstudio as mls
from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.autolog import AutologWarning

# ``jupyter_mlstudio.autolog`` the attribute is the function; the module is here
autolog_module = importlib.import_module("jupyter_mlstudio.autolog")

CLASSIFIER_METRICS = {"accuracy", "f1", "precision", "recall", "roc_auc", "log_loss"}


@pytest.fixture(autouse=True)
def autologging() -> Iterator[None]:
    mls.autolog()
    yield
    mls.autolog(disable=True)


@pytest.fixture
def iris() -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def runs(experiment: str = "Default") -> list[mls.Run]:
    try:
        return list(mls.search_runs(experiment, output="list"))
    except mls.NotFoundError:
        return []


def only_run(experiment: str = "Default") -> mls.Run:
    found = runs(experiment)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def load_model(run: mls.Run) -> tuple[Any, dict[str, Any]]:
    repo = ArtifactRepository(run.artifact_uri)
    with repo.open("model/metadata.json") as handle:
        metadata = json.load(handle)
    with repo.open("model/model.skops") as handle:
        model = skops_io.loads(handle.read(), trusted=metadata["untrusted_types"])
    return model, metadata


def test_classifier_run_has_params_metrics_and_a_loadable_model(iris: tuple[Any, Any]) -> None:
    X, y = iris
    model = RandomForestClassifier(n_estimators=7, random_state=0)
    fitted = model.fit(X, y, validation_data=(X.iloc[::3], y.iloc[::3]))
    assert fitted is model

    run = only_run()
    assert run.status == "FINISHED" and run.name == "RandomForestClassifier"
    assert run.tags["mlstudio.autolog"] == "sklearn"
    assert run.tags["estimator_class"] == "sklearn.ensemble._forest.RandomForestClassifier"
    assert run.params["n_estimators"] == "7"
    assert run.params["max_depth"] == "None"
    assert set(run.params) == set(model.get_params(deep=False))
    assert {f"training_{m}" for m in CLASSIFIER_METRICS} <= set(run.metrics)
    assert {f"validation_{m}" for m in CLASSIFIER_METRICS} <= set(run.metrics)
    assert run.metrics["training_accuracy"] == pytest.approx(model.score(X, y))

    loaded, metadata = load_model(run)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert metadata["flavor"] == "sklearn"
    assert metadata["estimator_class"] == run.tags["estimator_class"]
    assert metadata["sklearn_version"]
    assert metadata["inputs"]["type"] == "dataframe"
    assert [c["name"] for c in metadata["inputs"]["columns"]] == list(X.columns)
    assert {c["dtype"] for c in metadata["inputs"]["columns"]} == {"float64"}


def test_binary_string_labels_and_arrays() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.where(X[:, 0] > 0, "yes", "no")
    LogisticRegression().fit(X, y)
    run = only_run()
    assert {f"training_{m}" for m in CLASSIFIER_METRICS} <= set(run.metrics)
    _, metadata = load_model(run)
    assert metadata["inputs"] == {"type": "ndarray", "shape": [None, 3], "dtype": "float64"}


def test_regressor_metrics() -> None:
    X, y = make_regression(n_samples=60, n_features=4, noise=0.1, random_state=0)
    Ridge(alpha=0.5).fit(X, y, validation_data=(X[:20], y[:20]))
    run = only_run()
    assert set(run.metrics) == {
        f"{split}_{m}" for split in ("training", "validation") for m in ("r2", "rmse", "mae")
    }
    assert run.metrics["training_r2"] > 0.99
    assert run.params["alpha"] == "0.5"


def test_pipeline_is_one_run(iris: tuple[Any, Any]) -> None:
    X, y = iris
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    pipeline.fit(X, y)
    run = only_run()
    assert run.name == "Pipeline"
    assert set(run.params) == set(pipeline.get_params(deep=False))
    assert "StandardScaler" in run.params["steps"]
    assert run.metrics["training_accuracy"] > 0.9
    loaded, _ = load_model(run)
    assert np.array_equal(loaded.predict(X), pipeline.predict(X))


@pytest.mark.parametrize("backend", ["sequential", "threading"])
def test_grid_search_is_one_run(iris: tuple[Any, Any], backend: str) -> None:
    X, y = iris
    search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0, 10.0]}, cv=3)
    with parallel_backend(backend, n_jobs=2):
        search.fit(X, y)
    run = only_run()  # not one per candidate and fold, not even from joblib's threads
    assert run.name == "GridSearchCV"
    assert run.params["best_C"] == str(search.best_params_["C"])
    assert run.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert "training_accuracy" in run.metrics


def test_unsupervised_fit_logs_params_and_model() -> None:
    X = np.random.default_rng(0).normal(size=(40, 2))
    KMeans(n_clusters=2, n_init=2, random_state=0).fit(X)
    run = only_run()
    assert run.params["n_clusters"] == "2"
    assert dict(run.metrics) == {}
    loaded, _ = load_model(run)
    assert loaded.n_clusters == 2


def test_fits_inside_an_active_run(iris: tuple[Any, Any]) -> None:
    X, y = iris
    with mls.start_run("churn") as run:
        LogisticRegression(C=0.5, max_iter=500).fit(X, y)
        RandomForestClassifier(n_estimators=3).fit(X, y)  # a second model: a child run
        assert mls.active_run() is run
    logged = {r.id: r for r in runs("churn")}
    assert len(logged) == 2
    parent = logged[run.id]
    assert parent.status == "FINISHED" and parent.params["C"] == "0.5"
    (child,) = (r for r in logged.values() if r.id != run.id)
    assert child.parent_run_id == run.id and child.params["n_estimators"] == "3"


def test_log_models_false(iris: tuple[Any, Any]) -> None:
    mls.autolog(log_models=False)
    X, y = iris
    LogisticRegression(max_iter=500).fit(X, y)
    run = only_run()
    assert ArtifactRepository(run.artifact_uri).list() == []
    assert "training_accuracy" in run.metrics


def test_a_failing_fit_fails_the_run() -> None:
    X = np.array([[np.nan], [1.0]])
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(X, [0, 1])
    assert only_run().status == "FAILED"


def test_disable_restores_the_originals(iris: tuple[Any, Any]) -> None:
    mls.autolog(disable=True)
    original_lr = LogisticRegression.__dict__["fit"]
    assert "fit" not in RandomForestClassifier.__dict__  # inherited from BaseForest
    mls.autolog()
    mls.autolog()  # idempotent: never wraps a wrapper
    assert LogisticRegression.fit is not original_lr
    assert LogisticRegression.fit.__mls_autolog_original__ is original_lr  # type: ignore[attr-defined]
    mls.autolog(disable=True)
    assert LogisticRegression.__dict__["fit"] is original_lr
    assert "fit" not in RandomForestClassifier.__dict__

    X, y = iris
    LogisticRegression(max_iter=500).fit(X, y)
    assert runs() == []
    with pytest.raises(TypeError):
        LogisticRegression().fit(X, y, validation_data=(X, y))


def test_logging_failures_warn_and_never_break_fit(
    iris: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = iris

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(skops_io, "dump", broken)
    with pytest.warns(AutologWarning, match="disk full"):
        model = LogisticRegression(max_iter=500).fit(X, y)
    assert model.predict(X).shape == (150,)
    run = only_run()
    assert run.status == "FINISHED" and run.params["max_iter"] == "500"

    monkeypatch.setattr(autolog_module.tracking, "start_run", broken)
    with pytest.warns(AutologWarning, match="start a run"):
        Ridge().fit(X, y)
    assert len(runs()) == 1  # no run, but the model is fitted
    monkeypatch.undo()

    store = mls.studio().experiments
    monkeypatch.setattr(store, "log_batch", broken)
    with pytest.warns(AutologWarning, match="log the fit"):
        Ridge().fit(X, y)
    assert {r.status for r in runs()} == {"FINISHED"}


def test_bad_validation_data_warns_but_logs_the_rest(iris: tuple[Any, Any]) -> None:
    X, y = iris
    with pytest.warns(AutologWarning, match="validation_data"):
        LogisticRegression(max_iter=500).fit(X, y, validation_data=X)
    run = only_run()
    assert "training_accuracy" in run.metrics
    assert not any(k.startswith("validation_") for k in run.metrics)


def test_nothing_is_logged_twice_by_nested_estimators(iris: tuple[Any, Any]) -> None:
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", AutologWarning)
        Pipeline(
            [("scale", StandardScaler()), ("rf", RandomForestClassifier(n_estimators=4, n_jobs=2))]
        ).fit(X, y)
    assert [r.name for r in runs()] == ["Pipeline"]
