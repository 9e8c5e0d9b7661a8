"""Issue 21's acceptance scenario, by clicking: in the .pipeline editor build
prep (a Data Wrangler .flow) → train (built-in XGBoost on prep's output) → evaluate (a
Python function: the model's AUC) → check (auc ≥ min_auc) → register + deploy, else Fail;
save it, run it and watch the live graph reach Succeeded and an InService endpoint; run
again: the work is all cached and the execution takes ≤ 2 s; change one parameter (the
training rounds): only the steps downstream of it run.

Real server, real jobs, a real endpoint process; nothing is mocked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import kill_endpoint_processes, open_lab, screenshot_themes, show_left
from playwright.sync_api import Locator, Page, expect

TIMEOUT = 30_000
RUN_TIMEOUT = 180_000
ENDPOINT = "cancer-endpoint"
MODEL = "cancer"

# the flow the Data Wrangler writes: a CSV source, a median imputation, a random split
FLOW = {
    "schema_version": 1,
    "sources": [{"id": "raw", "name": "raw", "kind": "csv", "path": "raw.csv", "sep": ","}],
    "steps": [
        {
            "id": "impute",
            "transform": "impute_median",
            "params": {"columns": ["mean radius", "mean texture"]},
            "inputs": ["raw"],
        },
        {
            "id": "split",
            "transform": "split_random",
            "params": {"test_size": 0.25},
            "inputs": ["impute"],
        },
    ],
    "sample": {"method": "first", "size": 5000},
}
EVALUATE = '''"""The pipeline's evaluate step: the model's ROC AUC on the held-out rows."""

from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from jupyter_mlstudio.registry.format import load_sklearn_model


def evaluate(model: str, data: str) -> float:
    estimator = load_sklearn_model(Path(model.removeprefix("file://")))
    frame = pd.read_parquet(data.removeprefix("file://"))
    truth = frame.pop("target")
    return float(roc_auc_score(truth, estimator.predict_proba(frame)[:, 1]))
'''


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    from sklearn.datasets import load_breast_cancer

    server, proc = start_lab(tmp_path_factory.mktemp("pipelines-scenario"), "scenario")
    frame = load_breast_cancer(as_frame=True).frame.sample(300, random_state=0)
    frame.loc[frame.index[:10], "mean radius"] = None  # something for the flow to impute
    frame.to_csv(server.root / "raw.csv", index=False)
    (server.root / "prep.flow").write_text(json.dumps(FLOW, indent=2))
    (server.root / "evaluate_model.py").write_text(EVALUATE)
    try:
        yield server
    finally:
        kill_endpoint_processes(server)
        stop_lab(proc)


# -- editor helpers ----------------------------------------------------------------------
def node(root: Locator, name: str) -> Locator:
    return root.locator(f'[data-testid="mls-pipeline-node"][data-step="{name}"]')


def arg(props: Locator, name: str) -> Locator:
    return props.locator(f'[data-testid="mls-pipeline-arg"][data-arg="{name}"]')


def add_step(editor: Locator, step_type: str, name: str, after: str | None) -> Locator:
    """Add a step of `step_type` from the palette (after `after`, so it lands to its
    right) and rename it; returns the properties panel, showing it."""
    if after is not None:
        node(editor, after).click()
    editor.locator(f'[data-testid="mls-pipeline-palette-item"][data-type="{step_type}"]').click()
    props = editor.get_by_test_id("mls-pipeline-properties")
    field = props.get_by_test_id("mls-pipeline-step-name")
    field.fill(name)
    field.press("Enter")
    expect(props).to_have_attribute("data-step", name)
    expect(node(editor, name)).to_be_visible()
    return props


def pick_ref(field: Locator, path: str) -> None:
    field.get_by_test_id("mls-pipeline-ref-picker").first.select_option(path)
    expect(field.get_by_test_id("mls-pipeline-ref").first).to_contain_text(path)


def add_parameter(settings: Locator, name: str, kind: str, default: str) -> None:
    settings.get_by_test_id("mls-pipeline-add-parameter").click()
    row = settings.get_by_test_id("mls-pipeline-parameter").last
    row.get_by_test_id("mls-pipeline-parameter-name").fill(name)
    row.get_by_test_id("mls-pipeline-parameter-type").select_option(kind)
    row.get_by_test_id("mls-pipeline-parameter-default").fill(default)


def build(page: Page, editor: Locator) -> None:
    """The whole pipeline, clicked and typed into the editor."""
    settings = editor.get_by_test_id("mls-pipeline-settings")
    settings.locator("#mls-pipeline-name").fill("retrain")
    add_parameter(settings, "num_round", "Integer", "10")
    add_parameter(settings, "min_auc", "Float", "0.9")

    props = add_step(editor, "Processing", "prep", after=None)
    arg(props, "code").locator("input").fill("prep.flow")
    arg(props, "outputs").locator("textarea").fill("train\ntest")

    props = add_step(editor, "Training", "train", after="prep")
    arg(props, "algorithm").locator("input").fill("xgboost-classifier")
    pick_ref(arg(props, "data"), "Steps.prep.Outputs.train")
    arg(props, "target").locator("input").fill("target")
    # a hyperparameter bound to the pipeline parameter (objects are edited as JSON)
    arg(props, "hyperparameters").locator("textarea").fill(
        '{"num_round": {"Get": "Parameters.num_round"}, "max_depth": 3}'
    )

    props = add_step(editor, "Python", "evaluate", after="train")
    arg(props, "file").locator("input").fill("evaluate_model.py")
    arg(props, "function").locator("input").fill("evaluate")
    arg(props, "kwargs").locator("textarea").fill(
        json.dumps(
            {
                "model": {"Get": "Steps.train.Outputs.model"},
                "data": {"Get": "Steps.prep.Outputs.test"},
            }
        )
    )
    arg(props, "outputs").locator("textarea").fill('[{"name": "auc", "type": "Float"}]')

    # the gate: evaluate's auc ≥ the min_auc parameter, built in the condition rows
    props = add_step(editor, "Condition", "check", after="evaluate")
    conditions = props.get_by_test_id("mls-pipeline-conditions")
    conditions.get_by_test_id("mls-pipeline-add-condition").click()
    row = conditions.get_by_test_id("mls-pipeline-condition")
    row.get_by_test_id("mls-pipeline-ref-picker").first.select_option("Steps.evaluate.Outputs.auc")
    expect(row.get_by_test_id("mls-pipeline-ref")).to_have_count(1)
    expect(row.get_by_test_id("mls-pipeline-condition-op")).to_have_value("GreaterThanOrEqualTo")
    row.get_by_test_id("mls-pipeline-ref-picker").last.select_option("Parameters.min_auc")
    expect(row.get_by_test_id("mls-pipeline-ref")).to_have_count(2)

    props = add_step(editor, "RegisterModel", "register", after="check")
    pick_ref(arg(props, "model"), "Steps.train.Outputs.model")
    arg(props, "model_name").locator("input").fill(MODEL)
    arg(props, "approval_status").locator("select").select_option(label="Approved")

    props = add_step(editor, "Deploy", "deploy", after="register")
    arg(props, "model_name").locator("input").fill(MODEL)
    pick_ref(arg(props, "version"), "Steps.register.Properties.ModelVersion")
    arg(props, "endpoint_name").locator("input").fill(ENDPOINT)

    props = add_step(editor, "Fail", "fail", after="check")
    arg(props, "error_message").locator("input").fill("AUC below the threshold")

    # the branches
    node(editor, "check").click()
    expect(props).to_have_attribute("data-step", "check")
    arg(props, "if_steps").locator("textarea").fill("register\ndeploy")
    arg(props, "else_steps").locator("textarea").fill("fail")

    editor.get_by_test_id("mls-pipeline-validate").click()
    status = editor.get_by_test_id("mls-pipeline-validation")
    expect(status).to_have_attribute("data-valid", "true", timeout=TIMEOUT)
    # every reference drew its edge: prep→train, prep→evaluate, train→evaluate,
    # train→register, register→deploy, evaluate→check, check→register/deploy/fail
    expect(editor.locator(".react-flow__edge")).to_have_count(9)
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})


def run_from_editor(page: Page, editor: Locator, values: dict[str, str]) -> Locator:
    """Run with these parameter values (defaults otherwise); the execution view shown."""
    editor.get_by_test_id("mls-pipeline-run").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator('[data-param="num_round"]')).to_have_value("10", timeout=TIMEOUT)
    expect(dialog.locator('[data-param="min_auc"]')).to_have_value("0.9")
    for name, value in values.items():
        dialog.locator(f'[data-param="{name}"]').fill(value)
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    view = page.locator('[data-testid="mls-pipeline-execution"]:visible')
    expect(view).to_have_count(1, timeout=TIMEOUT)
    return view


def back_to_editor(page: Page) -> Locator:
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="retrain.pipeline").click()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(editor).to_have_count(1)
    return editor


def finished(lab: Lab, view: Locator) -> dict[str, Any]:
    root = view.locator("[data-execution]")
    expect(root).to_have_attribute("data-status", "Succeeded", timeout=RUN_TIMEOUT)
    execution: dict[str, Any] = lab.api(
        "GET", f"pipeline-executions/{root.get_attribute('data-execution')}"
    )
    assert execution["status"] == "Succeeded", execution["failure_reason"]
    return execution


def shoot(page: Page, view: Locator, name: str) -> None:
    """Light and dark screenshots of the execution's graph, framed in the width the
    main area has with the left sidebar closed."""
    left = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if left.count():
        left.click()
        expect(page.locator("#jp-left-stack")).to_be_hidden()
    view.locator(".react-flow__controls-fitview").click()
    page.wait_for_timeout(400)
    screenshot_themes(page, name)


def by_step(execution: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in execution["steps"]}


def seconds(execution: dict[str, Any]) -> float:
    start = datetime.fromisoformat(execution["started_at"])
    end = datetime.fromisoformat(execution["ended_at"])
    return (end - start).total_seconds()


def test_build_run_cache_and_change_a_parameter(page: Page, lab: Lab) -> None:
    page.set_viewport_size({"width": 1600, "height": 950})
    open_lab(page, lab)
    page.locator(".jp-LauncherCard", has_text="New Pipeline").click()
    editor = page.locator('[data-testid="mls-pipeline-editor"]:visible')
    expect(editor).to_have_count(1, timeout=TIMEOUT)
    build(page, editor)

    # save it, and give the file the pipeline's name (the tab's Rename)
    editor.get_by_test_id("mls-pipeline-save").click()
    current = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    expect(current).not_to_have_class(re.compile("jp-mod-dirty"), timeout=TIMEOUT)
    current.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Rename")).click()
    page.locator(".jp-Dialog input").fill("retrain.pipeline")
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
    expect(current).to_contain_text("retrain.pipeline", timeout=TIMEOUT)
    saved = json.loads((lab.root / "retrain.pipeline").read_text())
    assert saved["name"] == "retrain"
    steps = {s["name"]: s for s in saved["steps"]}
    assert steps["check"]["arguments"]["conditions"] == [
        {
            "op": "GreaterThanOrEqualTo",
            "left": {"Get": "Steps.evaluate.Outputs.auc"},
            "right": {"Get": "Parameters.min_auc"},
        }
    ]
    assert steps["train"]["arguments"]["data"] == {"Get": "Steps.prep.Outputs.train"}
    assert lab.api("POST", "pipelines/validate", saved) == {"valid": True, "errors": []}

    # 1. the first run: every step runs, the gate passes, the endpoint serves
    view = run_from_editor(page, editor, {})
    # the live graph: a step is seen running before the execution ends
    expect(
        view.locator('[data-testid="mls-pipeline-node"][data-status="Running"]').first
    ).to_be_visible(timeout=RUN_TIMEOUT)
    first = finished(lab, view)
    for name in ("prep", "train", "evaluate", "check", "register", "deploy"):
        expect(node(view, name)).to_have_attribute("data-status", "Succeeded")
    expect(node(view, "fail")).to_have_attribute("data-status", "Skipped")
    first_steps = by_step(first)
    assert first_steps["evaluate"]["outputs"]["auc"] >= 0.9
    assert first_steps["deploy"]["properties"]["EndpointName"] == ENDPOINT
    node(view, "deploy").click()
    detail = view.get_by_test_id("mls-pipeline-step-execution")
    expect(detail).to_contain_text(ENDPOINT)
    shoot(page, view, "pipeline-scenario")
    endpoint = lab.api("GET", f"endpoints/{ENDPOINT}")
    assert endpoint["status"] == "InService", endpoint
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    item = panel.locator(f'[data-testid="mls-endpoint-item"][data-endpoint="{ENDPOINT}"]')
    expect(item).to_have_attribute("data-status", "InService", timeout=TIMEOUT)

    # 2. again, unchanged: the work is all cached and the execution takes ≤ 2 s
    editor = back_to_editor(page)
    view = run_from_editor(page, editor, {})
    second = finished(lab, view)
    assert second["id"] != first["id"]
    second_steps = by_step(second)
    # every step that does work is Cached (the model version and the endpoint too: no
    # duplicate version, no rollover); the condition is evaluated again, the Fail skipped
    for name in ("prep", "train", "evaluate", "register", "deploy"):
        assert second_steps[name]["status"] == "Cached", second_steps[name]
        expect(node(view, name)).to_have_attribute("data-status", "Cached")
    for name in ("prep", "train", "evaluate", "register"):
        assert second_steps[name]["cache_source"] == first["id"], second_steps[name]
    assert second_steps["check"]["status"] == "Succeeded"
    assert second_steps["check"]["properties"] == {"Outcome": True}
    assert second_steps["fail"]["status"] == "Skipped"
    assert second_steps["register"]["properties"]["ModelVersion"] == 1
    node(view, "register").click()
    expect(view.get_by_test_id("mls-pipeline-step-execution")).to_contain_text(
        f"cached from execution {first['id']}"
    )
    assert seconds(second) <= 2.0, (second["started_at"], second["ended_at"])
    print(f"the cached execution took {seconds(second):.2f} s")
    shoot(page, view, "pipeline-scenario-cached")

    # 3. one parameter changed (the training rounds): prep is reused, train and what
    # depends on it run again
    editor = back_to_editor(page)
    view = run_from_editor(page, editor, {"num_round": "12"})
    third = finished(lab, view)
    assert third["parameters"] == {"num_round": 12, "min_auc": 0.9}
    third_steps = by_step(third)
    assert third_steps["prep"]["status"] == "Cached"
    assert third_steps["prep"]["cache_source"] == first["id"]
    for name in ("train", "evaluate"):
        assert third_steps[name]["status"] == "Succeeded", third_steps[name]
        assert third_steps[name]["job_id"] != first_steps[name]["job_id"]
    # the new model: a new version, deployed
    for name in ("check", "register", "deploy"):
        assert third_steps[name]["status"] == "Succeeded", third_steps[name]
    assert third_steps["register"]["properties"]["ModelVersion"] == 2
    expect(node(view, "prep")).to_have_attribute("data-status", "Cached")
    expect(node(view, "train")).to_have_attribute("data-status", "Succeeded")
    endpoint = lab.api("GET", f"endpoints/{ENDPOINT}")
    assert endpoint["status"] == "InService", endpoint
    assert [(v["model"], v["version"]) for v in endpoint["variants"]] == [(MODEL, 2)]
