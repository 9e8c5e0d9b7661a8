"""Experiment domain objects and the rules their fields obey."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from ..errors import InvalidArgumentError
from ..store.pagination import Page as Page  # re-exported for the stores

NAME_MAX_LENGTH = 256
DESCRIPTION_MAX_LENGTH = 10_000
TAG_KEY_MAX_LENGTH = 250
TAG_VALUE_MAX_LENGTH = 5_000
MAX_TAGS = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Experiment:
    """An experiment: a named, described, tagged collection of runs. Immutable."""

    id: str
    name: str
    description: str
    tags: Mapping[str, str]
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", MappingProxyType(dict(self.tags)))


def validate_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidArgumentError("Experiment name must be a string.")
    cleaned = name.strip()
    if not cleaned:
        raise InvalidArgumentError("Experiment name must not be empty.")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidArgumentError(
            f"Experiment name is {len(cleaned)} characters; the limit is {NAME_MAX_LENGTH}."
        )
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise InvalidArgumentError("Experiment name must not contain control characters.")
    return cleaned


def validate_description(description: object) -> str:
    if not isinstance(description, str):
        raise InvalidArgumentError("Experiment description must be a string.")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidArgumentError(
            f"Experiment description is {len(description)} characters; "
            f"the limit is {DESCRIPTION_MAX_LENGTH}."
        )
    return description


def validate_tags(tags: object) -> dict[str, str]:
    if not isinstance(tags, Mapping):
        raise InvalidArgumentError("Tags must be a mapping of strings to strings.")
    if len(tags) > MAX_TAGS:
        raise InvalidArgumentError(f"At most {MAX_TAGS} tags are allowed; got {len(tags)}.")
    clean: dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip():
            raise InvalidArgumentError("Tag keys must be non-empty strings.")
        if len(key) > TAG_KEY_MAX_LENGTH:
            raise InvalidArgumentError(
                f"Tag key {key[:40]!r}… is longer than {TAG_KEY_MAX_LENGTH} characters."
            )
        if not isinstance(value, str):
            raise InvalidArgumentError(f"Tag {key!r} must have a string value.")
        if len(value) > TAG_VALUE_MAX_LENGTH:
            raise InvalidArgumentError(
                f"Tag {key!r} has a value longer than {TAG_VALUE_MAX_LENGTH} characters."
            )
        clean[key] = value
    return clean
