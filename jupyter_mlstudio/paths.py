"""Text types for paths and process arguments, validated once for every wire model.

A NUL byte in a path reaches ``os.stat``/``Path.resolve`` as ``ValueError: embedded null
byte``, and one in an argument or environment variable stops ``subprocess`` the same
way; control characters in a file name are never what a user meant. The pydantic specs
(jobs, Data Wrangler documents) and the REST models use these types, so every such
field answers the same clear 400 instead of failing deep in the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from .errors import InvalidArgumentError

# The same rule as a JSON-schema pattern, so clients and fuzzers know it too.
PATH_PATTERN = r"^[^\u0000-\u001F\u007F]*$"
NO_NUL_PATTERN = r"^[^\u0000]*$"


def _describe(char: str) -> str:
    return "a NUL byte" if char == "\x00" else f"the control character {char!r}"


def check_path_text(value: str) -> str:
    """``value`` unchanged, or ``ValueError`` when it holds a NUL or control character."""
    for index, char in enumerate(value):
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise ValueError(
                f"a path must not contain {_describe(char)} (found at position {index})"
            )
    return value


def check_no_nul(value: str) -> str:
    """``value`` unchanged, or ``ValueError`` when it holds a NUL byte (what a process
    argument or environment variable cannot hold)."""
    index = value.find("\x00")
    if index >= 0:
        raise ValueError(f"must not contain a NUL byte (found at position {index})")
    return value


PathStr = Annotated[
    str, AfterValidator(check_path_text), Field(json_schema_extra={"pattern": PATH_PATTERN})
]
"""A file, folder or URL: no NUL byte, no control character."""

NoNulStr = Annotated[
    str, AfterValidator(check_no_nul), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
]
"""Free text handed to a process (arguments, environment): no NUL byte."""


def expand_user(path: str) -> Path:
    """``Path(path).expanduser()``, or ``InvalidArgumentError`` for ``~name`` when there
    is no user ``name`` (pathlib raises RuntimeError)."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        raise InvalidArgumentError(
            f"{path!r}: cannot expand {path.split('/')[0]!r}, there is no such user."
        ) from None


def within_roots(path: Path, roots: Sequence[Path]) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies inside one of ``roots``."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def confine(path: Path, roots: Sequence[Path], *, label: str) -> Path:
    """``path`` resolved, or ``InvalidArgumentError`` when it leaves every root."""
    try:
        check_path_text(str(path))
    except ValueError as exc:
        raise InvalidArgumentError(f"{label}: {exc}") from None
    resolved = path.resolve()
    if not within_roots(resolved, roots):
        raise InvalidArgumentError(
            f"{label}: {path} is outside the server's root folder; the server reads data "
            "only there (an administrator can allow other folders with "
            "c.MLStudio.allowed_data_roots)."
        )
    return resolved


def under_root(relative: str, root: Path) -> Path | None:
    """A path a request gives relative to the server's ``root`` folder (like the file
    browser's; a leading ``/`` is the root), resolved; None when it leaves ``root``."""
    path = (root / relative.lstrip("/")).resolve()
    return path if path.is_relative_to(root.resolve()) else None
