"""ML Studio home: opened from the launcher, a running job and endpoint with their CPU and
memory, Stop, recent activity that opens the right view, light and dark screenshots.

A real server runs a real busy job process and a real endpoint (a supervisor and its
worker); the browser only clicks.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Iterator

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot, switch_theme
from playwright.sync_api import Locator, Page, expect

TIMEOUT = 120_000
MODEL = "iris-home"
BUSY = "print('busy', flush=True)\nwhile True:\n    pass\n"
# A script-mode trial that runs until it is stopped.
SLEEPY_TRIAL = "import time\ntime.sleep(300)\nprint('score=1')\n"
SLEEPY_TUNING = {
    "name": "sleepy",
    "training": {"entry_point": "sleepy.py", "experiment": "home-tuning"},
    "search_space": {"lr": {"type": "continuous", "min_value": 0.01, "max_value": 0.1}},
    "objective": {"metric": "score", "regex": r"score=([-0-9.]+)"},
    "limits": {"max_trials": 4, "max_parallel_trials": 1},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own with a finished run, a registered version, an endpoint serving
    it and a job burning a core."""
    server, proc = start_lab(tmp_path_factory.mktemp("home-lab"), "home")
    try:
        log_and_register(server)
        server.api("POST", "endpoints", {"name": MODEL, "variants": [{"model": MODEL}]})
        (server.root / "busy.py").write_text(BUSY)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.api("DELETE", f"endpoints/{MODEL}")
        for job in server.api("GET", "jobs")["items"]:
            if job["status"] in ("Pending", "Running"):
                with contextlib.suppress(Exception):
                    server.api("POST", f"jobs/{job['id']}/stop")
        stop_lab(proc)
        kill_leftovers(server)


def log_and_register(lab: Lab) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    try:
        with mls.start_run("home-demo", name="baseline") as run:
            model = LogisticRegression(max_iter=500).fit(X, y)
            run.log_metric("accuracy", float(model.score(X, y)))
            run.log_model(model, X=X, register_as=MODEL)
    finally:
        studio.close()


def kill_leftovers(lab: Lab) -> None:
    """After the server stopped: kill any job or serving process it left behind."""
    import jupyter_mlstudio as mls

    studio = mls.configure(home=lab.home)
    try:
        pids = [e.pid for e in studio.endpoints.store.all()]
        pids += [j.pid for j in studio.jobs.list(status="Running").items]
        for pid in pids:
            if pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
    finally:
        studio.close()


def wait_for(lab: Lab, path: str, test: object, timeout: float = TIMEOUT / 1000) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test(lab.api("GET", path)):  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError(f"{path} never matched")


def home_row(home: Locator, kind: str, item_id: str) -> Locator:
    return home.locator(f'[data-testid="mls-home-row"][data-kind="{kind}"][data-id="{item_id}"]')


def test_home_running_stop_activity_and_themes(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    wait_for(lab, f"endpoints/{MODEL}", lambda e: e["status"] == "InService")
    job = lab.api("POST", "jobs/processing", {"code": "busy.py", "name": "busy-loop"})
    wait_for(lab, f"jobs/{job['id']}", lambda j: j["status"] == "Running")

    open_lab(page, lab)
    page.locator(".jp-LauncherCard", has_text="ML Studio Home").click()
    home = page.locator('[data-testid="mls-home"]:visible')
    expect(home).to_have_count(1)

    # running now: the job and the endpoint, each with CPU and memory of its processes
    job_row = home_row(home, "job", job["id"])
    expect(job_row.locator('[data-testid="mls-home-status"]')).to_have_text("Running")
    expect(job_row.locator('[data-testid="mls-home-cpu"]')).to_have_text(
        re.compile(r"^\d+%$"), timeout=30_000
    )
    expect(job_row.locator('[data-testid="mls-home-memory"]')).to_have_text(
        re.compile(r"^\d+(\.\d)? MB$")
    )
    expect(job_row).to_contain_text("busy-loop")
    expect(job_row).to_contain_text("Processing job")
    endpoint_row = home_row(home, "endpoint", MODEL)
    expect(endpoint_row.locator('[data-testid="mls-home-status"]')).to_have_text("In service")
    expect(endpoint_row.locator('[data-testid="mls-home-memory"]')).to_have_text(re.compile(r"MB$"))
    expect(endpoint_row).to_contain_text(f"{MODEL} v1")

    # recent activity and the configuration
    activity = home.locator('[data-testid="mls-home-activity-item"]')
    expect(activity.filter(has_text="Endpoint iris-home deployed")).to_have_count(1)
    registered = activity.filter(has_text=f"Model {MODEL} v1 registered")
    expect(registered).to_contain_text("from run baseline")
    expect(activity.filter(has_text="Run baseline finished")).to_have_count(1)
    kinds = activity.evaluate_all("items => items.map(i => i.dataset.kind)")
    # newest first: the deploy, the run's end, the version it registered, its start
    # (the job's run started last, so it comes first)
    assert kinds == [
        "run-started",
        "endpoint-deployed",
        "run-finished",
        "model-version-registered",
        "run-started",
    ], kinds
    config = home.locator('[data-testid="mls-home-config"]')
    expect(config.locator('[data-testid="mls-home-store"]')).to_contain_text("sqlite:///")
    expect(config.locator('[data-testid="mls-home-executor"]')).to_contain_text("local")
    expect(home.locator('[data-testid="mls-home-action-training-job"]')).to_be_visible()

    # a tuning job runs too: its trials done of the maximum, no process of its own
    (lab.root / "sleepy.py").write_text(SLEEPY_TRIAL)
    tuning = lab.api("POST", "tuning-jobs", SLEEPY_TUNING)
    tuning_row = home_row(home, "tuning-job", tuning["id"])
    expect(tuning_row.locator('[data-testid="mls-home-status"]')).to_have_text(
        "Running", timeout=60_000
    )
    expect(tuning_row.locator('[data-testid="mls-home-trials"]')).to_contain_text("0/4 trials")
    expect(tuning_row).to_contain_text("Tuning job")
    expect(tuning_row.locator('[data-testid="mls-home-cpu"]')).to_have_text("—")

    screenshot(page, "home-light")
    switch_theme(page, dark=True)
    screenshot(page, "home-dark")
    switch_theme(page, dark=False)

    # the tuning job's Stop is the tuning job's own: it ends, with its running trial
    tuning_row.locator('[data-testid="mls-home-stop"]').click()
    expect(tuning_row).to_have_count(0, timeout=60_000)
    expect(activity.filter(has_text="Tuning job sleepy stopped")).to_have_count(1, timeout=30_000)
    assert lab.api("GET", f"tuning-jobs/{tuning['id']}")["status"] == "Stopped"

    # Stop: the job leaves "running now"; its run shows as stopped in the activity
    job_row.locator('[data-testid="mls-home-stop"]').click()
    expect(job_row).to_have_count(0, timeout=60_000)
    expect(activity.filter(has_text="Run busy-loop stopped")).to_have_count(1, timeout=30_000)
    assert lab.api("GET", f"jobs/{job['id']}")["status"] in ("Stopped", "Failed")
    expect(endpoint_row).to_have_count(1)

    # an activity item opens its view: the run, then the model version
    activity.filter(has_text="Run baseline finished").click()
    run_view = page.locator('[data-testid="mls-run-view"]:visible')
    expect(run_view).to_have_count(1)
    expect(run_view).to_contain_text("baseline")
    page.locator('.lm-TabBar-tab[data-id="mlstudio-home"]').click()
    activity.filter(has_text=f"Model {MODEL} v1 registered").click()
    version_tab = page.locator(f'.lm-TabBar-tab[data-id="mlstudio-model-version:{MODEL}@1"]')
    expect(version_tab).to_have_class(re.compile("lm-mod-current"))

    # the ML Studio sidebar's Home button brings the (single) home back
    page.locator('.jp-SideBar [data-id="mlstudio-sidebar"]').click()
    page.locator('[data-testid="mls-open-home"]').click()
    expect(page.locator('[data-testid="mls-home"]:visible')).to_have_count(1)
    expect(page.locator('.lm-TabBar-tab[data-id="mlstudio-home"]')).to_have_count(1)
    sidebar = page.locator(".jp-MLStudio-sidebar")
    expect(sidebar.locator('[data-testid="mls-open-home"]')).to_be_visible()
    screenshot(page, "home-sidebar-light")
    switch_theme(page, dark=True)
    screenshot(page, "home-sidebar-dark")
    switch_theme(page, dark=False)

    # an endpoint's Delete asks first, then its processes stop and it leaves the table
    home = page.locator('[data-testid="mls-home"]:visible')
    endpoint_row = home_row(home, "endpoint", MODEL)
    endpoint_row.locator('[data-testid="mls-home-stop"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(f'Stop the endpoint "{MODEL}" and delete it?')
    dialog.get_by_role("button", name="Delete").click()
    expect(endpoint_row).to_have_count(0, timeout=60_000)
    expect(home.locator('[data-testid="mls-home-running-empty"]')).to_be_visible()
    assert not mlstudio_errors(console_errors), console_errors


def test_home_from_the_palette_and_the_menu(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    # The launcher opens with a fresh layout and takes the focus: wait for it,
    # or it closes the palette when it comes late (a loaded machine).
    expect(page.locator(".jp-Launcher")).to_be_visible(timeout=30_000)
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("Open Home")
    item = page.locator(".lm-CommandPalette-item", has_text="Open Home")
    expect(item).to_have_count(1)
    item.click()
    expect(page.locator('[data-testid="mls-home"]:visible')).to_have_count(1)
    page.locator('.lm-TabBar-tab[data-id="mlstudio-home"] .lm-TabBar-tabCloseIcon').click()
    expect(page.locator('[data-testid="mls-home"]')).to_have_count(0)
    page.locator("#jp-MainMenu").get_by_text("ML Studio", exact=True).click()
    page.locator(".lm-Menu .lm-Menu-item", has_text="Open ML Studio Home").click()
    expect(page.locator('[data-testid="mls-home"]:visible')).to_have_count(1)
