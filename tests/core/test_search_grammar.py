"""The run filter grammar (experiments/search.py).

- Parser units: every operator, quoting, precedence, and each refusal with its message.
- Properties (hypothesis): random filters and orderings run as SQL on a real database
  return exactly what an independent Python model of the documented semantics returns.
  SQLite always; PostgreSQL too when MLSTUDIO_TEST_POSTGRES_URI names a database.
- Injection attempts are refused and leave the tables intact.
"""

from __future__ import annotations

import functools
import math
import os
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, column, create_engine, func, inspect, literal, select, table, text

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.experiments.runs_orm import (
    LatestMetricRow,
    RunParamRow,
    RunRow,
    RunTagRow,
)
from jupyter_mlstudio.experiments.search import (
    And,
    Comparison,
    Identifier,
    Not,
    Or,
    OrderKey,
    SearchSyntaxError,
    _binary_text,
    _ilike_sql,
    _like_sql,
    _numeric_text,
    parse_filter,
    parse_order_by,
    run_search_query,
)
from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.store.db import Database

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("MLSTUDIO_TEST_POSTGRES_URI") else [])
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def metric(key: str) -> Identifier:
    return Identifier("metric", key)


def param(key: str) -> Identifier:
    return Identifier("param", key)


def tag(key: str) -> Identifier:
    return Identifier("tag", key)


def attr(name: str) -> Identifier:
    return Identifier("attribute", name)


# -- parser units ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("op", "value", "expected_op", "expected"),
    [
        ("=", "1", "=", 1.0),
        ("!=", "1", "!=", 1.0),
        ("<", "-1", "<", -1.0),
        ("<=", "2.5", "<=", 2.5),
        (">", "1e-3", ">", 0.001),
        (">=", "+.5", ">=", 0.5),
        ("IN", "(1, 2,3)", "IN", (1.0, 2.0, 3.0)),
        ("not in", "(1)", "NOT IN", (1.0,)),
    ],
)
def test_every_metric_operator(op: str, value: str, expected_op: str, expected: Any) -> None:
    assert parse_filter(f"metrics.auc {op} {value}") == Comparison(
        metric("auc"), expected_op, expected
    )


@pytest.mark.parametrize(
    ("op", "expected_op"),
    [
        ("like", "LIKE"),
        ("ILike", "ILIKE"),
        ("NOT LIKE", "NOT LIKE"),
        ("not ilike", "NOT ILIKE"),
        ("<", "<"),
        ("=", "="),
    ],
)
def test_text_operators_on_tags(op: str, expected_op: str) -> None:
    assert parse_filter(f"tags.team {op} 'ml%'") == Comparison(tag("team"), expected_op, "ml%")


def test_numbers_in_every_spelling() -> None:
    for spelled, value in [
        ("0", 0.0),
        ("42", 42.0),
        ("-7", -7.0),
        ("+3", 3.0),
        ("0.25", 0.25),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-05", 1e-05),
        ("-2.5e+2", -250.0),
    ]:
        assert parse_filter(f"metrics.m={spelled}") == Comparison(metric("m"), "=", value)


def test_params_compare_as_numbers_or_text_by_literal() -> None:
    assert parse_filter("params.lr = 0.01") == Comparison(param("lr"), "=", 0.01)
    assert parse_filter("params.lr = '0.01'") == Comparison(param("lr"), "=", "0.01")
    assert parse_filter('params.opt IN ("adam", "sgd")') == Comparison(
        param("opt"), "IN", ("adam", "sgd")
    )


def test_quoted_keys_and_strings() -> None:
    assert parse_filter("metrics.`val loss` < 1") == Comparison(metric("val loss"), "<", 1.0)
    assert parse_filter('params."learning-rate" = 1') == Comparison(
        param("learning-rate"), "=", 1.0
    )
    assert parse_filter(r"tags.`a\`b\\c` = 'x'") == Comparison(tag("a`b\\c"), "=", "x")
    # Unquoted keys may hold letters, digits and _ - . / :
    assert parse_filter("metrics.val-loss/epoch:1.x > 0") == Comparison(
        metric("val-loss/epoch:1.x"), ">", 0.0
    )
    assert parse_filter(r"tags.note = 'it\'s'") == Comparison(tag("note"), "=", "it's")
    assert parse_filter(r'tags.note = "say \"hi\""') == Comparison(tag("note"), "=", 'say "hi"')
    assert parse_filter(r"tags.path = 'C:\\data'") == Comparison(tag("path"), "=", "C:\\data")
    # A backslash before any other character is kept as it is.
    assert parse_filter(r"tags.path = 'C:\data'") == Comparison(tag("path"), "=", "C:\\data")
    assert parse_filter("tags.note = ''") == Comparison(tag("note"), "=", "")


def test_prefixes_and_attributes() -> None:
    for spelled in ("metric.auc", "METRICS.auc", "Metrics.auc"):
        assert parse_filter(f"{spelled} > 0") == Comparison(metric("auc"), ">", 0.0)
    assert parse_filter("param.lr = 1") == Comparison(param("lr"), "=", 1.0)
    assert parse_filter("tag.team = 'a'") == Comparison(tag("team"), "=", "a")
    for spelled, name in [
        ("run_id", "run_id"),
        ("id", "run_id"),
        ("attributes.id", "run_id"),
        ("run_name", "run_name"),
        ("name", "run_name"),
        ("attr.NAME", "run_name"),
        ("parent_run_id", "parent_run_id"),
        ("attribute.`parent_run_id`", "parent_run_id"),
    ]:
        assert parse_filter(f"{spelled} = 'x'") == Comparison(attr(name), "=", "x")


def test_keys_are_case_sensitive() -> None:
    assert parse_filter("metrics.AUC > 0") == Comparison(metric("AUC"), ">", 0.0)


def test_status_is_normalized() -> None:
    assert parse_filter("status = 'finished'") == Comparison(attr("status"), "=", "FINISHED")
    assert parse_filter("status not in ('Failed', 'KILLED')") == Comparison(
        attr("status"), "NOT IN", ("FAILED", "KILLED")
    )


def test_timestamps() -> None:
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    for literal_text in (
        "'2024-05-01T12:00:00Z'",
        "'2024-05-01 12:00:00'",  # naive means UTC
        "'2024-05-01T14:00:00+02:00'",
        '"2024-05-01T12:00:00.000000z"',
        str((moment - EPOCH) // timedelta(milliseconds=1)),
    ):
        assert parse_filter(f"start_time >= {literal_text}") == Comparison(
            attr("start_time"), ">=", moment
        )
    assert parse_filter("end_time < '2024-05-02'") == Comparison(
        attr("end_time"), "<", datetime(2024, 5, 2, tzinfo=UTC)
    )
    assert parse_filter("end_time < 1.5") == Comparison(
        attr("end_time"), "<", EPOCH + timedelta(microseconds=1500)
    )


def test_precedence_and_parentheses() -> None:
    a = Comparison(metric("a"), "=", 1.0)
    b = Comparison(metric("b"), "=", 2.0)
    c = Comparison(metric("c"), "=", 3.0)
    assert parse_filter("metrics.a = 1 OR metrics.b = 2 AND metrics.c = 3") == Or((a, And((b, c))))
    assert parse_filter("metrics.a = 1 and metrics.b = 2 or metrics.c = 3") == Or((And((a, b)), c))
    assert parse_filter("(metrics.a = 1 OR metrics.b = 2) AND metrics.c = 3") == And(
        (Or((a, b)), c)
    )
    assert parse_filter("NOT metrics.a = 1 AND metrics.b = 2") == And((Not(a), b))
    assert parse_filter("not (metrics.a = 1 AND metrics.b = 2)") == Not(And((a, b)))
    assert parse_filter("metrics.a = 1 AND metrics.b = 2 AND metrics.c = 3") == And((a, b, c))
    assert parse_filter("((metrics.a = 1))") == a
    assert parse_filter("NOT NOT metrics.a = 1") == Not(Not(a))


def test_blank_filter_is_none() -> None:
    assert parse_filter(None) is None
    assert parse_filter("") is None
    assert parse_filter("  \n\t ") is None


def test_whitespace_is_free() -> None:
    assert parse_filter("metrics.auc>0.5 and(tags.t='x')") == And(
        (Comparison(metric("auc"), ">", 0.5), Comparison(tag("t"), "=", "x"))
    )
    assert parse_filter("\n metrics.auc\t>=\n0.5 ") == Comparison(metric("auc"), ">=", 0.5)


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = 50
    assert parse_filter("(" * depth + "metrics.a = 1" + ")" * depth) == Comparison(
        metric("a"), "=", 1.0
    )
    long_chain = " OR ".join(f"params.p{i % 20} > {i}" for i in range(100))
    parsed = parse_filter(long_chain)
    assert isinstance(parsed, Or)
    assert len(parsed.operands) == 100
    many_values = "run_id IN (" + ", ".join(f"'{i:032x}'" for i in range(270)) + ")"
    assert 9_000 < len(many_values) <= 10_000
    assert parse_filter(many_values) is not None


@pytest.mark.parametrize(
    ("filter_text", "fragments"),
    [
        ("foo = 1", ["character 1", "unknown column 'foo'", "metrics.<key>", "run_name"]),
        ("attributes.size = 1", ["unknown run attribute 'size'", "start_time"]),
        ("metric_s.auc = 1", ["unknown prefix 'metric_s.'", "metrics., params., tags."]),
        ("tags.team = 'ml", ["character 13", "never closed", "'"]),
        ('tags.team = "ml', ["never closed", '"']),
        ("metrics.`auc > 1", ["character 9", "never closed", "`"]),
        ("(metrics.a = 1", ["at the end", "expected ')'", "character 1"]),
        ("(metrics.a = 1 AND (metrics.b = 2)", ["expected ')'", "character 1"]),
        ("metrics.a = 1)", ["character 14", "expected AND, OR or the end", "found ')'"]),
        ("metrics.a > 0; DROP TABLE runs", ["character 14", "';' is not allowed"]),
        ("metrics.a > 0 metrics.b > 1", ["character 15", "expected AND, OR"]),
        ("metrics.a > 0.5and metrics.b > 1", ["'0.5and' is not a number"]),
        ("metrics.a > 0 AND", ["at the end", "expected a column"]),
        ("metrics.a IN ()", ["character 15", "at least one value"]),
        ("metrics.a IN 1", ["expected '('", "IN"]),
        ("metrics.a IN (1, 2", ["expected ',' or ')'"]),
        ("metrics.a IN (1,)", ["expected a number or a quoted string"]),
        ("abs(metrics.a) > 1", ["functions", "abs(…)"]),
        ("metrics.a > abs(1)", ["functions", "abs(…)"]),
        ("metrics.a > 0 -- comment", ["character 15", "comments are not allowed"]),
        ("metrics.a > 0 /* c */", ["comments are not allowed"]),
        ("metrics.a > 0 # c", ["comments are not allowed"]),
        ("metrics.a > 'high'", ["metrics are numbers"]),
        ("metrics.a LIKE '1%'", ["LIKE compares text", "metrics.a supports"]),
        ("params.a LIKE 1", ["needs a quoted pattern"]),
        ("tags.epoch = 5", ["tags are text", "tags.epoch = '5'"]),
        ("run_name = 5", ["run_name is text"]),
        ("status = 'done'", ["character 10", "not a run status", "FINISHED"]),
        ("status IN ('FAILED', 1)", ["all numbers or all strings"]),
        ("status < 'FAILED'", ["status supports =, !=, IN and NOT IN"]),
        ("status LIKE 'F%'", ["LIKE compares text", "status supports"]),
        ("start_time IN (1, 2)", ["start_time supports =, !=, <"]),
        ("start_time > 'yesterday'", ["not a timestamp", "ISO-8601"]),
        ("end_time > 1e300", ["out of range"]),
        ("metrics.a == 1", ["'==' is not an operator", "use '='"]),
        ("metrics.a <> 1", ["'<>' is not an operator", "'!='"]),
        ("metrics.a ! 1", ["'!' is not an operator"]),
        ("metrics.a 1", ["expected an operator", "after metrics.a", "found '1'"]),
        ("metrics.a NOT = 1", ["expected IN, LIKE or ILIKE after NOT"]),
        ("metrics.a =", ["at the end", "expected a number or a quoted string"]),
        ("tags.a = `x`", ["backticks quote keys, not values"]),
        ("tags.a = hello", ["expected a number or a quoted string", "'hello'"]),
        ("metrics.a = (1)", ["only follows IN"]),
        ("params.a IN (1, 'x')", ["all numbers or all strings"]),
        ("params.a LIKE 'x\\\\'", ["cannot end with a single backslash"]),
        ("metrics.a = 1.2.3", ["'1.2.3' is not a number"]),
        ("metrics.a = 1e", ["'1e' is not a number"]),
        ("metrics.a = 0x10", ["'0x10' is not a number"]),
        ("metrics.a = 1e999", ["out of range"]),
        ("metrics.`` = 1", ["key cannot be empty"]),
        ("metrics. `a` = 1", ["expected a key right after 'metrics.'"]),
        ("metrics.'a' = 1", ["expected a key right after 'metrics.'", "backticks"]),
        ("metrics.précision > 0", ["unexpected character 'é'", "must be quoted"]),
        ("AND metrics.a = 1", ["keyword AND"]),
        ("'a' = tags.x", ["expected a column", "the string 'a'"]),
        ("metrics.a > 0 OR", ["at the end"]),
        ("NOT", ["at the end"]),
        ("()", ["expected a column"]),
        (f"metrics.{'k' * 251} > 0", ["at most 250 characters"]),
    ],
)
def test_refusals_explain_what_and_where(filter_text: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_filter(filter_text)
    message = str(info.value)
    assert message.startswith("Invalid filter")
    for fragment in fragments:
        assert fragment in message, message


def test_syntax_errors_carry_the_position() -> None:
    with pytest.raises(SearchSyntaxError) as info:
        parse_filter("metrics.a > 0; DROP TABLE runs")
    assert info.value.position == 13


def test_length_and_depth_limits() -> None:
    too_long = "metrics.a > 0 AND " * 600 + "metrics.a > 0"
    assert len(too_long) > 10_000
    with pytest.raises(
        InvalidArgumentError, match=r"10,8\d\d characters long; the limit is 10,000"
    ):
        parse_filter(too_long)
    with pytest.raises(InvalidArgumentError, match="nested more than 50 levels"):
        parse_filter("(" * 51 + "metrics.a = 1" + ")" * 51)
    with pytest.raises(InvalidArgumentError, match="nested more than 50 levels"):
        parse_filter("NOT " * 51 + "metrics.a = 1")
    with pytest.raises(InvalidArgumentError, match="must be a string"):
        parse_filter(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="at most 100 comparisons; use IN"):
        parse_filter(" OR ".join(f"metrics.m = {i}" for i in range(101)))
    twenty = " OR ".join(f"metrics.m{i} > 0 OR params.p{i} = 1" for i in range(10))
    assert parse_filter(twenty + " OR params.p0 != 'x' AND metrics.m0 < 1") is not None
    with pytest.raises(InvalidArgumentError, match="at most 20 different metrics, params and"):
        parse_filter(twenty + " OR tags.t0 = '1'")


def test_order_by_parsing() -> None:
    assert parse_order_by(None) == []
    assert parse_order_by([]) == []
    assert parse_order_by(["metrics.auc DESC", "params.lr", "tags.t asc", " name desc "]) == [
        OrderKey(metric("auc"), descending=True),
        OrderKey(param("lr")),
        OrderKey(tag("t")),
        OrderKey(attr("run_name"), descending=True),
    ]
    assert parse_order_by(["metrics.`val loss` Desc"]) == [OrderKey(metric("val loss"), True)]


@pytest.mark.parametrize(
    ("items", "fragments"),
    [
        (["metrics.auc DESCENDING"], ["order_by item 1", "expected ASC, DESC", "'DESCENDING'"]),
        (["metrics.auc", "size"], ["order_by item 2", "unknown column 'size'"]),
        (["metrics.auc DESC, params.lr"], ["order_by item 1", "found ','"]),
        (["metrics.auc DESC; DROP TABLE runs"], ["order_by item 1", "';' is not allowed"]),
        (["random()"], ["functions"]),
        ([""], ["order_by item 1", "empty"]),
        (["DESC"], ["keyword DESC"]),
        (["metrics.auc DESC NULLS FIRST"], ["found 'NULLS'"]),
        ("metrics.auc", ["list of strings"]),
        ([1], ["must be a string"]),
        (["metrics.a"] * 11, ["limit is 10"]),
    ],
)
def test_order_by_refusals(items: Any, fragments: list[str]) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_order_by(items)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_bad_lifecycle_and_experiment_ids() -> None:
    with pytest.raises(InvalidArgumentError, match="lifecycle must be one of active, deleted"):
        run_search_query(["e"], lifecycle="trash")
    with pytest.raises(InvalidArgumentError, match="list of ids"):
        run_search_query("e")


# -- the data the database tests search -----------------------------------------------
NUMBER_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?")


def is_number_text(value: str) -> bool:
    """The documented rule for params that count as numbers."""
    return len(value) <= 100 and NUMBER_TEXT.fullmatch(value) is not None


PARAM_VALUES = [
    *["0.1", "0.01", "1", "1.0", "-2.5", "1e-05", "1E+2", ".5", "+3", "1.", "007", "0", "-0"],
    *["100", "32", "0.3", "-.5e-3", "1e99"],
    # not numbers
    *["1e100", "1e5x", "abc", "Adam", "adam", "sgd", "SGD", "", " 1", "1 ", "nan", "inf"],
    *["0x10", "1_000", "1e", "+", ".", "--1", "1.2.3", "it's", 'say "hi"', "a%b", "a_b"],
    *["x*y?", "[z]", "back\\slash", "é", "1" * 101],
]
METRIC_VALUES = [0.0, -0.0, 0.5, 0.9, 0.95, -1.0, 0.001, 12.0, 0.1 + 0.2, 0.3, 7.0]
METRIC_VALUES += [math.inf, -math.inf, math.nan, 1e-300]
TAG_VALUES = ["prod", "Prod", "dev", "", "a%b", "a_b", "x*y?", "[z]", "it's", "back\\slash"]
TAG_VALUES += ["é", "team-a", "TEAM-A", "100", "9", "a\nb"]
RUN_NAMES = ["alpha", "Alpha", "beta", "run_1", "run%2", "[x]", "a*b", "o'neil", "é", "ALPHA"]
PARAM_KEYS = ["lr", "optimizer", "layers", "weird key", "p-1/x:y", 'odd`key"']
METRIC_KEYS = ["auc", "loss", "val loss", "m.1"]
TAG_KEYS = ["team", "note", "mlstudio.source"]
STATUSES = ["RUNNING", "FINISHED", "FAILED", "KILLED"]
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeRun:
    id: str
    experiment: str  # "main" or "other"
    lifecycle: str
    name: str
    status: str
    start_time: datetime
    end_time: datetime | None
    parent_run_id: str | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)  # NaN stored as NULL
    tags: dict[str, str] = field(default_factory=dict)

    def attribute(self, name: str) -> Any:
        return getattr(self, {"run_id": "id", "run_name": "name"}.get(name, name))


def make_runs() -> list[FakeRun]:
    rng = random.Random(20240501)
    runs: list[FakeRun] = []
    for i in range(46):
        start = T0 + timedelta(
            seconds=rng.randrange(20), microseconds=rng.choice([0, 0, 0, 500, 123000, 999999])
        )
        run = FakeRun(
            id=f"{rng.getrandbits(128):032x}",
            experiment="other" if i >= 43 else "main",
            lifecycle="deleted" if 40 <= i < 43 else "active",
            name=rng.choice(RUN_NAMES),
            status=rng.choice(STATUSES),
            start_time=start,
            end_time=rng.choice([None, start + timedelta(seconds=rng.randrange(30))]),
            parent_run_id=rng.choice([None, None, *(r.id for r in runs[-3:])]),
        )
        run.params = {k: rng.choice(PARAM_VALUES) for k in PARAM_KEYS if rng.random() < 0.75}
        run.metrics = {k: rng.choice(METRIC_VALUES) for k in METRIC_KEYS if rng.random() < 0.7}
        run.tags = {k: rng.choice(TAG_VALUES) for k in TAG_KEYS if rng.random() < 0.6}
        runs.append(run)
    return runs


RUNS = make_runs()
ACTIVE_MAIN = [r for r in RUNS if r.experiment == "main" and r.lifecycle == "active"]


@dataclass
class Loaded:
    db: Database
    experiment_ids: dict[str, str]

    def search(
        self,
        filter_text: str | None = None,
        order_by: Sequence[str] | None = None,
        *,
        lifecycle: str = "active",
        experiments: Sequence[str] = ("main",),
    ) -> list[str]:
        ids = [self.experiment_ids[name] for name in experiments]
        query = run_search_query(ids, filter_text, order_by, lifecycle=lifecycle)
        with self.db.session() as session:
            return [row.id for row in session.scalars(query)]

    def count_runs(self) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(RunRow)) or 0)


def wipe(db: Database) -> None:
    with db.session(write=True) as session:
        for table in ("latest_metrics", "metrics", "run_params", "run_tags", "runs"):
            session.execute(text(f"DELETE FROM {table}"))
        session.execute(text("DELETE FROM experiment_tags"))
        session.execute(text("DELETE FROM experiments"))


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_uri: str | None,
) -> Iterator[Loaded]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path_factory.mktemp('search') / 'x.db'}")
    else:
        assert postgres_uri is not None
        db = Database(postgres_uri)  # per xdist worker, see tests/conftest.py
        wipe(db)
    store = SqlExperimentStore(db)
    experiment_ids = {name: store.create_experiment(name).id for name in ("main", "other")}
    with db.session(write=True) as session:
        for run in RUNS:
            session.add(
                RunRow(
                    id=run.id,
                    experiment_id=experiment_ids[run.experiment],
                    name=run.name,
                    status=run.status,
                    parent_run_id=run.parent_run_id,
                    start_time=run.start_time,
                    end_time=run.end_time,
                    lifecycle=run.lifecycle,
                )
            )
            session.flush()  # parents before children
        for run in RUNS:
            session.add_all(
                RunParamRow(run_id=run.id, key=k, value=v) for k, v in run.params.items()
            )
            session.add_all(RunTagRow(run_id=run.id, key=k, value=v) for k, v in run.tags.items())
            session.add_all(
                LatestMetricRow(
                    run_id=run.id, key=k, step=0, timestamp=0.0, value=None if math.isnan(v) else v
                )
                for k, v in run.metrics.items()
            )
    yield Loaded(db, experiment_ids)
    if request.param != "sqlite":
        wipe(db)
    db.dispose()


# -- a Python model of the documented semantics ---------------------------------------
def like_regex(pattern: str, *, fold: bool) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    flags = re.DOTALL | (re.IGNORECASE | re.ASCII if fold else 0)
    return re.compile("".join(out), flags)


def apply_op(value: Any, op: str, literals: list[Any]) -> bool:
    first = literals[0]
    checks: dict[str, Callable[[], bool]] = {
        "=": lambda: bool(value == first),
        "!=": lambda: bool(value != first),
        "<": lambda: bool(value < first),
        "<=": lambda: bool(value <= first),
        ">": lambda: bool(value > first),
        ">=": lambda: bool(value >= first),
        "IN": lambda: value in literals,
        "NOT IN": lambda: value not in literals,
        "LIKE": lambda: like_regex(first, fold=False).fullmatch(value) is not None,
        "NOT LIKE": lambda: like_regex(first, fold=False).fullmatch(value) is None,
        "ILIKE": lambda: like_regex(first, fold=True).fullmatch(value) is not None,
        "NOT ILIKE": lambda: like_regex(first, fold=True).fullmatch(value) is None,
    }
    return checks[op]()


# A model node: ("cmp", kind, key, op, literals, numeric) | ("and"|"or", [nodes]) | ("not", node)
Node = tuple[Any, ...]


def holds(run: FakeRun, node: Node) -> bool:
    if node[0] == "and":
        return all(holds(run, n) for n in node[1])
    if node[0] == "or":
        return any(holds(run, n) for n in node[1])
    if node[0] == "not":
        return not holds(run, node[1])
    _, kind, key, op, literals, numeric = node
    value: Any
    if kind == "metric":
        value = run.metrics.get(key)
        if value is None or math.isnan(value):
            return False
    elif kind in ("param", "tag"):
        value = (run.params if kind == "param" else run.tags).get(key)
        if value is None:
            return False
        if numeric:
            if not is_number_text(value):
                return False
            value = float(value)
    else:
        value = run.attribute(key)
        if value is None:
            return False
    return apply_op(value, op, literals)


def sort_value(run: FakeRun, kind: str, key: str) -> Any:
    """None when the run has no value (sorts last); otherwise a comparable value."""
    if kind == "metric":
        value = run.metrics.get(key)
        return None if value is None or math.isnan(value) else value
    if kind == "param":
        text_value = run.params.get(key)
        if text_value is None:
            return None
        if is_number_text(text_value):
            return (0, float(text_value), text_value)
        return (1, 0.0, text_value)
    if kind == "tag":
        return run.tags.get(key)
    return run.attribute(key)


def expected_ids(node: Node | None, order: Sequence[tuple[str, str, bool]] = ()) -> list[str]:
    def cmp(a: FakeRun, b: FakeRun) -> int:
        for kind, key, descending in order:
            va, vb = sort_value(a, kind, key), sort_value(b, kind, key)
            if va is None or vb is None:
                if (va is None) != (vb is None):
                    return 1 if va is None else -1
                continue
            c = int(va > vb) - int(va < vb)
            if c:
                return -c if descending else c
        if a.start_time != b.start_time:
            return -1 if a.start_time > b.start_time else 1
        return (a.id > b.id) - (a.id < b.id)

    matching = [r for r in ACTIVE_MAIN if node is None or holds(r, node)]
    return [r.id for r in sorted(matching, key=functools.cmp_to_key(cmp))]


# -- strategies: (filter text, model) pairs -------------------------------------------
PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-./:]+")
RUN_IDS = [r.id for r in RUNS]
TIMES = sorted({r.start_time for r in RUNS} | {r.end_time for r in RUNS if r.end_time})
NUMBER_TEXTS = [
    *["0", "-0", "1", "-1", "0.5", ".5", "+0.9", "0.9", "0.95", "1e-3", "1E-03", "12", "100"],
    *["1.0", "-2.5", "3", "7", "0.1", "0.01", "0.3", "32", "1e2", "1e-05", "1e99", "1e-300"],
    *["0.30000000000000004", "0.001", "-1e308", "1e308"],
]
STRING_LITERALS = sorted(set(PARAM_VALUES + TAG_VALUES + RUN_NAMES) - {"1" * 101})


def cased(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word.upper(), word.lower(), word.title()]))


def quote_string(draw: st.DrawFn, value: str) -> str:
    quote = draw(st.sampled_from(["'", '"']))
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def render_identifier(draw: st.DrawFn, kind: str, key: str) -> str:
    if kind == "attribute":
        aliases = {"run_id": ["run_id", "id"], "run_name": ["run_name", "name"]}
        name = draw(st.sampled_from(aliases.get(key, [key])))
        return draw(st.sampled_from([name, f"attributes.{name}", f"attr.`{name}`"]))
    prefix = draw(st.sampled_from([f"{kind}s", kind, f"{kind}s".upper()]))
    styles = ["`", '"'] + (["plain", "plain"] if PLAIN_KEY.fullmatch(key) else [])
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return f"{prefix}.{key}"
    escaped = key.replace("\\", "\\\\").replace(style, "\\" + style)
    return f"{prefix}.{style}{escaped}{style}"


@st.composite
def like_patterns(draw: st.DrawFn) -> str:
    source = draw(st.sampled_from(STRING_LITERALS))
    parts = []
    for char in source:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            parts.append("%")
        elif roll == 1:
            parts.append("_")
        elif roll == 2:
            continue
        else:
            parts.append("\\" + char if char in "%_\\" else char)
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(["%", "_", "A"])))
    return "".join(parts)


@st.composite
def number_literal(draw: st.DrawFn) -> tuple[str, float]:
    spelled = draw(
        st.one_of(
            st.sampled_from(NUMBER_TEXTS),
            st.floats(-20, 20, allow_nan=False).map(repr),
        )
    )
    return spelled, float(spelled)


@st.composite
def timestamp_literal(draw: st.DrawFn) -> tuple[str, datetime]:
    moment = draw(st.sampled_from(TIMES)) + draw(
        st.sampled_from(
            [timedelta(0), timedelta(0), timedelta(microseconds=1), -timedelta(seconds=1)]
        )
    )
    style = draw(st.sampled_from(["Z", "offset", "naive", "ms"]))
    if style == "ms":
        millis = (moment - EPOCH) // timedelta(milliseconds=1)
        return str(millis), EPOCH + timedelta(milliseconds=millis)
    if style == "offset":
        zone = timezone(timedelta(hours=draw(st.integers(-11, 12))))
        return quote_string(draw, moment.astimezone(zone).isoformat()), moment
    naive = moment.replace(tzinfo=None).isoformat(sep=draw(st.sampled_from(["T", " "])))
    return quote_string(draw, naive + ("Z" if style == "Z" else "")), moment


def render_op(draw: st.DrawFn, op: str) -> str:
    return " ".join(cased(draw, word) for word in op.split())


ALL_OPS = ["=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN"]
TEXT_OPS = [*ALL_OPS, "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE"]


@st.composite
def comparison(draw: st.DrawFn) -> tuple[str, Node]:
    kind = draw(st.sampled_from(["metric", "param", "param", "tag", "attribute"]))
    if kind == "metric":
        key, numeric = draw(st.sampled_from([*METRIC_KEYS, "missing"])), True
    elif kind == "param":
        key, numeric = draw(st.sampled_from([*PARAM_KEYS, "missing"])), draw(st.booleans())
    elif kind == "tag":
        key, numeric = draw(st.sampled_from([*TAG_KEYS, "missing"])), False
    else:
        key = draw(
            st.sampled_from(
                ["run_id", "run_name", "status", "start_time", "end_time", "parent_run_id"]
            )
        )
        numeric = False
    if key == "status":
        ops = ["=", "!=", "IN", "NOT IN"]
    elif key in ("start_time", "end_time"):
        ops = ALL_OPS[:6]
    else:
        ops = ALL_OPS if numeric else TEXT_OPS
    op = draw(st.sampled_from(ops))
    count = draw(st.integers(1, 4)) if op.endswith("IN") else 1

    def one() -> tuple[str, Any]:
        if "LIKE" in op:
            pattern = draw(like_patterns())
            return quote_string(draw, pattern), pattern
        if numeric:
            return draw(number_literal())
        if key == "status":
            status = draw(st.sampled_from(STATUSES))
            return quote_string(draw, cased(draw, status)), status
        if key in ("start_time", "end_time"):
            return draw(timestamp_literal())
        if key in ("run_id", "parent_run_id"):
            value = draw(st.sampled_from([*RUN_IDS[:12], "nope", ""]))
        else:
            value = draw(
                st.one_of(st.sampled_from(STRING_LITERALS), st.text("aA%_'\"\\ ", max_size=3))
            )
        return quote_string(draw, value), value

    pairs = [one() for _ in range(count)]
    spelled = [s for s, _ in pairs]
    literals = [v for _, v in pairs]
    value_text = f"({', '.join(spelled)})" if op.endswith("IN") else spelled[0]
    space = draw(st.sampled_from([" ", "  ", "\n"]))
    filter_text = (
        f"{render_identifier(draw, kind, key)}{space}{render_op(draw, op)}{space}{value_text}"
    )
    return filter_text, ("cmp", kind, key, op, literals, numeric)


def combine(children: st.SearchStrategy[tuple[str, Node]]) -> st.SearchStrategy[tuple[str, Node]]:
    @st.composite
    def boolean(draw: st.DrawFn) -> tuple[str, Node]:
        how = draw(st.sampled_from(["and", "or", "not"]))
        if how == "not":
            text_, node = draw(children)
            needs_parens = node[0] in ("and", "or") or draw(st.booleans())
            return f"{cased(draw, 'not')} " + (f"({text_})" if needs_parens else text_), (
                "not",
                node,
            )
        items = draw(st.lists(children, min_size=2, max_size=3))
        parts = []
        for text_, node in items:
            # AND binds tighter than OR: an OR inside an AND needs parentheses.
            needs_parens = (how == "and" and node[0] == "or") or draw(st.booleans())
            parts.append(f"({text_})" if needs_parens else text_)
        return f" {cased(draw, how)} ".join(parts), (how, [node for _, node in items])

    return boolean()


filters = st.recursive(comparison(), combine, max_leaves=6)


@st.composite
def order_keys(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str, bool]]]:
    items, model = [], []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["metric", "param", "tag", "attribute"]))
        keys = {
            "metric": [*METRIC_KEYS, "missing"],
            "param": [*PARAM_KEYS, "missing"],
            "tag": [*TAG_KEYS, "missing"],
            "attribute": [
                "run_id",
                "run_name",
                "status",
                "start_time",
                "end_time",
                "parent_run_id",
            ],
        }[kind]
        key = draw(st.sampled_from(keys))
        direction = draw(st.sampled_from(["", " ASC", " DESC", " asc", " desc"]))
        items.append(render_identifier(draw, kind, key) + direction)
        model.append((kind, key, direction.strip().upper() == "DESC"))
    return items, model


# -- properties on a real database ----------------------------------------------------
def test_the_dataset_is_interesting() -> None:
    assert len(ACTIVE_MAIN) == 40
    assert len({r.start_time for r in ACTIVE_MAIN}) < 40  # ties exercise the id tie-breaker
    assert any(math.isnan(r.metrics.get("auc", 0.0)) for r in ACTIVE_MAIN)
    assert any(r.end_time is None for r in ACTIVE_MAIN)
    assert any(r.parent_run_id for r in ACTIVE_MAIN)


@PROPERTY
@given(case=filters)
def test_filters_match_the_python_model(loaded: Loaded, case: tuple[str, Node]) -> None:
    filter_text, node = case
    assert loaded.search(filter_text) == expected_ids(node), filter_text


@PROPERTY
@given(case=order_keys(), filter_case=st.one_of(st.none(), comparison()))
def test_order_matches_the_python_model(
    loaded: Loaded,
    case: tuple[list[str], list[tuple[str, str, bool]]],
    filter_case: tuple[str, Node] | None,
) -> None:
    items, model = case
    filter_text, node = filter_case if filter_case else (None, None)
    assert loaded.search(filter_text, items) == expected_ids(node, model), (filter_text, items)


def test_default_order_is_newest_first_then_id(loaded: Loaded) -> None:
    ids = loaded.search()
    assert ids == expected_ids(None)
    assert loaded.search("", []) == ids


def test_pages_are_stable(loaded: Loaded) -> None:
    ids = [loaded.experiment_ids["main"]]
    for order in (None, ["metrics.auc DESC"], ["params.lr", "tags.team DESC"]):
        query = run_search_query(ids, "NOT status = 'KILLED'", order)
        with loaded.db.session() as session:
            everything = list(session.scalars(query.with_only_columns(RunRow.id)))
            pages: list[str] = []
            for offset in range(0, len(everything), 7):
                page = query.with_only_columns(RunRow.id).offset(offset).limit(7)
                pages += session.scalars(page)
        assert pages == everything
        assert len(everything) == len(set(everything))


def test_lifecycle_and_experiments_restrict_the_runs(loaded: Loaded) -> None:
    deleted = [r.id for r in RUNS if r.lifecycle == "deleted"]
    assert sorted(loaded.search(lifecycle="deleted")) == sorted(deleted)
    assert sorted(loaded.search(lifecycle="all")) == sorted([r.id for r in ACTIVE_MAIN] + deleted)
    both = loaded.search(experiments=("main", "other"))
    assert sorted(both) == sorted(r.id for r in RUNS if r.lifecycle == "active")
    assert loaded.search(experiments=()) == []


def test_documented_examples(loaded: Loaded) -> None:
    by_id = {r.id: r for r in ACTIVE_MAIN}
    found = loaded.search("metrics.auc >= 0.001 AND params.lr < 2", ["metrics.auc DESC"])
    assert len(found) >= 2
    aucs = [by_id[run_id].metrics["auc"] for run_id in found]
    assert aucs == sorted(aucs, reverse=True)
    assert all(
        auc >= 0.001 and float(by_id[i].params["lr"]) < 2
        for i, auc in zip(found, aucs, strict=True)
    )
    # != does not match runs without the key.
    not_prod = set(loaded.search("tags.team != 'Prod'"))
    assert not_prod == {r.id for r in ACTIVE_MAIN if "team" in r.tags and r.tags["team"] != "Prod"}
    # NOT c is exactly the complement of c.
    with_prod = set(loaded.search("tags.team = 'Prod'"))
    assert with_prod
    assert set(loaded.search("NOT tags.team = 'Prod'")) == set(by_id) - with_prod
    # LIKE is case-sensitive, ILIKE is not, on every backend.
    assert set(loaded.search("run_name LIKE 'alpha'")) == {
        r.id for r in ACTIVE_MAIN if r.name == "alpha"
    }
    assert set(loaded.search("run_name ILIKE 'alpha'")) == {
        r.id for r in ACTIVE_MAIN if r.name.lower() == "alpha"
    }


@PROPERTY
@given(values=st.lists(st.text("0123456789.eE+- x", max_size=8), min_size=1, max_size=20))
def test_numeric_params_follow_the_documented_rule(loaded: Loaded, values: list[str]) -> None:
    values += ["1e99", "1e100", "1" * 100, "1" * 101, "-.5E+07", "+.e1"]
    query = select(*(_numeric_text(literal(v, String())) for v in values))
    with loaded.db.session() as session:
        row = session.execute(query).one()
    assert list(row) == [float(v) if is_number_text(v) else None for v in values], values


LIKE_CHARS = "aAb*?[]^!-\n"  # GLOB's and regular expressions' special characters too


@st.composite
def like_case(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern, and a value that often matches it (or almost does)."""
    parts = draw(
        st.lists(st.sampled_from([*LIKE_CHARS, "%", "_", "\\%", "\\_", "\\\\", "\\a"]), max_size=6)
    )
    value = []
    for part in parts:
        if part == "%":
            value.append(draw(st.text(LIKE_CHARS, max_size=2)))
        elif part == "_":
            value.append(draw(st.sampled_from(LIKE_CHARS)))
        else:
            value.append(part[-1])
    matching = "".join(value)
    other = draw(st.text(LIKE_CHARS + "%_\\", max_size=5))
    return draw(st.sampled_from([matching, matching.upper(), other])), "".join(parts)


@PROPERTY
@given(
    pairs=st.lists(
        st.one_of(like_case(), st.tuples(st.sampled_from(STRING_LITERALS), like_patterns())),
        min_size=1,
        max_size=10,
    )
)
def test_like_matches_the_documented_rule(loaded: Loaded, pairs: list[tuple[str, str]]) -> None:
    query = select(
        *(_like_sql(literal(v, String()), p) for v, p in pairs),
        *(_ilike_sql(literal(v, String()), p) for v, p in pairs),
    )
    with loaded.db.session() as session:
        row = [bool(x) for x in session.execute(query).one()]
    expected = [like_regex(p, fold=False).fullmatch(v) is not None for v, p in pairs]
    expected += [like_regex(p, fold=True).fullmatch(v) is not None for v, p in pairs]
    assert row == expected, pairs


# -- injection ------------------------------------------------------------------------
NASTY_FILTERS = [
    "metrics.auc > 0; DROP TABLE runs",
    "metrics.auc > 0 -- ' OR 1=1",
    "metrics.auc > 0 /* */ OR 1=1",
    "1=1",
    "metrics.auc > 0 OR 1=1",
    "tags.x = '' OR '' = ''",
    "tags.`x` = 'a'); DELETE FROM runs; --",
    "params.x = 'a' UNION SELECT * FROM runs",
    "status = 'FINISHED' AND (SELECT 1)",
    "run_id IN (SELECT id FROM runs)",
    "metrics.auc > 0 # comment",
    "sqlite_master.name = 'runs'",
    "runs.id = 'x'",
    "metrics.auc > 0\x00",
    "metrics.auc IN (1, 2); VACUUM",
    "start_time > now()",
    "metrics.auc > 0 AND load_extension('x')",
    "metrics.auc > 0 \\' OR 1=1",
    "params.x LIKE 'a' ESCAPE '!'",
    "metrics.`auc`` > 0",
    "metrics.auc > 0 LIMIT 1",
    "metrics.auc > 0 ORDER BY 1",
    "metrics.auc > 0 AND runs.lifecycle = 'deleted'",
    "tags.x = 'a' || (SELECT name FROM sqlite_master)",
    "metrics.auc > (SELECT 1)",
    "metrics.auc > 0 AND 1 = 1",
    "pg_sleep(10) IS NULL",
    "metrics.auc > 0 AND status = 'FINISHED'::text",
]
NASTY_ORDER_BY = [
    ["metrics.auc DESC; DROP TABLE runs"],
    ["metrics.auc DESC, runs.id"],
    ["(SELECT 1)"],
    ["1"],
    ["random()"],
    ["metrics.auc DESC LIMIT 1"],
    ["runs.id"],
]
NASTY_VALUES = [
    "tags.note = '\\'; DROP TABLE runs; --'",
    "params.`x'; DROP TABLE runs; --` = 'a'",
    "run_name = \"' OR '1'='1\"",
    "params.lr LIKE '%\\' OR 1=1 --'",
]


def tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_injection_attempts_are_refused_and_change_nothing(loaded: Loaded) -> None:
    before_tables, before_runs = tables(loaded.db), loaded.count_runs()
    ids = [loaded.experiment_ids["main"]]
    for nasty in NASTY_FILTERS:
        with pytest.raises(InvalidArgumentError):
            run_search_query(ids, nasty)
    for items in NASTY_ORDER_BY:
        with pytest.raises(InvalidArgumentError):
            run_search_query(ids, None, items)
    # Valid filters whose values look like SQL: bound as data, they match nothing.
    for harmless in NASTY_VALUES:
        query = run_search_query(ids, harmless)
        assert "DROP" not in str(query) and "OR 1" not in str(query)
        assert loaded.search(harmless) == []
    assert tables(loaded.db) == before_tables
    assert loaded.count_runs() == before_runs == len(RUNS)


def test_user_values_never_appear_in_the_sql() -> None:
    query = run_search_query(
        ["e"],
        "metrics.`key-SECRET1` > 0.123456 AND params.p = 'SECRET2' AND tags.t LIKE 'SECRET3%'"
        " AND run_name IN ('SECRET4') AND start_time > '2031-01-01' AND params.q < 0.654321",
        ["params.`SECRET5` DESC"],
    )
    for url in ("sqlite://", "postgresql+psycopg://user@localhost/db"):
        dialect = create_engine(url).dialect  # compiles only; never connects
        sql = str(query.compile(dialect=dialect))
        for secret in ("SECRET", "0.123456", "0.654321", "2031"):
            assert secret not in sql, sql


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs MLSTUDIO_TEST_POSTGRES_URI")
def test_text_order_ignores_the_postgresql_collation() -> None:
    """Code-point order even when the database's collation sorts otherwise."""
    db = Database(os.environ["MLSTUDIO_TEST_POSTGRES_URI"])
    words = ["a", "B", "_x", "Z", "é", "b"]
    try:
        with db.engine.connect() as conn:
            icu = conn.scalar(text("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'"))
            if icu is None:
                pytest.skip("PostgreSQL has no ICU collations")
            conn.execute(text('CREATE TEMP TABLE words (w TEXT COLLATE "en-US-x-icu")'))
            conn.execute(text("INSERT INTO words VALUES (:w)"), [{"w": w} for w in words])
            w = table("words", column("w", String())).c.w
            by_locale = list(conn.scalars(select(w).order_by(w)))
            by_code_point = list(conn.scalars(select(w).order_by(_binary_text(w))))
            below_b = set(conn.scalars(select(w).where(_binary_text(w) < "b")))
    finally:
        db.dispose()
    assert by_locale != sorted(words)  # the premise: this collation is not code-point order
    assert by_code_point == sorted(words)
    assert below_b == {w for w in words if w < "b"}
