"""JumpStart in the browser (issue 22), on a lab of its own (it launches a solution to a
real endpoint and deploys a pre-built model). The user opens the JumpStart panel,
filters the catalog by task and kind and searches it, opens customer-churn, sees an
out-of-range parameter refused under its input, launches it and watches the launch
view's pipeline graph until the launch is Completed with an InService endpoint and its
notebook open in a tab; then deploys the breast-cancer-classifier pre-built model in one
click and sends its example request (the answer's predictions are shown)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml
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

PANEL = "#mlstudio-jumpstart"
CARD = '[data-testid="mls-jumpstart-card"]'


def _patients(path: Path) -> None:
    """A user's own file for fine-tuning: the 30 measurements and `diagnosis`."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    frame["diagnosis"] = [data.target_names[t] for t in data.target]
    frame.sample(200, random_state=0).to_csv(path, index=False)


def _tiny_entries() -> ModuleType:
    """The catalog tests' tiny private solution (tests/catalog/catalog_test_entries.py)."""
    path = Path(__file__).parents[1] / "tests" / "catalog" / "catalog_test_entries.py"
    spec = importlib.util.spec_from_file_location("catalog_test_entries", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _team_hub(folder: Path) -> Path:
    """A private catalog: one custom entry (the pre-built breast-cancer model under
    another name) and one malformed entry."""
    from jupyter_mlstudio.catalog.entries import BUILTIN

    hub = folder / "team-hub"
    custom = hub / "team-cancer"
    shutil.copytree(BUILTIN / "breast-cancer-classifier", custom)
    manifest = yaml.safe_load((custom / "manifest.yaml").read_text())
    manifest.update(name="team-cancer", title="Team cancer screen", endpoint_name="team-cancer")
    (custom / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    _tiny_entries().write_tiny_entry(hub)  # a one-step solution that fails when asked
    (hub / "broken").mkdir()
    (hub / "broken" / "manifest.yaml").write_text("format: mlstudio.catalog-entry\nname: broken\n")
    return hub


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (launching trains, registers, deploys and monitors, which
    later modules sharing the session's server must not see) with a private catalog."""
    base = tmp_path_factory.mktemp("jumpstart-lab")
    hub = _team_hub(base)
    server, proc = start_lab(base, "jumpstart", (f"--MLStudio.catalogs={hub}",))
    try:
        yield server
    finally:
        try:
            kill_endpoint_processes(server)
        finally:
            stop_lab(proc)


def _cards(panel: Locator) -> Locator:
    return panel.locator(CARD)


def _only(cards: Locator, attribute: str, value: str) -> None:
    """Every visible card has `attribute` = `value`."""
    values = [cards.nth(i).get_attribute(attribute) for i in range(cards.count())]
    assert values and set(values) == {value}, values


def test_jumpstart_launch_and_deploy(page: Page, lab: Lab) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1440, "height": 900})
    open_lab(page, lab)

    # -- the panel: cards, task chips, kind switch, search -------------------------
    panel = show_left(page, "mlstudio-jumpstart", PANEL)
    cards = _cards(panel)
    expect(cards.first).to_be_visible(timeout=30_000)
    total = cards.count()
    names = {cards.nth(i).get_attribute("data-name") for i in range(total)}
    assert {"customer-churn", "breast-cancer-classifier"} <= names, names
    # built-in entries say so on their card, a private catalog's entry names its catalog,
    # a malformed entry is listed with its error
    expect(panel.locator(f'{CARD}[data-name="customer-churn"]')).to_contain_text("built-in")
    expect(
        panel.locator(f'{CARD}[data-name="team-cancer"] [data-testid="mls-jumpstart-card-source"]')
    ).to_have_text("from team-hub")
    broken = panel.locator('[data-testid="mls-jumpstart-error"]', has_text="broken")
    expect(broken).to_contain_text("team-hub")
    panel.locator(f'{CARD}[data-name="team-cancer"]').scroll_into_view_if_needed()
    screenshot_themes(page, "jumpstart-panel")

    panel.locator('[data-testid="mls-jumpstart-task"][data-task="classification"]').click()
    _only(cards, "data-task", "classification")
    panel.locator('[data-testid="mls-jumpstart-kind"][data-kind="model"]').click()
    _only(cards, "data-kind", "model")
    expect(panel.locator(f'{CARD}[data-name="breast-cancer-classifier"]')).to_be_visible()
    panel.locator('[data-testid="mls-jumpstart-kind"][data-kind="all"]').click()
    panel.locator('[data-testid="mls-jumpstart-task"][data-task="all"]').click()
    expect(cards).to_have_count(total)

    panel.locator('[data-testid="mls-jumpstart-search"]').fill("churn")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-name", "customer-churn")
    panel.locator('[data-testid="mls-jumpstart-search"]').fill("no such solution zzz")
    expect(panel.locator('[data-testid="mls-jumpstart-empty"]')).to_be_visible()
    panel.locator('[data-testid="mls-jumpstart-search"]').fill("churn")
    expect(cards).to_have_count(1)

    # -- the entry page ----------------------------------------------------------------
    cards.first.click()
    entry = visible_view(page, "mls-jumpstart-entry")
    expect(entry.locator('[data-testid="mls-jumpstart-entry-title"]')).to_have_text(
        "Customer churn prediction"
    )
    expect(entry.locator('[data-testid="mls-jumpstart-readme"]')).to_have_attribute(
        "data-rendered", "true", timeout=15_000
    )
    expect(entry.locator('[data-testid="mls-jumpstart-resource-check"]')).to_be_visible()
    expect(entry.locator('[data-testid="mls-jumpstart-creates"]')).to_contain_text("endpoint")

    # a value outside the parameter's range is refused under its input, nothing launched
    trials = entry.locator('input[data-param="trials"]')
    trials.fill("50")
    entry.locator('[data-testid="mls-jumpstart-launch"]').click()
    error = entry.locator(
        '.jp-MLStudio-jumpstartField[data-param="trials"] [data-testid="mls-jumpstart-field-error"]'
    )
    expect(error).to_contain_text("at most 20")
    assert lab.api("GET", "catalog/launches")["launches"] == []
    trials.fill("4")
    expect(error).to_have_count(0)
    screenshot_themes(page, "jumpstart-entry")

    # -- launch: the pipeline graph, then Completed with an InService endpoint ---------
    entry.locator('[data-testid="mls-jumpstart-launch"]').click()
    view = visible_view(page, "mls-jumpstart-launch-view")
    expect(view.locator('[data-testid="mls-jumpstart-launch-graph"]')).to_be_visible(timeout=60_000)
    expect(view.locator('[data-testid="mls-pipeline-node"]').first).to_be_visible()
    # the notebook's tab takes the front when the launch completes: follow the view hidden
    status = page.locator(
        '[data-testid="mls-jumpstart-launch-view"] [data-testid="mls-jumpstart-launch-status"]'
    )
    expect(status).to_have_attribute("data-status", "Completed", timeout=150_000)

    # the notebook opened by itself in a tab
    notebook_tab = page.locator(".lm-DockPanel .lm-TabBar-tab", has_text=".ipynb")
    expect(notebook_tab).to_have_count(1, timeout=20_000)
    launch = lab.api("GET", "catalog/launches")["launches"][0]
    assert launch["status"] == "Completed", launch
    assert launch["notebook"] and launch["notebook"].endswith(".ipynb")
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(1, timeout=20_000)

    # back on the launch view: the endpoint serves and the links are there
    page.locator(".lm-DockPanel .lm-TabBar-tab", has_text="Launch:").click()
    view = visible_view(page, "mls-jumpstart-launch-view")
    expect(view.locator('[data-testid="mls-jumpstart-launch-endpoint-status"]')).to_have_attribute(
        "data-status", "InService", timeout=60_000
    )
    for link in ("open-notebook", "open-model", "open-endpoint", "open-folder"):
        expect(view.locator(f'[data-testid="mls-jumpstart-{link}"]')).to_be_visible()
    nodes = view.locator('[data-testid="mls-pipeline-node"]')
    statuses = {nodes.nth(i).get_attribute("data-status") for i in range(nodes.count())}
    assert "Failed" not in statuses and "Succeeded" in statuses, statuses
    screenshot_themes(page, "jumpstart-launch")
    # the links open the training run and the endpoint
    view.locator('[data-testid="mls-jumpstart-open-run"]').click()
    visible_view(page, "mls-run-view")
    page.locator(".lm-DockPanel .lm-TabBar-tab", has_text="Launch:").click()
    visible_view(page, "mls-jumpstart-launch-view").locator(
        '[data-testid="mls-jumpstart-open-endpoint"]'
    ).click()
    visible_view(page, "mls-endpoint-view")

    # the panel lists the launch
    panel = show_left(page, "mlstudio-jumpstart", PANEL)
    expect(panel.locator('[data-testid="mls-jumpstart-launch-item"]').first).to_have_attribute(
        "data-status", "Completed", timeout=15_000
    )

    # -- a pre-built model: Deploy in one click, then the example request ------------
    panel.locator('[data-testid="mls-jumpstart-search"]').fill("")
    panel.locator('[data-testid="mls-jumpstart-kind"][data-kind="model"]').click()
    panel.locator(f'{CARD}[data-name="breast-cancer-classifier"]').click()
    entry = visible_view(page, "mls-jumpstart-entry")
    expect(entry.locator('[data-testid="mls-jumpstart-metrics"]')).to_contain_text("accuracy")
    entry.locator('[data-testid="mls-jumpstart-deploy"]').click()
    expect(entry.locator('[data-testid="mls-jumpstart-endpoint-status"]')).to_have_attribute(
        "data-status", "InService", timeout=90_000
    )
    entry.locator('[data-testid="mls-jumpstart-send-example"]').click()
    answer = entry.locator('[data-testid="mls-jumpstart-answer"]')
    expect(answer).to_have_attribute("data-ok", "true", timeout=30_000)
    expect(answer.locator('[data-testid="mls-jumpstart-answer-body"]')).to_contain_text(
        "predictions"
    )
    screenshot_themes(page, "jumpstart-deploy")

    # -- fine-tune on my data: a file picked in the file dialog becomes a training job --
    _patients(lab.root / "patients.csv")
    entry.locator('[data-testid="mls-jumpstart-finetune"]').click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(
        ".jp-DirListing-item",
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(r"^patients\.csv$")),
    ).click()
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(dialog).to_have_count(0)
    expect(entry.locator('[data-testid="mls-jumpstart-finetune-data"]')).to_have_value(
        "patients.csv"
    )
    entry.locator('[data-testid="mls-jumpstart-finetune-start"]').click()
    job_view = visible_view(page, "mls-job-view")
    # the job's view is in front now: read the (hidden) entry page's job link
    job_id = page.locator(
        '.jp-MLStudio-jumpstartEntry[data-name="breast-cancer-classifier"] '
        '[data-testid="mls-jumpstart-finetune-job"]'
    ).get_attribute("data-job")
    assert job_id
    # the job trains the entry's algorithm on the file (and leaves no process behind)
    deadline = time.monotonic() + 120
    while lab.api("GET", f"jobs/{job_id}")["status"] not in ("Completed", "Failed", "Stopped"):
        assert time.monotonic() < deadline, "the fine-tuning job did not end"
        time.sleep(1)
    assert lab.api("GET", f"jobs/{job_id}")["status"] == "Completed"
    expect(job_view).to_be_visible()

    # -- a failed launch says which step failed and why -----------------------------
    panel = show_left(page, "mlstudio-jumpstart", PANEL)
    panel.locator('[data-testid="mls-jumpstart-kind"][data-kind="all"]').click()
    panel.locator('[data-testid="mls-jumpstart-search"]').fill("tiny")
    panel.locator(f'{CARD}[data-name="tiny-team"]').click()
    entry = visible_view(page, "mls-jumpstart-entry")
    entry.locator('input[data-param="fail"]').check()
    entry.locator('[data-testid="mls-jumpstart-launch"]').click()
    view = visible_view(page, "mls-jumpstart-launch-view")
    expect(view.locator('[data-testid="mls-jumpstart-launch-status"]')).to_have_attribute(
        "data-status", "Failed", timeout=90_000
    )
    failure = view.locator('[data-testid="mls-jumpstart-launch-failure"]')
    expect(failure).to_contain_text("Step check failed")
    expect(failure).to_contain_text("the rows did not pass the check")
    expect(view.locator('[data-testid="mls-pipeline-node"][data-step="check"]')).to_have_attribute(
        "data-status", "Failed"
    )
    screenshot_themes(page, "jumpstart-launch-failed")

    assert mlstudio_errors(console_errors) == [], console_errors
