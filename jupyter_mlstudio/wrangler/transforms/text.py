"""Text columns: case, whitespace, regular expressions, splitting, simple statistics."""

from __future__ import annotations

import re
from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_validator

from ..codegen import Names, col, lit, regex_lit
from .base import ColumnParts, InPlaceColumns, Params, Transform, column_param, of_kind, register


def _text_example(df: pd.DataFrame, **extra: Any) -> dict[str, Any] | None:
    text = of_kind(df, "text")
    return {"columns": text[:2], **extra} if text else None


class CaseParams(Params):
    columns: list[str] = column_param(many=True, dtype="text")
    case: Literal["lower", "upper", "title", "capitalize"] = "lower"


@register
class TextCase(InPlaceColumns[CaseParams]):
    name = "text_case"
    group = "text"
    title = "Change case"
    description = "Lower-, upper-, title- or sentence-case text so spellings match."
    params_model = CaseParams

    def value(self, p: CaseParams, x: str) -> str:
        return f"{x}.str.{p.case}()"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return _text_example(df, case="upper")


class StripParams(Params):
    columns: list[str] = column_param(many=True, dtype="text")
    characters: str | None = Field(None, description="Characters to strip (default: spaces).")


@register
class TextStrip(InPlaceColumns[StripParams]):
    name = "text_strip"
    group = "text"
    title = "Strip whitespace"
    description = "Remove leading and trailing spaces (or given characters)."
    params_model = StripParams

    def value(self, p: StripParams, x: str) -> str:
        return f"{x}.str.strip({'' if p.characters is None else lit(p.characters)})"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return _text_example(df, characters=" .")


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


class ExtractParams(Params):
    column: str = column_param(dtype="text")
    pattern: str = Field(description="A regular expression with exactly one (group).")
    new_column: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str) -> str:
        if re.compile(_check_regex(pattern)).groups != 1:
            raise ValueError("the pattern must have exactly one capture group, e.g. (\\d+)")
        return pattern


@register
class RegexExtract(Transform[ExtractParams]):
    name = "regex_extract"
    group = "text"
    title = "Extract with a regular expression"
    description = "Put the part of the text matched by the pattern's group in a new column."
    params_model = ExtractParams

    def code(self, p: ExtractParams, n: Names) -> str:
        value = f"{col(n.out, p.column)}.str.extract({regex_lit(p.pattern)}, expand=False)"
        return n.start() + f"{col(n.out, p.new_column)} = {value}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        text = of_kind(df, "text")
        if not text:
            return None
        return {"column": text[0], "pattern": r"^(\w+)", "new_column": f"{text[0]}_first_word"}


class ReplaceParams(Params):
    columns: list[str] = column_param(many=True, dtype="text")
    pattern: str
    replacement: str = ""

    @field_validator("pattern")
    @classmethod
    def _valid(cls, pattern: str) -> str:
        return _check_regex(pattern)


@register
class RegexReplace(InPlaceColumns[ReplaceParams]):
    name = "regex_replace"
    group = "text"
    title = "Replace with a regular expression"
    description = "Replace every match of a pattern (backreferences like \\1 allowed)."
    params_model = ReplaceParams

    def value(self, p: ReplaceParams, x: str) -> str:
        return f"{x}.str.replace({regex_lit(p.pattern)}, {lit(p.replacement)}, regex=True)"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return _text_example(df, pattern=r"[aeiou]", replacement="_")


class SplitTextParams(Params):
    column: str = column_param(dtype="text")
    separator: str = Field(",", min_length=1)
    parts: int = Field(2, ge=2, le=100, title="Number of parts", description="One new column each.")
    prefix: str | None = Field(None, description="New columns are '<prefix>_0', …")


@register
class SplitText(Transform[SplitTextParams]):
    name = "split_text"
    group = "text"
    title = "Split into columns"
    description = "Split text on a separator into a fixed number of new columns."
    params_model = SplitTextParams

    def code(self, p: SplitTextParams, n: Names) -> str:
        prefix = p.prefix or p.column
        targets = lit([f"{prefix}_{i}" for i in range(p.parts)])
        split = (
            f"{col(n.out, p.column)}.str.split({lit(p.separator)}, n={p.parts - 1}, expand=True)"
        )
        return n.start() + f"{n.out}[{targets}] = {split}.reindex(columns=range({p.parts}))"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        text = of_kind(df, "text")
        return {"column": text[-1], "separator": " ", "parts": 3} if text else None


Stat = Literal["length", "words", "digits", "uppercase", "punctuation"]
_STATS: dict[str, str] = {
    "length": ".str.len()",
    "words": ".str.split().str.len()",
    "digits": '.str.count(r"\\d")',
    "uppercase": '.str.count(r"[A-Z]")',
    "punctuation": '.str.count(r"[^\\w\\s]")',
}


def _default_stats() -> list[Stat]:
    return ["length", "words"]


class StatsParams(Params):
    column: str = column_param(dtype="text")
    statistics: list[Stat] = Field(default_factory=_default_stats, min_length=1)


@register
class TextStats(ColumnParts[StatsParams]):
    name = "text_stats"
    group = "text"
    title = "Text statistics"
    description = "New columns with the length, word, digit, uppercase or punctuation count."
    params_model = StatsParams

    def parts(self, p: StatsParams) -> list[str]:
        return list(p.statistics)

    def part_value(self, source: str, part: str) -> str:
        return f"{source}{_STATS[part]}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        text = of_kind(df, "text")
        return {"column": text[-1], "statistics": list(_STATS)} if text else None
