"""The model registry over REST on a real server."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls

if TYPE_CHECKING:
    from conftest import Call


def approve_iris_v1(call: Call, status: str, comment: str) -> Awaitable[tuple[int, Any]]:
    """Set the approval status of version 1 of the model iris."""
    body = {"status": status, "comment": comment}
    return call("POST", "models", "iris", "versions", "1", "approval", body=body)


def run_with_model(c: float) -> str:
    X, y = load_iris(return_X_y=True, as_frame=True)
    with mls.start_run("iris", name=f"C={c}") as run:
        run.log_param("C", c)
        run.log_metric("accuracy", 0.9 + c / 100)
        run.log_model(LogisticRegression(C=c, max_iter=500).fit(X, y), X=X)
    return run.id


async def test_register_approve_alias_card_and_lineage(call: Call) -> None:
    first, second = run_with_model(0.5), run_with_model(1.0)
    status, v1 = await call("POST", "models", "iris", "versions", body={"run_id": first})
    assert status == 201, v1
    assert (v1["version"], v1["approval_status"], v1["source_run_id"]) == (
        1,
        "PendingManualApproval",
        first,
    )
    status, v2 = await call("POST", "models", "iris", "versions", body={"run_id": second})
    assert (status, v2["version"]) == (201, 2)

    status, page = await call("GET", "models", params={"search": "IRI"})
    assert [g["name"] for g in page["items"]] == ["iris"] and page["items"][0][
        "latest_version"
    ] == 2
    status, versions = await call("GET", "models", "iris", "versions")
    assert [v["version"] for v in versions["items"]] == [2, 1]

    # only description, tags and card change; artifacts are immutable
    status, error = await call(
        "PATCH", "models", "iris", "versions", "1", body={"artifact_uri": "file:///x"}
    )
    assert status == 409 and "immutable" in error["error"]["message"]
    status, updated = await call(
        "PATCH",
        "models",
        "iris",
        "versions",
        "1",
        body={"card": {"intended_use": "Teaching"}, "description": "first"},
    )
    assert status == 200 and updated["card"]["intended_use"] == "Teaching"

    status, error = await approve_iris_v1(call, "Approved", "")
    assert status == 400 and "comment" in error["error"]["message"]
    status, approved = await approve_iris_v1(call, "Approved", "holdout AUC ok")
    assert status == 200 and approved["approval_status"] == "Approved"
    assert approved["approvals"][0]["comment"] == "holdout AUC ok"

    status, aliased = await call(
        "PUT", "models", "iris", "aliases", "champion", body={"version": 1}
    )
    assert status == 200 and aliased["aliases"] == ["champion"]
    await call("PUT", "models", "iris", "aliases", "champion", body={"version": 2})
    status, resolved = await call("GET", "models", "iris", "aliases", "champion")
    assert resolved["version"] == 2
    status, group = await call("GET", "models", "iris")
    assert group["aliases"] == {"champion": 2}

    status, card = await call("GET", "models", "iris", "versions", "1", "card")
    assert status == 200 and card.startswith("# Model card: iris version 1")
    assert "Teaching" in card and "holdout AUC ok" in card
    status, lineage = await call("GET", "models", "iris", "versions", "1", "lineage")
    assert lineage["run"]["id"] == first and lineage["run"]["experiment_name"] == "iris"

    status, _ = await call("DELETE", "models", "iris", "aliases", "champion")
    assert status == 204
    status, error = await call("DELETE", "models", "iris")
    assert status == 409 and "force" in error["error"]["message"]
    status, _ = await call("DELETE", "models", "iris", params={"force": "true"})
    assert status == 204
    status, _ = await call("GET", "models", "iris")
    assert status == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "message"),
    [
        ("POST", ("models", "m", "versions"), {}, 400, "either run_id or job_id"),
        ("POST", ("models", "m", "versions"), {"run_id": "nope"}, 400, "No run with id"),
        # the missing job is the body's, not the path's: 400 (was a 404 that schemathesis
        # read as "the model just created is gone")
        ("POST", ("models", "m", "versions"), {"job_id": "nope"}, 400, "No job with id"),
        ("POST", ("models",), {"name": "bad name"}, 400, "Model name"),
        ("GET", ("models", "nope"), None, 404, "No model named"),
        ("GET", ("models", "nope", "versions", "x"), None, 400, "not a version number"),
        ("GET", ("models", "nope", "versions", "1"), None, 404, "No model named"),
        ("PUT", ("models", "nope", "aliases", "a"), {"version": 0}, 400, "version"),
    ],
    ids=[
        "no-source",
        "unknown-run",
        "unknown-job",
        "bad-name",
        "404",
        "bad-version",
        "404-version",
        "alias-0",
    ],
)
async def test_bad_registry_requests(
    call: Call, method: str, path: tuple[str, ...], body: Any, code: int, message: str
) -> None:
    status, error = await call(method, *path, body=body)
    assert status == code, error
    assert message in error["error"]["message"]


async def test_registering_a_run_without_a_model_is_a_400(call: Call) -> None:
    with mls.start_run("iris") as run:
        run.log_metric("m", 1.0)
    status, error = await call("POST", "models", "m", "versions", body={"run_id": run.id})
    assert status == 400 and "has no model under model/" in error["error"]["message"]


async def test_the_approver_is_a_person_not_a_token_id(call: Call) -> None:
    from jupyter_mlstudio.registry.service import current_user

    run_id = run_with_model(0.5)
    await call("POST", "models", "iris", "versions", body={"run_id": run_id})
    status, version = await approve_iris_v1(call, "Rejected", "not yet")
    assert status == 200 and version["approvals"][0]["actor"] == current_user()
