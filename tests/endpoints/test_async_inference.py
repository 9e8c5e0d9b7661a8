"""``endpoint.predict_async`` as a notebook user types it (issue 20): deploy with
async_config, queue a DataFrame, a file path and a bad payload; results equal the
synchronous predictions, the failure raises with the model's message, and an endpoint
without async_config refuses."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.endpoints.handle import AsyncInferenceError

X, y = load_iris(return_X_y=True, as_frame=True)


def test_predict_async_from_the_sdk(mlstudio_home: Path, tmp_path: Path) -> None:
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, "iris-async", input_example=X)
    endpoint = mls.deploy(
        "iris-async",
        async_config={"max_concurrent_invocations": 2, "output_path": str(tmp_path / "out")},
        timeout=120,
    )
    plain = mls.deploy("iris-sync", model="iris-async", timeout=120)
    try:
        frame = endpoint.predict_async(X)
        csv = tmp_path / "rows.csv"
        X.head(7).to_csv(csv, index=False, header=False)
        from_file = endpoint.predict_async(csv, content_type="text/csv")
        bad = endpoint.predict_async(b"not json")
        sync = endpoint.predict(X).tolist()
        assert frame.result(timeout=60)["predictions"] == sync == model.predict(X).tolist()
        assert from_file.result(timeout=60)["predictions"] == sync[:7]
        assert frame.output_location.startswith(str(tmp_path / "out"))
        with pytest.raises(AsyncInferenceError, match="answered 400"):
            bad.result(timeout=60)
        assert bad.status == "Failed" and Path(bad.failure_location).read_text()
        recent = endpoint.async_requests()
        assert [r.inference_id for r in recent] == [
            bad.inference_id,
            from_file.inference_id,
            frame.inference_id,
        ]
        with pytest.raises(mls.InvalidArgumentError, match="no async_config"):
            plain.predict_async(X)
        with pytest.raises(mls.InvalidArgumentError, match="is not a file"):
            endpoint.predict_async(tmp_path / "missing.csv")
    finally:
        endpoint.delete()
        plain.delete()
    assert np.asarray(sync).shape == (150,)


def test_completion_posts_a_signed_webhook(
    webhook: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    import hashlib
    import hmac
    import json

    url, received = webhook
    mls.register(LogisticRegression(max_iter=500).fit(X, y), "iris-hook", input_example=X)
    endpoint = mls.deploy(
        "iris-hook",
        async_config={
            "notification_webhook": url,
            "notification_secret": "s3cret-key",
        },
        timeout=120,
    )
    try:
        request = endpoint.predict_async(X.head(3))
        request.result(timeout=60)
        for _ in range(100):
            if received:
                break
            time.sleep(0.1)
    finally:
        endpoint.delete()
    headers, body = received[0]
    signature = headers.get("x-mlstudio-signature", "")
    expected = hmac.new(b"s3cret-key", body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    event = json.loads(body)
    assert event["inference_id"] == request.inference_id
    assert event["status"] == "Completed" and event["event"] == "AsyncInferenceCompleted"
