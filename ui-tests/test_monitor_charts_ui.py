"""Model Monitor charts and constraint editor in the browser. A table monitor is seeded
over REST with two real executions (the reference distribution, then income shifted and
a new plan); the user opens the monitor from the Monitors sidebar and the second
execution from its timeline, reads drift over time and the
histograms, then edits constraints: a bad value is refused inline with nothing written,
a good edit saves version 2 of constraints.json, reset brings the suggested file back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot_themes, show_left, visible_view
from playwright.sync_api import Page, expect

TERMINAL = ("Completed", "CompletedWithViolations", "NoData", "Failed")
FEATURE = '[data-testid="mls-monitor-drift-feature"]'


def _table(seed: int, shifted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "plus", "premium"], 600, p=[0.5, 0.3, 0.2]).astype(object)
    if shifted:
        plan[rng.random(600) < 0.25] = "enterprise"
    return pd.DataFrame(
        {
            "income": rng.normal(50_000 + (15_000 if shifted else 0), 15_000, 600),
            "age": rng.integers(18, 80, 600),
            "plan": plan,
        }
    )


def _run(lab: Lab, monitor: str) -> dict[str, Any]:
    execution = lab.api("POST", f"monitors/{monitor}/run", {})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        items = lab.api("GET", f"monitors/{monitor}/executions")["items"]
        if items[0]["id"] == execution["id"] and items[0]["status"] in TERMINAL:
            return items[0]  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError("the execution did not end")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own: the model-quality test trains, registers and deploys, which
    later modules sharing the session's server must not see (they start from an empty
    store)."""
    server, proc = start_lab(tmp_path_factory.mktemp("monitor-charts-lab"), "monitor")
    try:
        yield server
    finally:
        stop_lab(proc)


@pytest.fixture(scope="module")
def seeded(lab: Lab) -> tuple[str, str, Path]:
    """A monitor of a table with two executions; returns the second's id and the
    baseline folder."""
    from jupyter_mlstudio.monitor import suggest_baseline

    folder = lab.root / "monitor-charts"
    suggest_baseline(_table(1)).save(folder / "baseline")
    _table(2).to_csv(folder / "scored.csv", index=False)
    created = lab.api(
        "POST",
        "monitors",
        {
            "name": "charts-demo",
            "data": "monitor-charts/scored.csv",
            "baseline": "monitor-charts/baseline",
        },
    )
    first = _run(lab, "charts-demo")
    assert first["status"] == "Completed", first
    _table(3, shifted=True).to_csv(folder / "scored.csv", index=False)
    second = _run(lab, "charts-demo")
    assert second["status"] == "CompletedWithViolations", second
    return created["id"], second["id"], folder / "baseline"


def _open_charts(page: Page, monitor_id: str, execution_id: str) -> None:
    """Open the monitor from the Monitors sidebar and pick the execution in its timeline."""
    panel = show_left(page, "mlstudio-monitors", ".jp-MLStudio-monitorsSidebar")
    panel.locator(f'[data-testid="mls-monitor-item"][data-monitor-id="{monitor_id}"]').click()
    view = visible_view(page, "mls-monitor-view")
    view.locator(
        f'[data-testid="mls-monitor-execution"][data-execution-id="{execution_id}"]'
    ).click()
    expect(
        view.locator(f'[data-testid="mls-monitor-execution"][data-execution-id="{execution_id}"]')
    ).to_have_attribute("aria-pressed", "true")


def test_charts_and_constraint_editor(
    page: Page, lab: Lab, seeded: tuple[str, str, Path], console_errors: list[str]
) -> None:
    monitor_id, execution_id, baseline = seeded
    suggested = (baseline / "constraints.json").read_text()
    open_lab(page, lab)
    _open_charts(page, monitor_id, execution_id)
    view = visible_view(page, "mls-monitor-view")

    # features most drifted first: income (mean shift) and plan (a new category)
    charts = view.locator('[data-testid="mls-monitor-charts"]')
    expect(charts.locator(FEATURE)).to_have_count(3)
    drifted = charts.locator(f'{FEATURE}[data-drifted="true"]')
    expect(drifted).to_have_count(2)
    assert {drifted.nth(i).get_attribute("data-feature") for i in range(2)} == {"income", "plan"}
    assert charts.locator(FEATURE).last.get_attribute("data-feature") == "age"
    # drift over time: a point per execution; the threshold and this execution drawn too
    drift = charts.locator('[data-testid="mls-monitor-drift-chart"] .js-plotly-plot')
    expect(drift.locator(".scatterlayer .trace")).to_have_count(3)
    expect(drift.locator(".scatterlayer .trace").first.locator(".point")).to_have_count(2)
    expect(drift.locator(".legendtext", has_text="Threshold")).to_have_count(1)
    histogram = charts.locator('[data-testid="mls-monitor-histogram"] .js-plotly-plot')
    expect(histogram.locator(".barlayer .trace")).to_have_count(2)  # baseline and current
    # income: a bar per bin of the baseline's range (10), labelled by its bounds
    ticks = histogram.locator(".xtick text")
    expect(ticks.first).to_have_text("-3230\u20137720")  # an en dash
    assert 10 <= ticks.count() <= 12  # the current values below or above it: a bar each
    charts.scroll_into_view_if_needed()
    screenshot_themes(page, "monitor-charts-numeric")
    # the categorical feature: a bar per category, the new one included
    charts.locator(f'{FEATURE}[data-feature="plan"] button').click()
    expect(charts.locator(f'{FEATURE}[data-feature="plan"]')).to_have_attribute(
        "aria-selected", "true"
    )
    expect(histogram.locator(".xtick text", has_text="enterprise")).to_have_count(1)
    expect(charts.locator('[data-testid="mls-monitor-drift-chart"] h3')).to_have_text(
        "Drift of plan over time"
    )
    charts.scroll_into_view_if_needed()
    screenshot_themes(page, "monitor-charts")

    # the constraint editor: a bad value is refused inline and nothing is written
    editor = view.locator('[data-testid="mls-constraints"]')
    expect(editor.locator('[data-testid="mls-constraints-version"]')).to_have_text(
        "Suggested constraints (never edited)"
    )
    income = editor.locator('[data-testid="mls-constraint-row"][data-feature="income"]')
    income.locator('[data-testid="mls-constraint-completeness"]').fill("1.5")
    save = editor.locator('[data-testid="mls-constraints-save"]')
    expect(save).to_have_text("Save (1 changed)")
    save.click()
    error = editor.locator('[data-testid="mls-constraints-error"]')
    expect(error).to_contain_text("income: completeness is between 0 and 1")
    assert (baseline / "constraints.json").read_text() == suggested
    assert not (baseline / "constraints-versions").exists()
    save.scroll_into_view_if_needed()
    screenshot_themes(page, "monitor-constraints-error")

    # a good edit: a new version the next execution uses
    income.locator('[data-testid="mls-constraint-completeness"]').fill("0.9")
    plan = editor.locator('[data-testid="mls-constraint-row"][data-feature="plan"]')
    plan.locator('[data-testid="mls-constraint-domains"]').fill("basic, plus, premium, enterprise")
    plan.locator('[data-testid="mls-constraint-method"]').select_option("psi")
    plan.locator('[data-testid="mls-constraint-threshold"]').fill("0.5")
    expect(save).to_have_text("Save (2 changed)")
    save.click()
    expect(editor.locator('[data-testid="mls-constraints-notice"]')).to_contain_text(
        "Saved as version 2"
    )
    expect(error).to_have_count(0)
    expect(editor.locator('[data-testid="mls-constraints-version"]')).to_have_text(
        "Version 2 · edited"
    )
    saved = json.loads((baseline / "constraints.json").read_text())
    by_name = {f["name"]: f for f in saved["features"]}
    assert by_name["income"]["completeness"] == 0.9
    assert by_name["plan"]["string_constraints"]["domains"] == [
        "basic",
        "plus",
        "premium",
        "enterprise",
    ]
    assert by_name["plan"]["monitoringConfigOverrides"] == {
        "comparison_method": "psi",
        "comparison_threshold": 0.5,
    }
    assert (baseline / "constraints-versions" / "constraints.1.json").read_text() == suggested
    save.scroll_into_view_if_needed()
    screenshot_themes(page, "monitor-constraints-saved")

    editor.locator('[data-testid="mls-constraints-reset"]').click()
    expect(editor.locator('[data-testid="mls-constraints-version"]')).to_have_text(
        "Version 3 · as suggested"
    )
    expect(plan.locator('[data-testid="mls-constraint-method"]')).to_have_value("")
    assert (baseline / "constraints.json").read_text() == suggested
    assert mlstudio_errors(console_errors) == []


def test_model_quality_chart(page: Page, lab: Lab, console_errors: list[str]) -> None:
    """A model-quality monitor of a real endpoint with capture: labels for a first batch
    (a third of them contradicting the model), an execution; labels for a second batch
    (all agreeing), another: realized quality rises in the chart; the constraint editor
    says such a monitor has metric thresholds, not per-feature constraints."""
    from datetime import datetime, timedelta, timezone

    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls
    from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, "iris-quality", input_example=X)
    capture = str(lab.home / "artifacts" / "endpoints" / "iris-quality" / "data-capture")
    endpoint = mls.deploy("iris-quality", version=1, capture=True, timeout=120)
    try:
        monitor = lab.api("POST", "monitors", {"endpoint": "iris-quality", "kind": "model-quality"})
        start = datetime.now(timezone.utc) - timedelta(seconds=1)
        seen = 0
        for batch, wrong_every in ((X.iloc[:75], 3), (X.iloc[75:], 0)):
            endpoint.predict(batch)
            seen += len(batch)
            deadline = time.monotonic() + 30
            while True:
                window = read_window(capture, start, datetime.now(timezone.utc) + timedelta(1))
                if isinstance(window, CapturedWindow) and window.rows == seen:
                    break
                assert time.monotonic() < deadline, window
                time.sleep(0.2)
            meta = window.meta.tail(len(batch))
            labels = model.predict(batch)
            if wrong_every:
                labels[::wrong_every] = (labels[::wrong_every] + 1) % 3
            name = f"labels-{seen}.csv"
            pd.DataFrame(
                {
                    "inference_id": meta["inference_id"].to_numpy(),
                    "inference_row": meta["inference_row"].to_numpy(),
                    "label": labels,
                }
            ).to_csv(lab.root / name, index=False)
            lab.api("POST", f"monitors/{monitor['name']}/ground-truth", {"path": name})
            ended = _run(lab, monitor["name"])
            assert ended["status"] in ("Completed", "CompletedWithViolations"), ended

        open_lab(page, lab)
        _open_charts(page, monitor["id"], ended["id"])
        view = visible_view(page, "mls-monitor-view")
        chart = view.locator('[data-testid="mls-monitor-quality-chart"] .js-plotly-plot')
        accuracy = chart.locator(".scatterlayer .trace").first
        expect(accuracy.locator(".point")).to_have_count(2)
        expect(chart.locator(".legendtext", has_text="Accuracy (realized)")).to_have_count(1)
        rows = view.locator('[data-testid="mls-monitor-quality-row"]')
        expect(rows.first).to_have_attribute("data-metric", "accuracy")
        realized = float(rows.first.locator("td").nth(1).inner_text())
        assert 0.8 < realized < 0.95  # 25 of 150 labels contradict the model
        expect(view.locator('[data-testid="mls-constraints-load-error"]')).to_contain_text(
            "metric thresholds"
        )
        screenshot_themes(page, "monitor-quality-chart")
        assert mlstudio_errors(console_errors) == []
    finally:
        endpoint.delete()
        studio.close()
