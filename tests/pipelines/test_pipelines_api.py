"""Pipelines over REST on a real Jupyter server: step types, validation, CRUD with
versions, executions (real job processes), step logs, retry, and 400s for bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Call


async def test_step_types_and_validate(call: Call) -> None:
    status, types = await call("GET", "pipelines", "step-types")
    assert status == 200
    by_type = {t["type"]: t for t in types["items"]}
    assert by_type["Training"]["schema"]["properties"]["algorithm"]["x-picker"] == "algorithm"
    assert by_type["Condition"]["properties"] == ["Outcome"]

    good = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": "p",
        "steps": [{"name": "f", "type": "Fail", "arguments": {"error_message": "x"}}],
    }
    assert await call("POST", "pipelines", "validate", body=good) == (
        200,
        {"valid": True, "errors": []},
    )
    bad = dict(good, steps=[{"name": "f", "type": "Fail", "depends_on": ["ghost"]}])
    status, result = await call("POST", "pipelines", "validate", body=bad)
    assert status == 200
    assert result == {
        "valid": False,
        "errors": [{"step": "f", "path": "depends_on", "message": "no step is named 'ghost'"}],
    }
    status, result = await call("POST", "pipelines", "validate", body={"steps": 3})
    assert status == 200 and result["valid"] is False
    assert {e["path"] for e in result["errors"]} == {"name", "steps"}
    for body in ("{not json", "[1]"):
        status, result = await call("POST", "pipelines", "validate", body=body)
        assert status == 400, result


FUNCTIONS = """
def double(x: float) -> float:
    return 2 * x
"""


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": "rest-pipe",
        "parameters": [{"name": "x", "type": "Float", "default": 2.0}],
        "steps": [
            {
                "name": "double",
                "type": "Python",
                "arguments": {
                    "file": "steps/fns.py",
                    "function": "double",
                    "kwargs": {"x": {"Get": "Parameters.x"}},
                    "outputs": [{"name": "y", "type": "Float"}],
                },
            },
            {
                "name": "check",
                "type": "Condition",
                "arguments": {
                    "conditions": [
                        {"op": "GreaterThan", "left": {"Get": "Steps.double.Outputs.y"}, "right": 3}
                    ],
                    "else_steps": ["fail"],
                },
            },
            {"name": "fail", "type": "Fail", "arguments": {"error_message": "too small"}},
        ],
    }
    document.update(changes)
    return document


async def _ended(call: Call, execution_id: str) -> dict[str, Any]:
    for _ in range(600):
        status, execution = await call("GET", "pipeline-executions", execution_id)
        assert status == 200
        if execution["status"] not in ("Executing", "Stopping"):
            return execution
        await asyncio.sleep(0.1)
    raise AssertionError("the execution did not end")


async def test_pipeline_crud_and_executions(call: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "steps").mkdir()
    (jp_root_dir / "steps" / "fns.py").write_text(FUNCTIONS)  # a path relative to the root
    status, created = await call("POST", "pipelines", body=_document())
    assert status == 201, created
    assert (created["name"], created["latest_version"]) == ("rest-pipe", 1)
    assert created["document"]["steps"][0]["name"] == "double"
    # the same document again adds no version; a changed one does
    assert (await call("POST", "pipelines", body=_document()))[1]["latest_version"] == 1
    status, changed = await call("POST", "pipelines", body=_document(description="v2"))
    assert changed["latest_version"] == 2
    status, versions = await call("GET", "pipelines", "rest-pipe", "versions")
    assert [v["version"] for v in versions["items"]] == [2, 1]
    status, listed = await call("GET", "pipelines")
    assert [p["name"] for p in listed["items"]] == ["rest-pipe"]

    status, execution = await call("POST", "pipelines", "rest-pipe", "executions", body={})
    assert status == 201, execution
    ended = await _ended(call, execution["id"])
    assert ended["status"] == "Succeeded", ended
    steps = {s["name"]: s for s in ended["steps"]}
    assert steps["double"]["outputs"]["y"] == 4.0
    assert steps["fail"]["status"] == "Skipped"
    status, log = await call(
        "GET", "pipeline-executions", execution["id"], "steps", "double", "log"
    )
    assert status == 200 and "outputs: y" in log["text"]

    # x=1 → y=2: the else branch fails the execution; retry from the start reruns it
    status, small = await call(
        "POST", "pipelines", "rest-pipe", "executions", body={"parameters": {"x": 1}}
    )
    ended = await _ended(call, small["id"])
    assert ended["status"] == "Failed" and "too small" in ended["failure_reason"]
    status, retried = await call(
        "POST", "pipeline-executions", small["id"], "retry", body={"from_step": "check"}
    )
    assert status == 201 and retried["retry_of"] == small["id"]
    ended = await _ended(call, retried["id"])
    assert {s["name"]: s["status"] for s in ended["steps"]}["double"] == "Succeeded"
    assert ended["steps"][0]["cache_source"] == small["id"]

    status, executions = await call("GET", "pipelines", "rest-pipe", "executions")
    assert len(executions["items"]) == 3
    assert (await call("DELETE", "pipelines", "rest-pipe"))[0] == 204
    assert (await call("GET", "pipelines", "rest-pipe"))[0] == 404


async def test_bad_input_is_a_400_and_nothing_runs(call: Call) -> None:
    cyclic = _document(
        steps=[
            {"name": "a", "type": "Fail", "depends_on": ["b"]},
            {"name": "b", "type": "Fail", "depends_on": ["a"]},
        ]
    )
    status, body = await call("POST", "pipelines", body=cyclic)
    assert status == 400 and "cycle" in body["error"]["message"]
    status, body = await call("POST", "pipelines", body="[not json")
    assert status == 400
    assert (await call("GET", "pipelines"))[1]["items"] == []
    await call("POST", "pipelines", body=_document())
    for parameters, message in (
        ({"nope": 1}, "no parameter 'nope'"),
        ({"x": "abc"}, "is not a number"),
    ):
        status, body = await call(
            "POST", "pipelines", "rest-pipe", "executions", body={"parameters": parameters}
        )
        assert status == 400 and message in body["error"]["message"], body
    assert (await call("GET", "pipelines", "rest-pipe", "executions"))[1]["items"] == []
    assert (await call("GET", "pipeline-executions", "nope"))[0] == 404
    assert (await call("POST", "pipelines", "ghost", "executions", body={}))[0] == 404


async def test_an_execution_reads_paths_from_its_base_folder(call: Call, jp_root_dir: Path) -> None:
    # a project folder (a JumpStart launch, an editor file in a subfolder) whose document
    # says "steps/fns.py": relative to that folder, not to the root
    (jp_root_dir / "project" / "steps").mkdir(parents=True)
    (jp_root_dir / "project" / "steps" / "fns.py").write_text(FUNCTIONS)
    assert (await call("POST", "pipelines", body=_document()))[0] == 201
    for base_dir, message in (
        ("../elsewhere", "not a folder under the root"),
        ("nope", "nope"),
        ("0" * 4000, "not a folder under the root"),  # a name too long for the OS
    ):
        status, body = await call(
            "POST", "pipelines", "rest-pipe", "executions", body={"base_dir": base_dir}
        )
        assert status == 400 and message in body["error"]["message"], body
    status, first = await call(
        "POST", "pipelines", "rest-pipe", "executions", body={"base_dir": "project"}
    )
    assert status == 201, first
    assert (await _ended(call, first["id"]))["status"] == "Succeeded"
    # run again without saying where (the Pipelines panel, a schedule's REST call): it
    # reads from where the pipeline last ran, not from the root (no steps/ there)
    status, again = await call("POST", "pipelines", "rest-pipe", "executions", body={})
    assert status == 201, again
    ended = await _ended(call, again["id"])
    assert ended["status"] == "Succeeded", ended
