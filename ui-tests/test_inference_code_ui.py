"""A model version with inference code (SageMaker handlers, issue 20): the version view
says which file runs, and the deploy dialog requires "Trust this model's code" before
it deploys; the endpoint then answers through the script's handlers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import textwrap
from collections.abc import Iterator

import pages
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import open_lab, show_left, visible_view
from playwright.sync_api import Page, expect

MODEL = "iris-handlers"
ENDPOINT = "iris-handlers-api"

INFERENCE_PY = """
import json, os
import joblib

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

def output_fn(prediction, accept):
    return json.dumps({"labels": [int(p) for p in prediction]}), "application/json"
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("inference-code-lab")
    server, proc = start_lab(tmp, "inference-code")
    try:
        prepare(server, tmp)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.api("DELETE", f"endpoints/{ENDPOINT}")
        stop_lab(proc)
        import jupyter_mlstudio as mls

        studio = mls.configure(home=server.home)
        try:
            for endpoint in studio.endpoints.store.all():
                if endpoint.pid:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(endpoint.pid, signal.SIGKILL)
        finally:
            studio.close()


def prepare(lab: Lab, tmp: object) -> None:
    """A model folder with code/inference.py, registered without trusting its code."""
    from pathlib import Path

    import joblib  # type: ignore[import-untyped]
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    import jupyter_mlstudio as mls

    folder = Path(str(tmp)) / "model"
    (folder / "code").mkdir(parents=True)
    X, y = load_iris(return_X_y=True)
    joblib.dump(DecisionTreeClassifier(random_state=0).fit(X, y), folder / "model.joblib")
    (folder / "code" / "inference.py").write_text(textwrap.dedent(INFERENCE_PY))
    studio = mls.configure(home=lab.home)
    try:
        mls.register(str(folder), MODEL)
    finally:
        studio.close()


def test_version_shows_its_code_and_deploy_needs_trust(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    models = show_left(page, "mlstudio-models", ".jp-MLStudio-modelsSidebar")
    models.locator(f'[data-testid="mls-model-item"][data-model="{MODEL}"]').click()
    group = page.locator('[data-testid="mls-model-view"]:visible')
    group.locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    version = visible_view(page, "mls-version-view")
    code = version.locator('[data-testid="mls-version-inference-code"]')
    expect(code).to_contain_text("Runs inference code: code/inference.py")
    expect(code).to_contain_text("Trust this model")
    deploy = version.locator('[data-testid="mls-deploy-version"]')
    dialog = page.locator(".jp-Dialog")

    # dark first: the version view and its dialog, then cancel (the theme menu is
    # behind a modal dialog)
    pages.switch_theme(page, dark=True)
    pages.screenshot(page, "version-inference-code-dark")
    deploy.click()
    expect(dialog.locator('[data-testid="mls-dialog-trust_code"]')).to_be_visible()
    pages.screenshot(page, "deploy-trust-code-dialog-dark")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    pages.switch_theme(page, dark=False)
    pages.screenshot(page, "version-inference-code")

    deploy.click()
    trust = dialog.locator('[data-testid="mls-dialog-trust_code"]')
    expect(trust).not_to_be_checked()
    expect(dialog).to_contain_text("This version runs inference code (code/inference.py)")
    dialog.locator('[data-testid="mls-dialog-name"]').fill(ENDPOINT)
    accept = dialog.get_by_role("button", name="Deploy")
    expect(accept).to_be_disabled()  # the trust checkbox is required
    trust.check()
    expect(accept).to_be_enabled()
    pages.screenshot(page, "deploy-trust-code-dialog")
    accept.click()
    expect(dialog).to_be_hidden()

    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=120_000)
    assert lab.api("GET", f"endpoints/{ENDPOINT}")["status"] == "InService"
    # the test form's request goes through the script's output_fn
    body = view.locator('[data-testid="mls-test-body"]')
    body.fill(json.dumps([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]))
    view.locator('[data-testid="mls-test-send"]').click()
    result = view.locator('[data-testid="mls-test-result"]')
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    expect(result).to_contain_text('"labels"')
