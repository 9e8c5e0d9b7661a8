"""Asynchronous inference in the browser (issue 20): deploy a model version with
"Queue requests (asynchronous inference)" ticked in the deploy dialog, upload a CSV
file in the endpoint view's Async inference section, watch the request go to
Completed with its predictions shown and a JupyterLab notification; then a bad typed
payload fails with the model's message and an error notification. Light and dark
screenshots of the section.

The model is registered with the SDK in this process, against the lab server's
MLSTUDIO_HOME; the browser does the rest. The endpoint's process is stopped even when
the test fails.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

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

MODEL = "iris-queue"
ENDPOINT = "iris-queue"
SERVING_TIMEOUT = 120_000
TOAST = ".Toastify__toast"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (it deploys an endpoint), with one version of the model."""
    server, proc = start_lab(tmp_path_factory.mktemp("endpoints-async-lab"), "endpoints-async")
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

    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    try:
        mls.register(LogisticRegression(max_iter=500).fit(X, y), MODEL, input_example=X)
        X.head(4).to_csv(lab.root / "rows.csv", index=False, header=False)
    finally:
        studio.close()


def test_async_inference_from_the_endpoint_view(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    open_lab(page, lab)

    # Models panel → the model → v1 → Deploy, with asynchronous inference ticked
    models = show_left(page, "mlstudio-models", ".jp-MLStudio-modelsSidebar")
    models.locator(f'[data-testid="mls-model-item"][data-model="{MODEL}"]').click()
    group = page.locator('[data-testid="mls-model-view"]:visible')
    group.locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    version = page.locator('[data-testid="mls-version-view"]:visible')
    version.locator('[data-testid="mls-deploy-version"]').click()
    dialog = page.locator(".jp-Dialog")
    heading = dialog.locator(".jp-MLStudio-formGroup", has_text="Asynchronous inference")
    expect(heading).to_be_visible()
    dialog.locator('[data-testid="mls-dialog-async"]').check()
    dialog.locator('[data-testid="mls-dialog-async_max_concurrent"]').fill("2")
    dialog.locator('[data-testid="mls-dialog-async_secret"]').fill("hush-hush")
    expect(dialog.locator('[data-testid="mls-dialog-async_secret"]')).to_have_attribute(
        "type", "password"
    )
    screenshot(page, "endpoint-async-deploy-dialog")
    dialog.get_by_role("button", name="Deploy").click()
    expect(dialog).to_be_hidden()

    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)
    # the settings went to the server; its secret is not shown anywhere
    described = lab.api("GET", f"endpoints/{ENDPOINT}")
    assert described["async_config"]["max_concurrent_invocations"] == 2
    assert described["async_config"]["notification_secret"] == "********"

    section = view.locator('[data-testid="mls-async-section"]')
    expect(section).to_be_visible()
    expect(section.locator('[data-testid="mls-async-settings"]')).to_contain_text("2 concurrent")
    expect(section.locator('[data-testid="mls-async-empty"]')).to_contain_text("No asynchronous")

    # upload a CSV file: its content type follows; queued, then Completed with the output
    section.locator('[data-testid="mls-async-file"]').set_input_files(str(lab.root / "rows.csv"))
    expect(section.locator('[data-testid="mls-async-file-note"]')).to_contain_text("rows.csv")
    expect(section.locator('[data-testid="mls-async-content-type"]')).to_have_value("csv")
    section.locator('[data-testid="mls-async-submit"]').click()
    result = section.locator('[data-testid="mls-async-result"]')
    expect(result).to_have_attribute("data-status", "Completed", timeout=60_000)
    expect(result.locator('[data-testid="mls-async-output"]')).to_contain_text(
        re.compile(r'"predictions":\s*\[0,\s*0,\s*0,\s*0\]')
    )
    expect(result.locator('[data-testid="mls-async-download"]')).to_be_visible()
    row = section.locator('[data-testid="mls-async-row"]')
    expect(row).to_have_count(1)
    expect(row.first).to_have_attribute("data-status", "Completed")
    expect(row.first.locator("td").last).to_have_text("1")  # attempts

    # the server announced it: one notification, with Open
    first_id = (row.first.locator("td").first.text_content() or "").strip()
    done = page.locator(TOAST, has_text=f"Async request {first_id} on {ENDPOINT} completed")
    expect(done).to_have_count(1, timeout=15_000)
    expect(done.get_by_role("button", name="Open")).to_be_visible()

    # the download gives the output file
    with page.expect_download() as download:
        result.locator('[data-testid="mls-async-download"]').click()
    saved = Path(download.value.path())
    assert '"predictions"' in saved.read_text()

    # a typed payload the model refuses: Failed with its message, an error notification
    section.locator('[data-testid="mls-async-clear-file"]').click()
    section.locator('[data-testid="mls-async-content-type"]').select_option("json")
    section.locator('[data-testid="mls-async-body"]').fill('{"instances": [[1, 2]]}')
    section.locator('[data-testid="mls-async-submit"]').click()
    expect(result).to_have_attribute("data-status", "Failed", timeout=60_000)
    expect(result.locator('[data-testid="mls-async-error"]')).to_contain_text("answered 400")
    expect(row).to_have_count(2)
    failed = page.locator(TOAST, has_text=re.compile(f"on {ENDPOINT} failed"))
    expect(failed).to_have_count(1, timeout=15_000)

    # the list selects: the completed request's output again
    row.nth(1).click()
    expect(result).to_have_attribute("data-status", "Completed")
    # no second notification for the same request
    page.wait_for_timeout(2500)
    expect(done).to_have_count(1)

    section.scroll_into_view_if_needed()
    screenshot(page, "endpoint-async-notifications")
    # the section itself, without the notifications over its table
    page.add_style_tag(content=".Toastify { display: none; }")
    screenshot_themes(page, "endpoint-async")
    assert mlstudio_errors(console_errors) == []
