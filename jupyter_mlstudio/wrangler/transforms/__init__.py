"""The transform registry: importing this package registers every built-in transform."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidArgumentError
from . import (  # noqa: F401 - imported for their @register side effect
    categorical,
    columns,
    combine,
    custom,
    datetime,
    missing,
    numeric,
    outliers,
    rows,
    split,
    text,
)
from .base import GROUPS, REGISTRY, Params, Transform, TransformInfo, register


def get_transform(name: str) -> Transform[Any]:
    """The registered transform called ``name``; the error lists close names."""
    try:
        return REGISTRY[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InvalidArgumentError(f"unknown transform {name!r}{hint}") from None


def list_transforms() -> list[TransformInfo]:
    """Every transform with its group and parameter JSON schema, in palette order."""
    order = list(GROUPS)
    return [
        t.info() for t in sorted(REGISTRY.values(), key=lambda t: (order.index(t.group), t.name))
    ]


__all__ = [
    "GROUPS",
    "REGISTRY",
    "Params",
    "Transform",
    "TransformInfo",
    "get_transform",
    "list_transforms",
    "register",
]
