"""CBPE on live traffic: a real endpoint deployed with ``return_probabilities`` and
capture on, a model-quality monitor given a fitted CBPE, executions (real jobs) that
estimate each window's accuracy from the captured probabilities; once labels come, the
realized accuracy drops and the estimate tracked it."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.monitor import CBPE
from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window
from jupyter_mlstudio.studio import default_studio

ROWS = 1_000  # per window
# |estimate - realized| per window. The realized accuracy of 1,000 rows near 0.7-0.95 has
# a binomial sd of at most 0.015; the model is well specified (logistic) and the shift
# is covariate-only, so CBPE is unbiased up to its 2,000-row calibration: 0.05 is >3 sd.
TOLERANCE = 0.05


def sample(rows: int, spread: float, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """P(y=1|x) is logistic in x0 (fixed concept); ``spread`` moves rows towards the
    boundary (covariate shift), where the model is less sure and less often right."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "x0": rng.normal(0.0, spread, rows),
            "x1": rng.normal(0.0, 1.0, rows),
            "x2": rng.normal(0.0, 1.0, rows),
        }
    )
    p = 1 / (1 + np.exp(-(2.0 * x["x0"] + 0.5 * x["x1"])))
    return x, (rng.random(rows) < p).astype(np.int64)


def send(endpoint: mls.Endpoint, x: pd.DataFrame) -> None:
    for first in range(0, len(x), 100):
        endpoint.predict(x.iloc[first : first + 100])


def window_rows(capture: str, start: datetime, end: datetime) -> CapturedWindow:
    deadline = time.monotonic() + 20
    while True:
        window = read_window(capture, start, end)
        if isinstance(window, CapturedWindow) and window.rows == ROWS:
            return window
        assert time.monotonic() < deadline, window
        time.sleep(0.2)


def test_executions_estimate_accuracy_from_captured_probabilities(mlstudio_home: Path) -> None:
    x_train, y_train = sample(4_000, 2.0, 1)
    model = LogisticRegression().fit(x_train, y_train)
    x_val, y_val = sample(2_000, 2.0, 2)
    cbpe = CBPE.fit(model.predict_proba(x_val), y_val, classes=model.classes_)
    mls.register(model, "cbpe-live", input_example=x_train.head(5))

    endpoint = mls.deploy(
        "cbpe-live", version=1, capture=True, return_probabilities=True, timeout=120
    )
    try:
        monitor = mls.monitor.create_schedule(
            endpoint, kind="model-quality", cron=None, name="cbpe-live-mq", cbpe=cbpe
        )
        t0 = datetime.now(timezone.utc)
        x_a, y_a = sample(ROWS, 2.0, 3)  # like the training data
        send(endpoint, x_a)
        time.sleep(1.1)
        t1 = datetime.now(timezone.utc)
        time.sleep(1.1)
        x_b, y_b = sample(ROWS, 0.5, 4)  # crowded at the boundary
        send(endpoint, x_b)
        time.sleep(1.1)
        t2 = datetime.now(timezone.utc)
        capture = str(mlstudio_home / "artifacts" / "endpoints" / "cbpe-live" / "data-capture")

        # before labels: an estimate and no realized quality
        window_rows(capture, t0, t1)  # the capture writer has flushed the window
        before = mls.monitor.run_now(monitor, start=t0, end=t1, timeout=120)
        report = default_studio().monitor.report(before.id)
        assert before.status == "NoData", before
        assert report is not None and report.get("quality") is None
        assert report["estimated_accuracy"] is not None

        # labels for both windows, by captured inference id and row (sent in order)
        for (start, end), y in (((t0, t1), y_a), ((t1, t2), y_b)):
            meta = window_rows(capture, start, end).meta.reset_index(drop=True)
            labels = pd.DataFrame(
                {
                    "inference_id": meta["inference_id"],
                    "inference_row": meta["inference_row"],
                    "label": y,
                }
            )
            mls.monitor.add_ground_truth("cbpe-live", labels)

        results = []
        for start, end in ((t0, t1), (t1, t2)):
            execution = mls.monitor.run_now(monitor, start=start, end=end, timeout=120)
            assert execution.status == "Completed", execution
            report = default_studio().monitor.report(execution.id)
            assert report is not None and report["labelled_rows"] == ROWS
            realized = report["quality"]["metrics"]["accuracy"]
            results.append((report["estimated_accuracy"], realized))
    finally:
        endpoint.delete()
    print("estimated vs realized accuracy per window:", results)
    (estimate_a, realized_a), (estimate_b, realized_b) = results
    assert realized_b < realized_a - 0.1  # the shift costs accuracy...
    assert estimate_b < estimate_a - 0.1  # ...and the estimate saw it without labels
    assert abs(estimate_a - realized_a) < TOLERANCE, results
    assert abs(estimate_b - realized_b) < TOLERANCE, results
