"""Path fields over REST on a real server: a NUL byte in any of them is one clear 400
(it used to reach ``Path.resolve()`` and answer 500), and Data Wrangler sources are
confined to the server's root unless ``c.MLStudio.allowed_data_roots`` allows more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Call

NUL = "a\u0000b"


def flow(path: str = "data/x.csv", **source: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "sources": [{"id": "src", "kind": "csv", "path": path, **source}],
        "steps": [],
    }


TRAIN = {"algorithm": "random-forest-classifier", "target": "y", "channels": {"train": "t.csv"}}
SCRIPT = {"entry_point": "train.py"}
PROCESS = {"code": "job.py"}
BATCH = {"model": "m", "input": "in.csv", "output": "out"}


def wrangle(route: str, **extra: Any) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    return ("POST", ("wrangler", route), {"path": "f.flow", "flow": flow(), **extra})


# (method, route, valid body, the field to poison as a JSON path, where the value goes)
CASES: dict[str, tuple[str, tuple[str, ...], dict[str, Any], list[Any]]] = {
    "wrangler/preview path": (*wrangle("preview"), ["path"]),
    "wrangler/report path": (*wrangle("report"), ["path"]),
    "wrangler/export path": (*wrangle("export", format="script"), ["path"]),
    "wrangler/job path": ("POST", ("wrangler", "job"), {"path": "f.flow"}, ["path"]),
    "flow source path (preview)": (*wrangle("preview"), ["flow", "sources", 0, "path"]),
    "flow source path (report)": (*wrangle("report"), ["flow", "sources", 0, "path"]),
    "flow source path (export)": (
        *wrangle("export", format="script"),
        ["flow", "sources", 0, "path"],
    ),
    "flow sql source url": (
        "POST",
        ("wrangler", "preview"),
        {
            "path": "f.flow",
            "flow": {
                "schema_version": 1,
                "sources": [{"id": "db", "kind": "sql", "url": "sqlite:///x.db", "query": "q"}],
            },
        },
        ["flow", "sources", 0, "url"],
    ),
    "batch-transform input": ("POST", ("jobs", "batch-transform"), BATCH, ["input"]),
    "batch-transform output": ("POST", ("jobs", "batch-transform"), BATCH, ["output"]),
    "training channel": ("POST", ("jobs", "training"), TRAIN, ["channels", "train"]),
    "training entry_point": ("POST", ("jobs", "training"), SCRIPT, ["entry_point"]),
    "training source_dir": (
        "POST",
        ("jobs", "training"),
        {**SCRIPT, "source_dir": "src"},
        ["source_dir"],
    ),
    "training working_dir": (
        "POST",
        ("jobs", "training"),
        {**SCRIPT, "working_dir": "w"},
        ["working_dir"],
    ),
    "training environment": (
        "POST",
        ("jobs", "training"),
        {**SCRIPT, "environment": {"A": "1"}},
        ["environment", "A"],
    ),
    "processing code": ("POST", ("jobs", "processing"), PROCESS, ["code"]),
    "processing argument": (
        "POST",
        ("jobs", "processing"),
        {**PROCESS, "arguments": ["--x"]},
        ["arguments", 0],
    ),
    "processing input source": (
        "POST",
        ("jobs", "processing"),
        {**PROCESS, "inputs": [{"name": "data", "source": "d.csv"}]},
        ["inputs", 0, "source"],
    ),
    "processing input destination": (
        "POST",
        ("jobs", "processing"),
        {**PROCESS, "inputs": [{"name": "data", "source": "d.csv", "destination": "in"}]},
        ["inputs", 0, "destination"],
    ),
    "processing output source": (
        "POST",
        ("jobs", "processing"),
        {**PROCESS, "outputs": [{"name": "out", "source": "o"}]},
        ["outputs", 0, "source"],
    ),
    "processing output destination": (
        "POST",
        ("jobs", "processing"),
        {**PROCESS, "outputs": [{"name": "out", "destination": "o"}]},
        ["outputs", 0, "destination"],
    ),
    "model version artifact_path": (
        "POST",
        ("models", "m", "versions"),
        {"run_id": "r", "artifact_path": "model"},
        ["artifact_path"],
    ),
}


def poison(body: dict[str, Any], where: list[Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    target: Any = body
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = NUL
    return body


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
async def test_a_nul_byte_in_any_path_field_is_a_400(
    call: Call, case: tuple[str, tuple[str, ...], dict[str, Any], list[Any]]
) -> None:
    method, route, body, where = case
    status, error = await call(method, *route, body=poison(body, where))
    assert status == 400, error
    message = error["error"]["message"]
    assert error["error"]["code"] == "INVALID_ARGUMENT"
    assert "NUL byte" in message, message
    assert str(where[-1]) in message, message  # names the field


@pytest.mark.parametrize(
    "route",
    [("data", "columns"), ("runs", "r1", "artifacts"), ("runs", "r1", "artifacts", "content")],
    ids=["data/columns", "artifacts", "artifacts/content"],
)
async def test_a_nul_byte_in_a_path_query_is_a_400(call: Call, route: tuple[str, ...]) -> None:
    status, error = await call("GET", *route, params={"path": NUL})
    assert status == 400, error
    assert "NUL byte" in error["error"]["message"]


# -- confinement of Data Wrangler sources ------------------------------------------------

OUTSIDE = "/etc/passwd"


def outside_flow() -> dict[str, Any]:
    return flow(OUTSIDE, sep=":", options={"header": None})


async def wrangler_calls(call: Call, root: Path) -> dict[str, tuple[int, Any]]:
    """Preview, report, export and a flow job of a flow whose source is /etc/passwd."""
    document = outside_flow()
    (root / "passwd.flow").write_text(json.dumps(document))
    body = {"path": "passwd.flow", "flow": document}
    return {
        "preview": await call("POST", "wrangler", "preview", body=body),
        "report": await call("POST", "wrangler", "report", body=body),
        "export": await call("POST", "wrangler", "export", body={**body, "format": "script"}),
        "job": await call("POST", "wrangler", "job", body={"path": "passwd.flow"}),
        "processing job": await call("POST", "jobs", "processing", body={"code": "passwd.flow"}),
    }


async def test_a_source_outside_the_root_is_refused(call: Call, jp_root_dir: Path) -> None:
    results = await wrangler_calls(call, jp_root_dir)
    for what, (status, payload) in results.items():
        assert status == 400, (what, payload)
        message = payload["error"]["message"]
        assert "outside the server's root folder" in message, (what, message)
        assert "allowed_data_roots" in message
        assert "root:" not in json.dumps(payload)  # nothing of the file leaks
    # a relative path that climbs out is the same
    body = {"path": "f.flow", "flow": flow("../../../../../../etc/passwd")}
    status, payload = await call("POST", "wrangler", "preview", body=body)
    assert status == 400 and "outside the server's root folder" in payload["error"]["message"]
    # and a symlink inside the root that points outside
    (jp_root_dir / "link.csv").symlink_to(OUTSIDE)
    body = {"path": "f.flow", "flow": flow("link.csv")}
    status, payload = await call("POST", "wrangler", "preview", body=body)
    assert status == 400 and "outside the server's root folder" in payload["error"]["message"]
    # a SQLite database outside the root, too
    sql = {"id": "db", "kind": "sql", "url": "sqlite:////etc/x.db", "query": "select 1"}
    body = {"path": "f.flow", "flow": {"schema_version": 1, "sources": [sql]}}
    status, payload = await call("POST", "wrangler", "preview", body=body)
    assert status == 400 and "outside the server's root folder" in payload["error"]["message"]


class TestAllowedDataRoots:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any]) -> dict[str, Any]:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}},
            "MLStudio": {"allowed_data_roots": ["/etc"]},
        }

    async def test_an_allowed_root_can_be_read(self, call: Call, jp_root_dir: Path) -> None:
        results = await wrangler_calls(call, jp_root_dir)
        status, preview = results["preview"]
        assert status == 200, preview
        assert preview["error"] is None and preview["preview"]["rows"], preview
        assert results["report"][0] == 200, results["report"]
        assert results["export"][0] == 201, results["export"]
        for what in ("job", "processing job"):
            status, job = results[what]
            assert status == 201, job
            await call("POST", "jobs", job["id"], "stop", body={})


@pytest.mark.parametrize(
    ("route", "body"),
    [
        (("jobs", "processing"), {"code": "p.py", "inputs": [{"name": "d", "source": "~zq9/x"}]}),
        (("jobs", "training"), {"entry_point": "t.py", "channels": {"train": "~zq9/x.csv"}}),
        (("wrangler", "preview"), {"path": "f.flow", "flow": flow("~zq9/x.csv")}),
    ],
    ids=["processing input", "training channel", "flow source"],
)
async def test_a_home_of_no_user_is_a_400(
    call: Call, route: tuple[str, ...], body: dict[str, Any]
) -> None:
    """``~name`` of a user that does not exist made pathlib raise RuntimeError: a 500
    schemathesis found."""
    status, error = await call("POST", *route, body=body)
    assert status == 400, error
    assert "no such user" in error["error"]["message"]
