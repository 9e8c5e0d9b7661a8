"""Multi-model endpoints in the browser (issue 20): the user deploys iris-a from the
Deploy dialog with "Multi-model endpoint" ticked and iris-b allowed too; the endpoint
view lists both models, not loaded; "Invoke" on a row sends the test form's body to that
model (one through the button, one over HTTP with the SageMaker header), and the list
shows them loaded with their requests; "Add models" allows iris-c without redeploying.
Light and dark screenshots."""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

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

ENDPOINT = "zoo"
MODELS = ("iris-a", "iris-b", "iris-c")
SERVING_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (it deploys), with three iris models."""
    server, proc = start_lab(tmp_path_factory.mktemp("multimodel-lab"), "multimodel")
    try:
        _register(server)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.api("DELETE", f"endpoints/{ENDPOINT}")
        stop_lab(proc)
        kill_endpoint_processes(server)


def _register(lab: Lab) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    try:
        mls.register(LogisticRegression(max_iter=500).fit(X, y), MODELS[0], input_example=X)
        for depth, name in ((1, MODELS[1]), (3, MODELS[2])):
            tree = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X, y)
            mls.register(tree, name, input_example=X)
    finally:
        studio.close()


def _invoke_over_http(lab: Lab, target: str) -> Any:
    """A request through Jupyter's proxy with the SageMaker target-model header."""
    from sklearn.datasets import load_iris

    rows = load_iris(as_frame=True).data.head(2)
    request = urllib.request.Request(
        f"{lab.url}mlstudio/endpoints/{ENDPOINT}/invocations",
        method="POST",
        data=json.dumps({"dataframe_split": rows.to_dict("split")}).encode(),
        headers={
            "Authorization": f"token {lab.token}",
            "Content-Type": "application/json",
            "X-Amzn-SageMaker-Target-Model": target,
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        assert response.headers["X-Invoked-Model"] == f"{target}/1"
        return json.loads(response.read())


def test_deploy_invoke_and_list_models(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    panel.locator('[data-testid="mls-new-endpoint"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Deploy Model")
    dialog.locator('[data-testid="mls-dialog-name"]').fill(ENDPOINT)
    dialog.locator('[data-testid="mls-dialog-model"]').fill(MODELS[0])
    dialog.locator('[data-testid="mls-dialog-multi_model"]').check()
    dialog.locator('[data-testid="mls-dialog-multi_models"]').fill(MODELS[1])
    dialog.locator('[data-testid="mls-dialog-multi_memory_mb"]').fill("64")
    dialog.locator('[data-testid="mls-dialog-multi_model"]').scroll_into_view_if_needed()
    screenshot(page, "endpoint-multimodel-deploy-dialog")  # the theme menu is behind it
    dialog.get_by_role("button", name="Deploy").click()
    expect(dialog).to_be_hidden()

    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)
    created = lab.api("GET", f"endpoints/{ENDPOINT}")
    assert created["multi_model"] == {
        "models": [MODELS[0], MODELS[1]],
        "memory_limit_bytes": 64 * 1024 * 1024,
    }

    # both allowed models listed, none loaded yet
    section = view.locator('[data-testid="mls-endpoint-models"]')
    section.scroll_into_view_if_needed()
    expect(section.locator('[data-testid="mls-models-summary"]')).to_contain_text(
        f"{MODELS[0]}, {MODELS[1]}"
    )
    rows = section.locator('[data-testid="mls-model-row"]')
    expect(rows).to_have_count(2, timeout=15_000)
    expect(rows.locator('[data-testid="mls-model-state"]')).to_have_text(["not asked", "not asked"])

    # Invoke iris-b from its row (the test form's body): loaded, counted
    expect(view.locator('[data-testid="mls-test-body"]')).to_have_value(
        re.compile("dataframe_split")
    )
    section.locator(f'[data-testid="mls-model-row"][data-target="{MODELS[1]}"]').locator(
        '[data-testid="mls-model-invoke"]'
    ).click()
    result = section.locator('[data-testid="mls-model-result"]')
    expect(result).to_have_attribute("data-ok", "true", timeout=30_000)
    expect(result).to_contain_text("HTTP 200")
    b_row = section.locator(f'[data-testid="mls-model-row"][data-target="{MODELS[1]}/1"]')
    expect(b_row.locator('[data-testid="mls-model-state"]')).to_have_text("loaded", timeout=15_000)
    expect(b_row.locator('[data-testid="mls-model-requests"]')).to_have_text("1")
    expect(b_row.locator('[data-testid="mls-model-loads"]')).to_have_text("1")

    # iris-a over HTTP with the SageMaker header: the list updates by itself
    answer = _invoke_over_http(lab, MODELS[0])
    assert len(answer["predictions"]) == 2
    a_row = section.locator(f'[data-testid="mls-model-row"][data-target="{MODELS[0]}/1"]')
    expect(a_row.locator('[data-testid="mls-model-requests"]')).to_have_text("1", timeout=15_000)
    expect(a_row.locator('[data-testid="mls-model-state"]')).to_have_text("loaded")

    # Add models: iris-c becomes allowed without a redeploy
    section.locator('[data-testid="mls-models-add"]').click()
    add = page.locator(".jp-Dialog")
    add.locator('[data-testid="mls-dialog-models"]').fill(MODELS[2])
    add.get_by_role("button", name="Add").click()
    expect(add).to_be_hidden()
    c_row = section.locator(f'[data-testid="mls-model-row"][data-target="{MODELS[2]}"]')
    expect(c_row).to_have_count(1, timeout=15_000)
    assert lab.api("GET", f"endpoints/{ENDPOINT}")["generation"] == created["generation"]
    time.sleep(0.3)  # a worker looks a refused name up again after 0.2 s
    c_row.locator('[data-testid="mls-model-invoke"]').click()
    expect(result).to_have_attribute("data-target", MODELS[2])
    expect(result).to_have_attribute("data-ok", "true", timeout=30_000)
    expect(
        section.locator(
            f'[data-testid="mls-model-row"][data-target="{MODELS[2]}/1"] '
            '[data-testid="mls-model-state"]'
        )
    ).to_have_text("loaded", timeout=15_000)

    section.scroll_into_view_if_needed()
    screenshot_themes(page, "endpoint-multimodel-models")
    assert mlstudio_errors(console_errors) == []
