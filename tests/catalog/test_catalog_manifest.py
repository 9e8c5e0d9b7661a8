"""The catalog-entry manifest: what is accepted, what is refused and how it is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlstudio.catalog.entries import BUILTIN
from jupyter_mlstudio.catalog.manifest import CatalogManifest, parse_manifest
from jupyter_mlstudio.errors import InvalidArgumentError

MINIMAL = """\
format: mlstudio.catalog-entry
version: 1
name: my-solution
kind: solution
title: Mine
task: classification
assets: {pipeline: pipeline.py}
"""


def test_minimal_manifest_gets_defaults() -> None:
    manifest = parse_manifest(MINIMAL)
    assert manifest.name == "my-solution" and manifest.kind == "solution"
    assert manifest.resources.ram_mb > 0 and manifest.parameters == [] and not manifest.monitor


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("colour: blue\n", "colour: Extra inputs are not permitted"),
        ("", None),
    ],
)
def test_extra_fields_are_refused(change: str, message: str | None) -> None:
    if message is None:
        parse_manifest(MINIMAL + change)
        return
    with pytest.raises(InvalidArgumentError, match=message):
        parse_manifest(MINIMAL + change)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("name: my-solution", "name: My Solution", "name: String should match pattern"),
        ("name: my-solution", "name: launches", "name: 'launches' is reserved"),
        ("task: classification", "task: telepathy", "task: Input should be"),
        ("format: mlstudio.catalog-entry", "format: something", "format: Input should be"),
        ("kind: solution", "kind: model", "names its model folder in assets.model"),
        ("assets: {pipeline: pipeline.py}", "assets: {}", "names its pipeline"),
        ("assets: {pipeline: pipeline.py}", "assets: {pipeline: ../x.py}", "inside the entry"),
    ],
)
def test_bad_fields_are_named(old: str, new: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        parse_manifest(MINIMAL.replace(old, new), "my-solution/manifest.yaml")


def test_not_yaml_or_not_a_mapping() -> None:
    with pytest.raises(InvalidArgumentError, match="not valid YAML"):
        parse_manifest("name: [unclosed")
    with pytest.raises(InvalidArgumentError, match="a mapping of fields"):
        parse_manifest("- just a list")


def test_parameters_are_typed_and_checked() -> None:
    manifest = parse_manifest(
        MINIMAL
        + """\
parameters:
  - {name: min_auc, type: Float, default: 0.75, minimum: 0.5, maximum: 1}
  - {name: tune, type: Boolean, default: false}
  - {name: trials, type: Integer, default: 4}
  - {name: model, type: String, default: xgboost, choices: [xgboost, forest]}
"""
    )
    assert manifest.parameter_values({}) == {
        "min_auc": 0.75,
        "tune": False,
        "trials": 4,
        "model": "xgboost",
    }
    # strings (a CLI's --param k=v) are converted
    values = manifest.parameter_values({"min_auc": "0.8", "tune": "true", "trials": "6"})
    assert values["min_auc"] == 0.8 and values["tune"] is True and values["trials"] == 6
    for given, message in [
        ({"min_auc": 0.2}, "'min_auc' must be at least 0.5"),
        ({"trials": 2.5}, "'trials' must be an Integer"),
        ({"tune": "maybe"}, "'tune' must be a Boolean"),
        ({"model": "svm"}, "'model' must be one of"),
        ({"colour": 1}, "has no parameter 'colour'"),
    ]:
        with pytest.raises(InvalidArgumentError, match=message):
            manifest.parameter_values(given)
    with pytest.raises(InvalidArgumentError, match="duplicate parameters: a"):
        parse_manifest(MINIMAL + "parameters: [{name: a, type: Float}, {name: a, type: Integer}]\n")


@pytest.mark.parametrize(
    "folder", sorted(p for p in BUILTIN.iterdir() if (p / "manifest.yaml").is_file())
)
def test_every_builtin_manifest_is_valid(folder: Path) -> None:
    manifest = CatalogManifest.model_validate(
        parse_manifest((folder / "manifest.yaml").read_text()).model_dump()
    )
    assert manifest.name == folder.name
