"""Loading, validating and saving .flow documents: bad input gives a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler import SCHEMA_VERSION, Flow, load_document, parse_document


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "sources": [{"id": "src", "kind": "csv", "path": "data.csv"}],
        "steps": [
            {
                "id": "drop",
                "transform": "drop_columns",
                "params": {"columns": ["a"]},
                "inputs": ["src"],
            },
            {"id": "split", "transform": "split_random", "params": {}, "inputs": ["drop"]},
            {
                "id": "scale",
                "transform": "standard_scale",
                "params": {"columns": ["b"]},
                "inputs": ["split:test"],
            },
        ],
    }
    doc.update(changes)
    return doc


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    doc = _doc()
    doc["steps"][0]["position"] = {"x": 10, "y": 20.5}
    doc["steps"][0]["note"] = "identifiers leak the label"
    path = tmp_path / "prep.flow"
    path.write_text(json.dumps(doc))
    flow = Flow.load(path)
    flow.save()
    again = json.loads(path.read_text())
    assert again["steps"][0]["position"] == {"x": 10.0, "y": 20.5}
    assert again["steps"][0]["note"] == "identifiers leak the label"
    assert [e.model_dump() for e in flow.document.edges()] == [
        {"source": "src", "source_output": "df", "target": "drop", "target_port": 0},
        {"source": "drop", "source_output": "df", "target": "split", "target_port": 0},
        {"source": "split", "source_output": "test", "target": "scale", "target_port": 0},
    ]
    assert flow.document.terminal_outputs() == [("split", 0), ("scale", 0)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            '{"schema_version": 1, "sources": [',
            "prep.flow is not valid JSON: Expecting value at line 1",
        ),
        ("[1, 2]", "prep.flow must hold a JSON object, not list"),
        ('{"sources": []}', "prep.flow has no schema_version: is it a .flow document?"),
        (
            json.dumps(_doc(schema_version=SCHEMA_VERSION + 1)),
            f"prep.flow was written with .flow schema_version {SCHEMA_VERSION + 1}, newer than"
            f" this jupyter-mlstudio reads (up to {SCHEMA_VERSION}): upgrade jupyter-mlstudio",
        ),
        (
            json.dumps(_doc(sources=[])),
            "prep.flow: step 'drop': reference 'src' names no source or step",
        ),
        (
            json.dumps(_doc(sources=[{"id": "src", "kind": "excel", "path": "x.xlsx"}])),
            "prep.flow is not a valid flow: sources[0]: Input tag 'excel' found using 'kind'",
        ),
        (  # JSON types as the schema states them: "50" is not a sample size
            json.dumps({**_doc(), "sample": {"size": "50"}}),
            "prep.flow is not a valid flow: sample.size: Input should be a valid integer",
        ),
    ],
)
def test_malformed_documents_are_refused_clearly(raw: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "prep.flow"
    path.write_text(raw)
    with pytest.raises(InvalidArgumentError) as info:
        load_document(path)
    assert message in info.value.message
    assert path.read_text() == raw  # nothing lost: a failed load never rewrites the file


def _broken(mutate: Any) -> dict[str, Any]:
    doc = _doc()
    mutate(doc)
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            _broken(lambda d: d["steps"][0].update(transform="drop_colums")),
            "unknown transform 'drop_colums' (did you mean drop_columns",
        ),
        (
            _broken(lambda d: d["steps"][1].update(inputs=["nope"])),
            "step 'split': reference 'nope' names no source or step",
        ),
        (
            _broken(lambda d: d["steps"][2].update(inputs=["split:valid"])),
            "step 'scale': reference 'split:valid': 'split' has no output 'valid'"
            " (it has train, test)",
        ),
        (
            _broken(lambda d: d["steps"][1].update(inputs=["drop", "src"])),
            "step 'split' (split_random) needs 1 input(s), got 2",
        ),
        (
            _broken(lambda d: d["steps"][0].update(inputs=["scale"])),
            "the steps form a cycle (involving drop, split, scale)",
        ),
        (_broken(lambda d: d["steps"][1].update(id="drop")), "two nodes share the id 'drop'"),
        (
            _broken(lambda d: d["steps"][1].update(params={"test_size": 2})),
            "step 'split': invalid parameters for split_random:"
            " test_size: Input should be less than 1",
        ),
        (
            _broken(lambda d: d["steps"][0].update(params={"columns": ["a"], "colour": "red"})),
            "colour: Extra inputs are not permitted",
        ),
    ],
)
def test_invalid_graphs_name_the_problem(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_document(json.dumps(doc), origin="prep.flow")
    assert message in info.value.message


def test_drafts_with_unfinished_params_load_when_not_strict() -> None:
    doc = _broken(lambda d: d["steps"][0].update(params={}))
    with pytest.raises(InvalidArgumentError, match=r"columns: Field required"):
        parse_document(doc)
    assert parse_document(doc, strict=False).steps[0].params == {}


def test_missing_flow_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"flow file not found: .*missing.flow"):
        Flow.load(tmp_path / "missing.flow")
