"""Inference pipelines (issue 20): an endpoint runs a Data Wrangler flow's fitted export on
raw rows, then the model trained on the flow's output, in one request.

Real flow, real registry, real endpoint process over HTTP (``mls.deploy`` in a studio home
of the test's own). Parity: raw rows through the endpoint answer exactly what the flow's
pandas export followed by ``model.predict`` answers on the same rows."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

import jupyter_mlstudio as mls
from jupyter_mlstudio.endpoints.handle import EndpointHandle
from jupyter_mlstudio.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from jupyter_mlstudio.studio import close_default
from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument

LABEL = "churned"
STEPS = ["drop_details", "impute_median_1", "impute_mode_1", "one_hot_encode_1",
         "ordinal_encode_1", "standard_scale_1"]  # fmt: skip


def customers(rows: int, seed: int = 0) -> pd.DataFrame:
    """Raw customers: numbers, categories, free text, dates, missing values, a label."""
    rng = np.random.default_rng(seed)
    cities = np.array(["Paris", "Lyon", "Nantes", "Lille", "Brest", "Metz"])
    signup = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), unit="D")
    df = pd.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "age": rng.normal(41, 12, rows).round(0),
            "income": np.exp(rng.normal(10.3, 0.6, rows)).round(2),
            "visits": rng.poisson(4, rows),
            "city": cities[rng.choice(6, rows, p=[0.4, 0.25, 0.2, 0.1, 0.04, 0.01])],
            "plan": rng.choice(["basic", "plus", "pro"], rows),
            "name": [f"Client {i} é" for i in rng.integers(0, 30, rows)],
            "signup": signup.strftime("%Y-%m-%d"),
            "last_seen": signup.strftime("%Y-%m-%d 12:00:00"),
        }
    )
    df[LABEL] = ((df["visits"] > 4) ^ (rng.random(rows) < 0.2)).astype(int)
    for column, share in (("age", 0.1), ("income", 0.05), ("city", 0.08), ("name", 0.03)):
        df.loc[rng.random(rows) < share, column] = np.nan
    return df


def _flow(folder: Path) -> Flow:
    customers(300).to_csv(folder / "customers.csv", index=False)
    flow = Flow(
        FlowDocument(sources=[CsvSource(id="customers", path="customers.csv")]), base_dir=folder
    )
    flow.add_step("drop_columns", {"columns": ["name", "signup", "last_seen"]}, step_id=STEPS[0])
    flow.add_step("impute_median", {"columns": ["age", "income"]})
    flow.add_step("impute_mode", {"columns": ["city"]})
    flow.add_step("one_hot_encode", {"columns": ["plan"]})
    flow.add_step("ordinal_encode", {"columns": ["city"]})
    flow.add_step("standard_scale", {"columns": ["age", "income", "visits"]})
    flow.save(folder / "prep.flow")
    return flow


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A model trained on the flow's output (no id, no label), registered, and deployed
    with the flow as its first stage."""
    folder = tmp_path_factory.mktemp("pipeline")
    _configure(folder / "home")
    flow = _flow(folder)
    prepared = flow.run()
    features = prepared.drop(columns=[LABEL, "id"])
    model = RandomForestClassifier(n_estimators=30, random_state=0)
    model.fit(features, prepared[LABEL])
    mls.register(model, "churn", input_example=features)
    endpoint = mls.deploy("churn-pipeline", model="churn", preprocess=folder / "prep.flow")
    try:
        yield {"folder": folder, "flow": flow, "model": model, "endpoint": endpoint}
    finally:
        _configure(folder / "home")
        mls.delete_endpoint("churn-pipeline")
        close_default()


def _configure(home: Path) -> None:
    mls.configure(
        home=home,
        store_uri=f"sqlite:///{home / 'mlstudio.db'}",
        artifact_uri=(home / "artifacts").as_uri(),
    )


@pytest.fixture(autouse=True)
def _studio(deployed: dict[str, Any]) -> None:
    """The module's studio for each test (the suite's fixture closes it after each)."""
    _configure(deployed["folder"] / "home")
    deployed["endpoint"] = mls.get_endpoint("churn-pipeline")


def _post(endpoint: EndpointHandle, body: Any, content_type: str) -> tuple[int, Any]:
    assert endpoint.url is not None
    port = int(endpoint.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Authorization": f"Bearer {endpoint.token}", "Content-Type": content_type}
        connection.request("POST", "/invocations", body=body, headers=headers)
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        connection.close()


def test_raw_rows_answer_exactly_the_flow_export_then_the_model(deployed: dict[str, Any]) -> None:
    folder, flow, model = deployed["folder"], deployed["flow"], deployed["model"]
    endpoint: EndpointHandle = deployed["endpoint"]
    # the flow's pandas export, run as a user would on the full data, then the model
    namespace: dict[str, Any] = {}
    exec(flow.to_code(absolute_paths=True), namespace)
    exported: pd.DataFrame = namespace["df"]
    expected = model.predict(exported[list(model.feature_names_in_)])
    raw = pd.read_csv(folder / "customers.csv").drop(columns=[LABEL, "id"])
    assert raw.isna().any().any()  # missing values the flow imputes are part of the test
    answered = endpoint.predict(raw)
    assert answered.tolist() == expected.tolist()
    # the same raw rows as CSV, the container contract's other body
    status, body = _post(endpoint, raw.iloc[:25].to_csv(index=False).encode(), "text/csv")
    assert status == 200, body
    assert body["predictions"] == expected[:25].tolist()
    # a raw row the training data never had: an unseen city and a missing income
    row = {**raw.iloc[0].to_dict(), "city": "Quimper", "income": None}
    one = endpoint.predict(pd.DataFrame([row]))
    stage1 = flow.to_sklearn()  # fitted on the same data as the endpoint's first stage
    features = stage1.transform(pd.DataFrame([row]).assign(id=0, churned=0))
    assert one.tolist() == model.predict(features[list(model.feature_names_in_)]).tolist()


def test_requests_are_checked_against_the_raw_schema(deployed: dict[str, Any]) -> None:
    endpoint: EndpointHandle = deployed["endpoint"]
    raw = pd.read_csv(deployed["folder"] / "customers.csv").drop(columns=[LABEL, "id"])
    split = json.loads(raw.iloc[:2].drop(columns=["plan"]).to_json(orient="split", index=False))
    status, body = _post(endpoint, json.dumps({"dataframe_split": split}), "application/json")
    assert status == 400
    assert "Missing column 'plan'" in body["error"]["message"]
    # the model's own (prepared) columns are not what the endpoint takes
    prepared = deployed["flow"].run().drop(columns=[LABEL, "id"]).iloc[:1]
    records = json.loads(prepared.to_json(orient="records"))
    status, body = _post(endpoint, json.dumps({"dataframe_records": records}), "application/json")
    assert status == 400


def test_describe_shows_the_stages(deployed: dict[str, Any]) -> None:
    endpoint = mls.get_endpoint("churn-pipeline")
    flow_stage, model_stage = endpoint.stages
    assert flow_stage["kind"] == "preprocess" and flow_stage["flow"] == "prep.flow"
    assert [s["id"] for s in flow_stage["steps"]] == STEPS
    assert "plan" in flow_stage["inputs"] and LABEL not in flow_stage["inputs"]
    assert "id" not in flow_stage["inputs"]  # passes through to a column no model takes
    assert "plan_pro" in flow_stage["outputs"]
    assert model_stage == {"kind": "model", "variant": "primary", "model": "churn", "version": 1}
    example = json.loads(mls.studio().endpoints.example("churn-pipeline")["body"])
    assert example["dataframe_split"]["columns"] == flow_stage["inputs"]


def test_flows_that_cannot_be_a_fitted_stage_are_refused(deployed: dict[str, Any]) -> None:
    folder: Path = deployed["folder"]
    flow = Flow.load(folder / "prep.flow")
    flow.add_step("filter_rows", {"expression": "age > 0"}, step_id="adults")
    flow.save(folder / "filtered.flow")
    with pytest.raises(InvalidArgumentError, match=r"adults \(filter_rows\)"):
        mls.deploy("refused", model="churn", preprocess=folder / "filtered.flow")
    with pytest.raises(NotFoundError, match="does not exist"):
        mls.deploy("refused", model="churn", preprocess=folder / "missing.flow")
    with pytest.raises(InvalidArgumentError, match=r"must be a \.flow file"):
        mls.deploy("refused", model="churn", preprocess=folder / "customers.csv")
    with pytest.raises(AlreadyExistsError, match="already exists"):  # refused before fitting
        mls.deploy("churn-pipeline", model="churn", preprocess=folder / "filtered.flow")
    names = [e.name for e in mls.list_endpoints()]
    assert "refused" not in names


def test_a_model_needing_columns_the_flow_does_not_make_is_refused(
    deployed: dict[str, Any],
) -> None:
    X = pd.DataFrame({"age": [1.0, 2.0, 3.0], "height": [1.0, 2.0, 3.0]})
    other = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, np.array([0, 1, 0]))
    mls.register(other, "tall", input_example=X)
    with pytest.raises(InvalidArgumentError, match="does not make: 'height'"):
        mls.deploy("refused", model="tall", preprocess=deployed["folder"] / "prep.flow")


def test_a_rolling_update_keeps_the_flow_and_checks_the_new_model(
    deployed: dict[str, Any],
) -> None:
    """A new version trained on fewer of the flow's columns rolls in behind the same
    fitted flow; a version taking a column the flow does not hand on is refused."""
    flow: Flow = deployed["flow"]
    prepared = flow.run()
    fewer = prepared[["age", "income", "visits", "plan_pro"]]
    second = RandomForestClassifier(n_estimators=10, random_state=1).fit(fewer, prepared[LABEL])
    mls.register(second, "churn", input_example=fewer)
    endpoint = mls.deploy("churn-rolling", model="churn", version=1, preprocess=flow.path)
    try:
        stage_before = endpoint.stages[0]
        endpoint.update(version=2)
        assert endpoint.stages[0] == stage_before and endpoint.stages[1]["version"] == 2
        raw = pd.read_csv(deployed["folder"] / "customers.csv").drop(columns=[LABEL, "id"])
        namespace: dict[str, Any] = {}
        exec(flow.to_code(absolute_paths=True), namespace)
        expected = second.predict(namespace["df"][list(fewer.columns)])
        assert endpoint.predict(raw).tolist() == expected.tolist()
        X = pd.DataFrame({"age": [1.0, 2.0, 3.0], "height": [1.0, 2.0, 3.0]})
        wide = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, [0, 1, 0])
        mls.register(wide, "wide", input_example=X)
        with pytest.raises(InvalidArgumentError, match="does not hand on: 'height'"):
            endpoint.update(model="wide", version=1)
    finally:
        mls.delete_endpoint("churn-rolling")
