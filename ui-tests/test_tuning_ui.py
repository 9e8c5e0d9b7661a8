"""Automatic model tuning: the Tuning panel, the tuning form, the tuning-job view with live
trials table and plots, the best trial registered and deployed, and Tune… on a job.

A real server runs optuna over real training jobs (random-forest-classifier on iris) in
child processes; the browser fills the form and watches the view update from server events.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterator

import pages
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, show_left, visible_view
from playwright.sync_api import Locator, Page, expect

TUNING_TIMEOUT = 150_000
SERVING_TIMEOUT = 120_000
MAX_TRIALS = 12  # the acceptance: 12 trials, 2 in parallel
# whether the tuning view says Running and shows something (a selector) at the same time
RUNNING_WITH = """(selector) => {
    const page = document.querySelector('[data-testid="mls-tuning-view"] .jp-MLStudio-page');
    return page !== null && page.dataset.tuningStatus === 'Running'
        && page.querySelector(selector) !== null;
}"""
ROW = '[data-testid="mls-trial-row"]'
HISTORY_POINT = '[data-testid="mls-tuning-history-chart"] .js-plotly-plot .scatterlayer .point'


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own with iris (and an id column) in its root folder."""
    from sklearn.datasets import load_iris

    server, proc = start_lab(tmp_path_factory.mktemp("tuning-lab"), "tuning")
    iris = load_iris(as_frame=True).frame
    iris.assign(flower_id=range(1, len(iris) + 1)).to_csv(server.root / "iris.csv", index=False)
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            for endpoint in server.api("GET", "endpoints")["items"]:
                with contextlib.suppress(Exception):
                    server.api("DELETE", f"endpoints/{endpoint['name']}")
        stop_lab(proc)
        kill_endpoints(server)


def kill_endpoints(lab: Lab) -> None:
    """After the server stopped: kill any serving process it left behind."""
    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    try:
        for endpoint in studio.endpoints.store.all():
            if endpoint.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(endpoint.pid, signal.SIGKILL)
    finally:
        studio.close()


# -- helpers ------------------------------------------------------------------------------
def open_tuning(page: Page) -> Locator:
    return show_left(page, "mlstudio-tuning", ".jp-MLStudio-tuningSidebar")


def param(form: Locator, name: str) -> Locator:
    return form.locator(f'[data-testid="mls-tuning-param"][data-param="{name}"]')


def set_range(form: Locator, name: str, low: str, high: str) -> None:
    card = param(form, name)
    card.locator('[data-testid="mls-tuning-param-mode"][data-mode="range"]').click()
    expect(card).to_have_attribute("data-mode", "range")
    card.locator('[data-testid="mls-tuning-range-min"]').fill(low)
    card.locator('[data-testid="mls-tuning-range-max"]').fill(high)


def status_and_rows(page: Page) -> tuple[str, int]:
    view = page.locator('[data-testid="mls-tuning-view"]:visible .jp-MLStudio-page')
    status = view.get_attribute("data-tuning-status") or ""
    return status, view.locator('[data-testid="mls-trial-row"]').count()


# -- tests --------------------------------------------------------------------------------
def test_tune_from_the_form(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)
    sidebar = open_tuning(page)
    expect(sidebar.locator('[data-testid="mls-tuning-empty"]')).to_contain_text("Tune…")

    # the form: the training form's algorithm, data and hyperparameters, each fixed or searched
    sidebar.locator('[data-testid="mls-new-tuning-job"]').click()
    form = visible_view(page, "mls-tuning-form")
    algorithm = form.locator('[data-testid="mls-form-algorithm"]')
    expect(algorithm.locator("option")).not_to_have_count(0)
    algorithm.select_option("random-forest-classifier")
    form.locator('[data-testid="mls-tuning-form-name"]').fill("iris-tune")
    form.locator('[data-testid="mls-form-train"]').fill("iris.csv")
    target = form.locator('[data-testid="mls-form-target"]')
    expect(target.locator("option", has_text=re.compile("^target$"))).to_have_count(1)
    target.select_option("target")

    # nothing searched yet: the form says so and sends nothing
    form.locator('[data-testid="mls-tuning-form-submit"]').click()
    expect(form.locator('[data-testid="mls-form-error"]')).to_contain_text("Fix the fields")
    expect(form.locator('[data-testid="mls-field-error"]').first).to_contain_text(
        "Search at least one hyperparameter"
    )

    # n_estimators: a range; max_depth: a range; criterion: values; the rest stays fixed
    set_range(form, "n_estimators", "5", "40")
    set_range(form, "max_depth", "1", "8")
    criterion = param(form, "criterion")
    criterion.locator('[data-testid="mls-tuning-param-mode"][data-mode="values"]').click()
    expect(criterion.locator('[data-testid="mls-tuning-values"]')).to_have_value(re.compile("gini"))
    criterion.locator('[data-testid="mls-tuning-values"]').fill("gini, entropy")
    expect(form.locator('[data-testid="mls-tuning-form-searched"]')).to_have_text("3 searched.")

    # the objective comes from the algorithm's metrics; Bayesian, early stopping Auto
    objective = form.locator('[data-testid="mls-tuning-form-objective"]')
    expect(objective).to_have_value("validation:accuracy")
    expect(objective.locator("option", has_text="validation:f1")).to_have_count(1)
    objective.select_option("validation:log_loss")
    expect(form.locator('[data-testid="mls-tuning-form-direction"]')).to_have_value("Minimize")
    objective.select_option("validation:accuracy")
    expect(form.locator('[data-testid="mls-tuning-form-direction"]')).to_have_value("Maximize")
    expect(form.locator('[data-testid="mls-tuning-form-strategy"]')).to_have_value("Bayesian")
    form.locator('[data-testid="mls-tuning-form-early-stopping"]').select_option("Auto")
    form.locator('[data-testid="mls-tuning-form-max-trials"]').fill(str(MAX_TRIALS))
    form.locator('[data-testid="mls-tuning-form-max-parallel"]').fill("2")

    # the server's refusal is shown in the form, the input kept: an unknown warm start
    warm = form.locator('[data-testid="mls-tuning-form-warm-start"]')
    warm.fill("no-such-tuning-job")
    form.locator('[data-testid="mls-tuning-form-submit"]').click()
    error = form.locator('[data-testid="mls-form-error"]')
    expect(error).to_contain_text("no-such-tuning-job")
    expect(error).not_to_contain_text("Traceback")
    assert lab.api("GET", "tuning-jobs")["items"] == []
    warm.fill("")
    param(form, "n_estimators").scroll_into_view_if_needed()
    pages.screenshot_themes(page, "tuning-form")
    form.locator('[data-testid="mls-tuning-form-submit"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "tuning-form-search")

    # submit: the view opens and shows the trials and history live, while it runs
    form.locator('[data-testid="mls-tuning-form-submit"]').click()
    view = visible_view(page, "mls-tuning-view")
    expect(view.locator('[data-testid="mls-tuning-name"]')).to_have_text("iris-tune")
    expect(page.locator('[data-testid="mls-tuning-form"]')).to_have_count(0)
    # rows while it runs, then the history plot's first points while it still runs
    page.wait_for_function(RUNNING_WITH, arg=ROW, timeout=60_000)
    page.wait_for_function(RUNNING_WITH, arg=HISTORY_POINT, timeout=90_000)
    seen_status, seen_rows = status_and_rows(page)
    assert seen_rows < MAX_TRIALS or seen_status == "Running", (seen_status, seen_rows)
    pages.screenshot(page, "tuning-view-running")

    # the sidebar lists it live
    sidebar = open_tuning(page)
    item = sidebar.locator('[data-testid="mls-tuning-item"]', has_text="iris-tune")
    expect(item).to_have_count(1)

    # it ends with exactly max trials, a best value, and optuna's importances
    expect(view.locator(".jp-MLStudio-page")).to_have_attribute(
        "data-tuning-status", "Completed", timeout=TUNING_TIMEOUT
    )
    expect(item).to_have_attribute("data-status", "Completed")
    expect(item.locator('[data-testid="mls-tuning-item-best"]')).to_contain_text(
        re.compile(r"best \d")
    )
    rows = view.locator('[data-testid="mls-trial-row"]')
    expect(rows).to_have_count(MAX_TRIALS)
    expect(view.locator('[data-testid="mls-trials-count"]')).to_have_text(f"{MAX_TRIALS} trials")
    expect(view.locator('[data-testid="mls-tuning-best"]')).to_contain_text(re.compile(r"^\d"))
    expect(view.locator('[data-testid="mls-tuning-progress"]')).to_contain_text(
        f"{MAX_TRIALS} / {MAX_TRIALS} trials"
    )
    importances = view.locator('[data-testid="mls-tuning-importances-chart"] .js-plotly-plot')
    expect(importances).to_have_count(1, timeout=30_000)
    for name in ("n_estimators", "max_depth", "criterion"):
        expect(importances).to_contain_text(name)

    job = next(j for j in lab.api("GET", "tuning-jobs")["items"] if j["name"] == "iris-tune")
    assert job["strategy"] == "Bayesian"
    assert job["spec"]["early_stopping"] == "Auto"
    assert job["spec"]["limits"]["max_parallel_trials"] == 2
    assert set(job["spec"]["search_space"]) == {"n_estimators", "max_depth", "criterion"}
    assert job["spec"]["search_space"]["criterion"]["values"] == ["gini", "entropy"]
    assert job["spec"]["training"]["target"] == "target"

    # the table sorts by the objective (best first) and filters by state
    view.locator('[data-testid="mls-trials-sort"][data-sort-key="value0"]').click()
    first = rows.first
    expect(first).to_have_attribute("data-trial", str(job["best_trial"]))
    view.locator('[data-testid="mls-trials-state"]').select_option("Completed")
    completed = job["progress"]["completed"]
    expect(rows).to_have_count(completed)

    # every plot draws
    for kind in ("intermediate", "parallel", "slice", "contour"):
        view.locator(f'[data-testid="mls-tuning-plot-tab"][data-plot="{kind}"]').click()
        expect(
            view.locator('[data-testid="mls-tuning-explore-chart"] .js-plotly-plot')
        ).to_have_count(1)
    view.locator('[data-testid="mls-tuning-plot-tab"][data-plot="parallel"]').click()
    view.locator('[data-testid="mls-tuning-name"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "tuning-view")
    view.locator('[data-testid="mls-tuning-explore"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "tuning-view-plots")
    view.locator('[data-testid="mls-tuning-trials"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "tuning-view-trials")

    # a trial's links open its run and its training job
    first.locator('[data-testid="mls-trial-job"]').click()
    job_view = visible_view(page, "mls-job-view")
    expect(job_view.locator('[data-testid="mls-job-name"]')).to_contain_text("iris-tune-")
    page.locator(".lm-TabBar-tab", has_text="Tuning: iris-tune").click()

    # the best trial: register its model (the registry's dialog), then deploy that version
    best = view.locator('[data-testid="mls-tuning-best-trial"]')
    expect(best).to_contain_text(f"#{job['best_trial']}")
    best.locator('[data-testid="mls-best-register"]').click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator('[data-testid="mls-dialog-name"]').fill("iris-tuned")
    dialog.get_by_role("button", name="Register").click()
    version = visible_view(page, "mls-version-view")
    expect(version.locator('[data-testid="mls-version-title"]')).to_have_text("iris-tuned v1")
    versions = lab.api("GET", "models/iris-tuned/versions")["items"]
    assert [v["version"] for v in versions] == [1]

    page.locator(".lm-TabBar-tab", has_text="Tuning: iris-tune").click()
    expect(best.locator('[data-testid="mls-best-registered"]')).to_contain_text("iris-tuned v1")
    best.locator('[data-testid="mls-best-deploy"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator('[data-testid="mls-dialog-model"]')).to_have_value("iris-tuned")
    expect(dialog.locator('[data-testid="mls-dialog-version"]')).to_have_value("1")
    dialog.get_by_role("button", name="Deploy").click()
    expect(dialog).to_be_hidden()
    endpoint = visible_view(page, "mls-endpoint-view")
    expect(endpoint.locator('[data-testid="mls-endpoint-name"]')).to_have_text("iris-tuned")
    expect(
        endpoint.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    ).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)
    assert [e["name"] for e in lab.api("GET", "endpoints")["items"]] == ["iris-tuned"]
    assert not mlstudio_errors(console_errors), console_errors


def test_tune_a_training_job(page: Page, lab: Lab, console_errors: list[str]) -> None:
    """Tune… on a completed training job opens the form prefilled from its spec;
    Warm-start from this on a tuning job opens it prefilled from that spec."""
    job = lab.api(
        "POST",
        "jobs/training",
        {
            "name": "iris-base",
            "algorithm": "random-forest-classifier",
            "hyperparameters": {"n_estimators": 12},
            "channels": {"train": "iris.csv"},
            "target": "target",
            "exclude_columns": ["flower_id"],
        },
    )
    open_lab(page, lab)
    jobs = show_left(page, "mlstudio-jobs", ".jp-MLStudio-jobsSidebar")
    jobs.locator('[data-testid="mls-job-item"]', has_text="iris-base").click()
    view = visible_view(page, "mls-job-view")
    expect(view.locator('[data-testid="mls-job-status"]')).to_have_text("Completed", timeout=90_000)
    assert lab.api("GET", f"jobs/{job['id']}")["status"] == "Completed"
    view.locator('[data-testid="mls-tune-job"]').click()

    form = visible_view(page, "mls-tuning-form")
    expect(form.locator('[data-testid="mls-form-algorithm"]')).to_have_value(
        "random-forest-classifier"
    )
    expect(form.locator('[data-testid="mls-form-train"]')).to_have_value("iris.csv")
    expect(form.locator('[data-testid="mls-form-target"]')).to_have_value("target")
    expect(
        param(form, "n_estimators").locator('[data-hyperparameter="n_estimators"]')
    ).to_have_value("12")
    expect(
        form.locator('[data-testid="mls-form-exclude-option"][data-column="flower_id"] input')
    ).to_be_checked()
    tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab .lm-TabBar-tabLabel")
    expect(tabs.filter(has_text=re.compile("^Tune: iris-base$"))).to_have_count(1)
    form.locator('[data-testid="mls-tuning-form-cancel"]').click()
    expect(page.locator('[data-testid="mls-tuning-form"]')).to_have_count(0)

    # Warm-start from the tuning job of the first test: its ranges come back
    sidebar = open_tuning(page)
    sidebar.locator('[data-testid="mls-tuning-item"]', has_text="iris-tune").click()
    tuning = visible_view(page, "mls-tuning-view")
    tuning.locator('[data-testid="mls-warm-start-tuning"]').click()
    expect(tabs.filter(has_text=re.compile("^Warm-start: iris-tune$"))).to_have_count(1)
    form = visible_view(page, "mls-tuning-form")
    expect(param(form, "n_estimators")).to_have_attribute("data-mode", "range")
    expect(
        param(form, "n_estimators").locator('[data-testid="mls-tuning-range-max"]')
    ).to_have_value("40")
    expect(param(form, "criterion")).to_have_attribute("data-mode", "values")
    expect(form.locator('[data-testid="mls-tuning-form-warm-start"]')).to_have_value("iris-tune")
    expect(form.locator('[data-testid="mls-form-train"]')).to_have_value("iris.csv")
    assert not mlstudio_errors(console_errors), console_errors


def test_two_objectives_pareto_front(page: Page, lab: Lab, console_errors: list[str]) -> None:
    """A tuning job with two objectives (made over REST) shows its Pareto front and both
    objectives' columns."""
    lab.api(
        "POST",
        "tuning-jobs",
        {
            "name": "iris-pareto",
            "training": {
                "algorithm": "random-forest-classifier",
                "channels": {"train": "iris.csv"},
                "target": "target",
            },
            "search_space": {
                "n_estimators": {"type": "integer", "min_value": 2, "max_value": 30},
                "max_depth": {"type": "integer", "min_value": 1, "max_value": 6},
            },
            "objective": {"metric": "validation:accuracy", "direction": "Maximize"},
            "second_objective": {"metric": "validation:log_loss", "direction": "Minimize"},
            "strategy": "Random",
            "limits": {"max_trials": 4, "max_parallel_trials": 2},
        },
    )
    open_lab(page, lab)
    sidebar = open_tuning(page)
    sidebar.locator('[data-testid="mls-tuning-item"]', has_text="iris-pareto").click()
    view = visible_view(page, "mls-tuning-view")
    expect(view.locator(".jp-MLStudio-page")).to_have_attribute(
        "data-tuning-status", "Completed", timeout=TUNING_TIMEOUT
    )
    headers = view.locator('[data-testid="mls-trials-sort"]')
    expect(headers.filter(has_text="validation:accuracy")).to_have_count(1)
    expect(headers.filter(has_text="validation:log_loss")).to_have_count(1)
    view.locator('[data-testid="mls-tuning-plot-tab"][data-plot="pareto"]').click()
    chart = view.locator('[data-testid="mls-tuning-explore-chart"] .js-plotly-plot')
    expect(chart).to_have_count(1)
    expect(chart).to_contain_text("Pareto front")
    view.locator('[data-testid="mls-tuning-explore"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "tuning-pareto")
    assert not mlstudio_errors(console_errors), console_errors


def test_stop_a_tuning_job(page: Page, lab: Lab) -> None:
    """Stop in the view ends a running tuning job: it says Stopped and runs no more trials."""
    lab.api(
        "POST",
        "tuning-jobs",
        {
            "name": "iris-stop",
            "training": {
                "algorithm": "random-forest-classifier",
                "channels": {"train": "iris.csv"},
                "target": "target",
            },
            "search_space": {
                "n_estimators": {"type": "integer", "min_value": 2, "max_value": 30},
            },
            "objective": {"metric": "validation:accuracy"},
            "strategy": "Random",
            "limits": {"max_trials": 50, "max_parallel_trials": 1},
        },
    )
    open_lab(page, lab)
    sidebar = open_tuning(page)
    sidebar.locator('[data-testid="mls-tuning-item"]', has_text="iris-stop").click()
    view = visible_view(page, "mls-tuning-view")
    stop = view.locator('[data-testid="mls-stop-tuning"]')
    expect(stop).to_be_enabled(timeout=30_000)
    stop.click()
    expect(view.locator(".jp-MLStudio-page")).to_have_attribute(
        "data-tuning-status", "Stopped", timeout=60_000
    )
    expect(stop).to_be_disabled()
    job = lab.api("GET", "tuning-jobs/iris-stop")
    assert job["status"] == "Stopped"
    assert job["progress"]["started"] < 50, job["progress"]
    assert job["progress"]["running"] == 0, job["progress"]
