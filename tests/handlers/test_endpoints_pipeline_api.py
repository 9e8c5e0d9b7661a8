"""Inference pipelines over REST (issue 20): ``preprocess: {"flow": ...}`` in
``POST /endpoints`` deploys a flow's fitted export before the model; the endpoint shows its
stages and answers raw rows through the Jupyter proxy; a flow with steps that have no
fitted equivalent (named), an unknown flow and a flow outside the root are 4xx."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument

if TYPE_CHECKING:
    from conftest import Call

pytestmark = pytest.mark.usefixtures("no_endpoint_left_behind")


def _raw(rows: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "size": rng.normal(10, 3, rows).round(2),
            "color": rng.choice(["red", "green", "blue"], rows),
        }
    )
    frame.loc[rng.random(rows) < 0.1, "size"] = np.nan
    frame["label"] = (frame["size"].fillna(10) > 10).astype(int)
    return frame


async def _in_service(call: Call, name: str) -> dict[str, Any]:
    for _ in range(600):
        status, endpoint = await call("GET", "endpoints", name)
        assert status == 200, endpoint
        if endpoint["status"] not in ("Creating", "Updating", "Deleting"):
            assert endpoint["status"] == "InService", endpoint["failure_reason"]
            return endpoint  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} did not start")


async def test_an_inference_pipeline_over_rest(call: Call, jp_root_dir: Path) -> None:
    folder = jp_root_dir / "prep"
    folder.mkdir()
    _raw().to_csv(folder / "items.csv", index=False)
    flow = Flow(FlowDocument(sources=[CsvSource(id="items", path="items.csv")]), base_dir=folder)
    flow.add_step("impute_median", {"columns": ["size"]})
    flow.add_step("one_hot_encode", {"columns": ["color"]})
    flow.save(folder / "items.flow")
    prepared = flow.run()
    features = prepared.drop(columns=["label"])
    model = LogisticRegression(max_iter=500).fit(features, prepared["label"])
    mls.register(model, "items", input_example=features)
    stage = flow.to_sklearn()  # fitted on the same data as the endpoint's first stage
    flow.add_step("filter_rows", {"expression": "size > 0"}, step_id="positive")
    flow.save(folder / "filtered.flow")

    variants = [{"model": "items", "version": 1}]
    for flow_path, status_wanted, words in (
        ("prep/filtered.flow", 400, "positive (filter_rows)"),
        ("prep/nothing.flow", 404, "does not exist"),
        ("../outside.flow", 400, "outside the server's root folder"),
    ):
        status, error = await call(
            "POST",
            "endpoints",
            body={"name": "bad", "variants": variants, "preprocess": {"flow": flow_path}},
        )
        assert status == status_wanted, error
        assert words in error["error"]["message"]
    status, error = await call("GET", "endpoints", "bad")
    assert status == 404

    status, created = await call(
        "POST",
        "endpoints",
        body={"name": "items", "variants": variants, "preprocess": {"flow": "prep/items.flow"}},
    )
    assert status == 202, created
    endpoint = await _in_service(call, "items")
    flow_stage, model_stage = endpoint["stages"]
    assert flow_stage["kind"] == "preprocess" and flow_stage["flow"] == "items.flow"
    assert [s["id"] for s in flow_stage["steps"]] == ["impute_median_1", "one_hot_encode_1"]
    assert flow_stage["inputs"] == ["size", "color"]
    assert model_stage["model"] == "items" and model_stage["version"] == 1

    raw = _raw().drop(columns=["label"]).iloc[:20]
    body = {"dataframe_split": {"columns": ["size", "color"], "data": raw.values.tolist()}}
    body["dataframe_split"]["data"][0][0] = None  # a missing size, imputed by the flow
    status, answer = await call(
        "POST",
        "items",
        "invocations",
        body=body,
        api=False,
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, answer
    sent = pd.DataFrame(body["dataframe_split"]["data"], columns=["size", "color"])
    expected = model.predict(stage.transform(sent.assign(label=0)).drop(columns=["label"]))
    assert answer["predictions"] == expected.tolist()
    status, example = await call("GET", "endpoints", "items", "example")
    assert status == 200 and '"color"' in example["body"] and '"label"' not in example["body"]
    status, _ = await call("DELETE", "endpoints", "items")
    assert status in (200, 202, 204)
