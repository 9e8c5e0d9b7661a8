"""A pipeline's schedules and triggers from the Pipelines panel: Schedules opens the
dialog, a cron schedule is added with parameters (its next fire time shown), a bad
expression and a trigger on a model that does not exist are refused with the server's
message, the schedule is disabled and deleted. Light and dark screenshots.

A real server stores and checks everything; nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import open_lab, screenshot, show_left, switch_theme
from playwright.sync_api import Page, expect

TIMEOUT = 30_000

DOCUMENT = {
    "format": "mlstudio.pipeline",
    "version": 1,
    "name": "nightly",
    "parameters": [{"name": "threshold", "type": "Float", "default": 0.5}],
    "steps": [
        {
            "name": "check",
            "type": "Condition",
            "arguments": {
                "conditions": [
                    {"op": "GreaterThan", "left": {"Get": "Parameters.threshold"}, "right": 0}
                ]
            },
        }
    ],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("schedules-lab"), "schedules")
    try:
        yield server
    finally:
        stop_lab(proc)


def test_schedules_dialog(page: Page, lab: Lab) -> None:
    lab.api("POST", "pipelines", DOCUMENT)
    open_lab(page, lab)
    panel = show_left(page, "mlstudio-pipelines", ".jp-MLStudio-pipelinesSidebar")
    item = panel.locator('[data-testid="mls-pipelines-item"][data-pipeline="nightly"]')
    expect(item).to_be_visible(timeout=TIMEOUT)
    item.get_by_test_id("mls-pipeline-schedules-open").click()
    dialog = page.get_by_test_id("mls-pipeline-schedules")
    expect(dialog).to_contain_text("No schedules or triggers", timeout=TIMEOUT)

    # a bad expression: the server's 400 names it
    dialog.locator("#mls-schedule-expression").fill("cron(0 3 * *)")
    dialog.get_by_test_id("mls-pipeline-schedule-add").click()
    expect(dialog.get_by_role("alert")).to_contain_text("cron(0 3 * *)", timeout=TIMEOUT)

    dialog.locator("#mls-schedule-expression").fill("cron(0 3 * * ? *)")
    dialog.locator("#mls-schedule-parameters").fill('{"threshold": 2}')
    dialog.get_by_test_id("mls-pipeline-schedule-add").click()
    rows = dialog.get_by_test_id("mls-pipeline-schedule")
    expect(rows).to_have_count(1, timeout=TIMEOUT)
    expect(rows.first).to_contain_text("cron(0 3 * * ? *)")
    expect(rows.first).to_contain_text('"threshold":2')
    expect(dialog.get_by_role("alert")).to_have_count(0)
    (stored,) = lab.api("GET", "pipelines/nightly/schedules")["items"]
    assert stored["expression"] == "cron(0 3 * * ? *)" and stored["parameters"] == {"threshold": 2}
    assert stored["next_fire_time"] is not None

    # a trigger on a model that does not exist
    dialog.locator("#mls-schedule-kind").select_option("ModelApproved")
    dialog.locator("#mls-schedule-source").fill("no-such-model")
    dialog.locator("#mls-schedule-parameters").fill("")
    dialog.locator("#mls-schedule-mapping").fill('{"threshold": "model_version"}')
    expect(dialog).to_contain_text("model_name, model_version")
    dialog.get_by_test_id("mls-pipeline-schedule-add").click()
    expect(dialog.get_by_role("alert")).to_contain_text("no-such-model", timeout=TIMEOUT)
    expect(rows).to_have_count(1)
    dialog.locator("#mls-schedule-kind").select_option("Schedule")

    # a second schedule; the first disabled, the second deleted
    dialog.locator("#mls-schedule-expression").fill("rate(6 hours)")
    dialog.locator("#mls-schedule-parameters").fill("")
    dialog.locator("#mls-schedule-mapping").fill("")
    dialog.get_by_test_id("mls-pipeline-schedule-add").click()
    expect(rows).to_have_count(2, timeout=TIMEOUT)
    rows.first.get_by_test_id("mls-pipeline-schedule-toggle").click()
    expect(rows.first).to_have_attribute("data-enabled", "false", timeout=TIMEOUT)
    expect(rows.first).to_contain_text("(off)")
    listed = lab.api("GET", "pipelines/nightly/schedules")["items"]
    assert [s["enabled"] for s in listed] == [False, True]
    rows.nth(1).get_by_test_id("mls-pipeline-schedule-delete").click()
    expect(rows).to_have_count(1, timeout=TIMEOUT)
    (left,) = lab.api("GET", "pipelines/nightly/schedules")["items"]
    assert left["expression"] == "cron(0 3 * * ? *)" and left["enabled"] is False
    rows.first.get_by_test_id("mls-pipeline-schedule-toggle").click()
    expect(rows.first).to_have_attribute("data-enabled", "true", timeout=TIMEOUT)
    # the theme menu is behind the modal dialog: close it to switch, then reopen
    screenshot(page, "pipeline-schedules")
    page.locator(".jp-Dialog").get_by_role("button", name="Close").click()
    switch_theme(page, dark=True)
    item.get_by_test_id("mls-pipeline-schedules-open").click()
    expect(page.get_by_test_id("mls-pipeline-schedule")).to_have_count(1, timeout=TIMEOUT)
    screenshot(page, "pipeline-schedules-dark")
    page.locator(".jp-Dialog").get_by_role("button", name="Close").click()
    switch_theme(page, dark=False)
