"""``mlflow.sklearn.autolog()`` on a GridSearchCV, unchanged, against our server: the parent
run gets the best params, metrics and model; a child run per candidate; all ours."""

from __future__ import annotations

import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from jupyter_mlstudio import sdk
from jupyter_mlstudio.studio import Studio

mlflow = pytest.importorskip("mlflow")


def test_autolog_of_a_grid_search_lands_in_our_store(client: object, studio_of: Studio) -> None:
    import mlflow.sklearn

    X, y = load_iris(return_X_y=True, as_frame=True)
    mlflow.set_experiment("autolog-grid")
    mlflow.sklearn.autolog(log_models=True, max_tuning_runs=None, silent=True)
    try:
        grid = GridSearchCV(
            DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3], "criterion": ["gini"]}
        )
        with mlflow.start_run(run_name="grid") as run:
            grid.fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)

    parent = studio_of.experiments.get_run(run.info.run_id)
    assert parent.status == "FINISHED"
    assert parent.params["best_max_depth"] == str(grid.best_params_["max_depth"])
    assert parent.metrics["best_cv_score"] == pytest.approx(grid.best_score_)
    assert parent.metrics["training_accuracy_score"] == pytest.approx(grid.score(X, y))
    # one child run per candidate, nested under the parent in our store
    experiment = studio_of.experiments.get_experiment_by_name("autolog-grid")
    children = studio_of.experiments.search_runs(
        [experiment.id], f"parent_run_id = '{parent.id}'"
    ).items
    assert sorted(c.params["max_depth"] for c in children) == ["1", "2", "3"]
    assert all("mean_test_score" in c.metrics for c in children)
    # the model autolog saved is in the run's artifacts (MLflow 3 logs it as a logged
    # model kept with its source run) and loads back through the client
    loaded = mlflow.sklearn.load_model(f"runs:/{parent.id}/model")
    assert (loaded.predict(X) == grid.predict(X)).all()
    # what mls.search_runs shows for the experiment: the parent and its three children
    frame = sdk.runs_to_frame(studio_of.experiments.search_runs_by_name(["autolog-grid"]))
    assert set(frame["run_id"]) == {parent.id, *(c.id for c in children)}
