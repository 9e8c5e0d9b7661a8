"""Artifacts the real mlflow client uploads through the MLflow artifact proxy appear in our
Runs UI: open the run and preview them (light and dark screenshots)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot, switch_theme
from playwright.sync_api import Page, expect

mlflow = pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own: the experiment it leaves behind stays out of other tests."""
    server, proc = start_lab(tmp_path_factory.mktemp("mlflow-lab"), "mlflow")
    yield server
    stop_lab(proc)


def log_with_mlflow(lab: Lab, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A run logged by the unmodified mlflow client through /mlstudio/mlflow: params,
    metric steps and artifacts (uploaded through the mlflow-artifacts proxy)."""
    import mlflow

    tracking = f"{lab.url}mlstudio/mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", lab.token)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(tracking)
    try:
        (tmp / "notes.txt").write_text("logged by the mlflow client\nsecond line\n")
        (tmp / "conf").mkdir()
        (tmp / "conf" / "params.json").write_text('{"alpha": 0.5}')
        mlflow.set_experiment("mlflow-ui")
        with mlflow.start_run(run_name="mlflow-logged") as run:
            mlflow.log_params({"alpha": 0.5, "solver": "lbfgs"})
            for step in range(10):
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            mlflow.log_artifact(str(tmp / "notes.txt"))
            mlflow.log_artifacts(str(tmp / "conf"), "conf")
    finally:
        mlflow.set_tracking_uri(previous)
    return str(run.info.run_id)


def test_an_mlflow_uploaded_artifact_opens_in_the_run_view(
    page: Page,
    lab: Lab,
    console_errors: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_with_mlflow(lab, tmp_path, monkeypatch)
    open_lab(page, lab)
    page.locator('.jp-SideBar [data-id="mlstudio-sidebar"]').click()
    page.locator('[data-testid="mls-refresh-experiments"]').click()
    page.locator('[data-testid="mls-experiment-item"]', has_text="mlflow-ui").click()
    page.locator('[data-testid="mls-open-experiment"]').click()
    panel = page.locator(".jp-MLStudio-experimentPanel:visible")
    expect(panel).to_have_attribute("data-mls-ready-at", re.compile(r"\d"), timeout=30_000)
    canvas = panel.locator("canvas").first
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.dblclick(box["x"] + 120, box["y"] + 2 * 22 + 12)  # the first row's name

    run_view = page.locator('[data-testid="mls-run-view"]:visible')
    expect(run_view.locator("h2")).to_contain_text("mlflow-logged")
    expect(run_view).to_contain_text("lbfgs")  # the params mlflow.log_params sent
    expect(run_view).to_contain_text("loss")  # and the metric it logged step by step
    run_view.locator('[data-testid="mls-artifact-item"]', has_text="notes.txt").click()
    preview = run_view.locator('[data-testid="mls-artifact-preview"]')
    expect(preview).to_contain_text("logged by the mlflow client", timeout=15_000)
    expect(run_view.locator('[data-testid="mls-artifact-item"]', has_text="conf")).to_be_visible()
    screenshot(page, "mlflow-run-artifact")
    switch_theme(page, dark=True)
    screenshot(page, "mlflow-run-artifact-dark")
    switch_theme(page, dark=False)
    assert mlstudio_errors(console_errors) == []


def test_an_mlflow_registered_model_deploys_from_the_models_panel(
    page: Page,
    lab: Lab,
    console_errors: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Registered by the mlflow client (create model + version from a run's MLflow model),
    deployed by clicking: the endpoint answers the estimator's predictions."""
    import json
    import urllib.request

    import mlflow.sklearn
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlstudio.config import StudioConfig
    from jupyter_mlstudio.mlflow_compat.artifacts import run_artifact_uri
    from jupyter_mlstudio.studio import Studio

    X, y = load_iris(return_X_y=True, as_frame=True)
    estimator = LogisticRegression(max_iter=500).fit(X, y)
    mlflow.sklearn.save_model(estimator, str(tmp_path / "model"), input_example=X.head(3))
    tracking = f"{lab.url}mlstudio/mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", lab.token)
    studio = Studio(StudioConfig.resolve(home=lab.home))
    try:
        experiment = studio.stores.experiments.create_experiment("mlflow-deploy")
        run = studio.stores.runs.create_run(experiment.id, name="iris")
        uri = run_artifact_uri(studio.config.artifact_uri, run)
    finally:
        studio.close()
    get_artifact_repository(uri, tracking_uri=tracking).log_artifacts(
        str(tmp_path / "model"), "model"
    )
    client = mlflow.MlflowClient(tracking_uri=tracking, registry_uri=tracking)
    client.create_registered_model("iris-mlflow")
    client.create_model_version("iris-mlflow", f"{uri}/model", run_id=run.id)

    open_lab(page, lab)
    page.locator('.jp-SideBar [data-id="mlstudio-models"]').click()
    models = page.locator(".jp-MLStudio-modelsSidebar")
    models.locator('[data-testid="mls-model-item"][data-model="iris-mlflow"]').click()
    group = page.locator('[data-testid="mls-model-view"]:visible')
    group.locator(
        '[data-testid="mls-version-row"][data-version="1"] [data-testid="mls-open-version"]'
    ).click()
    version = page.locator('[data-testid="mls-version-view"]:visible')
    expect(version.locator('[data-testid="mls-version-title"]')).to_have_text("iris-mlflow v1")
    screenshot(page, "mlflow-version")
    version.locator('[data-testid="mls-deploy-version"]').click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator('[data-testid="mls-dialog-name"]').fill("iris-mlflow-ep")
    dialog.get_by_role("button", name="Deploy").click()
    expect(dialog).to_be_hidden()
    view = page.locator('[data-testid="mls-endpoint-view"]:visible')
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=120_000)
    view.locator('[data-testid="mls-test-send"]').click()
    result = view.locator('[data-testid="mls-test-result"]')
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    screenshot(page, "mlflow-endpoint")
    switch_theme(page, dark=True)
    screenshot(page, "mlflow-endpoint-dark")
    switch_theme(page, dark=False)

    body = json.dumps(
        {"dataframe_split": {"columns": list(X.columns), "data": X.values.tolist()}}
    ).encode()
    request = urllib.request.Request(
        f"{lab.url}mlstudio/endpoints/iris-mlflow-ep/invocations",
        data=body,
        method="POST",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer["predictions"] == estimator.predict(X).tolist()
    lab.api("DELETE", "endpoints/iris-mlflow-ep")
    assert mlstudio_errors(console_errors) == []
