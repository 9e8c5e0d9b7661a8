"""The component step types in the .pipeline editor: MonitorCheck and Tuning come from the
palette, the check's baseline is a MonitorBaseline step's output picked in the reference
picker, the Tuning step's missing arguments are named by the server's validation, and the
saved file holds what was clicked. A real server answers; nothing is mocked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import open_lab, screenshot_themes
from playwright.sync_api import Page, expect
from test_pipelines_editor_ui import TIMEOUT, add_from_palette, arg, file_item, node


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("pipelines-components-lab"), "pipelines")
    try:
        yield server
    finally:
        stop_lab(proc)


def test_monitor_check_and_tuning_from_the_palette(page: Page, lab: Lab) -> None:
    doc = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": "gate",
        "parameters": [],
        "steps": [
            {
                "name": "baseline",
                "type": "MonitorBaseline",
                "arguments": {"data": "train.csv"},
                "ui": {"x": 0, "y": 0},
            }
        ],
    }
    path = lab.root / "monitor-gate.pipeline"
    path.write_text(json.dumps(doc, indent=2))
    page.set_viewport_size({"width": 1500, "height": 900})
    open_lab(page, lab)
    file_item(page, "monitor-gate.pipeline").dblclick()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(node(editor, "baseline")).to_be_visible(timeout=TIMEOUT)
    node(editor, "baseline").click()

    add_from_palette(editor, "monitor", "MonitorCheck")
    expect(node(editor, "monitorcheck")).to_be_visible()
    props = editor.get_by_test_id("mls-pipeline-properties")
    expect(props).to_have_attribute("data-step", "monitorcheck")
    arg(props, "baseline").get_by_test_id("mls-pipeline-ref-picker").select_option(
        "Steps.baseline.Outputs.baseline"
    )
    expect(arg(props, "baseline").get_by_test_id("mls-pipeline-ref")).to_have_text(
        re.compile("Steps.baseline.Outputs.baseline")
    )
    arg(props, "data").locator("input").fill("scored.csv")
    expect(editor.locator(".react-flow__edge")).to_have_count(1)
    editor.get_by_test_id("mls-pipeline-validate").click()
    status = editor.get_by_test_id("mls-pipeline-validation")
    expect(status).to_have_attribute("data-valid", "true", timeout=TIMEOUT)
    screenshot_themes(page, "pipeline-monitor-check")

    # a Tuning step: its ranges and objective are arguments; validation names the missing
    add_from_palette(editor, "tuning", "Tuning")
    expect(node(editor, "tuning")).to_be_visible()
    expect(props).to_have_attribute("data-step", "tuning")
    for name in ("hyperparameter_ranges", "objective_metric", "max_trials", "max_parallel"):
        expect(arg(props, name)).to_have_count(1)
    editor.get_by_test_id("mls-pipeline-validate").click()
    expect(status).to_have_attribute("data-valid", "false", timeout=TIMEOUT)
    expect(arg(props, "objective_metric")).to_contain_text("Field required")
    expect(arg(props, "hyperparameter_ranges")).to_contain_text("Field required")
    expect(node(editor, "tuning")).to_have_attribute("data-invalid", "true")
    arg(props, "algorithm").locator("input").fill("random-forest-classifier")
    arg(props, "data").locator("input").fill("train.csv")
    arg(props, "objective_metric").locator("input").fill("validation:accuracy")
    arg(props, "hyperparameter_ranges").locator("textarea").fill(
        '{"n_estimators": {"type": "integer", "min_value": 5, "max_value": 50}}'
    )
    expect(status).to_have_attribute("data-valid", "true", timeout=TIMEOUT)
    screenshot_themes(page, "pipeline-tuning-step")

    editor.get_by_test_id("mls-pipeline-save").click()
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).not_to_have_class(
        re.compile("jp-mod-dirty"), timeout=TIMEOUT
    )
    saved = {s["name"]: s for s in json.loads(path.read_text())["steps"]}
    assert saved["monitorcheck"]["arguments"] == {
        "baseline": {"Get": "Steps.baseline.Outputs.baseline"},
        "data": "scored.csv",
    }
    tuning = saved["tuning"]["arguments"]
    assert tuning["objective_metric"] == "validation:accuracy"
    assert tuning["hyperparameter_ranges"]["n_estimators"]["max_value"] == 50
    assert lab.api("POST", "pipelines/validate", json.loads(path.read_text()))["valid"]
