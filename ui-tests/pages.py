"""Page objects for the browser tests: opening JupyterLab, its side panels and
theme, screenshots, and the ML Studio views. Test files use these instead of
their own copies, so a change to the shell (a selector, a menu) is made once.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from conftest import Lab

ARTIFACTS = Path(__file__).parent / "artifacts"


def open_lab(page: Page, lab: Lab, query: str = "") -> None:
    """Open JupyterLab with a fresh layout and wait for the shell."""
    page.goto(f"{lab.url}lab?reset&token={lab.token}{query}")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)
    page.wait_for_selector(".jp-LabShell", timeout=30_000)


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot to ui-tests/artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def switch_theme(page: Page, dark: bool) -> None:
    """Switch the JupyterLab theme through the Settings menu and wait until it applies."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    label = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{label}$")).click()
    expect(page.locator("body")).to_have_attribute(
        "data-jp-theme-light", "false" if dark else "true", timeout=15_000
    )
    # Charts and grids redraw in the new colours after the theme's CSS loads.
    page.wait_for_timeout(800)


def show_left(page: Page, tab_id: str, panel: str) -> Locator:
    """Show a left sidebar panel (clicking the tab of an open panel would close it)."""
    widget = page.locator(panel)
    if not widget.is_visible():
        page.locator(f'.jp-SideBar [data-id="{tab_id}"]').click()
    expect(widget).to_be_visible()
    return widget


def visible_view(page: Page, testid: str) -> Locator:
    """The visible main-area view with this test id (`mls-job-view`, `mls-run-view`, ...)."""
    view = page.locator(f'[data-testid="{testid}"]:visible')
    expect(view).to_have_count(1)
    return view


def mlstudio_errors(console_errors: list[str]) -> list[str]:
    """The console errors that come from this extension."""
    return [e for e in console_errors if "mlstudio" in e.lower()]


def screenshot_themes(page: Page, name: str) -> None:
    """Save `<name>.png` in the light theme and `<name>-dark.png` in the dark one,
    and leave the page light again (switch_theme checks each switch applied)."""
    screenshot(page, name)
    switch_theme(page, dark=True)
    screenshot(page, f"{name}-dark")
    switch_theme(page, dark=False)


def kill_endpoint_processes(lab: Lab) -> None:
    """Teardown of a module's own lab: SIGKILL every endpoint process group its studio
    recorded, so no serving process outlives the test module."""
    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    try:
        for endpoint in studio.endpoints.store.all():
            if endpoint.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(endpoint.pid, signal.SIGKILL)
    finally:
        studio.close()
