"""What the serving tests share besides fixtures: the data, the token and a keep-alive
HTTP client (``http.client``)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

from jupyter_mlstudio.serving import EndpointProcess

TOKEN = "serving-test-token"
X, y = load_breast_cancer(return_X_y=True, as_frame=True)

StartEndpoint = Callable[..., EndpointProcess]


def forest(seed: int) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=20, random_state=seed).fit(X, y)


class Client:
    """One keep-alive HTTP connection to an endpoint (``http.client``)."""

    def __init__(self, endpoint: EndpointProcess, token: str | None = TOKEN) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=60)
        self.auth = {"Authorization": f"Bearer {token}"} if token else {}

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        sent = {**self.auth, **(headers or {})}
        if body is not None and not isinstance(body, str | bytes):
            body = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        self.connection.request(method, path, body=body, headers=sent)
        reply = self.connection.getresponse()
        raw = reply.read()
        headers_out = {k.lower(): v for k, v in reply.getheaders()}
        parsed: Any = raw
        if headers_out.get("content-type", "").startswith("application/json"):
            parsed = json.loads(raw)
        return reply.status, headers_out, parsed

    def close(self) -> None:
        self.connection.close()


def rows(n: int, start: int = 0) -> pd.DataFrame:
    return X.iloc[start : start + n]
