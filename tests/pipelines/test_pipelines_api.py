"""Pipelines over REST on a real Jupyter server: step types, validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    status, result = await call("POST", "pipelines", "validate", body="{not json")
    assert status == 200 and result["valid"] is False
    assert result["errors"][0]["message"].startswith("not valid JSON")
