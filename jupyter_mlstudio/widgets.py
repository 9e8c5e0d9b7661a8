"""Notebook widgets: ``mls.widgets.RunMonitor(run)`` charts a run's metrics while it trains.

    monitor = mls.widgets.RunMonitor(run)   # or a run id
    display(monitor)
    for epoch in range(100):
        run.log_metric("loss", loss, step=epoch)

A background thread reads the run's metric histories from the store every ``refresh``
seconds and redraws a small chart per metric (matplotlib, rendered to a PNG shown in an
``ipywidgets.Image``, so it needs nothing in the browser beyond ipywidgets). It stops by
itself once the run has ended, or on ``stop()`` / ``close()``. Metrics logged with the
SDK reach the store within a fraction of a second (they are written in batches), so the
chart trails the training loop by at most ``refresh`` plus that.
"""

from __future__ import annotations

import html
import io
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import ipywidgets
from matplotlib.figure import Figure

from .errors import NotFoundError
from .experiments.downsample import downsample
from .experiments.run_entities import Metric
from .studio import default_studio

MAX_CHARTS = 12
COLUMNS = 3

__all__ = ["RunMonitor"]


class RunMonitor(ipywidgets.VBox):  # type: ignore[misc]  # ipywidgets has no type hints
    """Live charts of one run's metrics; ``display(monitor)`` shows it.

    ``run`` is an active run, a ``Run`` or a run id; ``metrics`` picks the metric keys
    (default: every metric the run has, discovered as they appear); ``refresh`` is the
    polling interval in seconds; ``max_points`` caps the points drawn per metric.
    """

    def __init__(
        self,
        run: Any,
        metrics: Sequence[str] | None = None,
        refresh: float = 1.0,
        *,
        max_points: int = 2_000,
        start: bool = True,
    ) -> None:
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        if not isinstance(refresh, int | float) or not refresh > 0:
            raise ValueError("refresh must be a positive number of seconds.")
        self.run_id: str = run if isinstance(run, str) else run.id
        self.metrics = list(metrics) if metrics is not None else None
        self.refresh = float(refresh)
        self.max_points = max_points
        self.history: dict[str, list[Metric]] = {}
        self.status = "RUNNING"
        self.error: str | None = None
        self._experiments = default_studio().experiments
        self._run_name = self._experiments.get_run(self.run_id).name  # fails early on a bad id
        self._header = ipywidgets.HTML()
        self._chart = ipywidgets.Image(format="png")
        super().__init__(children=[self._header, self._chart])
        self._show_status()
        if start:
            self.start()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start polling in the background (done by the constructor unless ``start=False``)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_event.clear()
        self._thread = threading.Thread(target=self._loop, name="mlstudio-run-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop polling; the chart keeps what it last showed."""
        self._stop_event.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the background poller is still going."""
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        self.stop()
        super().close()

    def _loop(self) -> None:
        while not self._stop_event.is_set():
            try:
                if not self.poll():
                    return
            except NotFoundError as exc:
                self.error = exc.message
                self._show_status()
                return
            except Exception as exc:  # keep trying: a locked database, a network store…
                self.error = f"{type(exc).__name__}: {exc}"
                self._show_status()
            if self._stop_event.wait(self.refresh):
                return

    # -- one refresh -----------------------------------------------------------------
    def poll(self) -> bool:
        """Read the run and its metric histories once and redraw; whether it is still running."""
        run = self._experiments.get_run(self.run_id)
        keys = self.metrics if self.metrics is not None else sorted(run.metrics)
        histories = {
            k: self._experiments.get_metric_history(self.run_id, k) for k in keys[:MAX_CHARTS]
        }
        if _sizes(histories) != _sizes(self.history):  # redraw only when something arrived
            self._chart.value = render_png(histories, self.max_points)
        self.history = histories
        self.status = run.status
        self.error = None
        self._show_status()
        return run.status == "RUNNING"

    def _show_status(self) -> None:
        parts = [
            f"<b>{html.escape(self._run_name)}</b>",
            html.escape(self.status.title()),  # Finished, Running: as the panels show it
            f"{sum(len(h) for h in self.history.values())} points",
            f"updated {time.strftime('%H:%M:%S')}",
        ]
        if self.error:
            parts.append(
                f"<span style='color: var(--jp-error-color1)'>{html.escape(self.error)}</span>"
            )
        elif not self.history:
            parts.append("waiting for metrics…")
        self._header.value = " · ".join(parts)


def render_png(history: dict[str, list[Metric]], max_points: int = 2_000) -> bytes:
    """One small line chart per metric (step on x), as PNG bytes."""
    keys = [k for k, values in history.items() if values]
    if not keys:
        return b""
    columns = min(COLUMNS, len(keys))
    rows = math.ceil(len(keys) / columns)
    figure = Figure(figsize=(4 * columns, 2.6 * rows), dpi=80, layout="constrained")
    for index, key in enumerate(keys, start=1):
        values = downsample(history[key], max_points)
        axes = figure.add_subplot(rows, columns, index)
        steps = [m.step for m in values]
        x = steps if len(set(steps)) > 1 or len(steps) == 1 else list(range(len(values)))
        axes.plot(x, [m.value for m in values], linewidth=1.4, marker="." if len(x) < 30 else "")
        axes.set_title(f"{key} = {values[-1].value:.4g}", fontsize=10)
        axes.tick_params(labelsize=8)
        axes.grid(alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _sizes(histories: dict[str, list[Metric]]) -> dict[str, int]:
    return {key: len(values) for key, values in histories.items()}
