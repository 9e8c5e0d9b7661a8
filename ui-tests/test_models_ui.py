"""Model registry: register runs' models from the run view, the Models panel, the model
view with Compare, and the version view (card, approval, aliases, lineage).

The runs are logged with the SDK in this process, against the lab server's MLSTUDIO_HOME;
the browser does everything else through the UI.
"""

from __future__ import annotations

import re
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pages
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot, show_left, visible_view
from playwright.sync_api import Locator, Page, expect

# The model card's intended use: Markdown, and HTML the sanitizer must remove.
INTENDED = (
    "Classify **iris** flowers in the tutorial.\n\n"
    '<script>window.__cardXss = 1</script><span onclick="window.__cardXss = 2">x</span>'
)

# Oldest first; the experiment table lists the newest first.
RUNS = ("rf-small", "rf-deep", "no-model", "no-artifacts")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own, with four runs in the experiment "iris" (two with models)."""
    server, proc = start_lab(tmp_path_factory.mktemp("models-lab"), "models")
    try:
        seed_runs(server)
        yield server
    finally:
        stop_lab(proc)


def seed_runs(lab: Lab) -> None:
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    try:
        # the second model drops a feature: the comparison shows it as removed
        for name, n_estimators, max_depth, columns in [
            ("rf-small", 5, 2, list(X.columns)),
            ("rf-deep", 25, 6, list(X.columns[:3])),
        ]:
            with mls.start_run("iris", name=name) as run:
                run.log_params({"n_estimators": n_estimators, "max_depth": max_depth})
                model = RandomForestClassifier(
                    n_estimators=n_estimators, max_depth=max_depth, random_state=0
                ).fit(X[columns], y)
                accuracy = float(model.score(X[columns], y))
                run.log_metric("accuracy", accuracy)
                run.log_metric("train_loss", 1.0 - accuracy)
                # the long names training jobs log: the versions table must still fit
                run.log_metrics(
                    {"validation:balanced_accuracy": accuracy, "validation:f1_macro": accuracy}
                )
                run.log_metric("train_rows", len(X))
                run.log_model(model, X=X[columns])
        with mls.start_run("iris", name="no-model") as run:
            run.log_text("only notes, no model", "model/notes.txt")
        with mls.start_run("iris", name="no-artifacts") as run:
            run.log_metric("accuracy", 0.5)
    finally:
        studio.close()


# -- helpers ------------------------------------------------------------------------------
def open_models(page: Page) -> Locator:
    return show_left(page, "mlstudio-models", ".jp-MLStudio-modelsSidebar")


def open_run(page: Page, name: str) -> Locator:
    """Open a run of "iris" from the experiment table (double-click its row)."""
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Experiment: iris")
    if tab.count() == 0:
        show_left(page, "mlstudio-sidebar", ".jp-MLStudio-sidebar")
        page.locator('[data-testid="mls-experiment-item"]', has_text="iris").click()
        page.locator('[data-testid="mls-open-experiment"]').click()
    else:
        tab.click()
    panel = page.locator(".jp-MLStudio-experimentPanel:visible")
    expect(panel).to_have_attribute("data-mls-ready-at", re.compile(r"\d"), timeout=30_000)
    box = panel.locator('[data-testid="mls-runs-grid"] .lm-DataGrid-viewport').bounding_box()
    assert box is not None
    row = list(reversed(RUNS)).index(name)  # newest first
    page.mouse.dblclick(box["x"] + 120, box["y"] + 2 * 22 + 24 * row + 12)
    view = page.locator('[data-testid="mls-run-view"]:visible')
    expect(view.locator("h2")).to_contain_text(name)
    return view


def register(page: Page, run: Locator, model_name: str) -> Locator:
    """Register model in a run view; returns the dialog, already submitted."""
    button = run.locator('[data-testid="mls-register-model"]')
    expect(button).to_be_enabled()
    button.click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator('[data-testid="mls-dialog-name"]').fill(model_name)
    dialog.get_by_role("button", name="Register").click()
    return dialog


def tab(page: Page, label: str) -> Locator:
    return page.locator(
        ".lm-DockPanel-tabBar .lm-TabBar-tab",
        has=page.locator(".lm-TabBar-tabLabel", has_text=re.compile(f"^{re.escape(label)}$")),
    )


def run_id(lab: Lab, name: str) -> str:
    (experiment,) = [e for e in lab.api("GET", "experiments")["items"] if e["name"] == "iris"]
    runs = lab.api("GET", f"experiments/{experiment['id']}/runs")["items"]
    return next(r["id"] for r in runs if r["name"] == name)


# -- tests --------------------------------------------------------------------------------
def test_register_review_and_compare(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)

    # register the first run's model: a new model, its version view opens at v1
    register(page, open_run(page, "rf-small"), "iris-rf")
    view = visible_view(page, "mls-version-view")
    expect(view.locator('[data-testid="mls-version-title"]')).to_have_text("iris-rf v1")
    expect(view.locator('[data-testid="mls-approval-status"]').first).to_have_text(
        "Pending approval"
    )
    expect(view.locator('[data-testid="mls-lineage-run"]')).to_contain_text("rf-small")
    expect(view.locator('[data-testid="mls-lineage-experiment"]')).to_contain_text("iris")
    expect(view.locator('[data-testid="mls-version-signature"]')).to_contain_text("petal width")
    expect(view.locator('[data-testid="mls-deploy-version"]')).to_be_enabled()

    # the second run becomes v2; the dialog suggests the existing name
    run = open_run(page, "rf-deep")
    run.locator('[data-testid="mls-register-model"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator("datalist option[value='iris-rf']")).to_have_count(1)
    dialog.locator('[data-testid="mls-dialog-name"]').fill("iris-rf")
    dialog.locator('[data-testid="mls-dialog-description"]').fill("Deeper trees")
    dialog.get_by_role("button", name="Register").click()
    v2 = visible_view(page, "mls-version-view")
    expect(v2.locator('[data-testid="mls-version-title"]')).to_have_text("iris-rf v2")
    expect(v2.locator('[data-testid="mls-version-description"]')).to_have_text("Deeper trees")

    # the Models panel lists it live; its view lists both versions
    panel = open_models(page)
    item = panel.locator('[data-testid="mls-model-item"][data-model="iris-rf"]')
    expect(item.locator('[data-testid="mls-model-latest"]')).to_have_text("v2")
    item.click()
    group = visible_view(page, "mls-model-view")
    expect(group.locator('[data-testid="mls-model-name"]')).to_have_text("iris-rf")
    rows = group.locator('[data-testid="mls-version-row"]')
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-version", "2")
    expect(group.locator('th[data-metric="accuracy"]')).to_have_count(1)
    expect(rows.last.locator('[data-testid="mls-version-run"]')).to_have_text("rf-small")

    # v1: the card is shown rendered; Edit opens the editor; Save renders the Markdown
    # (sanitized) and it is still there after reopening the view
    rows.last.locator('[data-testid="mls-open-version"]').click()
    view = visible_view(page, "mls-version-view")
    expect(view.locator('[data-testid="mls-version-title"]')).to_have_text("iris-rf v1")
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_have_text(
        "Version: iris-rf v1"
    )
    card = view.locator('[data-testid="mls-model-card"]')
    rendered = card.locator('[data-testid="mls-card-rendered"]')
    expect(rendered.locator("h4", has_text="Intended use")).to_have_count(1)
    expect(card.locator("textarea")).to_have_count(0)
    card.locator('[data-testid="mls-card-edit"]').click()
    intended = view.locator('[data-testid="mls-card-intended_use"]')
    expect(intended).to_be_focused()
    intended.fill(INTENDED)
    expect(view.locator('[data-testid="mls-card-dirty"]')).to_be_visible()
    view.locator('[data-testid="mls-card-save"]').click()
    expect(view.locator('[data-testid="mls-card-dirty"]')).to_have_count(0)
    expect(card).to_have_attribute("data-editing", "false")
    expect(rendered.locator("strong", has_text="iris")).to_have_count(1)
    expect(rendered).to_have_attribute("data-rendered", "true")
    expect(rendered.locator("script, [onclick]")).to_have_count(0)
    assert page.evaluate("() => window.__cardXss") is None
    saved = lab.api("GET", "models/iris-rf/versions/1")["card"]
    assert saved["intended_use"] == INTENDED
    tab(page, "Version: iris-rf v1").locator(".lm-TabBar-tabCloseIcon").click()
    visible_view(page, "mls-model-view").locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    view = visible_view(page, "mls-version-view")
    rendered = view.locator('[data-testid="mls-card-rendered"]')
    expect(rendered).to_contain_text("Classify iris flowers in the tutorial.")
    # the prefilled evaluation lists the run's metrics
    expect(rendered).to_contain_text("accuracy")
    # Export Markdown downloads the saved card
    with page.expect_download() as download:
        view.locator('[data-testid="mls-card-export"]').click()
    assert download.value.suggested_filename == "iris-rf-v1-model-card.md"
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Classify **iris** flowers in the tutorial." in markdown, markdown

    # approve: the comment is required; then the badge and the history change
    view.locator('[data-testid="mls-approve-version"]').click()
    dialog = page.locator(".jp-Dialog")
    accept = dialog.get_by_role("button", name="Approve")
    expect(accept).to_be_disabled()
    comment = dialog.locator('[data-testid="mls-dialog-comment"]')
    comment.fill("   ")
    expect(accept).to_be_disabled()
    comment.fill("Checked on the hold-out set.")
    expect(accept).to_be_enabled()
    accept.click()
    expect(dialog).to_be_hidden()
    header = view.locator(".jp-MLStudio-pageHeader")
    expect(header.locator('[data-testid="mls-approval-status"]')).to_have_text("Approved")
    entry = view.locator('[data-testid="mls-approval-entry"]')
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Pending approval")
    expect(entry).to_contain_text("Checked on the hold-out set.")
    expect(view.locator('[data-testid="mls-approve-version"]')).to_be_disabled()
    expect(view.locator('[data-testid="mls-reject-version"]')).to_be_enabled()

    # aliases: 'latest' is refused inline; champion is set and shown as a chip
    alias = view.locator('[data-testid="mls-alias-input"]')
    alias.fill("latest")
    expect(view.locator('[data-testid="mls-alias-error"]')).to_contain_text("reserved")
    expect(view.locator('[data-testid="mls-alias-set"]')).to_be_disabled()
    alias.fill("champion")
    view.locator('[data-testid="mls-alias-set"]').click()
    chips = view.locator('[data-testid="mls-version-aliases"] [data-testid="mls-alias-chip"]')
    expect(chips).to_have_count(1)
    expect(chips.first).to_have_attribute("data-alias", "champion")
    expect(alias).to_have_value("")
    expect(header.locator('[data-testid="mls-alias-chip"][data-alias="champion"]')).to_have_count(1)
    assert lab.api("GET", "models/iris-rf")["aliases"] == {"champion": 1}
    view.locator(".jp-MLStudio-page").evaluate("node => node.parentElement.scrollTo(0, 0)")
    pages.screenshot_themes(page, "model-version")

    # the model view shows the aliases and the approval; compare v1 and v2
    lab.api("PUT", "models/iris-rf/aliases/production-candidate", {"version": 1})
    lab.api("PUT", "models/iris-rf/aliases/shadow-canary", {"version": 2})
    tab(page, "Model: iris-rf").click()
    group = visible_view(page, "mls-model-view")
    expect(group.locator('section[aria-label="Versions"] h3')).to_have_text("Versions (2)")
    v1 = group.locator('[data-testid="mls-version-row"][data-version="1"]')
    expect(v1.locator('[data-testid="mls-alias-chip"][data-alias="champion"]')).to_have_count(1)
    expect(v1.locator('[data-testid="mls-alias-chip"]')).to_have_count(2)
    expect(v1.locator('[data-testid="mls-approval-status"]')).to_have_text("Approved")
    compare = group.locator('[data-testid="mls-compare-versions"]')
    expect(compare).to_be_disabled()
    v1.locator('[data-testid="mls-version-select"]').check()
    group.locator(
        '[data-testid="mls-version-row"][data-version="2"] [data-testid="mls-version-select"]'
    ).check()
    expect(compare).to_have_text("Compare (2)")
    # at 1440 px (sidebar open) the versions table fits: it does not scroll sideways
    page.set_viewport_size({"width": 1440, "height": 900})
    scroller = group.locator('[data-testid="mls-versions-table"]').locator("xpath=..")
    page.wait_for_timeout(300)
    widths = scroller.evaluate("node => [node.scrollWidth, node.clientWidth]")
    assert widths[0] <= widths[1], f"the versions table overflows: {widths}"
    pages.screenshot_themes(page, "model-group")
    page.set_viewport_size({"width": 1400, "height": 900})
    compare.click()
    comparison = page.locator('[data-testid="mls-model-compare"]:visible')
    metrics = comparison.locator('[data-testid="mls-compare-metrics"]')
    expect(metrics.locator("thead th[data-version]")).to_have_text(["v1", "v2"])
    accuracy = metrics.locator('tr[data-key="accuracy"]')
    expect(accuracy.locator("td")).to_have_count(2)
    # the loss is lower-is-better: the best cell is the smaller one
    loss = metrics.locator('tr[data-key="train_loss"] td[data-best="true"]')
    expect(loss).to_have_count(1)
    params = comparison.locator('[data-testid="mls-compare-params"]')
    expect(params.locator('tr[data-key="n_estimators"] td')).to_have_text(["5", "25"])
    expect(params.locator('tr[data-key="max_depth"]')).to_have_attribute("data-differs", "true")
    signature = comparison.locator('[data-testid="mls-compare-signature"]')
    expect(signature.locator('tr[data-column="petal width (cm)"]')).to_contain_text("removed in v2")
    pages.screenshot_themes(page, "model-compare")

    # closing with unsaved card edits asks first; Cancel drops them
    tab(page, "Version: iris-rf v1").click()
    view = visible_view(page, "mls-version-view")
    view.locator('[data-testid="mls-card-edit"]').click()
    view.locator('[data-testid="mls-card-caveats"]').fill("Not for production")
    view.locator('[data-testid="mls-model-card"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "model-card-editor")
    tab(page, "Version: iris-rf v1").locator(".lm-TabBar-tabCloseIcon").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Close iris-rf v1 and discard the changes")
    dialog.get_by_role("button", name="Keep Editing").click()
    expect(view.locator('[data-testid="mls-card-caveats"]')).to_have_value("Not for production")
    view.locator('[data-testid="mls-card-cancel"]').click()
    expect(view.locator('[data-testid="mls-card-caveats"]')).to_have_count(0)
    expect(view.locator('[data-testid="mls-card-dirty"]')).to_have_count(0)
    expect(view.locator('[data-testid="mls-card-rendered"]')).not_to_contain_text(
        "Not for production"
    )

    # lineage links open the run
    view.locator('[data-testid="mls-lineage-run"] button').click()
    expect(page.locator('[data-testid="mls-run-view"]:visible h2')).to_contain_text("rf-small")
    assert not mlstudio_errors(console_errors), console_errors


def test_register_errors(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)

    # no model/ folder at all: the button says why it is disabled
    run = open_run(page, "no-artifacts")
    button = run.locator('[data-testid="mls-register-model"]')
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("title", re.compile("logged no model"))

    # a model/ folder without a model: the server's 400 message, in the dialog, input kept
    before = lab.api("GET", "models")["items"]
    dialog = register(page, open_run(page, "no-model"), "broken-model")
    error = dialog.locator('[data-testid="mls-dialog-error"]')
    expect(error).to_contain_text("not a model this registry can read")
    expect(error).to_contain_text("log_model")
    expect(dialog.locator('[data-testid="mls-dialog-name"]')).to_have_value("broken-model")
    screenshot(page, "model-register-error")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert lab.api("GET", "models")["items"] == before
    assert not mlstudio_errors(console_errors), console_errors


def test_panel_search_new_and_delete(page: Page, lab: Lab) -> None:
    # a model with one version, registered over REST, to delete with its version
    lab.api("POST", "models/throwaway/versions", {"run_id": run_id(lab, "rf-small")})
    open_lab(page, lab)
    panel = open_models(page)
    items = panel.locator('[data-testid="mls-model-item"]')
    expect(items.filter(has_text="throwaway")).to_have_count(1)

    # New model: an invalid name keeps Create disabled; a good one opens its empty view
    panel.locator('[data-testid="mls-create-model"]').click()
    dialog = page.locator(".jp-Dialog")
    create = dialog.get_by_role("button", name="Create")
    expect(create).to_be_disabled()
    dialog.locator('[data-testid="mls-dialog-name"]').fill("bad name!")
    expect(create).to_be_disabled()
    dialog.locator('[data-testid="mls-dialog-name"]').fill("churn-gbm")
    dialog.locator('[data-testid="mls-dialog-description"]').fill("Predicts churn")
    create.click()
    group = visible_view(page, "mls-model-view")
    expect(group.locator('[data-testid="mls-model-name"]')).to_have_text("churn-gbm")
    expect(group.locator('[data-testid="mls-versions-empty"]')).to_be_visible()
    expect(items.filter(has_text="churn-gbm")).to_contain_text("Predicts churn")

    # edit the description in place
    group.locator('[data-testid="mls-edit-description"]').click()
    group.locator('[data-testid="mls-description-input"]').fill("Predicts which customers leave")
    group.locator('[data-testid="mls-save-description"]').click()
    expect(group.locator('[data-testid="mls-model-description"]')).to_have_text(
        "Predicts which customers leave"
    )

    # a duplicate name: the server's message in the panel
    panel.locator('[data-testid="mls-create-model"]').click()
    dialog.locator('[data-testid="mls-dialog-name"]').fill("churn-gbm")
    dialog.get_by_role("button", name="Create").click()
    expect(panel.locator('[data-testid="mls-error"]')).to_contain_text("already exists")

    # the server-side search
    search = panel.locator('[data-testid="mls-models-search"]')
    search.fill("customers")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-model", "churn-gbm")
    search.fill("nothing-like-this")
    expect(panel.locator('[data-testid="mls-models-empty"]')).to_contain_text("No models match")
    search.fill("")
    expect(items.filter(has_text="iris-rf")).to_have_count(1)
    screenshot(page, "models-panel")

    # delete a model with a version: the confirmation says so, and force is sent
    items.filter(has_text="throwaway").click()
    group = visible_view(page, "mls-model-view")
    group.locator('[data-testid="mls-delete-model"]').click()
    confirm = page.locator(".jp-Dialog")
    expect(confirm).to_contain_text("its version")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.locator('[data-testid="mls-model-name"]', has_text="throwaway")).to_have_count(0)
    expect(items.filter(has_text="throwaway")).to_have_count(0)
    with pytest.raises(urllib.error.HTTPError) as info:
        lab.api("GET", "models/throwaway")
    assert info.value.code == 404


def test_palette_and_menu(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    expect(page.locator(".jp-LauncherCard").first).to_be_visible()
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("Open Models")
    page.locator(".lm-CommandPalette-item", has_text="Open Models").click()
    expect(page.locator(".jp-MLStudio-modelsSidebar")).to_be_visible()
    page.locator("#jp-MainMenu").get_by_text("ML Studio", exact=True).click()
    menu = page.locator(".lm-Menu")
    for label in ("Open Models", "New Model…", "Register Model…"):
        expect(menu.locator(".lm-Menu-item", has_text=label)).to_be_visible()
    # without a run view in focus, Register Model asks for the run too; a run that
    # logged no model gets the server's 400 message, and the input is kept
    menu.locator(".lm-Menu-item", has_text="Register Model…").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator('[data-testid="mls-dialog-runId"]').fill(run_id(lab, "no-artifacts"))
    dialog.locator('[data-testid="mls-dialog-name"]').fill("iris-rf")
    dialog.get_by_role("button", name="Register").click()
    expect(dialog.locator('[data-testid="mls-dialog-error"]')).to_contain_text(
        "'no-artifacts' has no model under model/"
    )
    expect(dialog.locator('[data-testid="mls-dialog-name"]')).to_have_value("iris-rf")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert lab.api("GET", "models/iris-rf")["latest_version"] == 2


def test_missing_server_extension_is_explained(page: Page, tmp_path: Path) -> None:
    server, proc = start_lab(
        tmp_path, "models-noext", ("--ServerApp.jpserver_extensions={'jupyter_mlstudio': False}",)
    )
    try:
        open_lab(page, server)
        panel = open_models(page)
        expect(panel.locator('[data-testid="mls-models-server-missing"]')).to_contain_text(
            "server extension"
        )
        expect(panel.locator('[data-testid="mls-create-model"]')).to_be_disabled()
        expect(panel.locator('[data-testid="mls-error"]')).to_have_count(0)
    finally:
        stop_lab(proc)
