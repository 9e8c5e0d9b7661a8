"""SageMaker inference handlers (issue 20): an unchanged script-mode scikit-learn
training script trains as our job, registers with its entry point and is served through
its ``model_fn`` and the container's defaults; ``code/inference.py`` with all four
handlers; trust is explicit; a handler that raises is a clear error."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

import jupyter_mlstudio as mls
from jupyter_mlstudio.sdk import studio

# The classic SageMaker scikit-learn example script, as users have it (unchanged).
TRAIN_SCRIPT = '''
import argparse
import os

import joblib  # type: ignore[import-untyped]
import pandas as pd
from sklearn import tree

if __name__ == "__main__":
    parser = argparse.ArgumentParser()

    # Hyperparameters are described here. In this simple example we are just including one.
    parser.add_argument("--max_leaf_nodes", type=int, default=-1)

    # Sagemaker specific arguments. Defaults are set in the environment variables.
    parser.add_argument("--output-data-dir", type=str, default=os.environ["SM_OUTPUT_DATA_DIR"])
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAIN"])

    args = parser.parse_args()

    # Take the set of files and read them all into a single pandas dataframe
    input_files = [os.path.join(args.train, file) for file in os.listdir(args.train)]
    if len(input_files) == 0:
        raise ValueError("There are no files in {}.".format(args.train))
    raw_data = [pd.read_csv(file, header=None, engine="python") for file in input_files]
    train_data = pd.concat(raw_data)

    # labels are in the first column
    train_y = train_data.iloc[:, 0]
    train_X = train_data.iloc[:, 1:]

    # Here we support a single hyperparameter, 'max_leaf_nodes'.
    max_leaf_nodes = args.max_leaf_nodes

    # Now use scikit-learn's decision tree classifier to train the model.
    clf = tree.DecisionTreeClassifier(max_leaf_nodes=max_leaf_nodes)
    clf = clf.fit(train_X, train_y)

    # Print the coefficients of the trained classifier, and save the coefficients
    joblib.dump(clf, os.path.join(args.model_dir, "model.joblib"))


def model_fn(model_dir):
    """Deserialized and return fitted model

    Note that this should have the same name as the serialized model in the main method
    """
    clf = joblib.load(os.path.join(model_dir, "model.joblib"))
    return clf
'''

X, y = load_iris(return_X_y=True)
ROWS = X[::7]  # 22 rows of all three classes


def invoke(name: str, body: bytes, content_type: str, accept: str = "") -> tuple[int, str, bytes]:
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    status, got, answer = studio().endpoints.request(name, "POST", "/invocations", body, headers)
    return status, got.get("content-type", ""), answer


def csv_of(rows: np.ndarray) -> bytes:
    return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows).encode()


def test_script_mode_model_trains_registers_and_serves_like_the_estimator(
    mlstudio_home: Path, tmp_path: Path
) -> None:
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT)
    data = tmp_path / "iris.csv"
    data.write_text(
        "".join(f"{int(t)}," + ",".join(map(str, r)) + "\n" for r, t in zip(X, y, strict=True))
    )
    job = mls.train(str(script), data=str(data), hyperparameters={"max_leaf_nodes": 30}, wait=True)
    assert job.status == "Completed", job.logs() if hasattr(job, "logs") else job.status

    # the estimator the script saved, loaded as the test's reference
    saved = Path(str(job.job.outputs["model"]).removeprefix("file://")) / "model.joblib"
    estimator = joblib.load(saved)
    assert isinstance(estimator, DecisionTreeClassifier)
    expected = estimator.predict(ROWS)

    untrusted = mls.register(job, "iris-script")
    assert untrusted.tags["mlstudio.inference_code"] == "code/train.py"
    assert untrusted.tags["mlstudio.trust_code"] == "false"
    with pytest.raises(mls.InvalidArgumentError, match=r"runs inference code.*trust_code=True"):
        mls.deploy("refused", model="iris-script", version=1, timeout=120)

    version = mls.register(job, "iris-script", trust_code=True)
    assert version.tags["mlstudio.trust_code"] == "true"
    endpoint = mls.deploy("iris-script", version=version.version, timeout=120)
    try:
        status, kind, body = invoke("iris-script", csv_of(ROWS), "text/csv")
        assert status == 200, body
        assert kind.startswith("application/json")  # the default Accept
        assert json.loads(body) == expected.tolist()

        status, _, body = invoke(
            "iris-script", json.dumps(ROWS.tolist()).encode(), "application/json"
        )
        assert status == 200, body
        assert json.loads(body) == expected.tolist()

        status, kind, body = invoke("iris-script", csv_of(ROWS), "text/csv", accept="text/csv")
        assert status == 200 and kind.startswith("text/csv")
        assert [int(v) for v in body.decode().split()] == expected.tolist()

        buffer = io.BytesIO()
        np.save(buffer, ROWS)
        status, kind, body = invoke(
            "iris-script", buffer.getvalue(), "application/x-npy", accept="application/x-npy"
        )
        assert status == 200 and kind.startswith("application/x-npy")
        assert np.load(io.BytesIO(body)).tolist() == expected.tolist()

        status, _, body = invoke("iris-script", b"<x/>", "application/xml")
        assert status == 415
        assert "define input_fn" in json.loads(body)["error"]["message"]
        status, _, body = invoke("iris-script", csv_of(ROWS), "text/csv", accept="image/png")
        assert status == 406
    finally:
        endpoint.delete()

    # the untrusted version deploys once trusted at deploy
    endpoint = mls.deploy(
        "iris-trusted", model="iris-script", version=1, trust_code=True, timeout=120
    )
    try:
        status, _, body = invoke("iris-trusted", csv_of(ROWS[:3]), "text/csv")
        assert status == 200 and json.loads(body) == expected[:3].tolist()
        # a rolling update of other settings keeps the trust; a new version is trusted anew
        endpoint.update(max_payload_bytes=4096, timeout=120)
        assert invoke("iris-trusted", csv_of(ROWS[:3]), "text/csv")[0] == 200
        with pytest.raises(mls.InvalidArgumentError, match=r"trust_code=True"):
            endpoint.update(version=1, timeout=120)
        endpoint.update(version=1, trust_code=True, timeout=120)
        status, _, body = invoke("iris-trusted", csv_of(ROWS[:3]), "text/csv")
        assert status == 200 and json.loads(body) == expected[:3].tolist()
    finally:
        endpoint.delete()


INFERENCE_PY = """
import json
import os

import joblib  # type: ignore[import-untyped]
import numpy as np


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(body, content_type):
    if content_type != "application/json":
        raise ValueError(f"this model takes JSON, not {content_type}")
    document = json.loads(body)
    if document.get("explode"):
        raise RuntimeError("the model's own bug")
    return np.asarray(document["instances"], dtype=float)


def predict_fn(data, model):
    if data.shape[1] == 1:
        raise RuntimeError("one column is not enough for this model")
    return model.predict(data), model.predict_proba(data).max(axis=1)


def output_fn(prediction, accept):
    labels, confidence = prediction
    rows = [{"label": int(a), "confidence": float(b)} for a, b in zip(labels, confidence)]
    return json.dumps({"results": rows}), "application/vnd.iris+json"
"""


def test_code_inference_py_with_all_four_handlers_and_errors(
    mlstudio_home: Path, tmp_path: Path
) -> None:
    model = DecisionTreeClassifier(max_leaf_nodes=10, random_state=0).fit(X, y)
    folder = tmp_path / "model"
    (folder / "code").mkdir(parents=True)
    joblib.dump(model, folder / "model.joblib")
    (folder / "code" / "inference.py").write_text(textwrap.dedent(INFERENCE_PY))
    version = mls.register(str(folder), "iris-code", trust_code=True)
    assert version.tags["mlstudio.inference_code"] == "code/inference.py"
    assert version.flavor == "sagemaker"

    endpoint = mls.deploy("iris-code", timeout=120)
    try:
        payload = json.dumps({"instances": ROWS[:4].tolist()}).encode()
        status, kind, body = invoke("iris-code", payload, "application/json")
        assert status == 200, body
        assert kind.startswith("application/vnd.iris+json")
        results = json.loads(body)["results"]
        assert [r["label"] for r in results] == model.predict(ROWS[:4]).tolist()
        assert [r["confidence"] for r in results] == model.predict_proba(ROWS[:4]).max(1).tolist()

        # input_fn refusing the request: a 400 naming the stage, no traceback
        status, _, body = invoke("iris-code", csv_of(ROWS[:2]), "text/csv")
        assert status == 400
        message = json.loads(body)["error"]["message"]
        assert (
            message == "The model's input_fn raised ValueError: this model takes JSON, not text/csv"
        )
        # predict_fn raising: a 500 with the message, the traceback in the endpoint log
        status, _, body = invoke(
            "iris-code", json.dumps({"instances": [[1.0]]}).encode(), "application/json"
        )
        assert status == 500
        error = json.loads(body)["error"]
        assert error == {
            "code": "MODEL_ERROR",
            "message": "The model's predict_fn raised RuntimeError: one column is not enough "
            "for this model",
        }
        assert "Traceback" not in body.decode()
        # the endpoint stays up and answers the next request
        status, _, body = invoke("iris-code", payload, "application/json")
        assert status == 200 and len(json.loads(body)["results"]) == 4
        log = endpoint.logs()
        assert "Traceback" in log and "one column is not enough" in log
    finally:
        endpoint.delete()


def test_a_script_without_model_fn_is_refused_at_deploy(
    mlstudio_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    (folder / "code").mkdir(parents=True)
    joblib.dump(DecisionTreeClassifier().fit(X, y), folder / "model.joblib")
    (folder / "code" / "inference.py").write_text("def predict_fn(data, model):\n    return 1\n")
    mls.register(str(folder), "no-model-fn", trust_code=True)
    with pytest.raises(mls.MLStudioError, match="defines no model_fn"):
        mls.deploy("no-model-fn", timeout=120)


def test_skops_trust_takes_sklearn_classes_not_builtin_functions(tmp_path: Path) -> None:
    """Our loader trusts what skops trusts plus the classes scikit-learn defines for
    estimators' insides (skops flags trees, KD-trees, distance metrics); a function such
    as ``builtins.eval`` handed to a FunctionTransformer was trusted by the old
    ``builtins.`` prefix and is refused now."""
    import skops.io
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import FunctionTransformer

    from jupyter_mlstudio.registry.format import load_skops

    for model in (DecisionTreeClassifier().fit(X, y), KNeighborsClassifier().fit(X, y)):
        path = tmp_path / f"{type(model).__name__}.skops"
        skops.io.dump(model, path)
        assert skops.io.get_untrusted_types(file=path)  # skops alone would refuse these
        assert load_skops(path).predict(ROWS).tolist() == model.predict(ROWS).tolist()
    path = tmp_path / "eval.skops"
    skops.io.dump(FunctionTransformer(eval), path)
    with pytest.raises(
        mls.InvalidArgumentError, match=r"builtins\.eval.*trusted=\['builtins\.eval'\]"
    ):
        load_skops(path)
    assert isinstance(load_skops(path, trusted=["builtins.eval"]), FunctionTransformer)


def test_load_model_of_a_code_version_needs_trust(mlstudio_home: Path, tmp_path: Path) -> None:
    model = DecisionTreeClassifier(random_state=0).fit(X, y)
    folder = tmp_path / "model"
    (folder / "code").mkdir(parents=True)
    joblib.dump(model, folder / "model.joblib")
    (folder / "code" / "inference.py").write_text(textwrap.dedent(INFERENCE_PY))
    mls.register(str(folder), "loadable")
    # editing the tags neither trusts the code nor hides it
    studio().registry.update_version(
        "loadable", 1, tags={"team": "a", "mlstudio.trust_code": "true"}
    )
    assert mls.get_model_version("loadable", 1).tags == {
        "team": "a",
        "mlstudio.inference_code": "code/inference.py",
        "mlstudio.trust_code": "false",
    }
    with pytest.raises(mls.InvalidArgumentError, match=r"code/inference\.py.*trust_code=True"):
        mls.load_model("loadable")
    handlers = mls.load_model("loadable", trust_code=True)
    assert handlers.entry == "code/inference.py"
    labels, _ = handlers.predict(ROWS)  # its predict_fn
    assert labels.tolist() == model.predict(ROWS).tolist()
