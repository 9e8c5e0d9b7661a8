"""``mls.deploy`` and the endpoint handle, as a notebook user types them."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.endpoints.service import EndpointRequestError
from jupyter_mlstudio.serving import read_capture

X, y = load_iris(return_X_y=True, as_frame=True)


def test_deploy_predict_update_capture_and_delete(mlstudio_home: Path) -> None:
    first = LogisticRegression(C=0.01, max_iter=500).fit(X, y)
    second = LogisticRegression(C=10.0, max_iter=500).fit(X, y)
    mls.register(first, "iris", input_example=X)
    mls.register(second, "iris", input_example=X)
    assert not np.array_equal(first.predict(X), second.predict(X))  # tell them apart

    endpoint = mls.deploy("iris", version=1, capture=True, timeout=120)
    try:
        assert endpoint.status == "InService"
        assert np.array_equal(endpoint.predict(X), first.predict(X))
        assert endpoint.predict(X.iloc[0].to_dict()).tolist() == first.predict(X.head(1)).tolist()
        assert [e.name for e in mls.list_endpoints()] == ["iris"]
        assert "iris" in repr(mls.get_endpoint("iris"))

        endpoint.update(version=2, timeout=120)
        assert endpoint.variants[0]["version"] == 2
        assert np.array_equal(endpoint.predict(X), second.predict(X))
        metrics = endpoint.metrics()
        assert metrics["variants"]["primary"]["requests"] == 1  # counted since the update

        # a per-endpoint body limit, rolled out like any update
        endpoint.update(max_payload_bytes=2048, timeout=120)
        with pytest.raises(EndpointRequestError, match=r"the limit is 2\.0 KB \(2048 bytes\)"):
            endpoint.predict(X)
        assert endpoint.predict(X.head(2)).tolist() == second.predict(X.head(2)).tolist()

        with pytest.raises(mls.NotFoundError, match="nope"):
            endpoint.update(model="nope")
        with pytest.raises(mls.NotFoundError, match="no version 99"):
            mls.deploy("broken", model="iris", version=99)
    finally:
        endpoint.delete()
    with pytest.raises(mls.NotFoundError):
        mls.get_endpoint("iris")
    # captured: every request of both generations, written as the workers stopped
    destination = mlstudio_home / "artifacts" / "endpoints" / "iris" / "data-capture"
    deadline = time.monotonic() + 10
    records: list[dict[str, object]] = []
    while time.monotonic() < deadline and len(records) < 4:
        records = list(read_capture(str(destination)))
        time.sleep(0.1)
    assert len(records) == 4  # the 413 was refused before a variant was chosen: not captured
    assert sorted(int(r["model_version"]) for r in records) == [1, 1, 2, 2]  # type: ignore[call-overload]
