"""Feature groups as the rest of the studio sees them: immutable definitions.

A feature group is a record identifier, an event-time feature and typed features. Its
*definition* (the schema, the TTL and where it is stored) never changes: a changed
definition is a new version of the group (``customers@2``) and the old version keeps
serving. Only the descriptions and tags are editable in place.

:meth:`FeatureGroupSpec.build` is the one place a definition is validated: the SDK, the
REST handlers and the service all build specs through it, so every caller gets the same
messages (``InvalidArgumentError``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from ..errors import InvalidArgumentError

FeatureType = Literal["integral", "fractional", "string", "boolean", "timestamp"]
FEATURE_TYPES: tuple[str, ...] = ("integral", "fractional", "string", "boolean", "timestamp")
#: Types a record identifier may have (what a lookup by id can be typed as).
ID_TYPES: tuple[str, ...] = ("integral", "string")

# Names end up as column names in Parquet, DuckDB SQL and JSON: plain identifiers only,
# and never one of the columns the offline store adds (they start with an underscore).
FEATURE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_FEATURES = 1000
MAX_DESCRIPTION = 4000
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 4000


@dataclass(frozen=True)
class FeatureDefinition:
    name: str
    type: str
    description: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "description": self.description}


@dataclass(frozen=True)
class FeatureGroupSpec:
    """What a user asks for; validated by :meth:`build`. ``features`` lists every
    column, the record identifier and the event-time feature included."""

    name: str
    record_identifier: str
    event_time_feature: str
    features: tuple[FeatureDefinition, ...]
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    ttl_seconds: int | None = None
    offline_enabled: bool = True
    online_enabled: bool = True

    @classmethod
    def build(
        cls,
        *,
        name: str,
        record_identifier: str,
        event_time_feature: str,
        features: Sequence[FeatureDefinition | Mapping[str, Any]],
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        ttl_seconds: int | None = None,
        offline_enabled: bool = True,
        online_enabled: bool = True,
    ) -> FeatureGroupSpec:
        """A checked spec, or ``InvalidArgumentError`` saying what is wrong."""
        check_group_name(name)
        defs = tuple(_feature(f, index) for index, f in enumerate(features or ()))
        if not defs:
            raise InvalidArgumentError(f"Feature group {name!r} needs at least one feature.")
        if len(defs) > MAX_FEATURES:
            raise InvalidArgumentError(f"A feature group has at most {MAX_FEATURES} features.")
        seen: set[str] = set()
        for definition in defs:
            key = definition.name.lower()
            if key in seen:
                raise InvalidArgumentError(
                    f"Feature {definition.name!r} is defined twice (names are case-insensitive)."
                )
            seen.add(key)
        by_name = {d.name: d for d in defs}
        if not record_identifier:
            raise InvalidArgumentError("A feature group needs a record identifier feature.")
        if record_identifier not in by_name:
            raise InvalidArgumentError(
                f"The record identifier {record_identifier!r} is not one of the features "
                f"({', '.join(by_name)})."
            )
        if by_name[record_identifier].type not in ID_TYPES:
            raise InvalidArgumentError(
                f"The record identifier {record_identifier!r} must be integral or string, "
                f"not {by_name[record_identifier].type}."
            )
        if not event_time_feature:
            raise InvalidArgumentError("A feature group needs an event-time feature.")
        if event_time_feature not in by_name:
            raise InvalidArgumentError(
                f"The event-time feature {event_time_feature!r} is not one of the features "
                f"({', '.join(by_name)})."
            )
        if by_name[event_time_feature].type != "timestamp":
            raise InvalidArgumentError(
                f"The event-time feature {event_time_feature!r} must be a timestamp, "
                f"not {by_name[event_time_feature].type}."
            )
        if event_time_feature == record_identifier:
            raise InvalidArgumentError(
                "The record identifier and the event-time feature must be two features."
            )
        if ttl_seconds is not None and (
            isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0
        ):
            raise InvalidArgumentError(
                f"ttl_seconds must be a positive whole number of seconds, not {ttl_seconds!r}."
            )
        for flag, value in (
            ("offline_enabled", offline_enabled),
            ("online_enabled", online_enabled),
        ):
            if not isinstance(value, bool):
                raise InvalidArgumentError(f"{flag} must be true or false.")
        if not (offline_enabled or online_enabled):
            raise InvalidArgumentError(
                "A feature group stores its records offline, online or both: "
                "offline_enabled and online_enabled cannot both be false."
            )
        return cls(
            name=name,
            record_identifier=record_identifier,
            event_time_feature=event_time_feature,
            features=defs,
            description=check_description(description or ""),
            tags=check_tags(tags or {}),
            ttl_seconds=ttl_seconds,
            offline_enabled=offline_enabled,
            online_enabled=online_enabled,
        )

    def fingerprint(self) -> str:
        """What makes a version: two specs with the same fingerprint are the same
        definition (descriptions and tags are not part of it)."""
        definition = {
            "record_identifier": self.record_identifier,
            "event_time_feature": self.event_time_feature,
            "features": [[f.name, f.type] for f in self.features],
            "ttl_seconds": self.ttl_seconds,
            "offline_enabled": self.offline_enabled,
            "online_enabled": self.online_enabled,
        }
        raw = json.dumps(definition, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True)
class FeatureGroup:
    """One stored version of a feature group."""

    id: str
    name: str
    version: int
    record_identifier: str
    event_time_feature: str
    features: tuple[FeatureDefinition, ...]
    description: str
    tags: Mapping[str, str]
    ttl_seconds: int | None
    offline_enabled: bool
    online_enabled: bool
    created_at: datetime
    updated_at: datetime
    latest_version: int = 0  # the newest version of this name, when the store knows it

    @property
    def ref(self) -> str:
        """``name@version``: how the group is named in messages and dataset requests."""
        return f"{self.name}@{self.version}"

    @property
    def is_latest(self) -> bool:
        return self.version >= self.latest_version

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def value_features(self) -> list[FeatureDefinition]:
        """The features other than the record identifier and the event time (what
        ``group:*`` selects in a dataset request)."""
        keys = (self.record_identifier, self.event_time_feature)
        return [f for f in self.features if f.name not in keys]

    def feature(self, name: str) -> FeatureDefinition:
        for definition in self.features:
            if definition.name == name:
                return definition
        raise InvalidArgumentError(
            f"Feature group {self.ref} has no feature {name!r} "
            f"(it has {', '.join(self.feature_names)})."
        )

    def spec(self) -> FeatureGroupSpec:
        return FeatureGroupSpec(
            name=self.name,
            record_identifier=self.record_identifier,
            event_time_feature=self.event_time_feature,
            features=self.features,
            description=self.description,
            tags=dict(self.tags),
            ttl_seconds=self.ttl_seconds,
            offline_enabled=self.offline_enabled,
            online_enabled=self.online_enabled,
        )

    def with_descriptions(self, descriptions: Mapping[str, str]) -> tuple[FeatureDefinition, ...]:
        """The features with some descriptions replaced (unknown names are refused)."""
        for name in descriptions:
            self.feature(name)
        return tuple(
            replace(f, description=check_description(descriptions[f.name]))
            if f.name in descriptions
            else f
            for f in self.features
        )


@dataclass(frozen=True)
class Ingestion:
    """One ingestion into a group: rows written, when, from where."""

    id: str
    group_id: str
    rows: int
    deleted_rows: int
    source: str
    ingested_at: datetime
    offline_files: tuple[str, ...] = ()


def check_group_name(name: object) -> str:
    if not isinstance(name, str) or not GROUP_NAME.match(name):
        raise InvalidArgumentError(
            f"Invalid feature group name {name!r}: 1 to 64 letters, digits, '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def check_description(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidArgumentError("A description is text.")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidArgumentError(f"A description has at most {MAX_DESCRIPTION} characters.")
    return text


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(tags, Mapping):
        raise InvalidArgumentError("tags must be a mapping of text to text.")
    checked: dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key or len(key) > MAX_TAG_KEY:
            raise InvalidArgumentError(f"Invalid tag key {key!r}: 1 to {MAX_TAG_KEY} characters.")
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE:
            raise InvalidArgumentError(
                f"The value of tag {key!r} must be text of at most {MAX_TAG_VALUE} characters."
            )
        checked[key] = value
    return checked


def _feature(raw: FeatureDefinition | Mapping[str, Any], index: int) -> FeatureDefinition:
    name: object
    type_: object
    description: object
    if isinstance(raw, FeatureDefinition):
        name, type_, description = raw.name, raw.type, raw.description
    elif isinstance(raw, Mapping):
        unknown = set(raw) - {"name", "type", "description"}
        if unknown:
            raise InvalidArgumentError(
                f"Feature {index + 1}: unknown field(s) {', '.join(sorted(map(str, unknown)))}."
            )
        name, type_ = raw.get("name"), raw.get("type")
        description = raw.get("description") or ""
    else:
        raise InvalidArgumentError(
            f"Feature {index + 1} must be a FeatureDefinition or a mapping with name and type."
        )
    if not isinstance(name, str) or not FEATURE_NAME.match(name):
        raise InvalidArgumentError(
            f"Invalid feature name {name!r}: a letter, then up to 127 letters, digits or '_'."
        )
    if type_ not in FEATURE_TYPES:
        raise InvalidArgumentError(
            f"Feature {name!r} has type {type_!r}; the types are {', '.join(FEATURE_TYPES)}."
        )
    return FeatureDefinition(name=name, type=str(type_), description=check_description(description))


def parse_group_ref(ref: str) -> tuple[str, int | None]:
    """``"customers"`` → ("customers", None, the latest); ``"customers@2"`` → version 2."""
    if not isinstance(ref, str) or not ref:
        raise InvalidArgumentError(f"Invalid feature group reference {ref!r}.")
    name, sep, version = ref.partition("@")
    check_group_name(name)
    if not sep:
        return name, None
    if not version.isdigit() or int(version) < 1:
        raise InvalidArgumentError(
            f"Invalid feature group reference {ref!r}: the version after '@' is a number from 1."
        )
    return name, int(version)


def parse_feature_ref(ref: str) -> tuple[str, str]:
    """``"customers:age"`` or ``"customers@2:*"`` → (group reference, feature or ``*``)."""
    if not isinstance(ref, str) or ref.count(":") != 1:
        raise InvalidArgumentError(
            f"Invalid feature reference {ref!r}: write 'group:feature', 'group@version:feature' "
            "or 'group:*'."
        )
    group, feature = ref.split(":")
    parse_group_ref(group)
    if feature != "*" and not FEATURE_NAME.match(feature):
        raise InvalidArgumentError(f"Invalid feature name {feature!r} in {ref!r}.")
    return group, feature


def infer_features(dtypes: Iterable[tuple[str, str]]) -> list[FeatureDefinition]:
    """Feature definitions from (column, pandas or Arrow dtype name) pairs, for creating
    a group from a data file's or a DataFrame's schema; anything unrecognized is a string."""
    inferred = []
    for column, dtype in dtypes:
        text = str(dtype).lower()
        if text.startswith("bool"):
            type_ = "boolean"
        elif text.startswith(("int", "uint")):
            type_ = "integral"
        elif text.startswith(("float", "double", "decimal")):
            type_ = "fractional"
        elif text.startswith(("datetime", "timestamp", "date")):
            type_ = "timestamp"
        else:
            type_ = "string"
        inferred.append(FeatureDefinition(name=str(column), type=type_))
    return inferred
