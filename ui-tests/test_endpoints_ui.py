"""Endpoints: deploy a registered model from the Models panel, watch it reach InService,
send the prefilled test request, see the prediction counted in the live metrics; then
capture settings, weights, a version update, and delete — all by clicking.

The model versions are registered with the SDK in this process, against the lab server's
MLSTUDIO_HOME; the browser does everything else through the UI. Endpoint processes are
stopped even when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pages
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot, show_left, switch_theme, visible_view
from playwright.sync_api import Locator, Page, expect

MODEL = "iris-api"
ENDPOINT = "iris-live"
BROKEN = "iris-broken"
# Starting the serving process imports scikit-learn and loads the model.
SERVING_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own, with two versions of "iris-api" (v2 drops no feature; both
    have an input example)."""
    server, proc = start_lab(tmp_path_factory.mktemp("endpoints-lab"), "endpoints")
    try:
        register_versions(server)
        yield server
    finally:
        delete_endpoints(server)
        stop_lab(proc)
        kill_endpoints(server)


def register_versions(lab: Lab) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    try:
        for c in (1.0, 0.5):
            with mls.start_run("iris-serving", name=f"logreg-C{c}") as run:
                run.log_params({"C": c})
                model = LogisticRegression(C=c, max_iter=500).fit(X, y)
                run.log_metric("accuracy", float(model.score(X, y)))
                run.log_model(model, X=X, register_as=MODEL)
        # a version whose files are gone: deploying it fails
        with mls.start_run("iris-serving", name="broken") as run:
            run.log_model(LogisticRegression(max_iter=500).fit(X, y), X=X, register_as=BROKEN)
        version = studio.registry.get_version(BROKEN, 1)
        folder = Path(urllib.parse.urlparse(version.artifact_uri).path)
        for path in folder.rglob("*"):
            if path.is_file():
                path.write_bytes(b"not a model")
    finally:
        studio.close()


def delete_endpoints(lab: Lab) -> None:
    """Ask the server to stop every endpoint (it drains them)."""
    with contextlib.suppress(Exception):
        for endpoint in lab.api("GET", "endpoints")["items"]:
            with contextlib.suppress(Exception):
                lab.api("DELETE", f"endpoints/{endpoint['name']}")


def kill_endpoints(lab: Lab) -> None:
    """After the server stopped: kill any serving process it left behind."""
    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    try:
        for endpoint in studio.endpoints.store.all():
            if endpoint.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(endpoint.pid, signal.SIGKILL)
    finally:
        studio.close()


# -- helpers ------------------------------------------------------------------------------
def wait_in_service(view: Locator) -> None:
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)


def generation(lab: Lab) -> int:
    return int(lab.api("GET", f"endpoints/{ENDPOINT}")["generation"])


def wait_updated(lab: Lab, view: Locator, before: int) -> dict[str, Any]:
    """Wait until the server finished the update just asked for (a new generation of
    workers serves), and the view shows it."""
    deadline = time.monotonic() + SERVING_TIMEOUT / 1000
    while True:
        endpoint: dict[str, Any] = lab.api("GET", f"endpoints/{ENDPOINT}")
        if endpoint["status"] == "InService" and (
            endpoint["generation"] > before or endpoint["failure_reason"]
        ):
            break
        assert time.monotonic() < deadline, endpoint
        time.sleep(0.5)
    assert endpoint["failure_reason"] is None, endpoint
    wait_in_service(view)
    return endpoint


def scroll_to(view: Locator, testid: str) -> None:
    view.locator(f'[data-testid="{testid}"]').scroll_into_view_if_needed()


# -- tests --------------------------------------------------------------------------------
def test_deploy_test_and_manage(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)

    # the Endpoints panel starts empty
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    expect(panel.locator('[data-testid="mls-endpoints-empty"]')).to_contain_text("Deploy")

    # Models panel → the model → v1 → Deploy
    models = show_left(page, "mlstudio-models", ".jp-MLStudio-modelsSidebar")
    models.locator(f'[data-testid="mls-model-item"][data-model="{MODEL}"]').click()
    group = page.locator('[data-testid="mls-model-view"]:visible')
    group.locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    version = page.locator('[data-testid="mls-version-view"]:visible')
    expect(version.locator('[data-testid="mls-version-title"]')).to_have_text(f"{MODEL} v1")
    deploy = version.locator('[data-testid="mls-deploy-version"]')
    expect(deploy).to_be_enabled()
    deploy.click()

    # the dialog is prefilled with the model and the version
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text(f"Deploy {MODEL} v1")
    expect(dialog.locator('[data-testid="mls-dialog-model"]')).to_have_value(MODEL)
    expect(dialog.locator('[data-testid="mls-dialog-version"]')).to_have_value("1")
    expect(dialog.locator('[data-testid="mls-dialog-version"] option')).to_have_text(
        ["v2 (newest)", "v1"]
    )
    name = dialog.locator('[data-testid="mls-dialog-name"]')
    expect(name).to_have_value(MODEL)
    accept = dialog.get_by_role("button", name="Deploy")
    name.fill("bad name!")
    expect(accept).to_be_disabled()
    name.fill(ENDPOINT)
    expect(accept).to_be_enabled()
    screenshot(page, "endpoint-deploy-dialog")
    accept.click()
    expect(dialog).to_be_hidden()

    # the endpoint view opens while Creating, then reaches InService
    view = visible_view(page, "mls-endpoint-view")
    expect(view.locator('[data-testid="mls-endpoint-name"]')).to_have_text(ENDPOINT)
    wait_in_service(view)
    expect(view.locator('[data-testid="mls-endpoint-progress"]')).to_have_count(0)
    expect(view.locator('[data-testid="mls-endpoint-proxy-url"]')).to_contain_text(
        f"/mlstudio/endpoints/{ENDPOINT}/invocations"
    )
    expect(view.locator('[data-testid="mls-endpoint-curl"]')).to_contain_text("curl -X POST")
    row = view.locator('[data-testid="mls-variant-row"][data-variant="primary"]')
    expect(row.locator('[data-testid="mls-variant-model"]')).to_have_text(f"{MODEL}:1")

    # the test form is prefilled from the model's input example; Send → a prediction
    body = view.locator('[data-testid="mls-test-body"]')
    expect(body).to_have_value(re.compile("dataframe_split"))
    expect(body).to_have_value(re.compile("sepal length"))
    view.locator('[data-testid="mls-test-send"]').click()
    result = view.locator('[data-testid="mls-test-result"]')
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    expect(result.locator('[data-testid="mls-test-predictions"]')).to_contain_text(
        re.compile(r"\[\s*0\s*\]")
    )
    expect(result.locator('[data-testid="mls-test-variant-used"]')).to_have_text("primary")
    expect(result.locator('[data-testid="mls-test-latency"]')).to_contain_text(re.compile("s$"))

    # the request is counted: the totals, the variant row and the chart
    expect(view.locator('[data-testid="mls-endpoint-requests"]')).to_have_text(
        re.compile(r"^[1-9]\d*$"), timeout=15_000
    )
    expect(row.locator('[data-testid="mls-variant-requests"]')).to_have_text(
        re.compile(r"^[1-9]\d*$")
    )
    charts = view.locator('[data-testid="mls-endpoint-charts"]')
    expect(charts).to_have_attribute("data-counted", re.compile(r"^[1-9]\d*$"), timeout=15_000)
    chart = view.locator('[data-testid="mls-requests-chart"]')
    expect(chart.locator(".scatterlayer .trace").first).to_be_attached()
    assert int(charts.get_attribute("data-points") or 0) >= 1
    # the log tail shows the workers serving the version
    expect(view.locator('[data-testid="mls-endpoint-log"]')).to_contain_text(
        f"Serving primary={MODEL}:1", timeout=15_000
    )

    # CSV: the body is converted (with the header row), and served the same
    view.locator('[data-testid="mls-test-content-type"]').select_option("csv")
    expect(body).to_have_value(re.compile(r"^sepal length \(cm\),"))
    view.locator('[data-testid="mls-test-send"]').click()
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    view.locator('[data-testid="mls-test-content-type"]').select_option("json")
    expect(body).to_have_value(re.compile("dataframe_split"))

    # a bad request: the error is readable, and shows up in Recent errors
    body.fill('{"dataframe_split": {"columns": ["nope"], "data": [[1]]}}')
    view.locator('[data-testid="mls-test-send"]').click()
    expect(result).to_have_attribute("data-ok", "false")
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 400")
    expect(result.locator('[data-testid="mls-test-message"]')).to_contain_text(
        re.compile("sepal|column", re.IGNORECASE)
    )
    expect(view.locator('[data-testid="mls-error-row"]').first).to_contain_text(
        "400", timeout=15_000
    )
    # failed requests are logged: the log tail follows
    expect(view.locator('[data-testid="mls-endpoint-log"]')).to_contain_text(
        "request failed: 400", timeout=15_000
    )
    view.locator('[data-testid="mls-test-reset"]').click()
    expect(body).to_have_value(re.compile("sepal length"))
    view.locator('[data-testid="mls-test-send"]').click()
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    page.wait_for_timeout(2500)  # one more metrics read: the chart shows the requests

    show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    view.evaluate("node => node.scrollTo(0, 0)")
    screenshot(page, "endpoint-view")
    scroll_to(view, "mls-endpoint-log")
    screenshot(page, "endpoint-view-lower")
    switch_theme(page, dark=True)
    view.evaluate("node => node.scrollTo(0, 0)")
    screenshot(page, "endpoint-view-dark")
    scroll_to(view, "mls-endpoint-log")
    screenshot(page, "endpoint-view-lower-dark")
    switch_theme(page, dark=False)

    # capture settings: enable at 50 % in Parquet, Save → a rolling update
    scroll_to(view, "mls-capture-save")
    save = view.locator('[data-testid="mls-capture-save"]')
    expect(save).to_be_disabled()
    view.locator('[data-testid="mls-capture-enabled"]').check()
    view.locator('[data-testid="mls-capture-sampling"]').fill("150")
    expect(save).to_be_disabled()
    view.locator('[data-testid="mls-capture-sampling"]').fill("50")
    view.locator('[data-testid="mls-capture-format"]').select_option("parquet")
    expect(save).to_be_enabled()
    before = generation(lab)
    save.click()
    capture = wait_updated(lab, view, before)["capture"]
    expect(save).to_be_disabled()
    assert capture["enabled"] is True, capture
    assert capture["sampling_percent"] == 50, capture
    assert capture["format"] == "parquet", capture
    expect(view.locator('[data-testid="mls-capture-enabled"]')).to_be_checked()
    expect(view.locator('[data-testid="mls-capture-stats"]')).to_contain_text("Captured")

    # Edit weights (one variant: its weight changes, the traffic stays 100 %)
    view.locator('[data-testid="mls-edit-weights"]').click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator('[data-testid="mls-dialog-weight:primary"]').fill("3")
    before = generation(lab)
    dialog.get_by_role("button", name="Update").click()
    expect(dialog).to_be_hidden()
    assert wait_updated(lab, view, before)["variants"][0]["weight"] == 3
    expect(row.locator('[data-testid="mls-variant-weight"]')).to_have_text("3")

    # Update version: v2, a rolling update; the Updating state shows progress
    view.locator('[data-testid="mls-update-version"]').click()
    dialog = page.locator(".jp-Dialog")
    select = dialog.locator('[data-testid="mls-dialog-version:primary"]')
    expect(select).to_have_value("1")
    select.select_option("2")
    before = generation(lab)
    dialog.get_by_role("button", name="Update").click()
    expect(dialog).to_be_hidden()
    expect(view.locator('[data-endpoint-status="Updating"]')).to_have_count(1)
    expect(view.locator('[data-testid="mls-endpoint-progress"]')).to_contain_text("Rolling update")
    assert wait_updated(lab, view, before)["variants"][0]["version"] == 2
    expect(row.locator('[data-testid="mls-variant-model"]')).to_have_text(f"{MODEL}:2")
    # the new workers answer
    view.locator('[data-testid="mls-test-send"]').click()
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")

    # the Endpoints panel lists it; a click opens the same view
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    item = panel.locator(f'[data-testid="mls-endpoint-item"][data-endpoint="{ENDPOINT}"]')
    expect(item).to_have_attribute("data-status", "InService")
    expect(item).to_contain_text(f"{MODEL} v2")
    panel.locator('[data-testid="mls-endpoints-status"]').select_option("Failed")
    expect(panel.locator('[data-testid="mls-endpoints-empty"]')).to_contain_text("No endpoints")
    panel.locator('[data-testid="mls-endpoints-status"]').select_option("")
    item.click()
    view = visible_view(page, "mls-endpoint-view")
    pages.screenshot_themes(page, "endpoint-sidebar")

    # Delete: confirm; the view says so and the panel drops it
    view.locator('[data-testid="mls-delete-endpoint"]').click()
    confirm = page.locator(".jp-Dialog")
    expect(confirm).to_contain_text(ENDPOINT)
    confirm.get_by_role("button", name="Delete").click()
    expect(view.locator('[data-testid="mls-endpoint-deleted"]')).to_be_visible(timeout=60_000)
    expect(item).to_have_count(0, timeout=15_000)
    with pytest.raises(urllib.error.HTTPError) as info:
        lab.api("GET", f"endpoints/{ENDPOINT}")
    assert info.value.code == 404
    assert not mlstudio_errors(console_errors), console_errors


def test_deploy_errors_and_menu(page: Page, lab: Lab) -> None:
    """Deploy from the panel's button and the main menu; the server's refusal is shown in
    the dialog with the input kept."""
    open_lab(page, lab)
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    panel.locator('[data-testid="mls-new-endpoint"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Deploy Model")
    expect(dialog.locator(f"datalist option[value='{MODEL}']")).to_have_count(1)
    dialog.locator('[data-testid="mls-dialog-name"]').fill("ghost")
    dialog.locator('[data-testid="mls-dialog-model"]').fill("no-such-model")
    dialog.get_by_role("button", name="Deploy").click()
    error = dialog.locator('[data-testid="mls-dialog-error"]')
    expect(error).to_contain_text("no-such-model")
    expect(dialog.locator('[data-testid="mls-dialog-name"]')).to_have_value("ghost")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert lab.api("GET", "endpoints")["items"] == []

    # a version that cannot be loaded: the endpoint fails, and says why
    panel.locator('[data-testid="mls-new-endpoint"]').click()
    dialog.locator('[data-testid="mls-dialog-name"]').fill("broken-api")
    dialog.locator('[data-testid="mls-dialog-model"]').fill(BROKEN)
    # no version given: the newest
    expect(dialog.locator('[data-testid="mls-dialog-version"]')).to_have_value("")
    dialog.get_by_role("button", name="Deploy").click()
    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "Failed", timeout=SERVING_TIMEOUT)
    failure = view.locator('[data-testid="mls-endpoint-failure"]')
    expect(failure).to_contain_text("Failed:")
    expect(view.locator('[data-testid="mls-test-send"]')).to_be_disabled()
    expect(view.locator('[data-testid="mls-edit-weights"]')).to_be_disabled()
    item = panel.locator('[data-testid="mls-endpoint-item"][data-endpoint="broken-api"]')
    expect(item).to_have_attribute("data-status", "Failed")
    screenshot(page, "endpoint-failed")
    view.locator('[data-testid="mls-delete-endpoint"]').click()
    page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
    expect(view.locator('[data-testid="mls-endpoint-deleted"]')).to_be_visible(timeout=60_000)
    expect(item).to_have_count(0, timeout=15_000)

    page.locator("#jp-MainMenu").get_by_text("ML Studio", exact=True).click()
    menu = page.locator(".lm-Menu")
    for label in ("Open Endpoints", "Deploy Model…"):
        expect(menu.locator(".lm-Menu-item", has_text=label)).to_be_visible()
    menu.locator(".lm-Menu-item", has_text="Open Endpoints").click()
    expect(page.locator(".jp-MLStudio-endpointsSidebar")).to_be_visible()


def test_missing_server_extension_is_explained(page: Page, tmp_path: Path) -> None:
    server, proc = start_lab(
        tmp_path,
        "endpoints-noext",
        ("--ServerApp.jpserver_extensions={'jupyter_mlstudio': False}",),
    )
    try:
        open_lab(page, server)
        panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
        expect(panel.locator('[data-testid="mls-endpoints-server-missing"]')).to_contain_text(
            "server extension"
        )
        expect(panel.locator('[data-testid="mls-new-endpoint"]')).to_be_disabled()
    finally:
        stop_lab(proc)
