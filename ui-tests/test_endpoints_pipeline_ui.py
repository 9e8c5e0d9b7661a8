"""Inference pipelines in the browser (issue 20): deploy a model version with a Data
Wrangler flow picked as the "Preprocessing flow" in the deploy dialog, see the endpoint's
stages (the flow's steps → the model), send the prefilled raw row from the test form and
get the model's prediction for it. Light and dark screenshots of the stages.

The flow, its data and the model (trained on the flow's output) are made with the SDK in
this process, against the lab server's MLSTUDIO_HOME; the browser does the rest. The
endpoint's process is stopped even when the test fails.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import (
    kill_endpoint_processes,
    mlstudio_errors,
    open_lab,
    screenshot,
    screenshot_themes,
    show_left,
    visible_view,
)
from playwright.sync_api import Page, expect

MODEL = "churn-raw"
ENDPOINT = "churn-raw"
FLOW = "prep/churn.flow"
SERVING_TIMEOUT = 120_000
EXPECTED: dict[str, int] = {}  # what the model answers for the first raw row


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (it deploys an endpoint), with the flow and the model."""
    server, proc = start_lab(tmp_path_factory.mktemp("endpoints-pipeline-lab"), "pipeline")
    try:
        EXPECTED.update(_prepare(server))
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.api("DELETE", f"endpoints/{ENDPOINT}")
        stop_lab(proc)
        kill_endpoint_processes(server)


def _prepare(lab: Lab) -> dict[str, int]:
    """Raw customers, a flow (drop, impute, encode, scale), a forest trained on its output;
    returns the prediction the forest makes for the first raw row through the flow."""
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    import jupyter_mlstudio as mls
    from jupyter_mlstudio.wrangler import CsvSource, Flow, FlowDocument

    rng = np.random.default_rng(7)
    rows = 200
    raw = pd.DataFrame(
        {
            "customer": [f"c{i}" for i in range(rows)],
            "age": rng.normal(40, 10, rows).round(0),
            "visits": rng.poisson(4, rows),
            "plan": rng.choice(["basic", "plus", "pro"], rows),
            "city": rng.choice(["Paris", "Lyon", "Nantes"], rows),
        }
    )
    raw.loc[rng.random(rows) < 0.1, "age"] = np.nan
    raw["churned"] = ((raw["visits"] < 3) ^ (rng.random(rows) < 0.15)).astype(int)
    folder = lab.root / "prep"
    folder.mkdir()
    raw.to_csv(folder / "customers.csv", index=False)
    flow = Flow(
        FlowDocument(sources=[CsvSource(id="customers", path="customers.csv")]), base_dir=folder
    )
    flow.add_step("drop_columns", {"columns": ["customer"]})
    flow.add_step("impute_median", {"columns": ["age"]})
    flow.add_step("one_hot_encode", {"columns": ["plan"]})
    flow.add_step("ordinal_encode", {"columns": ["city"]})
    flow.add_step("standard_scale", {"columns": ["age", "visits"]})
    flow.save(lab.root / FLOW)
    prepared = flow.run()
    features = prepared.drop(columns=["churned"])
    model = RandomForestClassifier(n_estimators=25, random_state=0)
    model.fit(features, prepared["churned"])
    studio = mls.configure(home=lab.home)
    try:
        mls.register(model, MODEL, input_example=features)
    finally:
        studio.close()
    first = flow.to_sklearn().transform(raw.head(1))
    return {"prediction": int(model.predict(first.drop(columns=["churned"]))[0])}


def test_deploy_with_a_flow_shows_the_stages_and_answers_raw_rows(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    open_lab(page, lab)

    # Models panel → the model → v1 → Deploy, with the flow as the preprocessing stage
    models = show_left(page, "mlstudio-models", ".jp-MLStudio-modelsSidebar")
    models.locator(f'[data-testid="mls-model-item"][data-model="{MODEL}"]').click()
    group = page.locator('[data-testid="mls-model-view"]:visible')
    group.locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    version = page.locator('[data-testid="mls-version-view"]:visible')
    version.locator('[data-testid="mls-deploy-version"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-MLStudio-formGroup", has_text="Inference pipeline")).to_be_visible()
    field = dialog.locator('[data-testid="mls-dialog-preprocess"]')
    # the dialog offers the .flow files it found
    offered = field.evaluate("e => [...(e.list?.options ?? [])].map(o => o.value)")
    assert FLOW in offered, offered
    field.fill(FLOW)
    field.scroll_into_view_if_needed()
    screenshot(page, "endpoint-pipeline-deploy-dialog")
    dialog.get_by_role("button", name="Deploy").click()
    expect(dialog).to_be_hidden()

    # deploying fits the flow on its data first: the view opens once the server accepted
    expect(page.locator('[data-testid="mls-endpoint-view"]:visible')).to_have_count(
        1, timeout=60_000
    )
    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)

    # the stages: the flow's steps, then the model
    stages = view.locator('[data-testid="mls-endpoint-stages"]')
    expect(stages).to_be_visible()
    expect(stages.locator('[data-testid="mls-stage-flow-name"]')).to_have_text("churn.flow")
    expect(stages.locator('[data-testid="mls-stage-step"]')).to_have_count(5)
    expect(stages.locator('[data-testid="mls-stage-step"]').first).to_have_text("Drop columns")
    expect(stages.locator('[data-testid="mls-stage-inputs"]')).to_contain_text(
        "customer, age, visits, plan, city"
    )
    expect(stages.locator('[data-testid="mls-stage-outputs"]')).to_contain_text("plan_basic")
    expect(stages.locator('[data-testid="mls-stage-model-name"]')).to_have_text(f"{MODEL}:1")

    # the test form holds a raw row (the flow's columns), and the model answers it
    body = view.locator('[data-testid="mls-test-body"]')
    expect(body).to_contain_text('"plan"')
    sent = json.loads(body.input_value())
    assert sent["dataframe_split"]["columns"] == ["customer", "age", "visits", "plan", "city"]
    view.locator('[data-testid="mls-test-send"]').click()
    result = view.locator('[data-testid="mls-test-result"]')
    expect(result.locator('[data-testid="mls-test-status"]')).to_contain_text("200")
    expected = EXPECTED["prediction"]
    expect(result.locator('[data-testid="mls-test-predictions"]')).to_contain_text(f"[{expected}]")

    stages.scroll_into_view_if_needed()
    screenshot_themes(page, "endpoint-pipeline-stages")
    # the flow's name opens the flow
    stages.locator('[data-testid="mls-stage-flow-name"]').click()
    expect(page.locator(".lm-TabBar-tab", has_text="churn.flow")).to_be_visible()
    assert mlstudio_errors(console_errors) == []
