"""MLflow's search filters and order_by, in our grammar.

MLflow's run filter (``metrics.rmse < 1 and params.lr = '0.1' and tags."team" LIKE 'a%'``,
``attributes.status``, ``attributes.start_time`` in milliseconds, backtick or
double-quoted keys) is nearly our own (docs/search-grammar.md). What differs is what
MLflow keeps as tags that we keep as run attributes — ``tags.mlflow.runName`` is the run's
name, ``tags.mlflow.parentRunId`` its parent — and ``attributes.user_id``, which is the
``mlflow.user`` tag here (a run without it has the user ``''``, as in MLflow), and
``params.x IS [NOT] NULL``, which our grammar spells as comparisons. So a filter is
parsed by our parser (its errors name the character), those identifiers are swapped, and
the tree is written back as our filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import InvalidArgumentError
from ..experiments.search_grammar import (
    And,
    Comparison,
    Expr,
    Identifier,
    Not,
    Or,
    parse_filter,
    parse_order_by,
)
from .registry import matches
from .registry import parse_filter as parse_registry_filter

# MLflow's tags that are run attributes here
_TAG_ATTRIBUTES = {"mlflow.runName": "run_name", "mlflow.parentRunId": "parent_run_id"}
# MLflow's run attributes that are tags here: attributes.user_id (any prefix spelling,
# the key bare or quoted) outside quoted strings
_USER_ID = re.compile(r"""\b(?:attributes|attribute|attr)\.(?:user_id|`user_id`|"user_id")""")
_UNSUPPORTED_ATTRIBUTE = re.compile(
    r"""\b(?:attributes|attribute|attr)\.[`"]?(lifecycle_stage|artifact_uri)\b"""
)
# attributes.user_id is parsed as this tag, then written as the ``mlflow.user`` tag read
# as MLflow reads user_id: a run without the tag has the user "" (it matches != 'x').
_USER_ID_KEY = "mlstudio.mlflow.user_id"
_USER_TAG = Identifier("tag", "mlflow.user")
# ``params.x IS [NOT] NULL`` (and tags., as MLflow): whether the run has the key. Our
# grammar has no IS; a comparison that holds for any value it has says the same.
_IS_NULL = re.compile(
    r"""\b((metrics?|params?|parameters?|tags?)\.(?:`[^`]*`|"[^"]*"|[\w.\-/:]+))"""
    r"""\s+IS\s+(NOT\s+)?NULL\b""",
    re.IGNORECASE,
)
_SINGLE_QUOTED = re.compile(r"'(?:\\.|[^'\\])*'")


def _outside_strings(text: str) -> str:
    """``text`` with MLflow-only attribute names rewritten, leaving quoted values alone."""
    out, last = [], 0
    for match in _SINGLE_QUOTED.finditer(text):
        out.append(_rewrite_words(text[last : match.start()]))
        out.append(match.group())
        last = match.end()
    out.append(_rewrite_words(text[last:]))
    return "".join(out)


def _rewrite_words(segment: str) -> str:
    unsupported = _UNSUPPORTED_ATTRIBUTE.search(segment)
    if unsupported:
        raise InvalidArgumentError(
            f"Filtering runs on attributes.{unsupported.group(1)} is not supported here; "
            "filter on metrics, params, tags, run_id, run_name, status, start_time, "
            "end_time or user_id (run_view_type chooses active or deleted runs)."
        )
    return _USER_ID.sub(f"tags.`{_USER_ID_KEY}`", _IS_NULL.sub(_has_key, segment))


def _has_key(match: re.Match[str]) -> str:
    identifier, kind, negated = match.group(1), match.group(2).lower(), match.group(3)
    if kind.startswith("metric"):
        raise InvalidArgumentError(
            f"IS NULL / IS NOT NULL is only supported for tags and params, not {identifier}."
        )
    present = f"({identifier} = '' OR {identifier} != '')"
    return present if negated else f"NOT {present}"


def _mapped(identifier: Identifier) -> Identifier:
    if identifier == Identifier("tag", _USER_ID_KEY):
        return _USER_TAG
    if identifier.kind == "tag" and identifier.key in _TAG_ATTRIBUTES:
        return Identifier("attribute", _TAG_ATTRIBUTES[identifier.key])
    return identifier


def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        value = value.isoformat()
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _matches_empty(op: str, value: Any) -> bool:
    """Whether MLflow's comparison ``'' <op> value`` holds (a run without a user)."""
    if isinstance(value, tuple):
        return ("" in value) == (op == "IN")
    if not isinstance(value, str):
        return False
    if op in ("LIKE", "ILIKE"):
        return set(value) <= {"%"}
    return {"=": value == "", "!=": value != "", "<": value != "", "<=": True}.get(op, False)


def _written(expr: Expr) -> str:
    if isinstance(expr, Comparison) and expr.identifier == Identifier("tag", _USER_ID_KEY):
        compared = f"{_USER_TAG} {expr.op} {_literal(expr.value)}"
        if _matches_empty(expr.op, expr.value):
            return f"({compared} OR NOT ({_USER_TAG} LIKE '%'))"
        return compared
    if isinstance(expr, Comparison):
        return f"{_mapped(expr.identifier)} {expr.op} {_literal(expr.value)}"
    if isinstance(expr, Not):
        return f"NOT ({_written(expr.operand)})"
    joiner = " AND " if isinstance(expr, And) else " OR "
    assert isinstance(expr, And | Or)
    return "(" + joiner.join(_written(e) for e in expr.operands) + ")"


def mlflow_run_filter(text: str | None) -> str | None:
    """Our filter for MLflow's run ``filter`` string (None for no filter)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidArgumentError("'filter' must be a string.")
    expr = parse_filter(_outside_strings(text))
    return None if expr is None else _written(expr)


def mlflow_order_by(items: Sequence[str] | None) -> list[str] | None:
    """Our order_by items for MLflow's (``["metrics.rmse DESC", "attributes.start_time"]``)."""
    if not items:
        return None
    if isinstance(items, str):
        items = [items]
    keys = parse_order_by([_outside_strings(str(item)) for item in items])
    return [f"{_mapped(k.identifier)} {'DESC' if k.descending else 'ASC'}" for k in keys]


def experiment_matches(text: str | None, experiment: Mapping[str, Any]) -> bool:
    """Whether an experiment (MLflow's JSON) passes MLflow's experiment filter: ``name``
    and ``tags.<key>`` with =, !=, LIKE or ILIKE, joined by AND."""
    conditions = parse_registry_filter(
        re.sub(r"\battributes?\.name\b", "name", text) if text else text
    )
    fields: dict[str, str | None] = {"name": experiment["name"]}
    fields.update({f"tags.{t['key']}": t["value"] for t in experiment["tags"]})
    return matches(conditions, fields)
