"""Feature Store jobs and dataset switches in the browser: a file ingested "as a job"
from the group view (the toast's Open job shows the job, the view follows when it
ends), and the dataset builder with an event-time range and the duplicates switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot_themes, show_left, visible_view
from playwright.sync_api import Page, expect

GROUP = {
    "name": "customers",
    "record_identifier": "customer_id",
    "event_time_feature": "ts",
    "features": [
        {"name": "customer_id", "type": "integral"},
        {"name": "ts", "type": "timestamp"},
        {"name": "age", "type": "integral"},
    ],
}
BIG = "customer_id,ts,age\n" + "".join(
    f"{i},2024-01-0{1 + i % 3}T00:00:00,{20 + i % 50}\n" for i in range(1, 301)
)
EARLY = "customer_id,ts,age\n1,2024-01-01T00:00:00,30\n"
LATE = "customer_id,ts,age\n1,2024-02-01T00:00:00,31\n"
ENTITIES = "customer_id,ts\n1,2024-03-01T00:00:00\n"
DIALOG = ".jp-Dialog"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own: jobs and groups here must not leak into other modules."""
    server, proc = start_lab(tmp_path_factory.mktemp("feature-jobs-lab"), "featurejobs")
    try:
        yield server
    finally:
        stop_lab(proc)


def test_ingest_as_a_job_then_a_ranged_dataset(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    lab.api("POST", "feature-groups", GROUP)
    (lab.root / "big.csv").write_text(BIG)
    open_lab(page, lab)
    sidebar = show_left(page, "mlstudio-features", ".jp-MLStudio-featuresSidebar")
    sidebar.locator('[data-testid="mls-feature-group-item"][data-name="customers"]').click()
    view = visible_view(page, "mls-feature-group-view")

    # Ingest as a job: the toast links to the job, which completes; the view follows.
    view.get_by_test_id("mls-ingest-feature-group").click()
    dialog = page.locator(DIALOG)
    dialog.get_by_test_id("mls-feature-ingest-path").fill("big.csv")
    dialog.get_by_test_id("mls-feature-ingest-as-job").check()
    dialog.locator(".jp-mod-accept").click()
    toast = page.locator(".Toastify__toast", has_text="Ingesting into customers")
    expect(toast).to_have_count(1, timeout=30_000)
    toast.get_by_role("button", name="Open job").click()
    job = visible_view(page, "mls-job-view")
    expect(job.locator('[data-testid="mls-job-status"]')).to_have_text("Completed", timeout=120_000)
    history = lab.api("GET", "feature-groups/customers/ingestions")["items"]
    assert [h["rows"] for h in history] == [300]
    assert history[0]["source"].startswith("job:")
    page.locator(".lm-TabBar-tab", has_text="customers").first.click()
    facts = view.get_by_test_id("mls-feature-facts")
    expect(facts.locator('[data-key="Records"] dd')).to_have_text("300", timeout=30_000)

    # The dataset builder: a record after the range's end is not used.
    lab.api("POST", "feature-groups", {**GROUP, "name": "profiles"})
    (lab.root / "early.csv").write_text(EARLY)
    (lab.root / "late.csv").write_text(LATE)
    (lab.root / "entities.csv").write_text(ENTITIES)
    lab.api("POST", "feature-groups/profiles/ingest", {"path": "early.csv"})
    lab.api("POST", "feature-groups/profiles/ingest", {"path": "late.csv"})
    sidebar = show_left(page, "mlstudio-features", ".jp-MLStudio-featuresSidebar")
    sidebar.get_by_test_id("mls-new-feature-dataset").click()
    builder = visible_view(page, "mls-feature-dataset-view")
    builder.get_by_test_id("mls-dataset-entity-path").fill("entities.csv")
    builder.get_by_test_id("mls-dataset-read-entity").click()
    expect(builder.get_by_test_id("mls-dataset-event-time")).to_have_value("ts")
    builder.locator('[data-group="profiles"] [data-testid="mls-dataset-group"]').check()
    builder.get_by_test_id("mls-dataset-preview").click()
    preview = builder.get_by_test_id("mls-dataset-preview-table")
    expect(preview.locator("tbody tr").first).to_contain_text("31")
    builder.get_by_test_id("mls-dataset-event-end").fill("2024-01-15T00:00")
    builder.get_by_test_id("mls-dataset-preview").click()
    expect(preview.locator("tbody tr").first).to_contain_text("30")
    expect(builder.get_by_test_id("mls-dataset-sql")).to_contain_text("2024-01-15")
    expect(builder.get_by_test_id("mls-dataset-duplicates")).not_to_be_checked()
    screenshot_themes(page, "feature-dataset-event-range")
    assert mlstudio_errors(console_errors) == []
