"""``features`` on ``POST /endpoints``: pinned and shown, bad references refused."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls

if TYPE_CHECKING:
    from conftest import Call


pytestmark = pytest.mark.usefixtures("no_endpoint_left_behind")


async def test_features_over_rest(call: Call) -> None:
    frame = pd.DataFrame(
        {"customer_id": [1, 2], "ts": pd.Timestamp("2024-01-01", tz="UTC"), "age": [30, 60]}
    )
    mls.features.create_group(
        "customers", frame, record_identifier="customer_id", event_time_feature="ts", ingest=True
    )
    model = LogisticRegression().fit(frame[["age"]], [0, 1])
    mls.register(model, "by-age", input_example=frame[["age"]])

    cases = [
        (["customers:nope"], 400, "nope"),
        (["ghosts:age"], 404, "ghosts"),
        (["customers"], 400, "feature reference"),
        ("customers:age", 400, "features"),
    ]
    for features, code, word in cases:
        body = {"name": "ages", "variants": [{"model": "by-age"}], "features": features}
        status, error = await call("POST", "endpoints", body=body)
        assert status == code, (features, error)
        assert word in error["error"]["message"], (features, error)
    status, listed = await call("GET", "endpoints")
    assert listed["items"] == []

    body = {"name": "ages", "variants": [{"model": "by-age"}], "features": ["customers:age"]}
    status, created = await call("POST", "endpoints", body=body)
    assert status == 202, created
    assert created["features"] == ["customers@1:age"]
    for _ in range(600):
        status, endpoint = await call("GET", "endpoints", "ages")
        if endpoint["status"] != "Creating":
            break
        await asyncio.sleep(0.2)
    assert endpoint["status"] == "InService", endpoint["failure_reason"]
    status, answer = await call(
        "POST",
        "ages",
        "invocations",
        body={"instances": [{"customer_id": 2}, {"customer_id": 1}]},
        api=False,
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, answer
    assert answer["predictions"] == model.predict(frame[["age"]].iloc[[1, 0]]).tolist()
    status, _ = await call("DELETE", "endpoints", "ages")
    assert status == 202
