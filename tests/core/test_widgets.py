"""``mls.widgets.RunMonitor``: live metric charts of a run, fed from the real store."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from IPython.core.formatters import format_display_data

import jupyter_mlstudio as mls
from jupyter_mlstudio.experiments.run_entities import Metric
from jupyter_mlstudio.widgets import RunMonitor, render_png

PNG = b"\x89PNG"


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_lazy_module_attribute() -> None:
    assert mls.widgets.RunMonitor is RunMonitor


def test_picks_up_metrics_logged_after_it_was_created() -> None:
    with mls.start_run("train") as run:
        monitor = RunMonitor(run, refresh=0.05)
        assert monitor.running and monitor.history == {}
        assert "waiting for metrics" in monitor._header.value
        for step in range(5):
            run.log_metrics({"loss": 1.0 / (step + 1), "acc": step / 5}, step=step)
        eventually(lambda: len(monitor.history.get("loss", ())) == 5)
        eventually(lambda: len(monitor.history.get("acc", ())) == 5)
        assert [m.step for m in monitor.history["loss"]] == [0, 1, 2, 3, 4]
        assert bytes(monitor._chart.value).startswith(PNG)
        run.log_metric("loss", 0.1, step=5)  # later values keep arriving
        eventually(lambda: len(monitor.history["loss"]) == 6)
        assert monitor.status == "RUNNING"
    eventually(lambda: not monitor.running)  # stops by itself once the run has ended
    assert monitor.status == "FINISHED"
    assert "Finished" in monitor._header.value


def test_only_the_chosen_metrics() -> None:
    with mls.start_run("train") as run:
        monitor = RunMonitor(run.id, metrics=["acc"], refresh=0.05)
        run.log_metrics({"loss": 0.5, "acc": 0.7})
        eventually(lambda: "acc" in monitor.history)
        monitor.poll()
        assert set(monitor.history) == {"acc"}
        monitor.stop()


def test_stop_and_close() -> None:
    with mls.start_run("train") as run:
        monitor = RunMonitor(run, refresh=0.05)
        monitor.stop()
        assert not monitor.running
        run.log_metric("loss", 1.0)
        run.flush()
        time.sleep(0.15)
        assert monitor.history == {}  # no polling after stop()
        monitor.start()
        eventually(lambda: "loss" in monitor.history)
        monitor.close()
        assert not monitor.running


def test_no_background_thread_when_not_started() -> None:
    with mls.start_run("train") as run:
        run.log_metric("loss", 2.0)
        monitor = RunMonitor(run, start=False)
        assert not monitor.running
        run.flush()
        assert monitor.poll() is True
        assert monitor.history["loss"][0].value == 2.0
    assert monitor.poll() is False


def test_displays_as_a_widget() -> None:
    with mls.start_run("train") as run:
        monitor = RunMonitor(run, start=False)
        data, _ = format_display_data(monitor)
        assert "application/vnd.jupyter.widget-view+json" in data
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == monitor.model_id


def test_bad_arguments() -> None:
    with pytest.raises(mls.NotFoundError):
        RunMonitor("no-such-run")
    with mls.start_run("train") as run, pytest.raises(ValueError, match="refresh"):
        RunMonitor(run, refresh=0)


def test_render_thins_long_histories() -> None:
    history = {
        "loss": [Metric("loss", 1.0 / (i + 1), step=i, timestamp=0.0) for i in range(10_000)]
    }
    assert render_png(history, max_points=100).startswith(PNG)
    assert render_png({}) == b""
