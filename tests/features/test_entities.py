"""Feature group definitions: what is refused (with which message) and what makes a version."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.features.entities import (
    FeatureDefinition,
    FeatureGroupSpec,
    infer_features,
    parse_feature_ref,
    parse_group_ref,
)

FEATURES = [
    {"name": "customer_id", "type": "integral", "description": "the customer"},
    {"name": "ts", "type": "timestamp"},
    {"name": "age", "type": "integral"},
    {"name": "city", "type": "string"},
]


def spec(**overrides: Any) -> FeatureGroupSpec:
    kwargs: dict[str, Any] = {
        "name": "customers",
        "record_identifier": "customer_id",
        "event_time_feature": "ts",
        "features": FEATURES,
    }
    kwargs.update(overrides)
    return FeatureGroupSpec.build(**kwargs)


def test_a_valid_spec_keeps_features_in_order_with_descriptions() -> None:
    built = spec(description="who they are", tags={"team": "growth"}, ttl_seconds=3600)
    assert [f.name for f in built.features] == ["customer_id", "ts", "age", "city"]
    assert built.features[0] == FeatureDefinition("customer_id", "integral", "the customer")
    assert (built.ttl_seconds, dict(built.tags)) == (3600, {"team": "growth"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "bad name"}, "Invalid feature group name"),
        ({"name": "a@2"}, "Invalid feature group name"),
        ({"features": []}, "at least one feature"),
        ({"record_identifier": ""}, "needs a record identifier"),
        ({"record_identifier": "nope"}, "record identifier 'nope' is not one of the features"),
        ({"record_identifier": "ts"}, "must be integral or string, not timestamp"),
        ({"event_time_feature": ""}, "needs an event-time feature"),
        ({"event_time_feature": "missing"}, "event-time feature 'missing' is not one"),
        ({"event_time_feature": "age"}, "must be a timestamp, not integral"),
        ({"ttl_seconds": 0}, "ttl_seconds must be a positive"),
        ({"ttl_seconds": -5}, "ttl_seconds must be a positive"),
        ({"ttl_seconds": 1.5}, "ttl_seconds must be a positive"),
        ({"ttl_seconds": True}, "ttl_seconds must be a positive"),
        ({"offline_enabled": False, "online_enabled": False}, "cannot both be false"),
        ({"features": [*FEATURES, {"name": "x", "type": "float"}]}, "types are integral"),
        ({"features": [*FEATURES, {"name": "Age", "type": "integral"}]}, "defined twice"),
        ({"features": [*FEATURES, {"name": "_x", "type": "string"}]}, "Invalid feature name"),
        ({"features": [*FEATURES, {"name": "x y", "type": "string"}]}, "Invalid feature name"),
        ({"features": [*FEATURES, {"name": "x", "typ": "string"}]}, "unknown field"),
        ({"tags": {"": "v"}}, "Invalid tag key"),
        ({"tags": {"k": 1}}, "must be text"),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        spec(**overrides)


def test_the_fingerprint_is_the_definition_not_the_descriptions() -> None:
    base = spec()
    described = spec(description="new words", tags={"a": "b"})
    assert base.fingerprint() == described.fingerprint()
    assert base.fingerprint() != spec(ttl_seconds=60).fingerprint()
    retyped = [*FEATURES[:3], {"name": "city", "type": "integral"}]
    assert base.fingerprint() != spec(features=retyped).fingerprint()
    assert base.fingerprint() != spec(online_enabled=False).fingerprint()


def test_references() -> None:
    assert parse_group_ref("customers") == ("customers", None)
    assert parse_group_ref("customers@2") == ("customers", 2)
    assert parse_feature_ref("customers@2:age") == ("customers@2", "age")
    assert parse_feature_ref("orders:*") == ("orders", "*")
    for bad in ("customers@0", "customers@x", "@2"):
        with pytest.raises(InvalidArgumentError):
            parse_group_ref(bad)
    for bad in ("customers", "a:b:c", "customers:bad name"):
        with pytest.raises(InvalidArgumentError, match="feature"):
            parse_feature_ref(bad)


def test_features_are_inferred_from_dtypes() -> None:
    inferred = infer_features(
        [
            ("id", "int64"),
            ("x", "float64"),
            ("ok", "bool"),
            ("ts", "datetime64[ns, UTC]"),
            ("s", "object"),
        ]
    )
    assert [f.type for f in inferred] == [
        "integral",
        "fractional",
        "boolean",
        "timestamp",
        "string",
    ]
