"""An endpoint deployed with ``features=[...]`` looks online features up by the record
ids in each request: its answer equals the model's on the point-in-time training set's
row for the same time (train/serve parity). Real online store (SQLite), real endpoint
process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import jupyter_mlstudio as mls
from jupyter_mlstudio.endpoints.service import EndpointRequestError
from jupyter_mlstudio.serving import read_capture

CUSTOMERS = 60
FEATURES = ["customers:age", "customers:city", "customers:score", "orders:*"]
# the training set's names: "score" is in both groups, so each is <group>__score
COLUMNS = ["age", "city", "customers__score", "n_orders", "amount", "orders__score"]


def histories(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three events per customer (shuffled, so late arrivals too), the last one in 2024-03."""
    rows_c, rows_o = [], []
    for customer in range(1, CUSTOMERS + 1):
        for day in rng.permutation([1, 15, 28]):
            ts = pd.Timestamp(f"2024-0{1 + int(day) % 3}-{int(day):02d}", tz="UTC")
            rows_c.append(
                {
                    "customer_id": customer,
                    "ts": ts,
                    "age": int(rng.integers(18, 80)),
                    "city": str(rng.choice(["Oslo", "Lima", "Pune"])),
                    "score": float(rng.normal()),
                }
            )
            rows_o.append(
                {
                    "customer_id": customer,
                    "ts": ts - pd.Timedelta(hours=int(rng.integers(0, 48))),
                    "n_orders": int(rng.integers(0, 20)),
                    "amount": float(rng.gamma(2.0, 50.0)),
                    "score": float(rng.uniform()),
                }
            )
    return pd.DataFrame(rows_c), pd.DataFrame(rows_o)


def test_ids_only_requests_answer_what_the_model_gives_on_the_pit_row(
    mlstudio_home: Path,
) -> None:
    rng = np.random.default_rng(7)
    customers, orders = histories(rng)
    mls.features.create_group(
        "customers",
        customers,
        record_identifier="customer_id",
        event_time_feature="ts",
        ingest=True,
    )
    mls.features.create_group(
        "orders", orders, record_identifier="customer_id", event_time_feature="ts", ingest=True
    )
    # entity times after every event: the online latest is the point-in-time row
    entity = pd.DataFrame(
        {
            "customer_id": range(1, CUSTOMERS + 1),
            "ts": pd.Timestamp("2024-06-01", tz="UTC"),
            "label": rng.integers(0, 2, CUSTOMERS),
        }
    )
    training = mls.features.dataset(entity, FEATURES, event_time="ts")
    assert list(training.columns) == ["customer_id", "ts", "label", *COLUMNS]
    X, y = training[COLUMNS], training["label"]
    model = make_pipeline(
        ColumnTransformer(
            [("city", OneHotEncoder(handle_unknown="ignore"), ["city"])], remainder="passthrough"
        ),
        RandomForestClassifier(n_estimators=30, random_state=0),
    ).fit(X, y)
    mls.register(model, "churn", input_example=X)

    endpoint = mls.deploy(
        "churn", features=FEATURES, return_probabilities=True, capture=True, timeout=120
    )
    try:
        assert endpoint.features == [
            "customers@1:age",
            "customers@1:city",
            "customers@1:score",
            "orders@1:*",
        ]  # versions pinned at deploy
        ids = pd.DataFrame({"customer_id": range(1, CUSTOMERS + 1)})
        answer = endpoint._service.invoke(endpoint.name, ids)
        assert answer["predictions"] == model.predict(X).tolist()
        np.testing.assert_allclose(answer["probabilities"], model.predict_proba(X), rtol=1e-12)
        # one id, as records and as an OIP v2 tensor
        assert (
            endpoint.predict([{"customer_id": 7}]).tolist() == model.predict(X.iloc[[6]]).tolist()
        )
        body = {
            "inputs": [{"name": "customer_id", "shape": [2], "datatype": "INT64", "data": [3, 4]}]
        }
        status, _, raw = endpoint._service.request(
            endpoint.name,
            "POST",
            "/v2/models/churn/infer",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 200, raw
        outputs = json.loads(raw)["outputs"]
        assert outputs[0]["data"] == model.predict(X.iloc[[2, 3]]).tolist()

        # a request value wins over the store's
        changed = X.iloc[[0]].assign(age=99, city="Lima")
        sent = [{"customer_id": 1, "age": 99, "city": "Lima"}]
        assert (
            endpoint.predict_proba(sent).to_numpy().tolist()
            == model.predict_proba(changed).tolist()
        )

        # bad requests: a 400 each, naming what is wrong
        with pytest.raises(
            EndpointRequestError,
            match=r"No online record in customers@1 "
            r"for customer_id 999 \(1 of 2 rows\)",
        ) as missing:
            endpoint.predict([{"customer_id": 1}, {"customer_id": 999}])
        assert missing.value.status == 400
        with pytest.raises(EndpointRequestError, match="needs the column 'customer_id'"):
            endpoint.predict([{"client": 1}])
        with pytest.raises(EndpointRequestError, match="Unexpected column 'colour'"):
            endpoint.predict([{"customer_id": 1, "colour": "red"}])
        with pytest.raises(EndpointRequestError, match="integral"):
            endpoint.predict([{"customer_id": "abc"}])

        metrics = endpoint.metrics()
        lookups = metrics["variants"]["primary"]["feature_lookup_ms"]
        assert lookups["count"] == 8  # every request that reached the lookup
        assert lookups["p50"] is not None and lookups["max"] >= lookups["p50"]
        assert metrics["features"]["groups"] == ["customers@1", "orders@1"]
        assert metrics["features"]["columns"] == COLUMNS
    finally:
        endpoint.delete()

    # captured: the model's input as assembled (what Model Monitor checks), not the ids
    destination = mlstudio_home / "artifacts" / "endpoints" / "churn" / "data-capture"
    deadline = time.monotonic() + 10
    records: list[dict[str, object]] = []
    while time.monotonic() < deadline and len(records) < 8:
        records = list(read_capture(str(destination)))
        time.sleep(0.1)
    first = min(records, key=lambda r: str(r["time"]))
    request = first["request"]["data"]  # type: ignore[index]
    assert request["dataframe_split"]["columns"] == COLUMNS
    assert len(request["dataframe_split"]["data"]) == CUSTOMERS


def test_bad_feature_references_are_refused_at_deploy(mlstudio_home: Path) -> None:
    frame = pd.DataFrame(
        {"customer_id": [1, 2], "ts": pd.Timestamp("2024-01-01", tz="UTC"), "age": [30, 40]}
    )
    mls.features.create_group(
        "customers", frame, record_identifier="customer_id", event_time_feature="ts", ingest=True
    )
    mls.features.create_group(
        "offline_only",
        frame,
        record_identifier="customer_id",
        event_time_feature="ts",
        online_enabled=False,
    )
    model = RandomForestClassifier(n_estimators=3).fit(frame[["age"]], [0, 1])
    mls.register(model, "m", input_example=frame[["age"]])
    with pytest.raises(mls.InvalidArgumentError, match="nope"):
        mls.deploy("m", features=["customers:nope"], timeout=120)
    with pytest.raises(mls.NotFoundError, match="ghosts"):
        mls.deploy("m", features=["ghosts:*"], timeout=120)
    with pytest.raises(mls.InvalidArgumentError, match="Invalid feature reference"):
        mls.deploy("m", features=["customers"], timeout=120)
    with pytest.raises(mls.InvalidArgumentError, match="no online store"):
        mls.deploy("m", features=["offline_only:age"], timeout=120)
    with pytest.raises(mls.InvalidArgumentError, match="list of references"):
        mls.deploy("m", features="customers:age", timeout=120)  # type: ignore[arg-type]
    assert mls.list_endpoints() == []
