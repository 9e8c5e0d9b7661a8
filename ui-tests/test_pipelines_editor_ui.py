"""The .pipeline editor: New Pipeline from the launcher, steps added from the searchable
palette, connected by dragging, edited in the schema-generated properties panel (a
reference to an upstream output through the reference picker, a parameter), validated by
the server (an error on a node, then fixed), saved and reopened; the file on disk has
the change. A malformed file opens as an error banner with its text kept.

A real server answers the step types and validation; nothing is mocked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot_themes, show_left
from playwright.sync_api import Locator, Page, expect

TIMEOUT = 30_000
BROKEN = '{"format": "mlstudio.pipeline", "version": 1, "steps": [ {"name": "a",, }\n'


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("pipelines-lab"), "pipelines")
    try:
        yield server
    finally:
        stop_lab(proc)


def file_item(page: Page, name: str) -> Locator:
    show_left(page, "filebrowser", "#filebrowser")
    page.locator("#filebrowser .jp-ToolbarButtonComponent[title*='Refresh']").first.click()
    item = page.locator(
        "#filebrowser .jp-DirListing-item",
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$")),
    )
    expect(item).to_have_count(1)
    return item


def node(editor: Locator, name: str) -> Locator:
    return editor.locator(f'[data-testid="mls-pipeline-node"][data-step="{name}"]')


def add_from_palette(editor: Locator, search: str, step_type: str) -> None:
    editor.get_by_test_id("mls-pipeline-palette-search").fill(search)
    items = editor.get_by_test_id("mls-pipeline-palette-item")
    expect(items.first).to_be_visible(timeout=TIMEOUT)
    # the search narrows the palette
    assert all(
        search.lower() in text.lower()
        for text in items.evaluate_all(
            "els => els.map(e => e.dataset.type + ' ' + e.title + ' ' + e.textContent)"
        )
    )
    editor.locator(f'[data-testid="mls-pipeline-palette-item"][data-type="{step_type}"]').click()
    editor.get_by_test_id("mls-pipeline-palette-search").fill("")


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag with real mouse moves (xyflow starts a connection on mousedown)."""
    a = source.bounding_box()
    b = target.bounding_box()
    assert a and b
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, steps=5)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=5)
    page.mouse.up()


def arg(editor: Locator, name: str) -> Locator:
    return editor.locator(f'[data-testid="mls-pipeline-arg"][data-arg="{name}"]')


def test_build_validate_save_reopen(page: Page, lab: Lab, console_errors: list[str]) -> None:
    page.set_viewport_size({"width": 1500, "height": 900})
    open_lab(page, lab)
    card = page.locator(".jp-LauncherCard", has_text="Pipeline")
    expect(card.locator(".jp-LauncherCard-label")).to_have_text("New Pipeline")
    card.click()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(editor).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "untitled.pipeline"
    )
    path = lab.root / "untitled.pipeline"
    assert json.loads(path.read_text())["name"] == "untitled"

    # the pipeline's parameters (no step selected: the pipeline's settings)
    settings = editor.get_by_test_id("mls-pipeline-settings")
    settings.get_by_test_id("mls-pipeline-add-parameter").click()
    param = settings.get_by_test_id("mls-pipeline-parameter")
    param.get_by_test_id("mls-pipeline-parameter-name").fill("min_auc")
    param.get_by_test_id("mls-pipeline-parameter-type").select_option("Float")
    param.get_by_test_id("mls-pipeline-parameter-default").fill("0.9")

    # two steps from the palette
    add_from_palette(editor, "process", "Processing")
    expect(node(editor, "processing")).to_be_visible()
    add_from_palette(editor, "train", "Training")
    expect(node(editor, "training")).to_be_visible()
    expect(editor.get_by_test_id("mls-pipeline-properties")).to_have_attribute(
        "data-step", "training"
    )

    # connect by dragging processing's output handle onto training (once the graph
    # has framed the new node)
    page.wait_for_timeout(400)
    drag(
        page,
        node(editor, "processing").locator(".react-flow__handle.source"),
        node(editor, "training").locator(".react-flow__handle.target"),
    )
    expect(editor.locator(".react-flow__edge")).to_have_count(1)
    node(editor, "training").click()
    props = editor.get_by_test_id("mls-pipeline-properties")
    expect(props.get_by_test_id("mls-pipeline-depends-on")).to_contain_text("processing")

    # processing declares an output; training reads it through the reference picker
    node(editor, "processing").click()
    expect(props).to_have_attribute("data-step", "processing")
    arg(props, "outputs").locator("textarea").fill("train")
    node(editor, "training").click()
    expect(props).to_have_attribute("data-step", "training")
    arg(props, "target").locator("input").fill("label")
    arg(props, "data").get_by_test_id("mls-pipeline-ref-picker").select_option(
        "Steps.processing.Outputs.train"
    )
    expect(arg(props, "data").get_by_test_id("mls-pipeline-ref")).to_have_text(
        re.compile("Steps.processing.Outputs.train")
    )

    # validate: processing has no code, training no algorithm
    editor.get_by_test_id("mls-pipeline-validate").click()
    status = editor.get_by_test_id("mls-pipeline-validation")
    expect(status).to_have_attribute("data-valid", "false", timeout=TIMEOUT)
    expect(node(editor, "processing")).to_have_attribute("data-invalid", "true")
    expect(node(editor, "processing").get_by_test_id("mls-pipeline-node-issue")).to_contain_text(
        "code"
    )
    expect(props.get_by_test_id("mls-pipeline-step-issues")).to_contain_text("algorithm")
    screenshot_themes(page, "pipeline-editor-invalid")

    # fix both: the editor validates again as the fields change
    # the algorithm field offers the built-in algorithms
    algorithms = [a["name"] for a in lab.api("GET", "algorithms")["items"]]
    assert "xgboost-classifier" in algorithms
    expect(arg(props, "algorithm").locator("datalist option")).to_have_count(len(algorithms))
    arg(props, "algorithm").locator("input").fill("xgboost-classifier")
    expect(node(editor, "training")).to_have_attribute("data-invalid", "false", timeout=TIMEOUT)
    node(editor, "processing").click()
    arg(props, "code").locator("input").fill("prep.py")
    expect(status).to_have_attribute("data-valid", "true", timeout=TIMEOUT)
    expect(status).to_have_text("Valid")
    expect(node(editor, "processing")).to_have_attribute("data-invalid", "false")
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    screenshot_themes(page, "pipeline-editor")

    # save; the file on disk has the change
    editor.get_by_test_id("mls-pipeline-save").click()
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).not_to_have_class(
        re.compile("jp-mod-dirty"), timeout=TIMEOUT
    )
    saved = json.loads(path.read_text())
    assert saved["parameters"] == [{"name": "min_auc", "type": "Float", "default": 0.9}], saved[
        "parameters"
    ]
    steps = {s["name"]: s for s in saved["steps"]}
    assert set(steps) == {"processing", "training"}
    assert steps["processing"]["arguments"] == {"outputs": ["train"], "code": "prep.py"}
    assert steps["training"]["depends_on"] == ["processing"]
    assert steps["training"]["arguments"] == {
        "target": "label",
        "data": {"Get": "Steps.processing.Outputs.train"},
        "algorithm": "xgboost-classifier",
    }
    assert all(isinstance(s["ui"]["x"], int) for s in saved["steps"])
    valid = lab.api("POST", "pipelines/validate", saved)
    assert valid == {"valid": True, "errors": []}

    # close and reopen from the file browser: the same graph and properties
    current_tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    current_tab.locator(".lm-TabBar-tabCloseIcon").click()
    expect(editor).to_have_count(0)
    file_item(page, "untitled.pipeline").dblclick()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(node(editor, "processing")).to_be_visible(timeout=TIMEOUT)
    expect(editor.locator(".react-flow__edge")).to_have_count(1)
    node(editor, "training").click()
    props = editor.get_by_test_id("mls-pipeline-properties")
    expect(arg(props, "target").locator("input")).to_have_value("label")
    expect(arg(props, "data").get_by_test_id("mls-pipeline-ref")).to_contain_text(
        "Steps.processing.Outputs.train"
    )
    assert mlstudio_errors(console_errors) == []


def test_malformed_file_keeps_its_text(page: Page, lab: Lab) -> None:
    (lab.root / "broken.pipeline").write_text(BROKEN)
    open_lab(page, lab)
    file_item(page, "broken.pipeline").dblclick()
    broken = page.locator('[data-testid="mls-pipeline-broken"]:visible')
    expect(broken).to_be_visible(timeout=TIMEOUT)
    expect(broken.get_by_role("alert")).to_contain_text("cannot be opened as a pipeline")
    expect(broken.get_by_test_id("mls-pipeline-raw")).to_have_text(BROKEN.strip())
    page.wait_for_timeout(500)
    assert (lab.root / "broken.pipeline").read_text() == BROKEN


RUN_PIPELINE = {
    "format": "mlstudio.pipeline",
    "version": 1,
    "name": "ui-run",
    "parameters": [{"name": "greeting", "type": "String", "default": "hello"}],
    "steps": [
        {
            "name": "greet",
            "type": "Python",
            "arguments": {
                "file": "greet_steps.py",
                "function": "greet",
                "kwargs": {"text": {"Get": "Parameters.greeting"}},
                "outputs": [{"name": "said", "type": "String"}],
            },
            "ui": {"x": 0, "y": 0},
        },
        {
            "name": "stop",
            "type": "Fail",
            "arguments": {"error_message": "stopped on purpose"},
            "depends_on": ["greet"],
            "ui": {"x": 260, "y": 0},
        },
    ],
}
GREET = """def greet(text: str) -> str:
    print("greeting:", text)
    return text + "!"
"""


def test_run_shows_the_live_execution(page: Page, lab: Lab) -> None:
    (lab.root / "greet_steps.py").write_text(GREET)
    (lab.root / "run.pipeline").write_text(json.dumps(RUN_PIPELINE, indent=2))
    page.set_viewport_size({"width": 1500, "height": 900})
    open_lab(page, lab)
    file_item(page, "run.pipeline").dblclick()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(node(editor, "greet")).to_be_visible(timeout=TIMEOUT)

    editor.get_by_test_id("mls-pipeline-run").click()
    dialog = page.locator(".jp-Dialog")
    field = dialog.locator('[data-param="greeting"]')
    expect(field).to_have_value("hello", timeout=TIMEOUT)
    field.fill("bonjour")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()

    view = page.locator('[data-testid="mls-pipeline-execution"]:visible')
    root = view.locator("[data-execution]")
    expect(root).to_have_attribute("data-status", "Failed", timeout=90_000)
    expect(node(view, "greet")).to_have_attribute("data-status", "Succeeded")
    expect(node(view, "stop")).to_have_attribute("data-status", "Failed")
    expect(view.get_by_role("alert").first).to_contain_text("stopped on purpose")
    first_id = root.get_attribute("data-execution")
    execution = lab.api("GET", f"pipeline-executions/{first_id}")
    assert execution["parameters"] == {"greeting": "bonjour"}

    node(view, "greet").click()
    step = view.get_by_test_id("mls-pipeline-step-execution")
    expect(step).to_contain_text("bonjour!")
    expect(step.get_by_test_id("mls-pipeline-step-log")).to_contain_text(
        "greeting: bonjour", timeout=TIMEOUT
    )
    screenshot_themes(page, "pipeline-execution")

    # Retry: a new execution in the same view, the failed step run again
    view.get_by_test_id("mls-pipeline-retry").click()
    expect(root).not_to_have_attribute("data-execution", first_id or "", timeout=TIMEOUT)
    expect(root).to_have_attribute("data-status", "Failed", timeout=90_000)
    retried = lab.api("GET", f"pipeline-executions/{root.get_attribute('data-execution')}")
    assert retried["retry_of"] == first_id

    # the Pipelines panel lists the pipeline and both executions; a click opens one
    panel = show_left(page, "mlstudio-pipelines", ".jp-MLStudio-pipelinesSidebar")
    item = panel.locator('[data-testid="mls-pipelines-item"][data-pipeline="ui-run"]')
    executions = item.get_by_test_id("mls-pipelines-execution")
    expect(executions).to_have_count(2, timeout=TIMEOUT)
    page.locator(
        "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon"
    ).click()
    expect(view).to_have_count(0)
    executions.last.click()
    expect(
        page.locator('[data-testid="mls-pipeline-execution"]:visible [data-execution]')
    ).to_have_attribute("data-status", "Failed", timeout=TIMEOUT)
    screenshot_themes(page, "pipelines-panel")


def test_dsl_round_trip_through_the_editor(page: Page, lab: Lab) -> None:
    """A DSL pipeline saved, opened in the editor, changed and saved, loads back in Python
    with the change (the acceptance's round trip)."""
    import jupyter_mlstudio as mls
    from jupyter_mlstudio.pipelines import FailStep, TrainingStep

    path = lab.root / "dsl.pipeline"
    (lab.root / "iris.csv").write_text("sepal,petal,species\n1.0,2.0,setosa\n")
    train = TrainingStep(
        "train", algorithm="random-forest-classifier", data="iris.csv", target="species"
    )
    mls.Pipeline("dsl", steps=[train, FailStep("fail", "no", depends_on=[train])]).save(path)
    open_lab(page, lab)
    file_item(page, "dsl.pipeline").dblclick()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(node(editor, "train")).to_be_visible(timeout=TIMEOUT)
    expect(editor.locator(".react-flow__edge")).to_have_count(1)
    node(editor, "train").click()
    props = editor.get_by_test_id("mls-pipeline-properties")
    expect(arg(props, "target").locator("input")).to_have_value("species")
    # the target field offers the data file's columns
    expect(arg(props, "target").locator("datalist option")).to_have_count(3, timeout=TIMEOUT)
    arg(props, "target").locator("input").fill("variety")
    editor.get_by_test_id("mls-pipeline-save").click()
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).not_to_have_class(
        re.compile("jp-mod-dirty"), timeout=TIMEOUT
    )
    loaded = mls.Pipeline.load(path).to_document()
    step = loaded.step("train")
    assert step.arguments["target"] == "variety"
    assert step.arguments["algorithm"] == "random-forest-classifier"
    assert loaded.step("fail").depends_on == ["train"]


def test_condition_built_in_the_panel(page: Page, lab: Lab) -> None:
    """A Condition step's comparison: a training metric (the reference picker asks the
    metric's name) ≥ a number, with an else branch; valid, saved as the document says."""
    doc = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": "gate",
        "parameters": [],
        "steps": [
            {
                "name": "train",
                "type": "Training",
                "arguments": {
                    "algorithm": "random-forest-classifier",
                    "data": "iris.csv",
                    "target": "species",
                },
                "ui": {"x": 0, "y": 0},
            },
            {"name": "fail", "type": "Fail", "arguments": {}, "ui": {"x": 520, "y": 120}},
        ],
    }
    path = lab.root / "gate.pipeline"
    path.write_text(json.dumps(doc, indent=2))
    page.set_viewport_size({"width": 1500, "height": 900})
    open_lab(page, lab)
    file_item(page, "gate.pipeline").dblclick()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(node(editor, "train")).to_be_visible(timeout=TIMEOUT)
    node(editor, "train").click()
    add_from_palette(editor, "condition", "Condition")
    expect(node(editor, "condition")).to_be_visible()
    props = editor.get_by_test_id("mls-pipeline-properties")
    conditions = props.get_by_test_id("mls-pipeline-conditions")
    conditions.get_by_test_id("mls-pipeline-add-condition").click()
    row = conditions.get_by_test_id("mls-pipeline-condition")
    row.get_by_test_id("mls-pipeline-ref-picker").first.select_option("Steps.train.Metrics.")
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill("validation:accuracy")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(row.get_by_test_id("mls-pipeline-ref")).to_have_text(
        re.compile("Steps.train.Metrics.validation:accuracy")
    )
    row.get_by_test_id("mls-pipeline-operand").fill("0.9")
    arg(props, "else_steps").locator("textarea").fill("fail")
    # the metric's step runs first and the else branch after: two edges
    expect(editor.locator(".react-flow__edge")).to_have_count(2)
    editor.get_by_test_id("mls-pipeline-validate").click()
    expect(editor.get_by_test_id("mls-pipeline-validation")).to_have_attribute(
        "data-valid", "true", timeout=TIMEOUT
    )
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    node(editor, "condition").click()
    screenshot_themes(page, "pipeline-condition")
    editor.get_by_test_id("mls-pipeline-save").click()
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).not_to_have_class(
        re.compile("jp-mod-dirty"), timeout=TIMEOUT
    )
    saved = {s["name"]: s for s in json.loads(path.read_text())["steps"]}
    assert saved["condition"]["arguments"] == {
        "conditions": [
            {
                "op": "GreaterThanOrEqualTo",
                "left": {"Get": "Steps.train.Metrics.validation:accuracy"},
                "right": 0.9,
            }
        ],
        "else_steps": ["fail"],
    }

    # a step type dragged from the palette lands on the canvas; Undo takes it back
    editor.locator('[data-testid="mls-pipeline-palette-item"][data-type="Fail"]').drag_to(
        editor.locator(".react-flow__pane"), target_position={"x": 120, "y": 120}
    )
    expect(node(editor, "fail-2")).to_be_visible()
    editor.get_by_test_id("mls-pipeline-undo").click()
    expect(node(editor, "fail-2")).to_have_count(0)
    expect(node(editor, "condition")).to_be_visible()


def test_stop_a_running_execution(page: Page, lab: Lab) -> None:
    (lab.root / "slow_steps.py").write_text(
        "import time\n\n\ndef wait(seconds: float) -> float:\n"
        "    time.sleep(seconds)\n    return seconds\n"
    )
    doc = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": "ui-slow",
        "parameters": [],
        "steps": [
            {
                "name": "sleep",
                "type": "Python",
                "arguments": {
                    "file": "slow_steps.py",
                    "function": "wait",
                    "kwargs": {"seconds": 60},
                },
                "cache": {"enabled": False},
            }
        ],
    }
    (lab.root / "slow.pipeline").write_text(json.dumps(doc))
    open_lab(page, lab)
    file_item(page, "slow.pipeline").dblclick()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(node(editor, "sleep")).to_be_visible(timeout=TIMEOUT)
    editor.get_by_test_id("mls-pipeline-run").click()  # no parameters: no dialog
    view = page.locator('[data-testid="mls-pipeline-execution"]:visible')
    expect(node(view, "sleep")).to_have_attribute("data-status", "Running", timeout=60_000)
    view.get_by_test_id("mls-pipeline-stop").click()
    expect(view.locator("[data-execution]")).to_have_attribute(
        "data-status", "Stopped", timeout=60_000
    )
    expect(view.get_by_test_id("mls-pipeline-stop")).to_have_count(0)
