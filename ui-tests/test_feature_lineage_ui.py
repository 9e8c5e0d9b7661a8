"""Feature group lineage in the browser. Setup through the SDK's services on the lab's
own store: a group fed by a Data Wrangler flow, a training set written from it, a model
trained on that file and registered with it as data. The group view's Lineage section
names the flow, the dataset and the model version; clicking the version opens it, and
the version's lineage links back to the group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pandas as pd
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot_themes, show_left, visible_view
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own: this module registers a model the others must not see."""
    server, proc = start_lab(tmp_path_factory.mktemp("feature-lineage-lab"), "lineage")
    try:
        yield server
    finally:
        stop_lab(proc)


def _seed(lab: Lab) -> None:
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlstudio.config import StudioConfig
    from jupyter_mlstudio.studio import Studio

    studio = Studio(StudioConfig.resolve(home=lab.home))
    try:
        store = studio.features
        store.create_group(
            "customers",
            record_identifier="id",
            event_time_feature="ts",
            features=[
                {"name": "id", "type": "integral"},
                {"name": "ts", "type": "timestamp"},
                {"name": "age", "type": "integral"},
            ],
        )
        t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
        ages = [20, 30, 45, 60, 25, 55]
        frame = pd.DataFrame({"id": range(6), "ts": [t0] * 6, "age": ages})
        store.ingest("customers", frame, source="Data Wrangler flow customers.flow")
        entity = pd.DataFrame(
            {
                "id": range(6),
                "ts": [datetime(2024, 2, 1, tzinfo=timezone.utc)] * 6,
                "label": [0, 0, 1, 1, 0, 1],
            }
        )
        out = lab.root / "train.csv"
        built = store.dataset(entity, ["customers:age"], event_time="ts", output=out).frame
        model = LogisticRegression().fit(built[["age"]], built["label"])
        studio.registry.register(
            model, "churn-lr", data=str(out), input_example=built[["age"]].head(2)
        )
    finally:
        studio.close()


def test_group_lineage_names_flow_dataset_and_model(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    _seed(lab)
    open_lab(page, lab)
    sidebar = show_left(page, "mlstudio-features", ".jp-MLStudio-featuresSidebar")
    sidebar.locator('[data-testid="mls-feature-group-item"][data-name="customers"]').click()
    view = visible_view(page, "mls-feature-group-view")
    lineage = view.get_by_test_id("mls-feature-lineage")
    expect(lineage.get_by_test_id("mls-lineage-feeds")).to_contain_text("customers.flow")
    expect(lineage.get_by_test_id("mls-lineage-feeds")).to_contain_text("6 rows")
    expect(lineage.get_by_test_id("mls-lineage-datasets")).to_contain_text("train.csv")
    model = lineage.get_by_test_id("mls-lineage-model")
    expect(model).to_have_text("churn-lr:1")
    lineage.scroll_into_view_if_needed()
    screenshot_themes(page, "feature-lineage")

    model.click()
    version = visible_view(page, "mls-version-view")
    expect(version.get_by_test_id("mls-version-title")).to_contain_text("churn-lr")
    # Back from the model version: its lineage names the feature group it was built from.
    groups = version.get_by_test_id("mls-lineage-feature-groups")
    expect(groups).to_have_text("customers@1")
    groups.scroll_into_view_if_needed()
    screenshot_themes(page, "model-version-feature-lineage")
    groups.get_by_role("button", name="customers@1").click()
    group_view = visible_view(page, "mls-feature-group-view")
    expect(group_view.get_by_test_id("mls-feature-lineage")).to_be_visible()
    assert mlstudio_errors(console_errors) == []
