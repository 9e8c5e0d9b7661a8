"""Asynchronous inference on the endpoint's own port and around its life (issue 20):
``POST /async-invocations`` in SageMaker's runtime shape (a body or the
``X-Amzn-SageMaker-InputLocation`` header; 202 with the output location), the webhook
secret redacted from what the API and the SDK show, an update that turns async
inference off and on again (the serving process re-reads ``async_config``), the
finished requests the server's watcher announces, and a delete that removes the
endpoint's requests and the files written for them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
from jupyter_mlstudio.api.endpoint_models import Endpoint as EndpointOut
from jupyter_mlstudio.endpoints.async_inference import REDACTED, AsyncStatus

X, y = load_iris(return_X_y=True, as_frame=True)


def _post(
    url: str, token: str | None, body: bytes, headers: dict[str, str]
) -> tuple[int, Any, dict[str, Any]]:
    sent = {**headers, **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"{url}/async-invocations", data=body, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers, json.loads(reply.read())  # any case
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read())


def _wait_finished(endpoint: Any, inference_id: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = endpoint._service.get_async(endpoint.name, inference_id)
        if request.status in (AsyncStatus.COMPLETED, AsyncStatus.FAILED):
            return request
        time.sleep(0.1)
    raise AssertionError(f"{inference_id} did not finish in {timeout} s")


def test_runtime_route_redaction_update_and_delete(mlstudio_home: Path, tmp_path: Path) -> None:
    model = LogisticRegression(max_iter=500).fit(X, y)
    mls.register(model, "iris-runtime", input_example=X)
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    endpoint = mls.deploy(
        "iris-runtime",
        async_config={
            "max_concurrent_invocations": 2,
            "notification_webhook": "http://127.0.0.1:9/hook",
            "notification_secret": "do-not-show",
            "output_path": str(tmp_path / "results"),
        },
        timeout=120,
    )
    service = endpoint._service
    queue = service.async_queue
    artifacts = Path(service._config.artifact_uri.removeprefix("file://"))
    try:
        # the secret stays in the store; the SDK and the REST model show it redacted
        assert endpoint.async_config is not None
        assert endpoint.async_config["notification_secret"] == REDACTED
        shown = EndpointOut.from_entity(endpoint.endpoint).model_dump(mode="json")
        assert shown["async_config"]["notification_secret"] == REDACTED
        assert "do-not-show" not in json.dumps(shown)
        assert endpoint.async_config["max_concurrent_invocations"] == 2

        # POST /async-invocations with a CSV body: 202 at once, SageMaker's headers
        csv = X.head(5).to_csv(index=False, header=False).encode()
        status, headers, body = _post(
            endpoint.url or "", endpoint.token, csv, {"Content-Type": "text/csv"}
        )
        assert status == 202, body
        assert headers["X-Amzn-SageMaker-OutputLocation"] == body["OutputLocation"]
        assert body["OutputLocation"].startswith(str(tmp_path / "results"))
        assert headers["X-Inference-Id"] == body["InferenceId"]
        done = _wait_finished(endpoint, body["InferenceId"])
        assert done.status is AsyncStatus.COMPLETED, done.error
        answer = json.loads(Path(done.output_location).read_text())
        assert answer["predictions"] == model.predict(X.head(5)).tolist()

        # the input named by X-Amzn-SageMaker-InputLocation (under the artifact store)
        rows = artifacts / "inputs" / "rows.csv"
        rows.parent.mkdir(parents=True, exist_ok=True)
        X.tail(3).to_csv(rows, index=False, header=False)
        status, _, body = _post(
            endpoint.url or "",
            endpoint.token,
            b"",
            {"Content-Type": "text/csv", "X-Amzn-SageMaker-InputLocation": str(rows)},
        )
        assert status == 202, body
        by_location = _wait_finished(endpoint, body["InferenceId"])
        answer = json.loads(Path(by_location.output_location).read_text())
        assert answer["predictions"] == model.predict(X.tail(3)).tolist()
        assert by_location.input_location == rows.as_uri()

        # refusals: a file outside the readable folders, nothing to send, no token
        outside = tmp_path / "secret.csv"
        outside.write_text("1,2,3,4\n")
        status, _, body = _post(
            endpoint.url or "",
            endpoint.token,
            b"",
            {"X-Amzn-SageMaker-InputLocation": str(outside)},
        )
        assert status == 400 and "outside the folders" in body["error"]["message"]
        status, _, body = _post(endpoint.url or "", endpoint.token, b"", {})
        assert status == 400 and "needs a body" in body["error"]["message"]
        assert _post(endpoint.url or "", None, csv, {"Content-Type": "text/csv"})[0] == 401

        # the server's watcher sees both finished requests ("<endpoint>/<id>")
        announced = {rid for rid, _, _ in queue.finished_since(started)}
        assert {f"iris-runtime/{done.id}", f"iris-runtime/{by_location.id}"} <= announced

        # an update turns async inference off: the serving process stops working the
        # queue and the route refuses; on again, the queued request completes
        endpoint.update(async_config=False, timeout=120)
        assert endpoint.async_config is None
        status, _, body = _post(
            endpoint.url or "", endpoint.token, csv, {"Content-Type": "text/csv"}
        )
        assert status == 400 and "no async_config" in body["error"]["message"]
        waiting = queue.enqueue("iris-runtime", payload=csv, content_type="text/csv")
        time.sleep(2.0)
        assert queue.get(waiting.id).status is AsyncStatus.QUEUED
        endpoint.update(async_config={"max_concurrent_invocations": 3}, timeout=120)
        assert endpoint.async_config == {
            "max_concurrent_invocations": 3,
            "output_path": None,
            "notification_webhook": None,
            "notification_secret": None,
            "lease_seconds": 30.0,
        }
        assert _wait_finished(endpoint, waiting.id).status is AsyncStatus.COMPLETED
        # a secret given back redacted keeps the stored one
        endpoint.update(
            async_config={"notification_secret": "kept", "notification_webhook": None},
            timeout=120,
        )
        endpoint.update(async_config={"notification_secret": REDACTED}, timeout=120)
        stored = service.store.get("iris-runtime").config["async_config"]
        assert stored["notification_secret"] == "kept"
    finally:
        endpoint.delete()
    # the requests, their payload copies and outputs are gone; the caller's input stays
    assert queue.list("iris-runtime") == []
    assert not Path(done.output_location).exists()
    assert not Path(by_location.output_location).exists()
    assert not (artifacts / "async-inference" / "iris-runtime").exists()
    assert rows.exists()
