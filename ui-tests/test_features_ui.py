"""Feature Store: the catalog sidebar, a group created from a CSV through the dialog (a
server refusal shown in the dialog), the group view with features and statistics, a
second file ingested (the view follows the server's event), an online lookup (a record
and "not found"), and Delete with its confirmation."""

from __future__ import annotations

import re

import pages
from conftest import Lab
from pages import mlstudio_errors, open_lab, show_left, visible_view
from playwright.sync_api import Page, expect

FIRST = """customer_id,ts,age,score,city,vip
1,2024-01-01T00:00:00,34,0.5,Paris,true
2,2024-01-02T00:00:00,,0.75,Lyon,false
3,2024-01-03T00:00:00,51,0.25,Nice,true
"""
SECOND = """customer_id,ts,age,score,city,vip
4,2024-02-01T00:00:00,29,0.125,Lille,false
1,2024-02-02T00:00:00,35,0.5,Paris,true
"""
ORDERS = {
    "name": "orders",
    "record_identifier": "customer_id",
    "event_time_feature": "ts",
    "features": [
        {"name": "customer_id", "type": "integral"},
        {"name": "ts", "type": "timestamp"},
        {"name": "total", "type": "fractional"},
    ],
}
ORDERS_CSV = """customer_id,ts,total
1,2024-01-10T00:00:00,12.5
1,2024-01-20T00:00:00,99.0
4,2024-02-15T00:00:00,7.25
"""
ENTITIES = """customer_id,ts
1,2024-01-15T00:00:00
4,2024-03-01T00:00:00
"""
DIALOG = ".jp-Dialog"


def test_create_ingest_look_up_delete(page: Page, lab: Lab, console_errors: list[str]) -> None:
    (lab.root / "customers.csv").write_text(FIRST)
    (lab.root / "customers_more.csv").write_text(SECOND)
    open_lab(page, lab)
    sidebar = show_left(page, "mlstudio-features", ".jp-MLStudio-featuresSidebar")
    expect(sidebar.get_by_test_id("mls-features-empty")).to_be_visible()
    # The dialog is shot in the dark theme (a modal dialog blocks the theme menu).
    pages.switch_theme(page, dark=True)

    # Create from the file: columns read by the server, types inferred from its lines.
    # (from the file browser's context menu: the dialog reads the file at once; the
    # sidebar's From file opens the same dialog empty)
    expect(sidebar.get_by_test_id("mls-new-feature-group")).to_be_enabled()
    show_left(page, "filebrowser", "#filebrowser")
    csv = page.locator(
        "#filebrowser .jp-DirListing-item",
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(r"^customers\.csv$")),
    )
    csv.click(button="right")
    page.locator(".lm-Menu-item", has_text="New Feature Group from File").click()
    dialog = page.locator(DIALOG)
    types = dialog.get_by_test_id("mls-feature-create-types")
    expect(types.locator('[data-feature="age"] select')).to_have_value("integral")
    expect(types.locator('[data-feature="score"] select')).to_have_value("fractional")
    expect(types.locator('[data-feature="vip"] select')).to_have_value("boolean")
    expect(dialog.get_by_test_id("mls-feature-create-id")).to_have_value("customer_id")
    expect(dialog.get_by_test_id("mls-feature-create-event-time")).to_have_value("ts")
    # A name the server refuses: its message in the dialog, what was typed kept.
    dialog.get_by_test_id("mls-feature-create-name").fill("bad name!")
    dialog.locator(".jp-mod-accept").click()
    error = page.locator(DIALOG).get_by_test_id("mls-feature-dialog-error")
    expect(error).to_contain_text("name")
    expect(error).not_to_contain_text("Traceback")
    dialog = page.locator(DIALOG)
    expect(dialog.get_by_test_id("mls-feature-create-path")).to_have_value("customers.csv")
    pages.screenshot(page, "feature-create-dialog-dark")
    dialog.get_by_test_id("mls-feature-create-name").fill("customers")
    dialog.get_by_test_id("mls-feature-create-description").fill("Customer profile")
    dialog.locator(".jp-mod-accept").click()
    expect(page.locator(DIALOG)).to_have_count(0)
    pages.switch_theme(page, dark=False)
    show_left(page, "mlstudio-features", ".jp-MLStudio-featuresSidebar")

    view = visible_view(page, "mls-feature-group-view")
    expect(view.get_by_test_id("mls-feature-group-name")).to_have_text("customers")
    expect(view.get_by_test_id("mls-feature-group-description")).to_have_text("Customer profile")
    table = view.get_by_test_id("mls-feature-table")
    age = table.locator('[data-feature="age"]')
    expect(age.locator('[data-stat="missing"]')).to_have_text("33%")
    expect(age.locator('[data-stat="min"]')).to_have_text("34")
    expect(age.locator('[data-stat="max"]')).to_have_text("51")
    expect(table.locator('[data-feature="score"] [data-stat="mean"]')).to_have_text("0.5")
    # A feature's description, edited in place.
    age.get_by_test_id("mls-feature-description").click()
    age.get_by_test_id("mls-feature-description-input").fill("Age in years")
    age.get_by_test_id("mls-feature-description-input").press("Enter")
    expect(age.get_by_test_id("mls-feature-description")).to_have_text("Age in years")
    described = lab.api("GET", "feature-groups/customers")["features"]
    assert {f["name"]: f["description"] for f in described}["age"] == "Age in years"
    facts = view.get_by_test_id("mls-feature-facts")
    expect(facts.locator('[data-key="Records"] dd')).to_have_text("3")
    expect(view.get_by_test_id("mls-feature-rows").locator("tbody tr")).to_have_count(3)
    item = sidebar.locator('[data-testid="mls-feature-group-item"][data-name="customers"]')
    expect(item.get_by_test_id("mls-feature-group-records")).to_contain_text("3 records")

    # Ingest a second file: the view and the sidebar follow the server's event.
    view.get_by_test_id("mls-ingest-feature-group").click()
    page.locator(DIALOG).get_by_test_id("mls-feature-ingest-path").fill("customers_more.csv")
    page.locator(DIALOG).locator(".jp-mod-accept").click()
    expect(facts.locator('[data-key="Records"] dd')).to_have_text("5")
    history = view.get_by_test_id("mls-feature-ingestions").locator("tbody tr")
    expect(history).to_have_count(2)
    expect(history.first.locator("td").nth(3)).to_have_text("customers_more.csv")
    expect(item.get_by_test_id("mls-feature-group-records")).to_contain_text("5 records")

    # Online lookup: the latest record by event time, and an unknown id.
    view.get_by_test_id("mls-feature-lookup-id").fill("1")
    view.get_by_test_id("mls-feature-lookup").click()
    record = view.get_by_test_id("mls-feature-lookup-record")
    expect(record.locator('[data-key="age"] td')).to_have_text("35")
    view.get_by_test_id("mls-feature-lookup-id").fill("99")
    view.get_by_test_id("mls-feature-lookup").click()
    expect(view.get_by_test_id("mls-feature-lookup-missing")).to_be_visible()
    view.get_by_test_id("mls-feature-lookup-id").fill("4")
    view.get_by_test_id("mls-feature-lookup").click()
    expect(record.locator('[data-key="city"] td')).to_have_text("Lille")
    pages.screenshot_themes(page, "feature-group-view")

    # Search filters the catalog.
    sidebar.get_by_test_id("mls-feature-search").fill("nothing-like-this")
    expect(sidebar.get_by_test_id("mls-features-empty")).to_be_visible()
    sidebar.get_by_test_id("mls-feature-search").fill("profile")
    expect(item).to_be_visible()

    # A training set from two groups: a whole group and one feature of another.
    lab.api("POST", "feature-groups", ORDERS)
    (lab.root / "orders.csv").write_text(ORDERS_CSV)
    lab.api("POST", "feature-groups/orders/ingest", {"path": "orders.csv"})
    (lab.root / "entities.csv").write_text(ENTITIES)
    sidebar.get_by_test_id("mls-new-feature-dataset").click()
    builder = visible_view(page, "mls-feature-dataset-view")
    builder.get_by_test_id("mls-dataset-entity-path").fill("entities.csv")
    builder.get_by_test_id("mls-dataset-read-entity").click()
    expect(builder.get_by_test_id("mls-dataset-event-time")).to_have_value("ts")
    builder.locator('[data-group="customers"] [data-testid="mls-dataset-group"]').check()
    builder.locator('[data-group="orders"] [data-feature="total"] input').check()
    builder.get_by_test_id("mls-dataset-preview").click()
    expect(builder.get_by_test_id("mls-dataset-summary")).to_contain_text("2 rows")
    expect(builder.get_by_test_id("mls-dataset-sql")).to_contain_text("orders")
    preview = builder.get_by_test_id("mls-dataset-preview-table")
    expect(preview).to_contain_text("Lille")  # customer 4 as of March
    expect(preview).to_contain_text("12.5")  # customer 1's order before January 15
    builder.get_by_test_id("mls-dataset-output").fill("train.csv")
    builder.get_by_test_id("mls-dataset-write").click()
    expect(builder.get_by_test_id("mls-dataset-written")).to_have_text("train.csv")
    assert (lab.root / "train.csv").exists()
    pages.screenshot_themes(page, "feature-dataset-builder")

    # A new version: the view follows it; the picker shows the old one again.
    page.locator(".lm-TabBar-tab", has_text="Feature group: customers").click()
    current = lab.api("GET", "feature-groups/customers")
    lab.api(
        "POST",
        "feature-groups",
        {
            "name": "customers",
            "new_version": True,
            "record_identifier": "customer_id",
            "event_time_feature": "ts",
            "features": [f for f in current["features"] if f["name"] != "vip"],
        },
    )
    expect(view.get_by_test_id("mls-feature-group-version")).to_have_text("v2")
    expect(facts.locator('[data-key="Records"] dd')).to_have_text("0")
    view.get_by_test_id("mls-feature-version-picker").select_option("1")
    expect(view.get_by_test_id("mls-feature-group-version")).to_have_text("v1")
    expect(facts.locator('[data-key="Records"] dd')).to_have_text("5")

    # Delete every version, after a confirmation.
    view.get_by_test_id("mls-delete-feature-group").click()
    page.locator(DIALOG).locator(".jp-mod-warn", has_text="Delete all 2 versions").click()
    expect(view.get_by_test_id("mls-feature-group-deleted")).to_be_visible()
    expect(item).to_have_count(0)
    names = [g["name"] for g in lab.api("GET", "feature-groups")["items"]]
    assert names == ["orders"]
    assert mlstudio_errors(console_errors) == []
