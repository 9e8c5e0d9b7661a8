"""Autoscaling and scale to zero in the browser (issue 20): deploy a model version from
the deploy dialog with "Autoscale the instances" ticked (min, max, target, cooldowns)
and "Scale to zero after" set; the endpoint view's Autoscaling section shows the policy,
the instances and the instance count over time; idle, the endpoint scales to zero (its
view keeps reading metrics without waking it); a test request from the view starts a
worker again and the last cold start is shown. Light and dark screenshots.

The model is registered with the SDK in this process, against the lab server's
MLSTUDIO_HOME; the browser does the rest. The endpoint's process is stopped even when
the test fails.
"""

from __future__ import annotations

import contextlib
import re
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

MODEL = "iris-elastic"
ENDPOINT = "iris-elastic"
SERVING_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (it deploys an endpoint), with one version of the model."""
    server, proc = start_lab(
        tmp_path_factory.mktemp("endpoints-autoscaling-lab"), "endpoints-autoscaling"
    )
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
    finally:
        studio.close()


def test_autoscaling_settings_instances_chart_and_scale_to_zero(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    open_lab(page, lab)

    # Models panel → the model → v1 → Deploy, with autoscaling and scale to zero
    models = show_left(page, "mlstudio-models", ".jp-MLStudio-modelsSidebar")
    models.locator(f'[data-testid="mls-model-item"][data-model="{MODEL}"]').click()
    group = page.locator('[data-testid="mls-model-view"]:visible')
    group.locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    version = page.locator('[data-testid="mls-version-view"]:visible')
    version.locator('[data-testid="mls-deploy-version"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-MLStudio-formGroup", has_text="Autoscaling")).to_be_visible()
    dialog.locator('[data-testid="mls-dialog-autoscale"]').check()
    dialog.locator('[data-testid="mls-dialog-scale_min"]').fill("1")
    dialog.locator('[data-testid="mls-dialog-scale_max"]').fill("3")
    dialog.locator('[data-testid="mls-dialog-scale_target"]').fill("1200")
    dialog.locator('[data-testid="mls-dialog-scale_out_cooldown"]').fill("5")
    dialog.locator('[data-testid="mls-dialog-scale_in_cooldown"]').fill("30")
    dialog.locator('[data-testid="mls-dialog-scale_to_zero_after"]').fill("6")
    dialog.locator('[data-testid="mls-dialog-scale_to_zero_after"]').scroll_into_view_if_needed()
    screenshot(page, "endpoint-autoscaling-deploy-dialog")
    dialog.get_by_role("button", name="Deploy").click()
    expect(dialog).to_be_hidden()

    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)
    described = lab.api("GET", f"endpoints/{ENDPOINT}")
    policy = described["autoscaling"]["primary"]
    assert (policy["min_instances"], policy["max_instances"]) == (1, 3)
    assert policy["target_invocations_per_instance"] == 1200
    assert (policy["scale_out_cooldown"], policy["scale_in_cooldown"]) == (5, 30)
    assert described["scale_to_zero_after"] == 6

    section = view.locator('[data-testid="mls-endpoint-autoscaling"]')
    expect(section).to_be_visible()
    policies = section.locator('[data-testid="mls-autoscaling-policies"]')
    expect(policies.locator('tr[data-variant="primary"]')).to_contain_text("1\u20133")
    expect(policies.locator('tr[data-variant="primary"]')).to_contain_text(
        "1200 invocations / instance / min"
    )
    expect(section.locator('[data-testid="mls-autoscaling-zero-after"]')).to_contain_text(
        "After 6 s without a request"
    )
    expect(section.locator('[data-testid="mls-autoscaling-instances"]')).to_have_text("1")
    expect(section.locator('[data-testid="mls-autoscaling-status"]')).to_have_text("Serving")
    expect(section.locator('[data-testid="mls-instances-chart"]')).to_be_visible()

    # idle: every worker stops; the view's metrics reads do not wake it
    zero = section.locator('[data-testid="mls-autoscaling-status"]')
    expect(zero).to_have_text("Scaled to zero", timeout=30_000)
    expect(section.locator('[data-testid="mls-autoscaling-instances"]')).to_have_text("0")
    page.wait_for_timeout(3000)
    expect(zero).to_have_text("Scaled to zero")
    expect(section.locator('[data-testid="mls-autoscaling-cold-start"]')).to_have_text("—")

    # a test request from the view: answered, a worker started, the cold start shown
    view.locator('[data-testid="mls-test-send"]').click()
    expect(view.locator('[data-testid="mls-test-status"]')).to_contain_text("200", timeout=30_000)
    expect(zero).to_have_text("Serving", timeout=15_000)
    expect(section.locator('[data-testid="mls-autoscaling-instances"]')).to_have_text("1")
    expect(section.locator('[data-testid="mls-autoscaling-cold-start"]')).to_have_text(
        re.compile(r"^\d+(\.\d+)? s \(1\u00d7\)$"), timeout=15_000
    )
    chart = section.locator('[data-testid="mls-autoscaling-chart-card"]')
    assert int(chart.get_attribute("data-points") or 0) >= 3  # 1, 0, 1

    section.scroll_into_view_if_needed()
    screenshot_themes(page, "endpoint-autoscaling")
    assert mlstudio_errors(console_errors) == []
