"""Helpers that render Python literals and variable names into generated pandas code.

Generated code is read by people, so literals use double quotes (the black style) and
regular expressions are written as raw strings whenever that is possible.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_identifier(name: str) -> bool:
    """True if ``name`` can be used as a Python variable or keyword-argument name."""
    return bool(_IDENTIFIER.match(name)) and not keyword.iskeyword(name)


def lit(value: Any) -> str:
    """Python source for a JSON-like value (str, number, bool, None, list, tuple, dict)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f'float("{value}")'
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(lit(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, Sequence):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def regex_lit(pattern: str) -> str:
    """A raw-string literal for a regular expression when one can express it."""
    if '"' not in pattern and "\n" not in pattern and not pattern.endswith("\\"):
        return f'r"{pattern}"'
    return lit(pattern)


def col(frame: str, column: str) -> str:
    """``df["column"]``."""
    return f"{frame}[{lit(column)}]"


def cols(frame: str, columns: Sequence[str]) -> str:
    """``df["a"]`` for one column, ``df[["a", "b"]]`` for several."""
    return f"{frame}[{lit(list(columns))}]"


def kwargs(**items: Any) -> str:
    """``a=1, b="x"`` for the items that are not None."""
    return ", ".join(f"{k}={lit(v)}" for k, v in items.items() if v is not None)


@dataclass(frozen=True)
class Names:
    """The variable names a step's code reads from and writes to.

    ``inputs`` holds one name per input port (left, right for joins); ``outputs`` maps
    each output of the step (``df``, or ``train``/``test`` for a split) to its name.
    """

    inputs: tuple[str, ...]
    outputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def inp(self) -> str:
        return self.inputs[0]

    @property
    def out(self) -> str:
        return next(iter(self.outputs.values()))

    def start(self) -> str:
        """The line that gives an in-place step its own frame when it writes elsewhere."""
        if self.out == self.inp:
            return ""
        return f"{self.out} = {self.inp}.copy()\n"


def subset(frame: str, columns: Sequence[str], *, as_frame: bool = False) -> tuple[str, str]:
    """(prelude, expression) selecting columns readably.

    One column reads ``df["a"]``; several get a ``columns = [...]`` line first so the
    statement that follows stays short: ``df[columns] = df[columns].fillna(...)``.
    """
    if len(columns) == 1 and not as_frame:
        return "", col(frame, columns[0])
    return f"columns = {lit(list(columns))}\n", f"{frame}[columns]"
