"""The .pipeline document: validation issues, step-type schemas and the DSL round trip."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.pipelines import (
    Condition,
    ConditionStep,
    FailStep,
    ParameterFloat,
    ParameterString,
    Pipeline,
    RegisterModelStep,
    TrainingStep,
    step,
    step_types,
    validate_document,
)
from jupyter_mlstudio.pipelines.definition import PipelineInvalid, parse_reference

sys.path.insert(0, str(Path(__file__).parent))
from steps_for_dsl_test import add


def _doc(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"format": "mlstudio.pipeline", "version": 1, "name": "p", "steps": steps, **extra}


def _messages(raw: Any) -> list[tuple[str | None, str, str]]:
    validated, issues = validate_document(raw)
    assert validated is None
    return [(i.step, i.path, i.message) for i in issues]


def test_a_valid_document_gives_its_dag() -> None:
    validated, issues = validate_document(
        _doc(
            [
                {"name": "a", "type": "Fail", "arguments": {"error_message": "x"}},
                {
                    "name": "b",
                    "type": "Python",
                    "arguments": {
                        "file": "f.py",
                        "function": "f",
                        "outputs": [{"name": "v", "type": "Float"}],
                    },
                },
                {
                    "name": "c",
                    "type": "Condition",
                    "arguments": {
                        "conditions": [
                            {"op": "GreaterThan", "left": {"Get": "Steps.b.Outputs.v"}, "right": 1}
                        ],
                        "if_steps": ["a"],
                    },
                },
            ]
        )
    )
    assert issues == []
    assert validated is not None
    assert validated.upstream == {"a": {"c"}, "b": set(), "c": {"b"}}
    assert validated.branch_of == {"a": ("c", True)}
    assert validated.order.index("b") < validated.order.index("c") < validated.order.index("a")


def test_every_problem_is_reported_with_its_step_and_path() -> None:
    found = _messages(
        _doc(
            [
                {
                    "name": "t",
                    "type": "Training",
                    "arguments": {"algorithm": "x", "data": {"Get": "Parameters.nope"}},
                },
                {"name": "u", "type": "Bogus"},
                {"name": "u", "type": "Fail"},
                {
                    "name": "r",
                    "type": "RegisterModel",
                    "arguments": {"model": {"Get": "Steps.t.Outputs.modle"}, "model_name": "m"},
                },
                {
                    "name": "g",
                    "type": "Fail",
                    "arguments": {"error_message": {"Get": "Steps.ghost.Outputs.x"}},
                },
                {
                    "name": "c",
                    "type": "Condition",
                    "arguments": {
                        "conditions": [
                            {
                                "op": "GreaterThan",
                                "left": {"Get": "Steps.t.Outputs.model"},
                                "right": 1,
                            },
                            {"op": "LessThan", "left": {"Get": "Parameters.s"}, "right": 1},
                        ],
                        "if_steps": ["missing"],
                    },
                },
            ],
            parameters=[{"name": "s", "type": "String", "default": "x"}],
        )
    )
    assert ("u", "name", "two steps are named 'u'") in found
    assert any(s == "u" and p == "type" and "unknown step type 'Bogus'" in m for s, p, m in found)
    assert ("t", "arguments.data", "no pipeline parameter is named 'nope'") in found
    assert any(s == "r" and "no output 'modle'" in m for s, p, m in found)
    assert ("g", "arguments.error_message", "no step is named 'ghost'") in found
    assert ("c", "arguments.if_steps", "no step is named 'missing'") in found
    assert any(
        s == "c" and p == "arguments.conditions[0].left" and "is a file" in m for s, p, m in found
    )
    assert any(
        s == "c" and p == "arguments.conditions[1].left" and "is a string" in m for s, p, m in found
    )


def test_a_condition_on_a_json_output_is_allowed() -> None:
    """A Python output declared Json (the default for outputs given by name) may hold a
    number: only outputs known not to be numbers are refused in an ordering condition."""
    validated, issues = validate_document(
        _doc(
            [
                {
                    "name": "ev",
                    "type": "Python",
                    "arguments": {"file": "f.py", "function": "f", "outputs": [{"name": "auc"}]},
                },
                {
                    "name": "c",
                    "type": "Condition",
                    "arguments": {
                        "conditions": [
                            {
                                "op": "GreaterThan",
                                "left": {"Get": "Steps.ev.Outputs.auc"},
                                "right": 0.5,
                            }
                        ]
                    },
                },
            ]
        )
    )
    assert issues == [] and validated is not None


def test_cycles_and_malformed_documents() -> None:
    cycle = _messages(
        _doc(
            [
                {"name": "a", "type": "Fail", "depends_on": ["b"]},
                {
                    "name": "b",
                    "type": "Fail",
                    "arguments": {"error_message": {"Get": "Steps.a.Properties.JobName"}},
                },
            ]
        )
    )
    assert any("cycle" in m for _, _, m in cycle)
    assert any("has no property 'JobName'" in m for _, _, m in cycle)  # Fail has none
    assert _messages("{not json")[0][2].startswith("not valid JSON")
    assert _messages([1, 2]) == [(None, "", "a pipeline document is a JSON object")]
    wrong = _messages({"format": "other", "version": 1, "name": "p", "steps": []})
    assert wrong[0][1] == "format"
    bad_param = _messages(
        _doc(
            [{"name": "a", "type": "Fail"}],
            parameters=[{"name": "n", "type": "Integer", "default": "x"}],
        )
    )
    assert bad_param == [(None, "parameters[0]", "'x' is not an integer")]
    typo = _messages(
        _doc([{"name": "a", "type": "Training", "arguments": {"algorithm": "x", "data": 5}}])
    )
    assert typo == [("a", "arguments.data", "Input should be a valid string")]
    bad_ref = _messages(
        _doc([{"name": "a", "type": "Fail", "arguments": {"error_message": {"Get": "Foo.x"}}}])
    )
    assert bad_ref[0][:2] == ("a", "arguments.error_message")
    assert "malformed reference" in bad_ref[0][2]


def test_names_of_the_rest_routes_are_refused() -> None:
    # /pipelines/validate, /pipelines/import and /pipelines/step-types are routes: a pipeline
    # of that name could be stored but not fetched, run or deleted by name
    for name in ("validate", "import", "step-types", "Validate"):
        issues = _messages({**_doc([{"name": "a", "type": "Fail"}]), "name": name})
        assert len(issues) == 1 and issues[0][1] == "name"
        assert "is reserved" in issues[0][2] and "Value error" not in issues[0][2]
    assert validate_document(_doc([{"name": "a", "type": "Fail"}]))[1] == []


def test_references_parse() -> None:
    ref = parse_reference({"Get": "Steps.train.Metrics.validation:roc_auc"})
    assert ref is not None and (ref.step, ref.category, ref.name) == (
        "train",
        "Metrics",
        "validation:roc_auc",
    )
    assert parse_reference({"Get": "Execution.Id"}) is not None
    assert parse_reference({"a": 1}) is None
    with pytest.raises(ValueError, match="unknown execution variable"):
        parse_reference({"Get": "Execution.Nope"})


def test_step_types_publish_schemas_with_pickers() -> None:
    types = {t["type"]: t for t in step_types()}
    assert {
        "Processing",
        "Training",
        "Python",
        "Condition",
        "Fail",
        "RegisterModel",
        "Deploy",
    } <= set(types)
    code = types["Processing"]["schema"]["properties"]["code"]
    assert code["x-picker"] == "file" and code["title"] == "Code"
    assert types["Training"]["outputs"] == ["model", "output_data"]
    assert types["RegisterModel"]["properties"] == ["ModelName", "ModelVersion"]
    json.dumps(types)  # plain JSON


def test_dsl_round_trip(tmp_path: Path) -> None:
    min_auc = ParameterFloat("min_auc", default=0.9)
    data = ParameterString("data", default="train.csv")
    train = TrainingStep("train", algorithm="random-forest-classifier", data=data, target="label")
    total = step(add)(a=train.metrics["validation:accuracy"], b=1, retry={"max_attempts": 2})
    check = ConditionStep(
        "check",
        [Condition.ge(total.outputs["result"], min_auc)],
        if_steps=[RegisterModelStep("register", train.outputs["model"], "churn")],
        else_steps=[FailStep("fail", "too low")],
    )
    pipeline = Pipeline("retrain", steps=[train, total, check], parameters=[min_auc, data])
    path = pipeline.save(tmp_path / "retrain.pipeline")
    loaded = Pipeline.load(path)
    assert loaded == pipeline
    assert [s.name for s in loaded.steps] == ["train", "add", "check", "register", "fail"]
    assert loaded.step("add").arguments["kwargs"]["a"] == {
        "Get": "Steps.train.Metrics.validation:accuracy"
    }
    assert loaded.step("add").retry.max_attempts == 2
    # an edit made elsewhere (the editor) comes back
    document = json.loads(path.read_text())
    document["steps"][0]["arguments"]["hyperparameters"] = {"n_estimators": 5}
    path.write_text(json.dumps(document))
    assert Pipeline.load(path).step("train").arguments["hyperparameters"] == {"n_estimators": 5}
    assert Pipeline.load(path) != pipeline


def test_saving_an_invalid_pipeline_says_why(tmp_path: Path) -> None:
    pipeline = Pipeline("p", steps=[FailStep("f", {"Get": "Parameters.missing"})])
    with pytest.raises(PipelineInvalid, match="no pipeline parameter is named 'missing'"):
        pipeline.save(tmp_path / "p.pipeline")
