"""Every MLflow tracking operation, fed random arguments over real HTTP: the answer is
MLflow's shape, 200 or a 4xx with an error code, never a 500."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlflow_server import Server, mlflow_request

from jupyter_mlstudio.server.handlers.mlflow_tracking import OPERATIONS

pytest.importorskip("mlflow")

FIELDS = [
    "experiment_id", "experiment_ids", "name", "new_name", "experiment_name", "tags", "filter",
    "order_by", "max_results", "page_token", "view_type", "run_view_type", "run_id",
    "run_uuid", "run_name", "user_id", "status", "end_time", "start_time", "key", "value",
    "timestamp", "step", "metrics", "params", "datasets", "metric_key",
]  # fmt: skip
ERROR_CODES = {
    "INVALID_PARAMETER_VALUE",
    "INVALID_STATE",
    "RESOURCE_DOES_NOT_EXIST",
    "RESOURCE_ALREADY_EXISTS",
}


@pytest.fixture(scope="module")
def known(server: Server) -> dict[str, str]:
    """A real experiment and run, so random arguments reach past the lookups."""
    body = json.dumps({"name": "fuzzed"}).encode()
    _, created = mlflow_request(server, "POST", "/api/2.0/mlflow/experiments/create", body)
    experiment_id = str(created["experiment_id"])
    body = json.dumps({"experiment_id": experiment_id}).encode()
    _, run = mlflow_request(server, "POST", "/api/2.0/mlflow/runs/create", body)
    run_id = run["run"]["info"]["run_id"]  # type: ignore[index]
    return {"experiment_id": experiment_id, "run_id": str(run_id)}


def _values(known: dict[str, str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(
            [*known.values(), "0", "NaN", "FINISHED", "metrics.x > 1", "%", "ALL", "-1"]
        ),
    )
    pair = st.fixed_dictionaries(
        {"key": st.one_of(st.text(max_size=8), st.integers()), "value": scalars}
    )
    return st.recursive(
        st.one_of(scalars, pair),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_arguments_never_fail_the_server(
    server: Server, known: dict[str, str], data: st.DataObject
) -> None:
    operation, method = data.draw(st.sampled_from(sorted(OPERATIONS)), label="operation")
    args = data.draw(
        st.dictionaries(st.sampled_from(FIELDS), _values(known), max_size=5), label="args"
    )
    if data.draw(st.booleans(), label="real ids"):
        args.setdefault("run_id", known["run_id"])
        args.setdefault("experiment_id", known["experiment_id"])
    path = f"/api/2.0/mlflow/{operation}"
    if method == "GET":
        query = {k: v if isinstance(v, list) else [v] for k, v in args.items()}
        flat = [
            (k, json.dumps(v) if isinstance(v, dict) else str(v))
            for k, vs in query.items()
            for v in vs
        ]
        status, body = mlflow_request(server, "GET", f"{path}?{urllib.parse.urlencode(flat)}")
    else:
        status, body = mlflow_request(server, "POST", path, json.dumps(args).encode())
    assert status in (200, 400, 404, 409), (operation, args, status, body)
    if status != 200:
        assert body.get("error_code") in ERROR_CODES, (operation, args, body)
        assert isinstance(body.get("message"), str) and body["message"]


@pytest.mark.parametrize(
    "raw", [b"{", b"[1, 2]", b"null", b'"text"', b"\xff\xfe", b'{"run_id": {"a": 1}}']
)
def test_malformed_bodies_are_bad_input(server: Server, raw: bytes) -> None:
    for operation, method in sorted(OPERATIONS):
        if method != "POST":
            continue
        if raw.startswith(b'{"run_id"') and not operation.startswith("runs/"):
            continue  # an argument the operation does not take is ignored
        if raw.startswith(b'{"run_id"') and operation in ("runs/create", "runs/search"):
            continue
        status, body = mlflow_request(server, "POST", f"/api/2.0/mlflow/{operation}", raw)
        assert status in (400, 404), (operation, raw, status, body)
        assert body.get("error_code") in ERROR_CODES, (operation, raw, body)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/2.0/mlflow/runs/search?"),
        ("POST", "/api/2.0/mlflow/experiments/search?"),
        ("POST", "/api/2.0/mlflow/logged-models/search?"),
        ("GET", "/api/2.0/mlflow/registered-models/search?max_results=1e999"),
    ],
)
def test_an_infinite_max_results_is_bad_input(server: Server, method: str, path: str) -> None:
    body = b'{"experiment_ids": ["0"], "max_results": 1e999}' if method == "POST" else None
    status, answer = mlflow_request(server, method, path, body)
    assert (status, answer.get("error_code")) == (400, "INVALID_PARAMETER_VALUE"), answer
