"""MLflow model folders saved by the real mlflow library register in our registry, load
back as the same estimator, and the folders we cannot serve are refused with a message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.studio import Studio

mlflow_sklearn = pytest.importorskip("mlflow.sklearn")
mlflow_pyfunc = pytest.importorskip("mlflow.pyfunc")


@pytest.fixture
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.random(40), "b": rng.random(40)})
    return X, (X.a + X.b > 1).astype(int)


def test_an_mlflow_sklearn_folder_registers_and_loads(
    studio: Studio, tmp_path: Path, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = data
    estimator = LogisticRegression().fit(X, y)
    folder = tmp_path / "m"
    mlflow_sklearn.save_model(estimator, str(folder), input_example=X.head(3))
    assert not (folder / "metadata.json").exists()

    version = studio.registry.register(folder, "from-mlflow")
    assert not (folder / "metadata.json").exists()  # the user's folder is left alone
    assert version.flavor == "sklearn"
    assert version.signature["inputs"] == [
        {"name": "a", "dtype": "float64"},
        {"name": "b", "dtype": "float64"},
    ]
    assert version.input_example[0] == pytest.approx(X.head(1).to_dict(orient="records")[0])
    assert version.library_versions["mlflow"]
    loaded = studio.registry.load("from-mlflow", version.version)
    assert (loaded.predict(X) == estimator.predict(X)).all()


def test_an_array_model_gets_numbered_columns(
    studio: Studio, tmp_path: Path, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    estimator = make_pipeline(StandardScaler(), LogisticRegression()).fit(X.values, y)
    mlflow_sklearn.save_model(estimator, str(tmp_path / "np"), input_example=X.values[:2])
    version = studio.registry.register(tmp_path / "np", "arrays")
    assert [c["name"] for c in version.signature["inputs"]] == ["x0", "x1"]
    loaded = studio.registry.load("arrays", version.version)
    assert (loaded.predict(X.values) == estimator.predict(X.values)).all()


def test_a_run_with_an_mlflow_model_registers_by_id(
    studio: Studio, tmp_path: Path, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    from sklearn.linear_model import LinearRegression

    X, _ = data
    estimator = LinearRegression().fit(X, X.a * 2)
    mlflow_sklearn.save_model(estimator, str(tmp_path / "m"))
    experiment = studio.stores.experiments.create_experiment("mlflow-models")
    run = studio.stores.runs.create_run(experiment.id)
    studio.experiments.artifacts(run.id).put_dir(tmp_path / "m", "model")
    version = studio.registry.register_source("by-run", run_id=run.id)
    assert version.source_run_id == run.id
    assert studio.registry.load("by-run").predict(X) == pytest.approx(estimator.predict(X))


def test_folders_we_cannot_serve_are_refused(
    studio: Studio, tmp_path: Path, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = data
    estimator = LogisticRegression().fit(X, y)
    mlflow_sklearn.save_model(estimator, str(tmp_path / "pkl"), serialization_format="cloudpickle")
    with pytest.raises(InvalidArgumentError, match=r"cloudpickle.*arbitrary code"):
        studio.registry.register(tmp_path / "pkl", "pickled")

    class Echo(mlflow_pyfunc.PythonModel):  # type: ignore[misc, name-defined]
        def predict(self, context, model_input):  # type: ignore[no-untyped-def]
            return model_input

    mlflow_pyfunc.save_model(str(tmp_path / "custom"), python_model=Echo())
    with pytest.raises(InvalidArgumentError, match=r"python_function.*no sklearn flavor"):
        studio.registry.register(tmp_path / "custom", "custom")
    for name in ("pickled", "custom"):
        with pytest.raises(NotFoundError):
            studio.registry.get_version(name)
