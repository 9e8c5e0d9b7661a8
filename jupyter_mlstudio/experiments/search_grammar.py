"""The run filter and order_by grammar: tokens, a recursive-descent parser, the syntax tree.

Parsing also checks meaning (a metric compares with numbers, a status is one of four
values, …), so everything that reaches ``search.py`` — which turns the tree into SQL —
is valid. The user-facing description is ``docs/search-grammar.md``; keep them in step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, NoReturn, TypeAlias

from ..errors import InvalidArgumentError
from .run_entities import RUN_STATUSES

MAX_FILTER_LENGTH = 10_000
MAX_DEPTH = 50  # parentheses and NOTs inside one another
MAX_COMPARISONS = 100
MAX_FILTER_KEYS = 20  # different metrics, params and tags one filter reads (each a join)
MAX_ORDER_KEYS = 10
MAX_ORDER_ITEM_LENGTH = 1_000
MAX_KEY_LENGTH = 250

# A param value counts as a number when it matches this (the same test runs in SQL on
# every backend, see _numeric_text) and has at most NUMERIC_TEXT_MAX_LENGTH characters.
# The two bounds keep every such value well inside the double-precision range, so no
# backend ever fails converting one.
NUMERIC_TEXT_PATTERN = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$"
NUMERIC_TEXT_MAX_LENGTH = 100

IdentifierKind: TypeAlias = Literal["metric", "param", "tag", "attribute"]
Scalar: TypeAlias = float | str | datetime
Value: TypeAlias = Scalar | tuple[float, ...] | tuple[str, ...] | tuple[datetime, ...]

COMPARISON_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
TEXT_OPERATORS = ("LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE")
SET_OPERATORS = ("IN", "NOT IN")
OPERATORS = COMPARISON_OPERATORS + TEXT_OPERATORS + SET_OPERATORS

# Canonical attribute name → the names a filter may use for it.
RUN_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "run_id": ("run_id", "id"),
    "run_name": ("run_name", "name"),
    "status": ("status",),
    "start_time": ("start_time",),
    "end_time": ("end_time",),
    "parent_run_id": ("parent_run_id",),
}
_ATTRIBUTE_ALIASES = {alias: name for name, aliases in RUN_ATTRIBUTES.items() for alias in aliases}
_PREFIXES: dict[str, IdentifierKind] = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "tag": "tag",
    "tags": "tag",
    "attr": "attribute",
    "attribute": "attribute",
    "attributes": "attribute",
}
_TEXT_ATTRIBUTES = ("run_id", "run_name", "parent_run_id")
TIME_ATTRIBUTES = ("start_time", "end_time")
_ATTRIBUTE_LIST = ", ".join(RUN_ATTRIBUTES)
_OPERATOR_LIST = "=, !=, <, <=, >, >=, LIKE, ILIKE, IN or NOT IN"


class SearchSyntaxError(InvalidArgumentError):
    """A filter or order_by item the grammar refuses; ``position`` is 0-based or None."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


# -- the syntax tree ------------------------------------------------------------------
@dataclass(frozen=True)
class Identifier:
    """``metrics.auc`` is ``Identifier("metric", "auc")``; attributes use canonical names."""

    kind: IdentifierKind
    key: str

    def __str__(self) -> str:
        if self.kind == "attribute":
            return self.key
        key = self.key if _PLAIN_KEY_RE.fullmatch(self.key) else f"`{self.key}`"
        return f"{self.kind}s.{key}"


@dataclass(frozen=True)
class Comparison:
    """``identifier op value``. ``value`` is a tuple for IN / NOT IN.

    Numbers are floats; timestamps are UTC datetimes; a param compares numerically when
    the value is a float and as text when it is a string.
    """

    identifier: Identifier
    op: str
    value: Value


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    operand: Expr


Expr: TypeAlias = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderKey:
    identifier: Identifier
    descending: bool = False


# -- tokens ---------------------------------------------------------------------------
_PLAIN_KEY_RE = re.compile(r"[A-Za-z0-9_\-./:]+")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-./:]*")
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NUMBER_TAIL_RE = re.compile(r"[A-Za-z0-9_.]*")
_KEYWORDS = ("AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "ASC", "DESC")


@dataclass(frozen=True)
class _Token:
    # word | keyword | string | number | op | ( | ) | , | end
    kind: str
    text: str  # decoded text for strings, upper case for keywords
    pos: int
    end: int
    quote: str = ""  # the quote character of a string token

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the input"
        if self.kind == "string":
            return f"the string {self.quote}{_clip(self.text)}{self.quote}"
        return f"'{_clip(self.text)}'"


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class _Scanner:
    """Tokens of one input; every error names the input and the character position."""

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what
        self.tokens = self._tokenize()

    def fail(self, pos: int | None, message: str) -> NoReturn:
        if pos is None or pos >= len(self.text):
            where = "at the end"
        else:
            near = re.sub(r"\s", " ", _clip(self.text[pos:], 20))
            where = f'at character {pos + 1} (near "{near}")'
        raise SearchSyntaxError(f"Invalid {self.what} {where}: {message}", pos)

    def _tokenize(self) -> list[_Token]:
        text, tokens, i, n = self.text, [], 0, len(self.text)
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
            elif text.startswith(("--", "/*"), i) or c == "#":
                self.fail(i, "comments are not allowed.")
            elif c in "(),":
                tokens.append(_Token(c, c, i, i + 1))
                i += 1
            elif c in "'\"`":
                token = self._quoted(i)
                tokens.append(token)
                i = token.end
            elif c in "=!<>":
                tokens.append(self._operator(i))
                i = tokens[-1].end
            elif c.isdigit() or (c in "+-." and _NUMBER_RE.match(text, i)):
                token = self._number(i)
                tokens.append(token)
                i = token.end
            elif (word := _WORD_RE.match(text, i)) is not None:
                upper = word.group().upper()
                kind = "keyword" if upper in _KEYWORDS else "word"
                tokens.append(
                    _Token(kind, upper if kind == "keyword" else word.group(), i, word.end())
                )
                i = word.end()
            elif c == ";":
                self.fail(
                    i,
                    "';' is not allowed: write one expression and combine conditions "
                    "with AND or OR.",
                )
            else:
                self.fail(
                    i,
                    f"unexpected character {c!r}. Keys with characters other than "
                    "letters, digits and _ - . / : must be quoted: metrics.`my key`.",
                )
        tokens.append(_Token("end", "", n, n))
        return tokens

    def _quoted(self, start: int) -> _Token:
        quote, text, out, i = self.text[start], self.text, [], start + 1
        while i < len(text):
            c = text[i]
            if c == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
                out.append(text[i + 1])
                i += 2
            elif c == quote:
                return _Token("string", "".join(out), start, i + 1, quote)
            else:
                out.append(c)
                i += 1
        self.fail(
            start,
            f"this {quote} is never closed; add the closing {quote} "
            f"(write \\{quote} for a {quote} inside).",
        )

    def _operator(self, i: int) -> _Token:
        two = self.text[i : i + 2]
        if two == "==":
            self.fail(i, "'==' is not an operator; use '=' to test equality.")
        if two == "<>":
            self.fail(i, "'<>' is not an operator; use '!='.")
        if two in ("!=", "<=", ">="):
            return _Token("op", two, i, i + 2)
        if two[0] == "!":
            self.fail(i, "'!' is not an operator; use '!=' or NOT.")
        return _Token("op", two[0], i, i + 1)

    def _number(self, i: int) -> _Token:
        match = _NUMBER_RE.match(self.text, i)
        if match is None:
            self.fail(i, "expected a number.")
        end = match.end()
        tail = _NUMBER_TAIL_RE.match(self.text, end)
        if tail is not None and tail.end() > end:
            bad = self.text[i : tail.end()]
            self.fail(
                i,
                f"'{_clip(bad)}' is not a number. Numbers look like 3, -0.5 or 1e-4; "
                "quote text: 'v1.2'.",
            )
        return _Token("number", match.group(), i, end)


# -- the parser -----------------------------------------------------------------------
class _Parser:
    def __init__(self, scanner: _Scanner) -> None:
        self.scanner = scanner
        self.tokens = scanner.tokens
        self.index = 0
        self.depth = 0
        self.comparisons = 0
        self.joined_keys: set[tuple[str, str]] = set()

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.token.kind == "keyword" and self.token.text in words

    def fail(self, token: _Token, message: str) -> NoReturn:
        self.scanner.fail(None if token.kind == "end" else token.pos, message)

    def expect_end(self, expected: str) -> None:
        if self.token.kind != "end":
            self.fail(self.token, f"expected {expected}, found {self.token.describe()}.")

    # expr := and_expr (OR and_expr)*
    def expression(self) -> Expr:
        return self.chain("OR", self.conjunction, Or)

    # and_expr := not_expr (AND not_expr)*
    def conjunction(self) -> Expr:
        return self.chain("AND", self.negation, And)

    def chain(self, keyword: str, operand: Callable[[], Expr], node: type[And | Or]) -> Expr:
        """``operand (keyword operand)*``: one operand as it is, more joined by ``node``."""
        operands = [operand()]
        while self.at_keyword(keyword):
            self.advance()
            operands.append(operand())
        return operands[0] if len(operands) == 1 else node(tuple(operands))

    # not_expr := NOT not_expr | '(' expr ')' | comparison
    def negation(self) -> Expr:
        token = self.token
        if self.at_keyword("NOT") or token.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail(token, f"the filter is nested more than {MAX_DEPTH} levels deep.")
            self.advance()
            if token.kind == "(":
                inner = self.expression()
                if self.token.kind != ")":
                    self.fail(
                        self.token,
                        f"expected ')' to close the '(' at character "
                        f"{token.pos + 1}, found {self.token.describe()}.",
                    )
                self.advance()
            else:
                inner = Not(self.negation())
            self.depth -= 1
            return inner
        return self.comparison()

    def identifier(self) -> Identifier:
        token = self.advance()
        if token.kind == "keyword":
            self.fail(
                token, f"expected a column such as metrics.auc, found the keyword {token.text}."
            )
        if token.kind != "word":
            self.fail(
                token,
                f"expected a column such as metrics.auc, params.lr, tags.team or "
                f"status, found {token.describe()}.",
            )
        word = token.text
        if "." not in word:
            if self.token.kind == "(":
                self.fail(token, f"functions such as {word}(…) are not supported.")
            name = _ATTRIBUTE_ALIASES.get(word.lower())
            if name is None:
                self.fail(
                    token,
                    f"unknown column '{word}'. Use metrics.<key>, params.<key>, "
                    f"tags.<key> or a run attribute: {_ATTRIBUTE_LIST}.",
                )
            return Identifier("attribute", name)
        prefix, _, key = word.partition(".")
        kind = _PREFIXES.get(prefix.lower())
        if kind is None:
            self.fail(
                token, f"unknown prefix '{prefix}.'; use metrics., params., tags. or attributes."
            )
        if not key:
            quoted = self.token
            if quoted.pos != token.end or quoted.kind != "string" or quoted.quote == "'":
                self.fail(
                    quoted if quoted.pos == token.end else token,
                    f"expected a key right after '{word}'; quote keys with special "
                    f"characters in backticks or double quotes: {word}`my key`.",
                )
            self.advance()
            key = quoted.text
            if not key:
                self.fail(quoted, "a key cannot be empty.")
        if len(key) > MAX_KEY_LENGTH:
            self.fail(token, f"keys are at most {MAX_KEY_LENGTH} characters long.")
        if kind == "attribute":
            name = _ATTRIBUTE_ALIASES.get(key.lower())
            if name is None:
                self.fail(
                    token, f"unknown run attribute '{key}'; the attributes are {_ATTRIBUTE_LIST}."
                )
            return Identifier("attribute", name)
        return Identifier(kind, key)

    def operator(self, identifier: Identifier) -> str:
        token = self.advance()
        if token.kind == "op":
            return token.text
        if token.kind == "keyword" and token.text in ("LIKE", "ILIKE", "IN"):
            return token.text
        if token.kind == "keyword" and token.text == "NOT":
            after = self.advance()
            if after.kind == "keyword" and after.text in ("LIKE", "ILIKE", "IN"):
                return f"NOT {after.text}"
            self.fail(after, f"expected IN, LIKE or ILIKE after NOT, found {after.describe()}.")
        self.fail(
            token,
            f"expected an operator ({_OPERATOR_LIST}) after {identifier}, "
            f"found {token.describe()}.",
        )

    def literal(self) -> tuple[float | str, _Token]:
        token = self.advance()
        if token.kind == "number":
            number = float(token.text)
            if number in (float("inf"), float("-inf")):
                self.fail(token, f"the number {_clip(token.text)} is out of range.")
            return number, token
        if token.kind == "string" and token.quote != "`":
            return token.text, token
        if token.kind == "string":
            self.fail(
                token,
                "backticks quote keys, not values; write text values in single or double quotes.",
            )
        if token.kind == "word" and self.token.kind == "(":
            self.fail(token, f"functions such as {token.text}(…) are not supported.")
        if token.kind == "word":
            self.fail(
                token,
                f"expected a number or a quoted string, found {token.describe()}; "
                f"write text in quotes: '{_clip(token.text)}'.",
            )
        if token.kind == "(":
            self.fail(token, "a list of values in parentheses only follows IN or NOT IN.")
        self.fail(token, f"expected a number or a quoted string, found {token.describe()}.")

    def values(self) -> list[tuple[float | str, _Token]]:
        opening = self.advance()
        if opening.kind != "(":
            self.fail(
                opening,
                f"expected '(' and a list of values after IN, found "
                f"{opening.describe()}; e.g. status IN ('FAILED', 'KILLED').",
            )
        if self.token.kind == ")":
            self.fail(self.token, "IN needs at least one value.")
        items = [self.literal()]
        while self.token.kind == ",":
            self.advance()
            items.append(self.literal())
        if self.token.kind != ")":
            self.fail(
                self.token,
                f"expected ',' or ')' in the list of values, found {self.token.describe()}.",
            )
        self.advance()
        return items

    def comparison(self) -> Comparison:
        start = self.token
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            self.fail(
                start,
                f"a filter holds at most {MAX_COMPARISONS} comparisons; use IN "
                "(…) to test one column against many values.",
            )
        identifier = self.identifier()
        if identifier.kind != "attribute":
            self.joined_keys.add((identifier.kind, identifier.key))
            if len(self.joined_keys) > MAX_FILTER_KEYS:
                self.fail(
                    start,
                    f"a filter reads at most {MAX_FILTER_KEYS} different metrics, params and tags.",
                )
        op = self.operator(identifier)
        items = self.values() if op in SET_OPERATORS else [self.literal()]
        return _check(self, start, identifier, op, items)


# -- meaning: what each kind of column accepts ------------------------------------------
def _check(
    parser: _Parser,
    start: _Token,
    ident: Identifier,
    op: str,
    items: list[tuple[float | str, _Token]],
) -> Comparison:
    kinds = {type(value) for value, _ in items}
    if len(kinds) > 1:
        parser.fail(items[0][1], "the values after IN must be all numbers or all strings.")
    numeric = kinds == {float}

    def fail(message: str) -> NoReturn:
        parser.fail(start, message)

    def make(values: list[Any]) -> Comparison:
        value: Value = tuple(values) if op in SET_OPERATORS else values[0]
        return Comparison(ident, op, value)

    raw = [value for value, _ in items]
    if op in TEXT_OPERATORS:
        if ident.kind == "metric" or ident.key in (*TIME_ATTRIBUTES, "status"):
            fail(f"{op} compares text; {ident} supports {_allowed_ops(ident)}.")
        if numeric:
            fail(f"{op} needs a quoted pattern, e.g. {ident} LIKE '%adam%'.")
        _check_like_pattern(parser, items[0][1], str(raw[0]))
        return make(raw)
    if ident.kind == "metric":
        if not numeric:
            fail(f"metrics are numbers; compare {ident} with a number, not a string.")
        return make(raw)
    if ident.kind == "param":
        return make(raw)
    if ident.kind == "tag" or ident.key in _TEXT_ATTRIBUTES:
        if numeric:
            what = "tags are" if ident.kind == "tag" else f"{ident} is"
            example = _clip(items[0][1].text)
            fail(f"{what} text; write the value in quotes: {ident} {op} '{example}'.")
        return make(raw)
    if ident.key == "status":
        if op not in ("=", "!=", *SET_OPERATORS):
            fail(f"status supports {_allowed_ops(ident)}.")
        statuses = []
        for value, token in items:
            status = str(value).upper()
            if numeric or status not in RUN_STATUSES:
                parser.fail(
                    token,
                    f"{token.describe()} is not a run status; use one of "
                    f"{', '.join(RUN_STATUSES)}.",
                )
            statuses.append(status)
        return make(statuses)
    # start_time / end_time
    if op in SET_OPERATORS:
        fail(f"{ident} supports {_allowed_ops(ident)}.")
    return make([_timestamp(parser, value, token) for value, token in items])


def _allowed_ops(ident: Identifier) -> str:
    if ident.key == "status" and ident.kind == "attribute":
        return "=, !=, IN and NOT IN"
    if ident.kind == "metric":
        return "=, !=, <, <=, >, >=, IN and NOT IN"
    return "=, !=, <, <=, >, >="


def like_parts(pattern: str) -> list[str]:
    """A LIKE pattern as parts: '%', '_' or one literal character (after a backslash)."""
    parts, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 == len(pattern):
                raise ValueError("trailing backslash")
            parts.append("\\" + pattern[i + 1])
            i += 2
        else:
            parts.append(c)
            i += 1
    return parts


def _check_like_pattern(parser: _Parser, token: _Token, pattern: str) -> None:
    try:
        like_parts(pattern)
    except ValueError:
        parser.fail(
            token,
            "a LIKE pattern cannot end with a single backslash (a backslash escapes the "
            "character after it). To match a backslash the pattern needs two, which a "
            "quoted string spells as four: 'C:\\\\\\\\%'.",
        )


def _timestamp(parser: _Parser, value: float | str, token: _Token) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    if isinstance(value, float):
        try:
            return epoch + timedelta(milliseconds=value)
        except OverflowError:
            parser.fail(token, "the timestamp is out of range.")
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        parser.fail(
            token,
            f"{token.describe()} is not a timestamp; write an ISO-8601 time "
            "such as '2024-05-01T12:00:00Z' or milliseconds since 1970.",
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# -- public parsing API ---------------------------------------------------------------
def parse_filter(text: str | None) -> Expr | None:
    """The filter's syntax tree; ``None`` for ``None`` or blank text.

    Raises ``InvalidArgumentError`` (a :class:`SearchSyntaxError`) for anything the
    grammar refuses, with the character position and what was expected.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidArgumentError(f"filter must be a string, not {type(text).__name__}.")
    if len(text) > MAX_FILTER_LENGTH:
        raise SearchSyntaxError(
            f"Invalid filter: it is {len(text):,} characters long; the limit is "
            f"{MAX_FILTER_LENGTH:,}."
        )
    if not text.strip():
        return None
    parser = _Parser(_Scanner(text, "filter"))
    expr = parser.expression()
    parser.expect_end("AND, OR or the end of the filter")
    return expr


def parse_order_by(items: Sequence[str] | None) -> list[OrderKey]:
    """``["metrics.auc DESC", "params.lr"]`` → order keys (ascending unless DESC)."""
    if items is None:
        return []
    if isinstance(items, str):
        raise InvalidArgumentError("order_by must be a list of strings, e.g. ['metrics.auc DESC'].")
    items = list(items)
    if len(items) > MAX_ORDER_KEYS:
        raise InvalidArgumentError(
            f"order_by has {len(items)} items; the limit is {MAX_ORDER_KEYS}."
        )
    keys = []
    for number, item in enumerate(items, start=1):
        what = f"order_by item {number}"
        if not isinstance(item, str):
            raise InvalidArgumentError(f"{what} must be a string, not {type(item).__name__}.")
        if len(item) > MAX_ORDER_ITEM_LENGTH:
            raise SearchSyntaxError(
                f"Invalid {what}: it is longer than {MAX_ORDER_ITEM_LENGTH:,} characters."
            )
        parser = _Parser(_Scanner(item, what))
        if parser.token.kind == "end":
            raise SearchSyntaxError(f"Invalid {what}: it is empty; write e.g. 'metrics.auc DESC'.")
        identifier = parser.identifier()
        descending = False
        if parser.at_keyword("ASC", "DESC"):
            descending = parser.advance().text == "DESC"
        parser.expect_end("ASC, DESC or the end of the item")
        keys.append(OrderKey(identifier, descending))
    return keys


def split_order_by(text: str | None) -> list[str] | None:
    """``"metrics.auc DESC, start_time"`` → two sort keys; commas inside quotes are kept."""
    if not text:
        return None
    items: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in "`\"'":
            quote = ch
            current.append(ch)
        elif ch == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    items.append("".join(current).strip())
    if any(not item for item in items):
        raise InvalidArgumentError("order_by has an empty sort key (check the commas).")
    return items
