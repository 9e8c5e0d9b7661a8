"""Models registered without an input example, served: the signature comes from the
estimator (at registration, or at load for versions registered before that), so the Open
Inference Protocol metadata lists the inputs and wrong columns or widths are 400s naming
them; scikit-learn refusing an input (unknown category, NaN) is a 400 too, not a 500."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from serving_helpers import TOKEN, Client, StartEndpoint, X, rows, y
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.registry.format import METADATA_FILE, save_sklearn_model
from jupyter_mlstudio.serving import EndpointProcess
from jupyter_mlstudio.studio import Studio

COLOURS = pd.DataFrame(
    {
        "size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "colour": ["red", "blue", "red", "blue", "red", "blue"],
    }
)


@pytest.fixture(scope="module")
def models(serving_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fitted = {
        "bare-frame": RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y),
        "bare-array": LogisticRegression(max_iter=3000).fit(X.values, y),
        "legacy": RandomForestClassifier(n_estimators=5, random_state=1).fit(X, y),
        "colours": make_pipeline(
            make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
            LogisticRegression(),
        ).fit(COLOURS, [0, 1, 0, 1, 1, 1]),
    }
    studio = Studio(StudioConfig.resolve(home=serving_home))
    try:
        for name in ("bare-frame", "bare-array", "colours"):
            studio.registry.register(fitted[name], name)  # no input example
        # a version registered before signatures came from estimators: none recorded
        folder = tmp_path_factory.mktemp("legacy") / "model"
        save_sklearn_model(fitted["legacy"], folder)
        metadata = json.loads((folder / METADATA_FILE).read_text())
        metadata["signature"] = {"inputs": [], "outputs": []}
        (folder / METADATA_FILE).write_text(json.dumps(metadata))
        version = studio.registry.register(folder, "legacy")
        assert version.signature["inputs"] == []
        shutil.rmtree(folder)
    finally:
        studio.close()
    return fitted


@pytest.fixture(scope="module")
def endpoint(start_endpoint: StartEndpoint, models: dict[str, Any]) -> EndpointProcess:
    return start_endpoint(
        name="bare",
        token=TOKEN,
        variants=[{"name": name, "model": name} for name in models],
    )


@pytest.fixture
def client(endpoint: EndpointProcess) -> Iterator[Client]:
    connection = Client(endpoint)
    yield connection
    connection.close()


def invoke(client: Client, variant: str, body: Any, content_type: str = "") -> tuple[int, Any]:
    headers = {"X-Target-Variant": variant}
    if content_type:
        headers["Content-Type"] = content_type
    status, _, reply = client.request("POST", "/invocations", body, headers)
    return status, reply


def test_the_oip_metadata_lists_the_estimators_columns(client: Client) -> None:
    for name, columns in (
        ("bare-frame", list(X.columns)),
        ("legacy", list(X.columns)),
        ("bare-array", [f"x{i}" for i in range(30)]),
    ):
        status, _, metadata = client.request("GET", f"/v2/models/{name}")
        assert status == 200, metadata
        assert [i["name"] for i in metadata["inputs"]] == columns, name
        assert {i["datatype"] for i in metadata["inputs"]} == {"FP64"}
        assert metadata["outputs"] == [{"name": "predict", "datatype": "INT64", "shape": [-1]}]


@pytest.mark.parametrize("variant", ["bare-frame", "legacy"])
def test_wrong_columns_or_widths_are_400s_naming_them(
    client: Client, models: dict[str, Any], variant: str
) -> None:
    frame = rows(3, start=10)
    status, reply = invoke(client, variant, {"dataframe_split": frame.to_dict("split")})
    assert status == 200, reply
    assert reply["predictions"] == models[variant].predict(frame).tolist()

    renamed = frame.rename(columns={"mean radius": "radius"})
    status, reply = invoke(client, variant, {"dataframe_records": renamed.to_dict("records")})
    assert status == 400, reply
    assert "Missing column 'mean radius'" in reply["error"]["message"]
    assert "'radius'" in reply["error"]["message"]
    status, reply = invoke(client, variant, {"instances": [[1.0, 2.0, 3.0]]})
    assert status == 400, reply
    assert "the model takes 30 columns ('mean radius'" in reply["error"]["message"]
    status, _, reply = client.request(
        "POST",
        f"/v2/models/{variant}/infer",
        {"inputs": [{"name": "radius", "shape": [1], "datatype": "FP64", "data": [1.0]}]},
    )
    assert status == 400 and "Missing columns" in reply["error"], reply


def test_a_model_fitted_on_an_array_checks_the_width(
    client: Client, models: dict[str, Any]
) -> None:
    values = rows(2, start=5).to_numpy()
    status, reply = invoke(client, "bare-array", {"instances": values.tolist()})
    assert status == 200, reply
    assert reply["predictions"] == models["bare-array"].predict(values).tolist()
    status, reply = invoke(client, "bare-array", {"instances": [values[0, :29].tolist()]})
    assert status == 400, reply
    assert "Row 0 has 29 values; the model takes 30 columns ('x0'" in reply["error"]["message"]


def test_text_columns_and_inputs_scikit_learn_refuses(
    client: Client, models: dict[str, Any]
) -> None:
    model = models["colours"]
    good = pd.DataFrame({"size": [1.5, 7.0], "colour": ["red", "blue"]})
    want = model.predict(good).tolist()
    status, reply = invoke(client, "colours", {"dataframe_records": good.to_dict("records")})
    assert (status, reply) == (200, {"predictions": want})
    status, reply = invoke(client, "colours", good.to_csv(index=False), "text/csv")
    assert (status, reply) == (200, {"predictions": want})

    # the client's fault, found by scikit-learn: 400 with its message, not a model error
    unknown = {"dataframe_records": [{"size": 1.0, "colour": "purple"}]}
    status, reply = invoke(client, "colours", unknown)
    assert status == 400, reply
    assert reply["error"]["code"] == "INVALID_ARGUMENT"
    assert "The model rejected the input" in reply["error"]["message"]
    assert "purple" in reply["error"]["message"]
    missing = {"dataframe_records": [{"size": None, "colour": "red"}]}
    status, reply = invoke(client, "colours", missing)
    assert status == 400 and "NaN" in reply["error"]["message"], reply
    assert "Traceback" not in json.dumps(reply)
