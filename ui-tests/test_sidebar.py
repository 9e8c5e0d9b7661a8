"""ML Studio sidebar: create, list, rename, describe and delete experiments by clicking."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot
from playwright.sync_api import Page, expect


def open_sidebar(page: Page) -> None:
    page.locator('.jp-SideBar [data-id="mlstudio-sidebar"]').click()
    expect(page.locator(".jp-MLStudio-sidebar")).to_be_visible()


def fill_dialog(page: Page, accept: str, name: str, description: str | None = None) -> None:
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible()
    dialog.locator('input[name="name"]').fill(name)
    if description is not None:
        dialog.locator('textarea[name="description"]').fill(description)
    dialog.get_by_role("button", name=accept).click()
    expect(dialog).to_be_hidden()


def item(page: Page, name: str):
    return page.locator(
        '[data-testid="mls-experiment-item"]', has_text=re.compile(f"^{re.escape(name)}")
    )


def test_experiment_lifecycle(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)
    open_sidebar(page)
    expect(page.locator('[data-testid="mls-empty"]')).to_be_visible()

    # create
    page.locator('[data-testid="mls-create-experiment"]').click()
    fill_dialog(page, "Create", "churn-model", "Predict which customers leave")
    expect(item(page, "churn-model")).to_have_count(1)
    assert [e["name"] for e in lab.api("GET", "experiments")["items"]] == ["churn-model"]

    # a duplicate shows the server's message and changes nothing
    page.locator('[data-testid="mls-create-experiment"]').click()
    fill_dialog(page, "Create", "churn-model")
    expect(page.locator('[data-testid="mls-error"]')).to_contain_text("already exists")
    assert len(lab.api("GET", "experiments")["items"]) == 1

    # details
    item(page, "churn-model").click()
    details = page.locator('[data-testid="mls-experiment-details"]')
    expect(details).to_contain_text("Predict which customers leave")
    screenshot(page, "sidebar-light")

    # rename
    page.locator('[data-testid="mls-rename-experiment"]').click()
    fill_dialog(page, "Rename", "churn-v2")
    expect(item(page, "churn-v2")).to_have_count(1)
    expect(item(page, "churn-model")).to_have_count(0)
    assert [e["name"] for e in lab.api("GET", "experiments")["items"]] == ["churn-v2"]

    # delete, confirmed
    page.locator('[data-testid="mls-delete-experiment"]').click()
    page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
    expect(item(page, "churn-v2")).to_have_count(0)
    expect(page.locator('[data-testid="mls-empty"]')).to_be_visible()
    assert lab.api("GET", "experiments")["items"] == []
    assert not mlstudio_errors(console_errors), console_errors


def test_sdk_writes_show_up_and_dark_theme(page: Page, lab: Lab) -> None:
    """Experiments created outside the UI (SDK, REST) appear on refresh; dark theme renders."""
    lab.api(
        "POST",
        "experiments",
        {"name": "from-sdk", "description": "made elsewhere", "tags": {"team": "growth"}},
    )
    open_lab(page, lab)
    page.locator("#jp-MainMenu").get_by_text("Settings", exact=True).click()
    page.get_by_text("Theme", exact=True).hover()
    page.get_by_text("JupyterLab Dark", exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    open_sidebar(page)
    page.locator('[data-testid="mls-refresh-experiments"]').click()
    item(page, "from-sdk").click()
    expect(page.locator('[data-testid="mls-experiment-details"]')).to_contain_text("growth")
    screenshot(page, "sidebar-dark")


def test_palette_and_launcher_commands(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    expect(page.locator(".jp-Launcher")).to_be_visible()
    card = page.locator(
        '.jp-LauncherCard[title="New Experiment"], .jp-LauncherCard:has-text("New Experiment")'
    ).first
    card.click()
    fill_dialog(page, "Create", "from-launcher")
    expect(page.locator(".jp-MLStudio-sidebar")).to_be_visible()
    expect(item(page, "from-launcher")).to_have_count(1)
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("Refresh Experiments")
    expect(page.locator(".lm-CommandPalette-item", has_text="Refresh Experiments")).to_be_visible()
    page.keyboard.press("Escape")
    screenshot(page, "launcher")


def test_missing_server_extension_is_explained(page: Page, tmp_path: Path) -> None:
    lab, proc = start_lab(
        tmp_path, "noext", ("--ServerApp.jpserver_extensions={'jupyter_mlstudio': False}",)
    )
    try:
        open_lab(page, lab)
        open_sidebar(page)
        expect(page.locator('[data-testid="mls-server-missing"]')).to_contain_text(
            "server extension"
        )
        screenshot(page, "server-missing")
    finally:
        stop_lab(proc)
