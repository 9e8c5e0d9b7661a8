"""The endpoint view's Connect section says what an endpoint answers (probabilities) and
which online features it looks up; the view's test request sends only an id."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
from collections.abc import Iterator

import pages
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import open_lab, show_left, visible_view
from playwright.sync_api import Page, expect

ENDPOINT = "churn-fs"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("endpoint-features-lab"), "endpoint-fs")
    try:
        prepare(server)
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


def prepare(lab: Lab) -> None:
    """A group "customers", a model trained on its features, deployed over REST."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    try:
        frame = pd.DataFrame(
            {
                "customer_id": [1, 2, 3, 4],
                "ts": pd.Timestamp("2024-01-01", tz="UTC"),
                "age": [20, 35, 50, 65],
                "spend": [10.0, 80.0, 20.0, 90.0],
            }
        )
        mls.features.create_group(
            "customers",
            frame,
            record_identifier="customer_id",
            event_time_feature="ts",
            ingest=True,
        )
        X = frame[["age", "spend"]]
        mls.register(LogisticRegression().fit(X, [0, 1, 0, 1]), "churn", input_example=X)
    finally:
        studio.close()
    lab.api(
        "POST",
        "endpoints",
        {
            "name": ENDPOINT,
            "variants": [{"model": "churn"}],
            "features": ["customers:age", "customers:spend"],
            "return_probabilities": True,
        },
    )
    deadline = time.monotonic() + 120
    while lab.api("GET", f"endpoints/{ENDPOINT}")["status"] == "Creating":
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_the_view_shows_lookups_and_probabilities(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    item = panel.locator(f'[data-testid="mls-endpoint-item"][data-endpoint="{ENDPOINT}"]')
    expect(item).to_have_attribute("data-status", "InService", timeout=60_000)
    item.click()
    view = visible_view(page, "mls-endpoint-view")
    expect(view.locator('[data-testid="mls-endpoint-features"]')).to_contain_text(
        "customers@1:age, customers@1:spend"
    )
    expect(view.locator('[data-testid="mls-endpoint-answers"]')).to_have_text(
        "predictions, probabilities and classes"
    )
    # a request with only the id, sent from the view's test form
    body = view.locator('[data-testid="mls-test-body"]')
    body.fill(json.dumps({"instances": [{"customer_id": 4}]}))
    view.locator('[data-testid="mls-test-send"]').click()
    result = view.locator('[data-testid="mls-test-result"]')
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    # the lookup time is among the live figures once the metrics are read again
    expect(view.locator('[data-testid="mls-endpoint-lookup-p99"]')).to_have_text(
        re.compile(r"\d"), timeout=15_000
    )
    view.evaluate("node => node.scrollTo(0, 0)")
    pages.screenshot_themes(page, "endpoint-features")
