"""Jobs: the Jobs sidebar, the training form, job views with live logs, Run as Job.

A real server trains a built-in algorithm and runs scripts in child processes; the
browser clicks through the form, the file browser's context menu and the job view.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

import pages
import pytest
from conftest import Lab, start_lab, stop_lab
from pages import mlstudio_errors, open_lab, screenshot, show_left, visible_view
from playwright.sync_api import Locator, Page, expect

JOB_TIMEOUT = 90_000

HELLO = textwrap.dedent(
    """\
    import time
    for step in range(3):
        print(f"hello from a job, step {step}", flush=True)
        time.sleep(0.2)
    """
)

SLOW = textwrap.dedent(
    """\
    import time
    for tick in range(600):
        print(f"tick {tick}", flush=True)
        time.sleep(0.1)
    """
)

FAILS = textwrap.dedent(
    """\
    print("reading the input", flush=True)
    raise SystemExit("bad input: no rows to process")
    """
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own, with a data file and two scripts in its root folder."""
    from sklearn.datasets import load_iris

    server, proc = start_lab(tmp_path_factory.mktemp("jobs-lab"), "jobs")
    iris = load_iris(as_frame=True).frame
    iris.to_csv(server.root / "iris.csv", index=False)
    # with an identifier and a free-text column, as real data has
    labelled = iris.assign(
        flower_id=range(1, len(iris) + 1),
        note=[f"picked on day {i} in the garden" for i in range(len(iris))],
    )
    labelled.to_csv(server.root / "iris_ids.csv", index=False)
    (server.root / "hello.py").write_text(HELLO)
    (server.root / "fails.py").write_text(FAILS)
    (server.root / "slow.py").write_text(SLOW)
    yield server
    stop_lab(proc)


# -- helpers ------------------------------------------------------------------------------
def open_jobs(page: Page) -> Locator:
    return show_left(page, "mlstudio-jobs", ".jp-MLStudio-jobsSidebar")


def file_item(page: Page, name: str) -> Locator:
    show_left(page, "filebrowser", "#filebrowser")
    item = page.locator(
        "#filebrowser .jp-DirListing-item",
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$")),
    )
    expect(item).to_have_count(1)
    return item


def context_menu(page: Page, name: str, entry: str) -> None:
    file_item(page, name).click(button="right")
    page.locator(".lm-Menu-item", has_text=entry).click()


def wait_for_status(view: Locator, status: str) -> None:
    expect(view.locator('[data-testid="mls-job-status"]')).to_have_text(status, timeout=JOB_TIMEOUT)


def jobs_named(lab: Lab, name: str) -> list[dict]:
    return [j for j in lab.api("GET", "jobs")["items"] if j["name"] == name]


# -- tests --------------------------------------------------------------------------------
def test_train_from_the_form(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)
    sidebar = open_jobs(page)
    expect(sidebar.locator('[data-testid="mls-jobs-empty"]')).to_contain_text("Run as Job")
    screenshot(page, "jobs-empty")

    # the form: algorithm, a generated hyperparameter input, data from the file browser
    sidebar.locator('[data-testid="mls-new-training-job"]').click()
    form = page.locator('[data-testid="mls-job-form"]:visible')
    algorithm = form.locator('[data-testid="mls-form-algorithm"]')
    expect(algorithm.locator("option")).not_to_have_count(0)
    algorithm.select_option("random-forest-classifier")
    expect(form.locator('[data-testid="mls-form-algorithm-description"]')).to_contain_text(
        "Classification"
    )
    n_estimators = form.locator('[data-hyperparameter="n_estimators"]')
    expect(n_estimators).to_have_value("100")
    n_estimators.fill("20")
    form.locator('[data-testid="mls-form-name"]').fill("iris-forest")
    file_item(page, "iris_ids.csv").click()
    form.locator('[data-testid="mls-form-use-train"]').click()
    expect(form.locator('[data-testid="mls-form-train"]')).to_have_value("iris_ids.csv")
    target = form.locator('[data-testid="mls-form-target"]')
    expect(target.locator("option", has_text=re.compile("^target$"))).to_have_count(1)
    target.select_option("target")
    expect(form.locator('[data-testid="mls-field-error"]')).to_have_count(0)

    # the feature picker: the id column starts excluded, with a note; free text is
    # ticked by hand; the target cannot be excluded
    def option(column: str) -> Locator:
        return form.locator(
            f'[data-testid="mls-form-exclude-option"][data-column="{column}"] input'
        )

    expect(option("flower_id")).to_be_checked()
    expect(form.locator('[data-testid="mls-form-exclude-note"]')).to_contain_text("flower_id")
    expect(option("note")).not_to_be_checked()
    expect(option("target")).to_be_disabled()
    option("note").check()
    expect(form.get_by_text("2 of 7 excluded", exact=False)).to_be_visible()
    form.locator('[data-testid="mls-form-exclude"]').scroll_into_view_if_needed()
    pages.screenshot_themes(page, "job-form")

    # submit: the job view opens and follows the job to the end
    form.locator('[data-testid="mls-form-submit"]').click()
    view = visible_view(page, "mls-job-view")
    expect(view.locator('[data-testid="mls-job-name"]')).to_have_text("iris-forest")
    expect(page.locator('[data-testid="mls-job-form"]')).to_have_count(0)
    wait_for_status(view, "Completed")
    log = view.locator('[data-testid="mls-job-log"]')
    expect(log).to_contain_text("job completed", timeout=30_000)
    expect(log).to_contain_text("fitting random-forest-classifier")
    expect(view.locator('[data-testid="mls-job-log-state"]')).to_have_text("Complete")
    metrics = view.locator('[data-testid="mls-job-metrics"]')
    expect(metrics.locator('tr[data-metric="validation:accuracy"]')).to_have_count(
        1, timeout=30_000
    )
    expect(view.locator('[data-testid="mls-job-outputs"]')).to_contain_text("model")
    expect(view.locator('[data-testid="mls-stop-job"]')).to_be_disabled()

    # the request carried JSON numbers and only what changed from the defaults
    (job,) = jobs_named(lab, "iris-forest")
    assert job["spec"]["hyperparameters"]["n_estimators"] == 20
    assert job["spec"]["target"] == "target"
    assert job["spec"]["exclude_columns"] == ["flower_id", "note"]
    for column in ("flower_id", "note"):
        expect(log).to_contain_text(f"note: column '{column}' is not used as a feature (excluded")

    # the log was read by offset: no byte read twice
    text = log.inner_text()
    assert text.count("job completed") == 1, text

    # the sidebar lists it, live
    sidebar = open_jobs(page)
    item = sidebar.locator('[data-testid="mls-job-item"]', has_text="iris-forest")
    expect(item).to_have_attribute("data-status", "Completed")
    view.locator('[data-testid="mls-job-spec"] summary').click()
    spec = view.locator('[data-testid="mls-job-spec"] pre')
    expect(spec).to_contain_text('"n_estimators": 20')
    expect(spec).to_contain_text('"exclude_columns"')
    pages.screenshot_themes(page, "job-view")

    # Open run: the run view of the job's run; the tabs of the two say which is which.
    # A training job logs each metric once: values, not one-dot charts.
    view.locator('[data-testid="mls-open-job-run"]').click()
    run_view = page.locator('[data-testid="mls-run-view"]:visible')
    expect(run_view.locator("h2")).to_contain_text("iris-forest")
    expect(run_view.locator('[data-testid="mls-run-params"]')).to_contain_text("n_estimators")
    tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab .lm-TabBar-tabLabel")
    expect(tabs.filter(has_text=re.compile("^Job: iris-forest$"))).to_have_count(1)
    expect(tabs.filter(has_text=re.compile("^Run: iris-forest$"))).to_have_count(1)
    values = run_view.locator('[data-testid="mls-metric-values"]')
    expect(values.locator('[data-metric="validation:accuracy"]')).to_have_count(1)
    expect(values.locator('[data-metric="train_rows"]')).to_have_text(re.compile("train_rows"))
    expect(run_view.locator('[data-testid="mls-metric-chart"]')).to_have_count(0)
    expect(run_view.locator('[data-testid="mls-run-status"]')).to_have_text("Finished")
    screenshot(page, "job-run-view")

    # clicking the sidebar item brings the open job view back
    item.click()
    expect(visible_view(page, "mls-job-view").locator('[data-testid="mls-job-name"]')).to_have_text(
        "iris-forest"
    )
    assert not mlstudio_errors(console_errors), console_errors


def test_xgboost_from_the_form_logs_every_round(page: Page, lab: Lab) -> None:
    """XGBoost with SageMaker's hyperparameter names and early stopping, from the form:
    the run charts validation and train AUC round by round."""
    from sklearn.datasets import load_breast_cancer

    load_breast_cancer(as_frame=True).frame.to_csv(lab.root / "cancer.csv", index=False)
    open_lab(page, lab)
    sidebar = open_jobs(page)
    sidebar.locator('[data-testid="mls-new-training-job"]').click()
    form = page.locator('[data-testid="mls-job-form"]:visible')
    form.locator('[data-testid="mls-form-algorithm"]').select_option("xgboost-classifier")
    expect(form.locator('[data-hyperparameter="num_round"]')).to_have_value("100")
    form.locator('[data-hyperparameter="num_round"]').fill("300")
    form.locator('[data-hyperparameter="max_depth"]').fill("3")
    form.locator('[data-hyperparameter="early_stopping_rounds"]').fill("5")
    form.locator('[data-hyperparameter="eval_metric"]').select_option("auc")
    form.locator('[data-testid="mls-form-name"]').fill("cancer-xgb")
    form.locator('[data-testid="mls-form-train"]').fill("cancer.csv")
    target = form.locator('[data-testid="mls-form-target"]')
    expect(target.locator("option", has_text=re.compile("^target$"))).to_have_count(1)
    target.select_option("target")
    form.locator('[data-testid="mls-form-submit"]').click()

    view = visible_view(page, "mls-job-view")
    wait_for_status(view, "Completed")
    log = view.locator('[data-testid="mls-job-log"]')
    expect(log).to_contain_text("early stopping", timeout=30_000)
    expect(log).to_contain_text("validation-auc:")
    view.locator('[data-testid="mls-open-job-run"]').click()
    run_view = page.locator('[data-testid="mls-run-view"]:visible')
    for metric in ("validation:auc", "train:auc"):
        card = run_view.locator(f'.jp-MLStudio-chartCard[data-metric="{metric}"]')
        expect(card.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
    points = run_view.locator(
        '.jp-MLStudio-chartCard[data-metric="validation:auc"] .scatterlayer .trace path'
    )
    expect(points.first).to_be_attached()
    (job,) = jobs_named(lab, "cancer-xgb")
    history = lab.api("GET", f"metric-histories?run_ids={job['run_id']}&keys=validation:auc")
    steps = [p["step"] for p in history["items"][0]["points"]]
    assert 5 < len(steps) < 300 and steps == list(range(len(steps))), steps  # stopped early
    pages.screenshot_themes(page, "job-xgboost-run")


def test_run_scripts_as_jobs(page: Page, lab: Lab, console_errors: list[str]) -> None:
    open_lab(page, lab)

    context_menu(page, "hello.py", "Run as Job")
    view = visible_view(page, "mls-job-view")
    expect(view.locator('[data-testid="mls-job-name"]')).to_contain_text("hello")
    wait_for_status(view, "Completed")
    expect(view.locator('[data-testid="mls-job-log"]')).to_contain_text(
        "hello from a job, step 2", timeout=30_000
    )
    expect(view.locator('[data-testid="mls-job-failure"]')).to_have_count(0)

    context_menu(page, "fails.py", "Run as Job")
    view = page.locator('[data-testid="mls-job-view"]:visible', has_text="fails-")
    wait_for_status(view, "Failed")
    expect(view.locator('[data-testid="mls-job-failure"]')).to_contain_text(
        "bad input: no rows to process"
    )
    expect(view.locator('[data-testid="mls-job-log"]')).to_contain_text("reading the input")
    screenshot(page, "job-view-failed")

    # the sidebar's filters: kind, then status
    sidebar = open_jobs(page)
    items = sidebar.locator('[data-testid="mls-job-item"]')
    sidebar.locator('[data-testid="mls-jobs-kind"]').select_option("processing")
    expect(items).to_have_count(2)  # hello and fails
    sidebar.locator('[data-testid="mls-jobs-status"]').select_option("Failed")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("fails-")
    sidebar.locator('[data-testid="mls-jobs-status"]').select_option("Running")
    expect(sidebar.locator('[data-testid="mls-jobs-empty"]')).to_have_text(
        "No jobs match these filters."
    )
    sidebar.locator('[data-testid="mls-jobs-status"]').select_option("")
    sidebar.locator('[data-testid="mls-jobs-kind"]').select_option("")
    expect(items).to_have_count(len(lab.api("GET", "jobs")["items"]))
    expect(items.first).to_contain_text("fails-")
    screenshot(page, "jobs-sidebar")

    # a long job: its log grows while it runs, and Stop ends it
    context_menu(page, "slow.py", "Run as Job")
    slow = page.locator('[data-testid="mls-job-view"]:visible', has_text="slow-")
    wait_for_status(slow, "Running")
    slow_log = slow.locator('[data-testid="mls-job-log"]')
    expect(slow_log).to_contain_text("tick 5", timeout=30_000)
    expect(slow.locator('[data-testid="mls-job-log-state"]')).to_have_text("Following…")
    screenshot(page, "job-view-running")
    expect(slow_log).to_contain_text("tick 25", timeout=30_000)
    slow.locator('[data-testid="mls-stop-job"]').click()
    wait_for_status(slow, "Stopped")
    expect(slow.locator('[data-testid="mls-job-log-state"]')).to_have_text("Complete")
    expect(slow.locator('[data-testid="mls-stop-job"]')).to_be_disabled()
    lines = slow_log.inner_text().splitlines()
    ticks = [line for line in lines if line.startswith("tick ")]
    assert ticks == [f"tick {i}" for i in range(len(ticks))], ticks  # no gap, no repeat

    # Clone: a new job with the same spec, in its own view
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="fails-").click()
    before = len(lab.api("GET", "jobs")["items"])
    original = view.locator('[data-testid="mls-job-name"]').inner_text()
    view.locator('[data-testid="mls-clone-job"]').click()
    clone = page.locator('[data-testid="mls-job-view"]:visible')
    clone_name = clone.locator('[data-testid="mls-job-name"]')
    expect(clone_name).to_contain_text("fails-")
    expect(clone_name).not_to_have_text(original)
    wait_for_status(clone, "Failed")
    assert len(lab.api("GET", "jobs")["items"]) == before + 1

    # a script-mode model that is not a model folder: the job completes, and its view says
    # why register_as did not register it (a notice, not an output to copy)
    (lab.root / "joblib_train.py").write_text(
        "import os\nimport joblib\nfrom sklearn.dummy import DummyClassifier\n"
        "model = DummyClassifier().fit([[0], [1]], [0, 1])\n"
        "joblib.dump(model, os.path.join(os.environ['SM_MODEL_DIR'], 'model.joblib'))\n"
    )
    lab.api(
        "POST",
        "jobs/training",
        {"name": "joblib-train", "entry_point": "joblib_train.py", "register_as": "joblib-model"},
    )
    sidebar = open_jobs(page)
    sidebar.locator('[data-testid="mls-job-item"]', has_text="joblib-train").click()
    joblib_view = page.locator('[data-testid="mls-job-view"]:visible', has_text="joblib-train")
    wait_for_status(joblib_view, "Completed")
    notice = joblib_view.locator('[data-testid="mls-job-registration-error"]')
    expect(notice).to_contain_text("Model not registered")
    expect(notice).to_contain_text("model.joblib")
    expect(joblib_view.locator('[data-testid="mls-job-failure"]')).to_have_count(0)
    expect(joblib_view.locator('[data-testid="mls-job-outputs"]')).not_to_contain_text(
        "registration_error"
    )
    pages.screenshot_themes(page, "job-view-not-registered")
    assert not mlstudio_errors(console_errors), console_errors


def test_form_errors_inline(page: Page, lab: Lab) -> None:
    lab.api("POST", "jobs/processing", {"code": "hello.py", "name": "taken-name"})
    open_lab(page, lab)

    # the data file's context menu opens the form with the file filled in
    context_menu(page, "iris.csv", "New Training Job with This Data")
    form = page.locator('[data-testid="mls-job-form"]:visible')
    expect(form.locator('[data-testid="mls-form-train"]')).to_have_value("iris.csv")
    form.locator('[data-testid="mls-form-algorithm"]').select_option("random-forest-classifier")
    form.locator('[data-testid="mls-form-target"]').select_option("target")
    count = len(lab.api("GET", "jobs")["items"])

    # out of range: said next to the field at once, and nothing is sent
    n_estimators = form.locator('[data-hyperparameter="n_estimators"]')
    n_estimators.fill("0")
    error = form.locator('[data-testid="mls-field-error"]')
    expect(error).to_have_text("Must be ≥ 1.")
    form.locator('[data-testid="mls-form-submit"]').click()
    expect(form.locator('[data-testid="mls-form-error"]')).to_contain_text("marked in red")
    assert len(lab.api("GET", "jobs")["items"]) == count
    n_estimators.fill("10")
    expect(error).to_have_count(0)

    # a rule across parameters only the server checks: its 400 message, input kept
    form.locator('[data-testid="mls-form-algorithm"]').select_option("logistic-regression")
    form.locator('[data-hyperparameter="l1_ratio"]').fill("0.5")
    form.locator('[data-testid="mls-form-submit"]').click()
    message = form.locator('[data-testid="mls-form-error"]')
    expect(message).to_contain_text("l1_ratio 0.5 needs solver 'saga'")
    expect(form.locator('[data-hyperparameter="l1_ratio"]')).to_have_value("0.5")
    expect(form.locator('[data-testid="mls-form-train"]')).to_have_value("iris.csv")
    pages.screenshot_themes(page, "job-form-error")

    # a taken name: the server's 409 message
    form.locator('[data-hyperparameter="solver"]').select_option("saga")
    form.locator('[data-testid="mls-form-name"]').fill("taken-name")
    form.locator('[data-testid="mls-form-submit"]').click()
    expect(message).to_contain_text("already exists")
    assert len(lab.api("GET", "jobs")["items"]) == count

    # fixed: the job starts and the form closes
    form.locator('[data-testid="mls-form-name"]').fill("")
    form.locator('[data-testid="mls-form-submit"]').click()
    view = visible_view(page, "mls-job-view")
    expect(view.locator('[data-testid="mls-job-name"]')).to_contain_text("logistic-regression")
    wait_for_status(view, "Completed")
    expect(page.locator('[data-testid="mls-job-form"]')).to_have_count(0)


def test_palette_and_launcher(page: Page, lab: Lab) -> None:
    open_lab(page, lab)
    card = page.locator(".jp-LauncherCard", has_text="New Training Job")
    expect(card).to_have_count(1)
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("Open Jobs")
    page.locator(".lm-CommandPalette-item", has_text="Open Jobs").click()
    expect(page.locator(".jp-MLStudio-jobsSidebar")).to_be_visible()
    card.click()
    expect(page.locator('[data-testid="mls-job-form"]:visible')).to_have_count(1)
    page.locator("#jp-MainMenu").get_by_text("ML Studio", exact=True).click()
    menu = page.locator(".lm-Menu")
    expect(menu.locator(".lm-Menu-item", has_text="Open Jobs")).to_be_visible()
    expect(menu.locator(".lm-Menu-item", has_text="New Training Job")).to_be_visible()
    page.keyboard.press("Escape")


SPARK_TOTALS = textwrap.dedent(
    """\
    import os, sys, time
    from pyspark.sql import SparkSession, functions as F
    spark = SparkSession.builder.getOrCreate()
    print("master=" + spark.sparkContext.master, flush=True)
    frame = spark.read.csv(sys.argv[1], header=True, inferSchema=True)
    frame.groupBy("species").agg(F.count("*").alias("flowers")).write.parquet(sys.argv[2])
    print(f"flowers={frame.count()}", flush=True)
    time.sleep(8)  # the view shows the Spark UI link while it runs
    spark.stop()
    """
)


def _seconds(duration: str) -> float:
    """Seconds in a shown duration: `850ms`, `12.3s`, `1m 05s`."""
    if duration.endswith("ms"):
        return float(duration[:-2]) / 1000
    if "m " in duration:
        minutes, seconds = duration.split("m ")
        return int(minutes) * 60 + float(seconds.rstrip("s"))
    return float(duration.rstrip("s"))


def test_run_a_pyspark_script_as_a_spark_job(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    """Run as Spark Job…: a refusal stays in the dialog with what was typed; then the
    job runs on a local Spark with 2 cores, links its Spark UI while running, and
    delivers its event logs."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    flowers = iris.frame.assign(species=iris.target_names[iris.target])
    (lab.root / "flowers").mkdir()
    for part in range(3):
        flowers.iloc[part::3].to_csv(lab.root / "flowers" / f"part-{part}.csv", index=False)
    (lab.root / "spark_totals.py").write_text(SPARK_TOTALS)
    open_lab(page, lab)
    pages.switch_theme(page, dark=True)  # a modal dialog blocks the theme menu later

    context_menu(page, "spark_totals.py", "Run as Spark Job…")
    dialog = page.locator(".jp-Dialog")
    expect(dialog.get_by_test_id("mls-spark-job-dialog")).to_be_visible()
    dialog.get_by_test_id("mls-spark-instance-count").fill("0")
    expect(dialog.locator(".jp-mod-accept")).to_be_disabled()  # below the input's min
    dialog.get_by_test_id("mls-spark-instance-count").fill("2")
    dialog.get_by_test_id("mls-spark-arguments").fill(
        f"{lab.root / 'flowers'} {lab.root / 'totals.parquet'}"
    )
    dialog.get_by_test_id("mls-spark-event-logs").fill("../outside")
    dialog.locator(".jp-mod-accept").click()
    # the server's refusal, in the dialog opened again with what was typed
    dialog = page.locator(".jp-Dialog")
    expect(dialog.get_by_test_id("mls-feature-dialog-error")).to_contain_text(
        "spark_event_logs_uri"
    )
    expect(dialog.get_by_test_id("mls-spark-arguments")).to_have_value(re.compile("flowers"))
    expect(dialog.get_by_test_id("mls-spark-instance-count")).to_have_value("2")
    dialog.get_by_test_id("mls-spark-event-logs").fill("spark-events")
    screenshot(page, "job-spark-dialog-dark")
    dialog.locator(".jp-mod-accept").click()

    view = visible_view(page, "mls-job-view")
    expect(view.locator('[data-testid="mls-job-name"]')).to_contain_text("spark_totals")
    link = view.get_by_test_id("mls-job-spark-ui")
    expect(link).to_contain_text("open the Spark UI", timeout=JOB_TIMEOUT)
    expect(link.locator("a")).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+$"))
    expect(view.locator('[data-testid="mls-job-log"]')).to_contain_text(
        "master=local[2]", timeout=JOB_TIMEOUT
    )
    # Duration ticks from started_at to now while it runs (the script sleeps 8 s), not
    # the server's updated_at - started_at.
    duration = view.get_by_test_id("mls-job-duration")
    before = _seconds(duration.inner_text())
    page.wait_for_timeout(2_000)
    expect(view.get_by_test_id("mls-job-status")).to_contain_text("Running")
    assert _seconds(duration.inner_text()) >= before + 1.5, duration.inner_text()
    screenshot(page, "job-spark-running-dark")
    pages.switch_theme(page, dark=False)
    screenshot(page, "job-spark-running")
    wait_for_status(view, "Completed")
    # once ended: ended - started, still
    ended = duration.inner_text()
    assert _seconds(ended) >= 8, ended
    page.wait_for_timeout(1_500)
    assert duration.inner_text() == ended
    expect(link).to_have_count(0)  # the UI ended with the job
    outputs = view.get_by_test_id("mls-job-outputs")
    expect(outputs).to_contain_text("spark_event_logs")
    expect(outputs).not_to_contain_text("spark_ui")
    expect(view.locator('[data-testid="mls-job-log"]')).to_contain_text("flowers=150")
    assert any((lab.root / "spark-events").iterdir())
    assert (lab.root / "totals.parquet").is_dir()
    assert not mlstudio_errors(console_errors), console_errors


def test_xgboost_across_two_dask_workers_from_the_form(page: Page, lab: Lab) -> None:
    """The form offers an instance count for the boosters only; 2 trains across a local
    Dask cluster of two workers that the job starts."""
    from sklearn.datasets import load_breast_cancer

    if not (lab.root / "cancer.csv").exists():
        load_breast_cancer(as_frame=True).frame.to_csv(lab.root / "cancer.csv", index=False)
    open_lab(page, lab)
    sidebar = open_jobs(page)
    sidebar.locator('[data-testid="mls-new-training-job"]').click()
    form = page.locator('[data-testid="mls-job-form"]:visible')
    algorithm = form.locator('[data-testid="mls-form-algorithm"]')
    algorithm.select_option("random-forest-classifier")
    expect(form.get_by_test_id("mls-form-instance-count")).to_have_count(0)
    algorithm.select_option("xgboost-classifier")
    count = form.get_by_test_id("mls-form-instance-count")
    expect(count).to_have_value("1")
    count.fill("0")
    expect(form.get_by_test_id("mls-field-error")).to_contain_text("whole number from 1 to 256")
    count.fill("2")
    form.locator('[data-hyperparameter="num_round"]').fill("40")
    form.locator('[data-testid="mls-form-name"]').fill("cancer-xgb-dask")
    form.locator('[data-testid="mls-form-train"]').fill("cancer.csv")
    target = form.locator('[data-testid="mls-form-target"]')
    expect(target.locator("option", has_text=re.compile("^target$"))).to_have_count(1)
    target.select_option("target")
    expect(form.get_by_test_id("mls-field-error")).to_have_count(0)
    count.scroll_into_view_if_needed()
    pages.screenshot_themes(page, "job-form-instance-count")
    form.locator('[data-testid="mls-form-submit"]').click()

    view = visible_view(page, "mls-job-view")
    expect(view.locator('[data-testid="mls-job-name"]')).to_contain_text("cancer-xgb-dask")
    wait_for_status(view, "Completed")
    log = view.locator('[data-testid="mls-job-log"]')
    expect(log).to_contain_text("distributed training on 2 Dask worker(s)", timeout=30_000)
    expect(log).to_contain_text("validation-logloss:")
    (job,) = jobs_named(lab, "cancer-xgb-dask")
    assert job["spec"]["instance_count"] == 2


HOSTS = textwrap.dedent(
    """\
    import os, sys, time
    host, attempt = os.environ["SM_CURRENT_HOST"], os.environ["MLSTUDIO_ATTEMPT"]
    folder = os.environ["MLSTUDIO_CHECKPOINT_DIR"]
    print(f"{host} of {os.environ['WORLD_SIZE']} hosts, attempt {attempt}", flush=True)
    if host == "algo-1":
        open(os.path.join(folder, "epoch.txt"), "w").write("3")
    time.sleep(1)
    if host == "algo-3" and attempt == "1":
        sys.exit("algo-3 lost its data")
    print(f"{host} done", flush=True)
    """
)


def test_a_multi_host_job_shows_each_host(page: Page, lab: Lab) -> None:
    """Three hosts; the first attempt fails on algo-3 and the retry completes. The
    view shows each host's state and, clicked, only that host's output."""
    (lab.root / "hosts.py").write_text(HOSTS)
    lab.api(
        "POST",
        "jobs/training",
        {
            "name": "three-hosts",
            "entry_point": "hosts.py",
            "instance_count": 3,
            "max_retry_attempts": 1,
        },
    )
    open_lab(page, lab)
    sidebar = open_jobs(page)
    sidebar.locator('[data-testid="mls-job-item"]', has_text="three-hosts").click()
    view = visible_view(page, "mls-job-view")
    wait_for_status(view, "Completed")
    hosts = view.get_by_test_id("mls-job-host")
    expect(hosts).to_have_count(4)  # All and three hosts
    for name in ("algo-1", "algo-2", "algo-3"):
        expect(view.locator(f'[data-host="{name}"]')).to_contain_text("completed")
    log = view.locator('[data-testid="mls-job-log"]')
    expect(log).to_contain_text("attempt 1 failed: Host algo-3 exited with code 1")
    expect(log).to_contain_text("attempt 2 of 2: 1 checkpoint file(s) restored")
    view.locator('[data-host="algo-3"]').click()
    expect(log).to_contain_text("algo-3 lost its data")
    expect(log).not_to_contain_text("algo-1 of 3 hosts")
    expect(view.get_by_test_id("mls-job-outputs")).to_contain_text("checkpoints")
    expect(view.get_by_test_id("mls-job-outputs")).not_to_contain_text("host:")
    pages.screenshot_themes(page, "job-multi-host")
    view.locator('[data-host="all"]').click()
    expect(log).to_contain_text("algo-1 of 3 hosts")
