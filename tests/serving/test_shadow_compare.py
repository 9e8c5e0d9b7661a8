"""serving.shadow without a process: joining captures (classifier, regressor, errors,
another shadow version's records), the OIP answer shape, and the promoted variants."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_mlstudio.errors import ConflictError, InvalidArgumentError
from jupyter_mlstudio.serving.config import EndpointConfig, ShadowConfig
from jupyter_mlstudio.serving.shadow import compare, predictions_of, promoted, shadow_settings


def _pair(ident: str, prod: Any, shad: Any, *, status: int = 200, version: int = 2) -> list[Any]:
    return [
        {"inference_id": ident, "variant": "primary", "shadow": False, "latency_ms": 2.0,
         "response": {"status": 200, "data": {"predictions": prod}}},
        {"inference_id": ident, "variant": "shadow", "shadow": True, "latency_ms": 1.0,
         "model": "m", "model_version": version, "task": None,
         "response": {"status": status, "data": {"predictions": shad}}},
    ]  # fmt: skip


def test_regressors_are_compared_by_absolute_difference() -> None:
    records = _pair("a", [1.0, 2.0], [1.5, 2.0]) + _pair("b", [3.0], [2.0])
    records += _pair("c", [9.0], None, status=500)  # a shadow error
    records += _pair("d", [1.0], [100.0], version=1)  # an earlier shadow: ignored
    records.append({"inference_id": "e", "shadow": False, "response": {"status": 200}})
    result = compare(records, ShadowConfig(model="m", version=2))
    assert result["task"] == "regression" and result["agreement"] is None
    assert result["pairs"] == 3 and result["compared"] == 2 and result["rows"] == 3
    assert result["mean_absolute_difference"] == pytest.approx(0.5)
    assert result["max_absolute_difference"] == 1.0
    assert result["shadow"]["errors"] == 1 and result["production"]["errors"] == 0
    assert result["unanswered"] == 2  # "d" (another version's answer) and "e"
    assert result["production"]["latency_ms"]["p50"] == 2.0


def test_classifiers_get_agreement_and_confusion() -> None:
    records = _pair("a", ["x", "y"], ["x", "x"]) + _pair("b", ["y"], ["y"])
    result = compare(records)
    assert result["task"] == "classification" and result["agreement"] == pytest.approx(2 / 3)
    assert {(c["production"], c["shadow"]): c["count"] for c in result["confusion"]} == {
        ("x", "x"): 1,
        ("y", "x"): 1,
        ("y", "y"): 1,
    }


def test_answer_shapes() -> None:
    oip = {"outputs": [{"name": "predict", "data": [1, 2]}]}
    assert predictions_of(oip) == [1, 2]
    assert predictions_of('{"predictions": [3]}') == [3]
    assert predictions_of("1\n2\n") is None


def test_promoted_variants_and_settings() -> None:
    config = EndpointConfig.model_validate(
        {
            "name": "e",
            "variants": [
                {"name": "a", "model": "m", "version": 1, "weight": 3, "instances": 2},
                {"name": "b", "model": "m", "version": 1},
            ],
            "shadow": {"model": "m", "version": 2, "sampling": 0.5},
        }
    )
    with pytest.raises(InvalidArgumentError, match="several production variants"):
        promoted(config)
    variants = promoted(config, "a")
    assert [(v["name"], v["version"], v["weight"], v["instances"]) for v in variants] == [
        ("shadow", 2, 3, 2),
        ("b", 1, 1.0, 1),
    ]
    with pytest.raises(ConflictError):
        promoted(config.model_copy(update={"shadow": None}))
    assert shadow_settings({"version": 2, "percent": 25}) == {"version": 2, "sampling": 0.25}
    with pytest.raises(InvalidArgumentError, match="not both"):
        shadow_settings({"percent": 25, "sampling": 0.5})
