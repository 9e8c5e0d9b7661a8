"""Shadow variants in the browser (issue 20): on an endpoint serving iris version 1, the
user adds version 2 as a shadow from the endpoint view, traffic arrives over HTTP
(through Jupyter's proxy), the comparison shows the requests compared, agreement and
latency side by side; Promote (confirmed) swaps the shadow in with a rolling update and
the view shows the new production variant and no shadow. Light and dark screenshots."""

from __future__ import annotations

import contextlib
import json
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
    screenshot_themes,
    show_left,
    visible_view,
)
from playwright.sync_api import Locator, Page, expect

MODEL = "iris-shadow"
ENDPOINT = "shadow-demo"
SERVING_TIMEOUT = 120_000
REQUESTS = 30


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (it deploys and promotes), with iris versions 1 and 2 (they
    disagree on some rows) and an endpoint serving version 1."""
    server, proc = start_lab(tmp_path_factory.mktemp("shadow-lab"), "shadow")
    try:
        _register(server)
        server.api(
            "POST", "endpoints", {"name": ENDPOINT, "variants": [{"model": MODEL, "version": 1}]}
        )
        _wait(server, lambda e: e["status"] == "InService")
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
        for c in (0.01, 10.0):
            mls.register(LogisticRegression(C=c, max_iter=500).fit(X, y), MODEL, input_example=X)
    finally:
        studio.close()


def _wait(lab: Lab, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + SERVING_TIMEOUT / 1000
    while True:
        endpoint: dict[str, Any] = lab.api("GET", f"endpoints/{ENDPOINT}")
        if done(endpoint):
            assert endpoint["failure_reason"] is None, endpoint
            return endpoint
        assert time.monotonic() < deadline, endpoint
        time.sleep(0.5)


def _send_traffic(lab: Lab) -> None:
    """One-row requests through Jupyter's proxy, as any HTTP client would send them."""
    from sklearn.datasets import load_iris

    X = load_iris(as_frame=True).data
    for n in range(REQUESTS):
        row = X.iloc[[n * 5 % len(X)]]
        request = urllib.request.Request(
            f"{lab.url}mlstudio/endpoints/{ENDPOINT}/invocations",
            method="POST",
            data=json.dumps({"dataframe_split": row.to_dict("split")}).encode(),
            headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            assert response.headers["X-Invoked-Variant"] == "primary"


def _open_endpoint(page: Page) -> Locator:
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    panel.locator(f'[data-testid="mls-endpoint-item"][data-endpoint="{ENDPOINT}"]').click()
    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)
    return view


def test_shadow_compare_and_promote(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)
    view = _open_endpoint(page)
    section = view.locator('[data-testid="mls-endpoint-shadow"]')
    section.scroll_into_view_if_needed()
    expect(section).to_contain_text("No shadow variant")

    # add version 2 as a shadow of every request: a rolling update
    expect(section.locator('[data-testid="mls-shadow-model"]')).to_have_value(MODEL)
    section.locator('[data-testid="mls-shadow-sampling"]').fill("0")
    expect(section.locator('[data-testid="mls-shadow-add"]')).to_be_disabled()
    expect(section).to_contain_text("Sampling is a percentage above 0")
    section.locator('[data-testid="mls-shadow-sampling"]').fill("100")
    section.locator('[data-testid="mls-shadow-version"]').fill("2")
    before = lab.api("GET", f"endpoints/{ENDPOINT}")["generation"]
    section.locator('[data-testid="mls-shadow-add"]').click()
    updated = _wait(lab, lambda e: e["status"] == "InService" and e["generation"] > before)
    assert updated["shadow"] == {"name": "shadow", "model": MODEL, "version": 2, "sampling": 1.0}
    summary = section.locator('[data-testid="mls-shadow-summary"]')
    expect(summary).to_contain_text(f"{MODEL}:2", timeout=30_000)
    expect(summary).to_contain_text("100%")
    expect(section.locator('[data-testid="mls-shadow-agreement"]')).to_contain_text(
        "No request compared yet"
    )

    # traffic over HTTP: every request compared, answers and latency side by side
    _send_traffic(lab)
    pairs = section.locator('[data-testid="mls-shadow-pairs"] td')
    expect(pairs.first).to_have_text(str(REQUESTS), timeout=30_000)
    expect(pairs.last).to_have_text(str(REQUESTS))
    expect(section.locator('[data-testid="mls-shadow-errors"] td').first).to_have_text("0")
    compared = lab.api("GET", f"endpoints/{ENDPOINT}/shadow/compare")["comparison"]
    agreement = f"Agreement {100 * compared['agreement']:.1f}% over {REQUESTS} rows"
    expect(section.locator('[data-testid="mls-shadow-agreement"]')).to_have_text(agreement)
    confusion = section.locator('[data-testid="mls-shadow-confusion"]')
    expect(confusion).to_be_visible()
    expect(confusion.locator("tbody tr")).to_have_count(3)
    screenshot_themes(page, "endpoint-shadow-compare")

    # Promote, confirmed: the shadow becomes production in a rolling update
    before = lab.api("GET", f"endpoints/{ENDPOINT}")["generation"]
    section.locator('[data-testid="mls-shadow-promote"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text('in place of "primary"')
    dialog.get_by_role("button", name="Promote").click()
    expect(dialog).to_be_hidden()
    promoted = _wait(lab, lambda e: e["status"] == "InService" and e["generation"] > before)
    assert [(v["name"], v["version"]) for v in promoted["variants"]] == [("shadow", 2)]
    rows = view.locator('[data-testid="mls-variant-row"]')
    expect(rows).to_have_count(1, timeout=30_000)
    expect(rows.first).to_have_attribute("data-variant", "shadow")
    expect(rows.first.locator('[data-testid="mls-variant-model"]')).to_have_text(f"{MODEL}:2")
    expect(section).to_contain_text("No shadow variant")
    screenshot_themes(page, "endpoint-shadow-promoted")
    assert mlstudio_errors(console_errors) == []
