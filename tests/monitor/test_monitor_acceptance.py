"""Issue 17's acceptance scenario, end to end on real parts: a real endpoint process with
capture on, 2,000 rows from the training distribution then 2,000 with a mean shift in
three features and a new category in a fourth, sent as 200 requests of 10 rows each; the
monitors' SCHEDULED executions (``rate(1 minute)``, started by the scheduler's own tick,
``MonitorService.run_due``, which claims each due window in the database) as real
processing jobs; the alert POSTed to a real HTTP server and its HMAC checked; labels
uploaded; the realized accuracy in the history the chart draws, and the CBPE estimate
made from the captured probabilities before any label came.

The windows are real minutes of the schedule: the normal traffic goes in one minute and
the shifted traffic in the next, so the test waits for a minute boundary (up to a minute).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import jupyter_mlstudio as mls
from jupyter_mlstudio.monitor import CBPE, suggest_baseline
from jupyter_mlstudio.monitor.captures import CapturedWindow, read_window
from jupyter_mlstudio.monitor.history import monitor_history
from jupyter_mlstudio.monitor.service import SIGNATURE_HEADER
from jupyter_mlstudio.studio import default_studio

from .scenario import NEW_CATEGORY_FEATURE, SHIFTED, traffic

ROWS = 2_000  # per window
PER_REQUEST = 10
NUMERIC = ["income", "balance", "tenure", "age", "score", "calls"]
CATEGORICAL = ["plan", "region"]
# |estimate - realized| per window: 2,000 labelled rows give the realized accuracy a
# binomial sd of at most 0.011; the model is well specified (the label's log-odds are
# linear in the features) and the shift is in the features only, so CBPE, calibrated on
# 3,000 rows of the training distribution, is unbiased: 0.05 is more than 4 sd.
TOLERANCE = 0.05


def labels_for(frame: pd.DataFrame, seed: int) -> np.ndarray:
    """The concept, fixed: the shift moves rows towards the boundary, where the model is
    less sure and less often right."""
    z = 2.0 * (frame["income"] - 65_000) / 15_000 + 0.8 * (frame["balance"] - 3_400) / 1_400
    z = z + 0.5 * frame["score"]
    p = 1 / (1 + np.exp(-z))
    return (np.random.default_rng(seed).random(len(frame)) < p).astype(np.int64)


def model() -> Pipeline:
    prepare = ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(max_iter=1000))])


def send(endpoint: mls.Endpoint, frame: pd.DataFrame) -> None:
    for first in range(0, len(frame), PER_REQUEST):
        endpoint.predict(frame.iloc[first : first + PER_REQUEST])


def next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(timezone.utc)).total_seconds()))


def captured(capture: str, start: datetime, end: datetime) -> CapturedWindow:
    deadline = time.monotonic() + 30
    while True:
        window = read_window(capture, start, end)
        if isinstance(window, CapturedWindow) and window.rows == ROWS:
            return window
        assert time.monotonic() < deadline, window
        time.sleep(0.2)


def test_drift_alert_and_accuracy_on_live_traffic(
    mlstudio_home: Path,
    webhook: Any,
) -> None:
    url, received = webhook
    train = traffic(6_000, seed=1)
    fitted = model().fit(train, labels_for(train, 2))
    validation = traffic(3_000, seed=3)
    cbpe = CBPE.fit(
        fitted.predict_proba(validation), labels_for(validation, 4), classes=fitted.classes_
    )
    mls.register(fitted, "churn-live", input_example=train.head(5))
    endpoint = mls.deploy(
        "churn-live", version=1, capture=True, return_probabilities=True, timeout=120
    )
    service = default_studio().monitor
    try:
        drift = mls.monitor.create_schedule(
            endpoint,
            kind="data-quality",
            cron="rate(1 minute)",
            baseline=suggest_baseline(train),
            name="churn-drift",
            webhook_url=url,
            webhook_secret="accept-secret",
        )
        quality = mls.monitor.create_schedule(
            endpoint, kind="model-quality", cron="rate(1 minute)", name="churn-mq", cbpe=cbpe
        )
        # the normal minute, then the shifted one (start early enough in a minute that
        # 200 requests fit in it)
        now = datetime.now(timezone.utc)
        if now.second >= 35:
            sleep_until(next_minute(now))
        normal_start = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        normal = traffic(ROWS, seed=5)
        send(endpoint, normal)
        boundary = next_minute(normal_start)
        assert datetime.now(timezone.utc) < boundary, "the normal traffic spilled over"
        sleep_until(boundary + timedelta(seconds=0.5))
        shifted = traffic(ROWS, seed=6, shifted=True, new_category=True)
        send(endpoint, shifted)
        shifted_end = boundary + timedelta(minutes=1)
        assert datetime.now(timezone.utc) < shifted_end, "the shifted traffic spilled over"
        capture = str(mlstudio_home / "artifacts" / "endpoints" / "churn-live" / "data-capture")
        normal_rows = captured(capture, normal_start, boundary)
        shifted_rows = captured(capture, boundary, shifted_end)

        # the scheduler's tick at each window's end: both monitors' executions start
        first = service.run_due(now=boundary + timedelta(seconds=1))
        assert {e.monitor_id for e in first} == {drift.id, quality.id}
        assert all((e.window_start, e.window_end) == (normal_start, boundary) for e in first)
        assert not first[0].manual and not first[1].manual  # scheduled, not "run now"
        second = service.run_due(now=shifted_end + timedelta(seconds=1))
        assert {e.monitor_id for e in second} == {drift.id, quality.id}
        assert service.run_due(now=shifted_end + timedelta(seconds=2)) == []  # each once
        ended = {e.id: service.wait(e.id, timeout=180) for e in [*first, *second]}

        by_window = {
            (e.monitor_id, e.window_start): e for e in ended.values()
        }  # (monitor, window) → execution
        calm, drifted = by_window[(drift.id, normal_start)], by_window[(drift.id, boundary)]
        assert calm.status == "Completed" and calm.violations == 0
        assert drifted.status == "CompletedWithViolations", drifted
        flagged = {v["feature_name"] for v in service.violations(drifted.id)}
        assert flagged == {*SHIFTED, NEW_CATEGORY_FEATURE}

        # one alert, for the drifted window, signed with the monitor's secret
        assert len(received) == 1
        headers, body = received[0]
        expected = "sha256=" + hmac.new(b"accept-secret", body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER.lower()] == expected
        payload = json.loads(body)
        assert (payload["monitor"], payload["execution_id"]) == ("churn-drift", drifted.id)
        assert [a.execution_id for a in service.alerts(monitor="churn-drift")] == [drifted.id]

        # before labels the quality executions have only the estimate
        estimates = {}
        for start in (normal_start, boundary):
            execution = by_window[(quality.id, start)]
            assert execution.status == "NoData", execution
            report = service.report(execution.id)
            assert report is not None and report.get("quality") is None
            estimates[start] = report["estimated_accuracy"]

        # labels for every captured row (sent in order, so rows match the frames)
        for window, frame, seed in ((normal_rows, normal, 5), (shifted_rows, shifted, 6)):
            meta = window.meta.reset_index(drop=True)
            mls.monitor.add_ground_truth(
                "churn-live",
                pd.DataFrame(
                    {
                        "inference_id": meta["inference_id"],
                        "inference_row": meta["inference_row"],
                        "label": labels_for(frame, seed + 100),
                    }
                ),
            )
        for start, end in ((normal_start, boundary), (boundary, shifted_end)):
            execution = mls.monitor.run_now(quality, start=start, end=end, timeout=180)
            assert execution.status == "Completed", execution
    finally:
        endpoint.delete()

    # the chart's data: realized accuracy dropped, and the estimate had tracked it
    points = monitor_history(service, "churn-mq").quality
    assert [p.labelled_rows for p in points] == [ROWS, ROWS]
    realized = [p.metrics["accuracy"] for p in points]
    estimated = [p.estimated_accuracy for p in points]
    print("realized vs estimated accuracy:", realized, estimated, "before labels:", estimates)
    assert realized[1] is not None and realized[0] is not None
    assert realized[1] < realized[0] - 0.08  # 0.88 → 0.77 with these seeds
    pairs = zip(estimates.values(), estimated, realized, strict=True)
    for before, window_estimate, actual in pairs:
        assert before == window_estimate  # the same captured probabilities, the same estimate
        assert window_estimate is not None and abs(window_estimate - actual) < TOLERANCE
