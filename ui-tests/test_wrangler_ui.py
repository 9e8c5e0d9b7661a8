"""Data Wrangler: open a CSV in the flow editor, add steps through the forms, insights,
export to a notebook and run it; broken flows and failing steps show clear messages.

A real server runs the flows on its sample; the browser clicks through the file
browser's context menu, the editor's toolbar, the generated forms and the notebook.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import open_lab, screenshot, screenshot_themes, show_left, switch_theme
from playwright.sync_api import Locator, Page, expect

TIMEOUT = 60_000
ROWS = 240
# only fittable steps, so every export (scikit-learn included) applies
FITTABLE_FLOW = {
    "schema_version": 1,
    "sources": [{"id": "people", "kind": "csv", "path": "people.csv"}],
    "steps": [
        {
            "id": "impute",
            "transform": "impute_median",
            "params": {"columns": ["age", "income"]},
            "inputs": ["people"],
        },
        {
            "id": "onehot",
            "transform": "one_hot_encode",
            "params": {"columns": ["city"]},
            "inputs": ["impute"],
        },
    ],
}
SPARK_FLOW = {
    "schema_version": 1,
    "sources": [{"id": "people", "kind": "csv", "path": "people.csv"}],
    "steps": [
        {
            "id": "impute",
            "transform": "impute_mean",
            "params": {"columns": ["age", "income"]},
            "inputs": ["people"],
        },
    ],
}
BROKEN = '{"schema_version": 1, "sources": [ {"id": "source", "kind": "csv",, }\n'


def people_csv() -> str:
    """Numbers with missing values, a categorical column with gaps, a binary target."""
    lines = ["age,income,city,label"]
    cities = ["Paris", "Lyon", "Nice"]
    for i in range(ROWS):
        age = "" if i % 9 == 0 else str(20 + (i * 7) % 45)
        income = "" if i % 11 == 0 else f"{1500 + (i * 37) % 4000}.5"
        city = "" if i % 13 == 0 else cities[i % 3]
        label = str(int((20 + (i * 7) % 45) > 40))
        lines.append(f"{age},{income},{city},{label}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("wrangler-lab"), "wrangler")
    (server.root / "people.csv").write_text(people_csv())
    (server.root / "broken.flow").write_text(BROKEN)
    (server.root / "fake.parquet").write_text("age,income\n1,2\n")
    (server.root / "fit.flow").write_text(json.dumps(FITTABLE_FLOW))
    (server.root / "spark.flow").write_text(json.dumps(SPARK_FLOW))
    yield server
    stop_lab(proc)


# -- helpers ------------------------------------------------------------------------------
def file_item(page: Page, name: str) -> Locator:
    browser = page.locator("#filebrowser")
    if not browser.is_visible():
        page.locator('.jp-SideBar [data-id="filebrowser"]').click()
    page.locator("#filebrowser .jp-ToolbarButtonComponent[title*='Refresh']").first.click()
    item = page.locator(
        "#filebrowser .jp-DirListing-item",
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$")),
    )
    expect(item).to_have_count(1, timeout=15_000)
    return item


def editor(page: Page) -> Locator:
    return page.locator(".jp-MLStudio-wranglerEditor:visible")


def shape(page: Page) -> tuple[int, int]:
    text = editor(page).get_by_test_id("mls-wrangler-shape").inner_text()
    match = re.search(r"([\d,]+) rows \u00d7 (\d+) columns", text)
    assert match, text
    return int(match.group(1).replace(",", "")), int(match.group(2))


def missing(page: Page) -> int:
    text = editor(page).get_by_test_id("mls-wrangler-missing").inner_text()
    return int(text.split()[0].replace(",", ""))


def wait_idle(page: Page) -> None:
    """The preview settled: no computing indicator, no pending debounce."""
    page.wait_for_timeout(400)
    expect(editor(page).locator(".jp-MLStudio-wranglerToolbar")).not_to_contain_text(
        "Computing", timeout=TIMEOUT
    )


def add_step(page: Page, search: str, transform: str) -> Locator:
    ed = editor(page)
    ed.get_by_test_id("mls-wrangler-add-step").click()
    menu = ed.get_by_test_id("mls-wrangler-transforms")
    menu.locator("input[type=search]").fill(search)
    menu.locator(f'[data-transform="{transform}"]').click()
    form = ed.get_by_test_id("mls-wrangler-form")
    expect(form).to_have_attribute("data-transform", transform)
    return form


def check_columns(form: Locator, *names: str) -> None:
    for name in names:
        form.locator(f'label[data-column="{name}"] input').check()


def cell_text_luminance(figure: Locator) -> list[float]:
    """Relative luminance of each heatmap annotation's drawn text colour."""
    values: list[float] = figure.locator(".annotation-text").evaluate_all(
        """els => els.map(el => {
            const [r, g, b] = getComputedStyle(el).fill.match(/[\\d.]+/g).map(Number);
            const c = v => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
        })"""
    )
    assert values
    return values


def in_view(page: Page, node_id: str) -> bool:
    """Whether the graph node is drawn entirely inside the graph pane."""
    pane = editor(page).get_by_test_id("mls-wrangler-graph").bounding_box()
    node = editor(page).locator(f'.react-flow__node[data-id="{node_id}"]').bounding_box()
    assert pane and node
    return (
        node["x"] >= pane["x"]
        and node["y"] >= pane["y"]
        and node["x"] + node["width"] <= pane["x"] + pane["width"]
        and node["y"] + node["height"] <= pane["y"] + pane["height"]
    )


def zoom(page: Page) -> float:
    transform = (
        editor(page)
        .locator(".react-flow__viewport")
        .evaluate("el => getComputedStyle(el).transform")
    )
    match = re.match(r"matrix\(([\d.]+)", transform)
    assert match, transform
    return float(match.group(1))


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def shut_down_kernels(lab: Lab) -> None:
    """Earlier tests' kernels, so that waiting for "the" kernel means this test's."""
    headers = {"Authorization": f"token {lab.token}"}
    for kernel in lab.kernels():
        request = urllib.request.Request(
            f"{lab.url}api/kernels/{kernel['id']}", headers=headers, method="DELETE"
        )
        urllib.request.urlopen(request, timeout=30).close()


def wait_kernel_idle(lab: Lab) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kernels = lab.kernels()
        if kernels and all(
            k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels
        ):
            return
        time.sleep(0.5)
    raise AssertionError("the kernel did not become idle")


# -- tests --------------------------------------------------------------------------------
def test_csv_to_notebook(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    file_item(page, "people.csv").click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Open in Data Wrangler").click()
    ed = editor(page)
    expect(ed).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "people.flow"
    )
    expect(ed.get_by_test_id("mls-wrangler-shape")).to_be_visible(timeout=TIMEOUT)
    assert shape(page) == (ROWS, 4)
    before_missing = missing(page)
    assert before_missing > 0
    expect(ed.locator('.react-flow__node [data-node-id="source"]')).to_be_visible()

    # Impute: numeric columns only in the picker; fewer missing values after.
    form = add_step(page, "median", "impute_median")
    expect(form.locator('label[data-column="city"]')).to_have_count(0)
    check_columns(form, "age", "income")
    form.get_by_test_id("mls-wrangler-apply").click()
    wait_idle(page)
    expect(ed.get_by_test_id("mls-wrangler-preview")).to_contain_text("impute_median_1")
    expect(ed.get_by_test_id("mls-wrangler-missing")).not_to_have_text(
        f"{before_missing} missing values", timeout=TIMEOUT
    )
    after_impute = missing(page)
    assert 0 < after_impute < before_missing  # city still has gaps
    assert shape(page) == (ROWS, 4)

    # One-hot: city becomes one column per category. Labels are words, not field names.
    form = add_step(page, "one-hot", "one_hot_encode")
    expect(form.locator('[data-field="dummy_na"] label')).to_have_text(
        "Dummy column for missing values"
    )
    check_columns(form, "city")
    form.get_by_test_id("mls-wrangler-apply").click()
    wait_idle(page)
    expect(ed.get_by_test_id("mls-wrangler-shape")).to_contain_text("6 columns", timeout=TIMEOUT)
    assert shape(page) == (ROWS, 6)

    # Filter rows: fewer rows.
    form = add_step(page, "filter", "filter_rows")
    form.locator("#mls-wr-field-expression").fill("age >= 30")
    form.get_by_test_id("mls-wrangler-apply").click()
    wait_idle(page)
    expect(ed.get_by_test_id("mls-wrangler-preview")).to_contain_text("filter_rows_1")
    rows, columns = shape(page)
    assert 0 < rows < ROWS and columns == 6
    expect(ed.locator(".jp-MLStudio-wranglerStep.jp-mod-ok")).to_have_count(4)
    expect(ed.locator(".react-flow__node")).to_have_count(5)  # 4 nodes + the output

    # Undo removes the filter, redo brings it back.
    ed.get_by_test_id("mls-wrangler-undo").click()
    expect(ed.locator(".jp-MLStudio-wranglerStep")).to_have_count(3)
    ed.get_by_test_id("mls-wrangler-redo").click()
    expect(ed.locator(".jp-MLStudio-wranglerStep")).to_have_count(4)
    ed.locator('.jp-MLStudio-wranglerStep[data-node-id="filter_rows_1"]').click()
    wait_idle(page)
    assert shape(page) == (rows, columns)

    # Dirty until saved; saving writes the document.
    expect(
        page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
    ).to_have_count(1)
    ed.get_by_test_id("mls-wrangler-save").click()
    expect(
        page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
    ).to_have_count(0)
    saved = json.loads((lab.root / "people.flow").read_text())
    assert [s["transform"] for s in saved["steps"]] == [
        "impute_median",
        "one_hot_encode",
        "filter_rows",
    ]
    page.wait_for_timeout(600)
    screenshot(page, "wrangler-editor")

    # Insights on the target column.
    ed.get_by_test_id("mls-wrangler-insights").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("select").select_option("label")
    dialog.locator(".jp-mod-accept").click()
    insights = page.get_by_test_id("mls-insights")
    expect(insights.get_by_test_id("mls-insights-summary")).to_be_visible(timeout=TIMEOUT)
    expect(
        insights.get_by_test_id("mls-insights-warnings")
        .or_(insights.get_by_test_id("mls-insights-model"))
        .first
    ).to_be_visible()
    expect(insights.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    confusion = insights.get_by_test_id("mls-insights-figure-confusion")
    expect(confusion.locator(".annotation-text")).to_have_count(4)  # 2 classes x 2
    # the anomaly histogram's log axis: powers of ten (and 2, 5 in a short one) only
    ticks = insights.get_by_test_id("mls-insights-figure-anomalies").locator(".ytick text")
    expect(ticks.first).to_be_attached()
    assert set(ticks.all_text_contents()) <= {"1", "2", "5", "10", "100", "1k"}
    page.wait_for_timeout(800)
    assert max(cell_text_luminance(confusion)) < 0.2  # dark counts on a light page
    confusion.scroll_into_view_if_needed()
    screenshot(page, "wrangler-insights")
    switch_theme(page, dark=True)
    # light counts on a dark page: each cell's number reads (the texttemplate drew dark
    # text on the dark translucent cells)
    assert min(cell_text_luminance(confusion)) > 0.6
    confusion.scroll_into_view_if_needed()
    screenshot(page, "wrangler-insights-dark")
    insights_tab = page.locator(".lm-TabBar-tab", has_text="Insights: people.flow")
    insights_tab.locator(".lm-TabBar-tabCloseIcon").click()
    page.wait_for_timeout(800)
    screenshot(page, "wrangler-editor-dark")
    switch_theme(page, dark=False)

    # Export to a notebook, run it, compare the shape with the engine's preview.
    page.locator(".lm-TabBar-tab", has_text="people.flow").first.click()
    ed = editor(page)
    ed.get_by_test_id("mls-wrangler-export").click()
    ed.locator('.jp-MLStudio-wranglerMenuItem[data-id="notebook"]').click()
    notebook = page.locator(".jp-NotebookPanel:visible")
    expect(notebook).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        ".ipynb"
    )
    wait_kernel_idle(lab)
    # written by the server, opened as saved: the kernel's metadata does not dirty it
    page.wait_for_timeout(1500)
    expect(
        page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
    ).to_have_count(0)
    last = notebook.locator(".jp-Cell .jp-InputArea-editor").last.inner_text()
    result = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\.head\(\)", last)
    assert result, last
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    expect(notebook.locator(".jp-Cell .jp-InputPrompt").last).to_have_text(
        re.compile(r"\[\d+\]"), timeout=TIMEOUT
    )
    expect(notebook.locator(".jp-OutputArea-output[data-mime-type*='error']")).to_have_count(0)
    # One more cell prints the shape of the flow's result.
    notebook.locator(".jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(f"print('shape', {result.group(1)}.shape)")
    page.keyboard.press("Shift+Enter")
    output = notebook.locator(".jp-OutputArea-output", has_text="shape (")
    expect(output).to_be_visible(timeout=TIMEOUT)
    expect(output).to_contain_text(f"shape ({rows}, {columns})")
    screenshot(page, "wrangler-notebook")


def test_bad_input(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    # A malformed .flow opens with the error and its text untouched.
    file_item(page, "broken.flow").dblclick()
    broken = page.get_by_test_id("mls-wrangler-broken")
    expect(broken).to_be_visible(timeout=TIMEOUT)
    expect(broken).to_contain_text("not valid JSON")
    expect(page.get_by_test_id("mls-wrangler-raw")).to_have_text(BROKEN.rstrip("\n"))
    screenshot(page, "wrangler-broken")
    page.get_by_test_id("mls-wrangler-open-editor").click()
    expect(page.locator(".jp-FileEditor:visible")).to_be_visible(timeout=TIMEOUT)
    assert (lab.root / "broken.flow").read_text() == BROKEN

    # A step that names a missing column errors inline; downstream is blocked.
    flow = {
        "schema_version": 1,
        "sources": [{"id": "source", "kind": "csv", "path": "people.csv", "name": "df"}],
        "steps": [
            {
                "id": "drop",
                "transform": "drop_columns",
                "params": {"columns": ["salary"]},
                "inputs": ["source"],
            },
            {
                "id": "code",
                "transform": "custom_pandas",
                "params": {"code": "df = df.head(5)"},
                "inputs": ["drop"],
            },
        ],
    }
    (lab.root / "missing.flow").write_text(json.dumps(flow, indent=2))
    file_item(page, "missing.flow").dblclick()
    ed = editor(page)
    step = ed.locator('.jp-MLStudio-wranglerStep[data-node-id="drop"]')
    expect(step).to_have_class(re.compile("jp-mod-error"), timeout=TIMEOUT)
    expect(step.locator(".jp-MLStudio-wranglerStepError")).to_contain_text("salary")
    expect(ed.locator('.jp-MLStudio-wranglerStep[data-node-id="code"]')).to_have_class(
        re.compile("jp-mod-blocked")
    )
    expect(ed.get_by_test_id("mls-wrangler-preview-error")).to_be_visible()
    expect(ed.locator('.react-flow__node [data-node-id="drop"]')).to_have_class(
        re.compile("jp-mod-error")
    )

    # Custom code that raises: its message, with the line, in the form.
    form = ed.get_by_test_id("mls-wrangler-form")
    ed.locator('.jp-MLStudio-wranglerStep[data-node-id="drop"]').click()
    form.locator('label:has-text("salary") input').click()
    expect(form.locator('label:has-text("salary")')).to_have_count(0)
    form.locator('label[data-column="age"] input').check()
    form.get_by_test_id("mls-wrangler-apply").click()
    wait_idle(page)
    expect(step).to_have_class(re.compile("jp-mod-ok"), timeout=TIMEOUT)
    ed.locator('.jp-MLStudio-wranglerStep[data-node-id="code"]').click()
    form.locator("#mls-wr-field-code").fill("x = 1\nraise ValueError('no rows for you')")
    form.get_by_test_id("mls-wrangler-apply").click()
    wait_idle(page)
    code_step = ed.locator('.jp-MLStudio-wranglerStep[data-node-id="code"]')
    expect(code_step).to_have_class(re.compile("jp-mod-error"), timeout=TIMEOUT)
    expect(code_step).to_contain_text("no rows for you")
    expect(form.locator(".jp-MLStudio-wranglerStepError")).to_contain_text("line 2")
    screenshot(page, "wrangler-step-error")

    # A file that is not what its extension says: the source errors, the flow opens.
    file_item(page, "fake.parquet").click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Open in Data Wrangler").click()
    ed = editor(page)
    source = ed.locator('.jp-MLStudio-wranglerStep[data-node-id="source"]')
    expect(source).to_have_class(re.compile("jp-mod-error"), timeout=TIMEOUT)
    expect(source.locator(".jp-MLStudio-wranglerStepError")).to_be_visible()
    screenshot(page, "wrangler-bad-source")


def test_new_flow_from_launcher(page: Page, lab: Lab) -> None:
    not_found: list[str] = []
    page.on("response", lambda r: not_found.append(r.url) if r.status == 404 else None)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    (lab.root / "untitled.flow").write_text(json.dumps({"schema_version": 1}))
    open_lab(page, lab)
    # one name for the command everywhere: launcher, File -> New, the palette
    card = page.locator(".jp-LauncherCard", has_text="Data Flow")
    expect(card).to_have_count(1)
    expect(card.locator(".jp-LauncherCard-label")).to_have_text("New Data Flow")
    page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^New$")).hover()
    expect(page.locator(".lm-Menu-itemLabel", has_text=re.compile("Data Flow$")).last).to_have_text(
        "New Data Flow"
    )
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+c")
    page.locator(".lm-CommandPalette-input").fill("data flow")
    expect(page.locator(".lm-CommandPalette-itemLabel", has_text="Data Flow").first).to_have_text(
        "New Data Flow"
    )
    page.keyboard.press("Escape")

    card.click()
    empty = page.get_by_test_id("mls-wrangler-empty")
    expect(empty).to_be_visible(timeout=TIMEOUT)
    # the next free name, found without asking for names that do not exist
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "untitled-1.flow"
    )
    assert [u for u in not_found if "/api/contents" in u] == []
    assert not [m for m in console if "404" in m], console
    assert "404 GET /api/contents" not in lab.log.read_text()

    # the Add source icon: whole, inside its button, in the label's colour
    add = empty.get_by_test_id("mls-wrangler-add-source")
    empty.get_by_test_id("mls-wrangler-source-path").fill("people.csv")
    check_add_source_icon(add)
    screenshot(page, "wrangler-new-flow")
    switch_theme(page, dark=True)
    check_add_source_icon(add)
    screenshot(page, "wrangler-new-flow-dark")
    switch_theme(page, dark=False)

    add.click()
    expect(editor(page).get_by_test_id("mls-wrangler-shape")).to_contain_text(
        f"{ROWS} rows \u00d7 4 columns", timeout=TIMEOUT
    )
    page.wait_for_timeout(500)
    assert in_view(page, "source")


def check_add_source_icon(button: Locator) -> None:
    icon = button.locator("svg")
    box, inner = button.bounding_box(), icon.bounding_box()
    assert box and inner
    assert inner["width"] >= 14 and inner["height"] >= 14, inner
    assert inner["x"] >= box["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"]
    assert inner["y"] >= box["y"] and inner["y"] + inner["height"] <= box["y"] + box["height"]
    fill = icon.locator("[fill]").first.evaluate("el => getComputedStyle(el).fill")
    assert fill == button.evaluate("el => getComputedStyle(el).color"), fill


def test_graph_keeps_new_steps_in_view(page: Page, lab: Lab) -> None:
    """A hand-written flow (no positions): new steps land beside their input, in view,
    on no other node; two steps of one transform are told apart by their columns."""
    (lab.root / "layout.flow").write_text(json.dumps(FITTABLE_FLOW))
    open_lab(page, lab)
    file_item(page, "layout.flow").dblclick()
    ed = editor(page)
    expect(ed.get_by_test_id("mls-wrangler-shape")).to_contain_text("6 columns", timeout=TIMEOUT)
    wait_idle(page)
    for column, number in (("age", 1), ("income", 2)):
        ed.locator('.jp-MLStudio-wranglerStep[data-node-id="onehot"]').click()
        form = add_step(page, "scale", "standard_scale")
        check_columns(form, column)
        form.get_by_test_id("mls-wrangler-apply").click()
        wait_idle(page)
        new = f"standard_scale_{number}"
        node = ed.locator(f'.react-flow__node[data-id="{new}"]')
        expect(node).to_be_visible()
        page.wait_for_timeout(600)  # the view animates to the new node
        assert in_view(page, new)
        assert zoom(page) >= 0.6  # framed with its neighbours, not the whole flow shrunk
        mine = node.bounding_box()
        assert mine
        for other in ed.locator(".react-flow__node").all():
            if other.get_attribute("data-id") != new:
                box = other.bounding_box()
                assert box and not overlaps(mine, box), other.get_attribute("data-id")
        # the columns tell the step apart, in the graph and in the step list
        expect(node.locator(".jp-MLStudio-wranglerNodeSummary")).to_have_text(column)
        expect(node.locator(".jp-MLStudio-wranglerNode")).to_have_attribute(
            "title", re.compile(f"^Standardize \\(z-score\\)\n{column}\n")
        )
        item = ed.locator(f'.jp-MLStudio-wranglerStep[data-node-id="{new}"]')
        expect(item.locator(".jp-MLStudio-wranglerStepDetail")).to_have_text(column)
    impute = ed.locator('.jp-MLStudio-wranglerStep[data-node-id="impute"]')
    expect(impute.locator(".jp-MLStudio-wranglerStepDetail")).to_have_text("age, income")
    screenshot_themes(page, "wrangler-graph")


def wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + 60
    # written, not just created: the server may still be writing it
    while time.monotonic() < deadline and not (path.exists() and path.stat().st_size):
        time.sleep(0.2)
    assert path.exists() and path.stat().st_size, f"{path.name} was not written"


def export(page: Page, item: str) -> None:
    ed = editor(page)
    ed.get_by_test_id("mls-wrangler-export").click()
    ed.locator(f'.jp-MLStudio-wranglerMenuItem[data-id="{item}"]').click()


def test_every_export_from_the_menu(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    file_item(page, "fit.flow").dblclick()
    expect(editor(page).get_by_test_id("mls-wrangler-shape")).to_contain_text(
        f"{ROWS} rows \u00d7 6 columns", timeout=TIMEOUT
    )
    wait_idle(page)

    export(page, "script")  # written next to the flow and opened
    wait_for_file(lab.root / "fit.py")
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "fit.py", timeout=TIMEOUT
    )
    assert "pd.get_dummies" in (lab.root / "fit.py").read_text()

    page.locator(".lm-TabBar-tab", has_text="fit.flow").first.click()
    export(page, "sklearn")
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("fit-pipeline.skops", timeout=TIMEOUT)
    dialog.locator(".jp-Dialog-button", has_text="Ok").click()
    wait_for_file(lab.root / "fit-pipeline.skops")

    export(page, "report-html")
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible(timeout=TIMEOUT)
    dialog.locator("select").select_option("label")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    wait_for_file(lab.root / "fit-insights.html")
    assert "<script" in (lab.root / "fit-insights.html").read_text()

    # PySpark: the median and the one-hot encoding have no Spark template, so the
    # export is refused with their names and writes nothing
    page.locator(".lm-TabBar-tab", has_text="fit.flow").first.click()
    export(page, "pyspark")
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Export failed", timeout=TIMEOUT)
    expect(dialog).to_contain_text("'impute' (impute_median)")
    expect(dialog).to_contain_text("'onehot' (one_hot_encode)")
    screenshot(page, "wrangler-pyspark-refused")
    dialog.locator(".jp-Dialog-button", has_text="Close").click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)
    assert not (lab.root / "fit-pyspark.py").exists()

    page.locator(".lm-TabBar-tab", has_text="fit.flow").first.click()
    export(page, "job")  # the flow on the full data, in the Jobs panel
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible(timeout=TIMEOUT)
    dialog.locator("select").select_option("csv")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    job_view = page.locator(".jp-MLStudio-jobView:visible")
    expect(job_view).to_contain_text("Completed", timeout=120_000)
    screenshot(page, "wrangler-flow-job")

    # a flow whose steps all have Spark templates exports and opens the script
    file_item(page, "spark.flow").dblclick()
    expect(editor(page).get_by_test_id("mls-wrangler-shape")).to_contain_text(
        f"{ROWS} rows", timeout=TIMEOUT
    )
    wait_idle(page)
    export(page, "pyspark")
    wait_for_file(lab.root / "spark-pyspark.py")
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "spark-pyspark.py", timeout=TIMEOUT
    )
    assert "F.mean(" in (lab.root / "spark-pyspark.py").read_text()


VISITS_CSV = """customer_id,ts,minutes,plan
1,2025-01-01T00:00:00,10.0,basic
2,2025-01-02T00:00:00,,pro
3,2025-01-03T00:00:00,30.0,pro
"""
VISITS_FLOW = {
    "schema_version": 1,
    "sources": [{"id": "visits", "kind": "csv", "path": "visits.csv"}],
    "steps": [
        {
            "id": "impute",
            "transform": "impute_median",
            "params": {"columns": ["minutes"]},
            "inputs": ["visits"],
        }
    ],
}


def test_export_to_the_feature_store(page: Page, lab: Lab) -> None:
    """Export → Feature Store…: a refusal shown in the dialog, then a new group that
    opens and is listed in the Feature Store panel."""
    (lab.root / "visits.csv").write_text(VISITS_CSV)
    (lab.root / "visits.flow").write_text(json.dumps(VISITS_FLOW))
    open_lab(page, lab)
    switch_theme(page, dark=True)  # a modal dialog blocks the theme menu
    file_item(page, "visits.flow").dblclick()
    expect(editor(page).get_by_test_id("mls-wrangler-shape")).to_contain_text(
        "3 rows \u00d7 4 columns", timeout=TIMEOUT
    )
    wait_idle(page)
    export(page, "feature-store")
    dialog = page.locator(".jp-Dialog")
    expect(dialog.get_by_test_id("mls-feature-export-name")).to_have_value("visits")
    expect(dialog.get_by_test_id("mls-feature-export-id")).to_have_value("customer_id")
    expect(dialog.get_by_test_id("mls-feature-export-event-time")).to_have_value("ts")
    # an event time that is not a time: the server's reason in the dialog
    dialog.get_by_test_id("mls-feature-export-event-time").select_option("plan")
    dialog.locator(".jp-mod-accept").click()
    error = page.locator(".jp-Dialog").get_by_test_id("mls-feature-dialog-error")
    expect(error).to_contain_text("plan", timeout=TIMEOUT)
    expect(error).not_to_contain_text("Traceback")
    screenshot(page, "wrangler-feature-export-dialog-dark")
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".jp-mod-reject").click()
    switch_theme(page, dark=False)
    export(page, "feature-store")
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_test_id("mls-feature-export-event-time").select_option("ts")
    dialog.get_by_test_id("mls-feature-export-description").fill("Visits, imputed")
    screenshot(page, "wrangler-feature-export-dialog")
    dialog.locator(".jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0, timeout=TIMEOUT)
    view = page.locator('[data-testid="mls-feature-group-view"]:visible')
    expect(view.get_by_test_id("mls-feature-group-name")).to_have_text("visits", timeout=TIMEOUT)
    sidebar = show_left(page, "mlstudio-features", ".jp-MLStudio-featuresSidebar")
    sidebar.get_by_test_id("mls-refresh-feature-groups").click()
    expect(
        sidebar.locator('[data-testid="mls-feature-group-item"][data-name="visits"]')
    ).to_be_visible()
    assert lab.api("GET", "feature-groups/visits/records/2")["record"]["minutes"] == 20.0


def test_mls_wrangle_opens_a_flow_from_a_notebook(page: Page, lab: Lab) -> None:
    cells = [
        "import pandas as pd\nsales = pd.DataFrame({'region': ['n', 's', None], "
        "'amount': [1.5, 2.0, 3.25]})",
        "%load_ext jupyter_mlstudio",
        "%mls wrangle sales",
    ]
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "outputs": [],
                "execution_count": None,
            }
            for c in cells
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.root / "wrangle.ipynb").write_text(json.dumps(notebook))
    shut_down_kernels(lab)
    open_lab(page, lab)
    file_item(page, "wrangle.ipynb").dblclick()
    expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=TIMEOUT)
    wait_kernel_idle(lab)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    # the output opens the new flow in the Data Wrangler by itself
    expect(editor(page).get_by_test_id("mls-wrangler-shape")).to_contain_text(
        "3 rows \u00d7 2 columns", timeout=TIMEOUT
    )
    assert (lab.root / "sales.flow").exists()
    assert (lab.root / "wrangle-data" / "sales.parquet").exists()
    screenshot(page, "wrangler-from-notebook")
