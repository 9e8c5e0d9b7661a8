"""The Model Monitor UI end to end: a scikit-learn model is registered and deployed with
data capture; the user opens the endpoint's view, creates a monitor from its Monitor
section through the create form (a bad schedule is refused inline with nothing lost,
then a baseline folder of the training data), sends traffic with two features shifted,
clicks Run now, sees the execution in the timeline, opens a violation and its drift
chart; the alert's notification appears and its Open selects the execution."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot_themes, show_left, visible_view
from playwright.sync_api import Page, expect

ENDPOINT = "iris-monitored"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Its own server (it deploys); monitor ticks every 2 s so alerts reach the page."""
    server, proc = start_lab(
        tmp_path_factory.mktemp("monitor-ui-lab"),
        "monitor-ui",
        ("--MLStudio.monitor_check_interval=2",),
    )
    try:
        yield server
    finally:
        stop_lab(proc)


def test_monitor_from_endpoint_view(page: Page, lab: Lab, console_errors: list[str]) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls
    from jupyter_mlstudio.monitor import suggest_baseline
    from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, ENDPOINT, input_example=X)
    suggest_baseline(X).save(lab.root / "iris-baseline")
    capture = str(lab.home / "artifacts" / "endpoints" / ENDPOINT / "data-capture")
    endpoint = mls.deploy(ENDPOINT, version=1, capture=True, timeout=120)
    try:
        open_lab(page, lab)
        panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
        panel.locator(f'[data-testid="mls-endpoint-item"][data-endpoint="{ENDPOINT}"]').click()
        view = visible_view(page, "mls-endpoint-view")
        section = view.locator('[data-testid="mls-endpoint-monitor-section"]')
        expect(section.locator('[data-testid="mls-endpoint-monitors-empty"]')).to_be_visible()
        section.locator('[data-testid="mls-endpoint-create-monitor"]').click()

        form = visible_view(page, "mls-monitor-form")
        expect(form.locator('[data-testid="mls-monitor-form-endpoint"]')).to_have_value(ENDPOINT)
        form.locator('[data-testid="mls-monitor-form-name"]').fill("iris-drift")
        form.locator('[data-testid="mls-monitor-form-chosen"]').check()
        form.locator('[data-testid="mls-monitor-form-baseline"]').fill("iris-baseline")
        form.locator('[data-testid="mls-monitor-form-schedule"]').fill("every hour")
        form.locator('[data-testid="mls-monitor-form-submit"]').click()
        expect(form.locator('[data-testid="mls-monitor-form-error"]')).to_contain_text("schedule")
        # nothing typed is lost
        expect(form.locator('[data-testid="mls-monitor-form-name"]')).to_have_value("iris-drift")
        expect(form.locator('[data-testid="mls-monitor-form-baseline"]')).to_have_value(
            "iris-baseline"
        )
        screenshot_themes(page, "monitor-form-error")
        form.locator('[data-testid="mls-monitor-form-schedule"]').fill("rate(1 day)")
        # one of the six checks off: it reports nothing (the shifted features still drift)
        extra = form.locator('[data-testid="mls-monitor-form-check-extra_column_check"]')
        expect(extra).to_be_checked()
        extra.uncheck()
        form.locator('[data-testid="mls-monitor-form-submit"]').click()

        monitor = visible_view(page, "mls-monitor-view")
        expect(monitor.locator('[data-testid="mls-monitor-name"]')).to_have_text("iris-drift")
        assert lab.api("GET", "monitors/iris-drift")["options"]["skip_checks"] == [
            "extra_column_check"
        ]
        expect(monitor.locator('[data-testid="mls-monitor-timeline-empty"]')).to_be_visible()

        # traffic with two features shifted
        shifted = X.copy()
        shifted["sepal length (cm)"] += 4
        shifted["petal width (cm)"] += 3
        start = datetime.now(timezone.utc) - timedelta(seconds=1)
        endpoint.predict(shifted)
        deadline = time.monotonic() + 30
        while True:
            window = read_window(capture, start, datetime.now(timezone.utc) + timedelta(1))
            if isinstance(window, CapturedWindow) and window.rows == len(shifted):
                break
            assert time.monotonic() < deadline, window
            time.sleep(0.2)

        monitor.locator('[data-testid="mls-monitor-run"]').click()
        execution = monitor.locator('[data-testid="mls-monitor-execution"]')
        expect(execution).to_have_count(1)
        expect(execution).to_have_attribute(
            "data-status", "CompletedWithViolations", timeout=60_000
        )
        violations = monitor.locator('[data-testid="mls-monitor-violation"]')
        expect(violations.first).to_be_visible()
        drifted = {
            violations.nth(i).get_attribute("data-feature") for i in range(violations.count())
        }
        assert {"sepal length (cm)", "petal width (cm)"} <= drifted, drifted
        assert "sepal width (cm)" not in drifted

        # a violation opens its feature's drift chart
        monitor.locator(
            '[data-testid="mls-monitor-violation"][data-feature="petal width (cm)"] button'
        ).first.click()
        feature = monitor.locator(
            '[data-testid="mls-monitor-drift-feature"][data-feature="petal width (cm)"]'
        )
        expect(feature).to_have_attribute("aria-selected", "true")
        expect(monitor.locator('[data-testid="mls-monitor-drift-chart"] h3')).to_have_text(
            "Drift of petal width (cm) over time"
        )
        screenshot_themes(page, "monitor-view")

        # the alert: a notification once, whose Open shows this execution
        toast = page.locator(".Toastify__toast", has_text="iris-drift")
        expect(toast).to_have_count(1, timeout=30_000)
        toast.get_by_role("button", name="Open").click()
        expect(execution).to_have_attribute("aria-pressed", "true")

        # the endpoint's Monitor section lists it with its last execution
        page.locator(".lm-TabBar-tab", has_text=ENDPOINT).first.click()
        link = section.locator('[data-testid="mls-endpoint-monitor-link"]')
        expect(link).to_have_text("iris-drift", timeout=20_000)
        expect(section.locator('[data-testid="mls-monitor-last"]')).to_have_attribute(
            "data-status", "CompletedWithViolations"
        )
        section.scroll_into_view_if_needed()
        screenshot_themes(page, "monitor-endpoint-section")

        # the Monitors sidebar (from the ML Studio menu) lists it too
        page.locator(".lm-MenuBar-itemLabel", has_text="ML Studio").click()
        page.locator(".lm-Menu-itemLabel", has_text="Open Monitors").click()
        side = page.locator(".jp-MLStudio-monitorsSidebar")
        expect(side).to_be_visible()
        expect(side.locator('[data-testid="mls-monitor-item"]')).to_have_count(1)
        screenshot_themes(page, "monitor-sidebar")
        assert mlstudio_errors(console_errors) == []
    finally:
        endpoint.delete()
        studio.close()
