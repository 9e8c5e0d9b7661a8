"""Compare runs: the parallel-coordinates axes label values, not float noise.

A metric that is the same up to rounding in every run (0.3, 0.30000001…) used to get
plotly's own ticks over its tiny range ("0.3000000", "0.3000001"…); a varying one
gets round steps. Runs are logged with the SDK into the server's store.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import open_lab, screenshot_themes
from playwright.sync_api import Page, expect

HEADER_HEIGHT = 2 * 22  # the runs grid's two header rows and its rows (as test_runs_ui)
ROW_HEIGHT = 24
LOG_RUNS = textwrap.dedent(
    """\
    import jupyter_mlstudio as mls
    for i, (lr, loss) in enumerate([(0.01, 0.91), (0.1, 0.47), (0.3, 0.12)]):
        with mls.start_run("ui-ticks", name=f"run-{i}") as run:
            run.log_params({"lr": lr})
            run.log_metric("acc", 0.3 + i * 1e-8)  # equal but for float noise
            run.log_metric("loss", loss)
    """
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server, proc = start_lab(tmp_path_factory.mktemp("ticks-lab"), "ticks")
    env = {**os.environ, "MLSTUDIO_HOME": str(server.home)}
    env.pop("MLSTUDIO_STORE_URI", None)
    subprocess.run([sys.executable, "-c", LOG_RUNS], env=env, check=True, timeout=120)
    yield server
    stop_lab(proc)


def axis_ticks(page: Page) -> dict[str, list[str]]:
    """Tick labels of each parcoords axis, by axis title."""
    axes: dict[str, list[str]] = page.locator(
        '[data-testid="mls-compare-parallel"]:visible'
    ).evaluate(
        """el => Object.fromEntries([...el.querySelectorAll('.y-axis')].map(axis => [
            axis.querySelector('.axis-title').textContent,
            [...axis.querySelectorAll('.tick text')].map(t => t.textContent)]))"""
    )
    return axes


def test_parallel_axes_label_values(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    page.locator('.jp-SideBar [data-id="mlstudio-sidebar"]').click()
    page.locator('[data-testid="mls-refresh-experiments"]').click()
    page.locator('[data-testid="mls-experiment-item"]', has_text="ui-ticks").click()
    page.locator('[data-testid="mls-open-experiment"]').click()
    panel = page.locator(".jp-MLStudio-experimentPanel:visible")
    expect(panel).to_have_attribute("data-mls-ready-at", re.compile(r"\d"), timeout=30_000)
    box = panel.locator('[data-testid="mls-runs-grid"] .lm-DataGrid-viewport').bounding_box()
    assert box
    for row in range(3):
        y = box["y"] + HEADER_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT / 2
        page.keyboard.down("Control")
        page.mouse.click(box["x"] + 120, y)
        page.keyboard.up("Control")
    compare = panel.locator('[data-testid="mls-compare-runs"]')
    expect(compare).to_have_text("Compare (3)")
    compare.click()
    parallel = page.locator('[data-testid="mls-compare-parallel"]:visible')
    expect(parallel.locator(".parcoords")).to_have_count(1, timeout=30_000)
    expect(parallel.locator(".y-axis")).to_have_count(3, timeout=30_000)
    page.wait_for_timeout(500)
    ticks = axis_ticks(page)
    # the near-constant metric: one tick, its value
    assert ticks["acc"] == ["0.3"], ticks
    # varying ones: round steps, short labels
    for name in ("lr", "loss"):
        assert len(ticks[name]) >= 3, ticks
        for text in ticks[name]:
            assert re.fullmatch(r"-?\d+(\.\d{1,2})?", text), ticks
    assert ticks["loss"] == ["0.2", "0.4", "0.6", "0.8"], ticks
    parallel.scroll_into_view_if_needed()
    screenshot_themes(page, "compare-parallel")
