"""Export a flow as a PySpark script, for data that lives where a Spark cluster is.

Each supported transform has a Spark template here: readable ``pyspark.sql.functions``
code that gives the pandas engine's result (``tests/wrangler/test_pyspark_export.py``
runs every template on a real local Spark against the engine on the test datasets).
A flow with a step that has no template — or a parameter combination where Spark would
answer differently from pandas, such as a regular expression using Python-only syntax
— is refused up front, naming the steps, rather than exported into code that differs.

Only the generated script imports pyspark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InvalidArgumentError
from .codegen import lit
from .document import CsvSource, FlowDocument, JsonLinesSource, ParquetSource
from .sources import resolve_path
from .transforms import get_transform

Template = Callable[[Any, str, str], list[str]]  # (params, input var, output var) → lines

# A pattern in the part of regular-expression syntax Python and Java read alike: no
# named groups, lookbehind, conditionals, inline flags or \Z / \A differences.
_PORTABLE_REGEX_REFUSED = re.compile(r"\(\?[P<=!]|\(\?\(|\(\?[aiLmsux]|\\[AZzG]|\\[0-9]")
# pandas expressions Spark SQL reads the same way: column names in backticks, numbers,
# arithmetic, comparisons, and/or/not, parentheses. Anything else (functions, ** , @vars,
# in/not in, strings with escapes) is refused.
_EXPRESSION_TOKEN = re.compile(
    r"\s+|`[^`]+`|\*\*|\d+(\.\d*)?([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|==|!=|<=|>=|[<>+\-*/()]"
    r"|\band\b|\bor\b|\bnot\b|\bTrue\b|\bFalse\b|[A-Za-z_][A-Za-z0-9_]*"
)


def _c(name: str) -> str:
    return f"F.col({lit(name)})"


def _expression(expression: str) -> str:
    """The pandas expression as Spark SQL, or InvalidArgumentError."""
    out: list[str] = []
    position = 0
    while position < len(expression):
        match = _EXPRESSION_TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise InvalidArgumentError(
                f"the expression {expression!r} uses {expression[position:]!r}, which the "
                "PySpark export does not translate (it takes columns, numbers, arithmetic, "
                "comparisons, and/or/not)"
            )
        piece = match.group(0)
        if piece == "**":
            raise InvalidArgumentError(
                f"the expression {expression!r} raises to a power (**), which Spark SQL "
                "writes as a function; use the power transform"
            )
        if piece == "==":
            piece = "="
        elif piece in ("True", "False"):
            piece = piece.lower()
        out.append(piece)
        position = match.end()
    return "".join(out)


def _check_regex(pattern: str) -> None:
    if _PORTABLE_REGEX_REFUSED.search(pattern):
        raise InvalidArgumentError(
            f"the regular expression {pattern!r} uses syntax Python and Java (Spark) read "
            "differently; the PySpark export takes plain classes, groups and quantifiers"
        )


def _java_replacement(replacement: str) -> str:
    r"""A Python ``re.sub`` replacement in Java's syntax: ``\1`` → ``$1``, ``$`` escaped."""
    java = replacement.replace("$", r"\$")
    return re.sub(r"\\(\d)", r"$\1", java)


# -- templates: one per transform --------------------------------------------------------
def _drop_columns(p: Any, i: str, o: str) -> list[str]:
    return [f"{o} = {i}.drop({', '.join(lit(c) for c in p.columns)})"]


def _keep_columns(p: Any, i: str, o: str) -> list[str]:
    return [f"{o} = {i}.select({', '.join(lit(c) for c in p.columns)})"]


def _rename_columns(p: Any, i: str, o: str) -> list[str]:
    return [f"{o} = {i}.withColumnsRenamed({lit(dict(p.mapping))})"]


def _reorder_columns(p: Any, i: str, o: str) -> list[str]:
    moved = lit(list(p.columns))
    rest = f"[c for c in {i}.columns if c not in {moved}]"
    order = f"{moved} + {rest}" if p.position == "first" else f"{rest} + {moved}"
    return [f"{o} = {i}.select({order})"]


def _duplicate_column(p: Any, i: str, o: str) -> list[str]:
    return [f"{o} = {i}.withColumn({lit(p.new_column)}, {_c(p.column)})"]


def _drop_missing(p: Any, i: str, o: str) -> list[str]:
    subset = "" if p.columns is None else f", subset={lit(list(p.columns))}"
    # pandas' NaN is missing too: Spark's dropna counts NaN as missing for doubles
    return [f"{o} = {i}.dropna(how={lit(p.how)}{subset})"]


def _fill_missing(p: Any, i: str, o: str) -> list[str]:
    return [
        f"{o} = {i}.withColumns({{",
        *[
            f"    {lit(c)}: F.when({_c(c)}.isNull() | F.isnan({_c(c)}), F.lit({lit(p.value)}))"
            f".otherwise({_c(c)}),"
            if not isinstance(p.value, str)
            else f"    {lit(c)}: F.coalesce({_c(c)}, F.lit({lit(p.value)})),"
            for c in p.columns
        ],
        "})",
    ]


def _impute_mean(p: Any, i: str, o: str) -> list[str]:
    columns = lit(list(p.columns))
    return [
        f"means = {i}.select([F.mean(F.nanvl(F.col(c), F.lit(None))).alias(c) "
        f"for c in {columns}]).first()",
        f"{o} = {i}.withColumns({{c: F.coalesce(F.nanvl(F.col(c), F.lit(None)), "
        f"F.lit(means[c])) for c in {columns}}})",
    ]


def _missing_indicator(p: Any, i: str, o: str) -> list[str]:
    lines = [f"{o} = {i}.withColumns({{"]
    for c in p.columns:
        lines.append(f"    {lit(c + p.suffix)}: {_c(c)}.isNull() | F.isnan({_c(c)}),")
    lines.append("})")
    return lines


def _map_values(p: Any, i: str, o: str) -> list[str]:
    pairs = [(m.value, m.replacement) for m in p.mapping]
    for value, replacement in pairs:
        if type(value) is not type(replacement) or not isinstance(value, str):
            raise InvalidArgumentError(
                "the PySpark export maps text to text; this mapping has other types"
            )
    return [f"{o} = {i}.replace({lit(dict(pairs))}, subset=[{lit(p.column)}])"]


def _power_transform(p: Any, i: str, o: str) -> list[str]:
    power = lit(float(p.power))
    body = (
        f"F.signum(F.col(c)) * F.pow(F.abs(F.col(c)), {power})"
        if p.keep_sign
        else f"F.pow(F.col(c), {power})"
    )
    return [f"{o} = {i}.withColumns({{c: {body} for c in {lit(list(p.columns))}}})"]


def _text_case(p: Any, i: str, o: str) -> list[str]:
    if p.case == "title":
        raise InvalidArgumentError(
            "title case differs between pandas and Spark (initcap splits on spaces only); "
            "use upper, lower or capitalize"
        )
    expression = {
        "lower": "F.lower(F.col(c))",
        "upper": "F.upper(F.col(c))",
        "capitalize": "F.concat(F.upper(F.substring(F.col(c), 1, 1)), "
        "F.lower(F.substring(F.col(c), 2, 1 << 30)))",
    }[p.case]
    return [f"{o} = {i}.withColumns({{c: {expression} for c in {lit(list(p.columns))}}})"]


def _text_strip(p: Any, i: str, o: str) -> list[str]:
    if p.characters is None:
        # Python strips Unicode whitespace; (?U) gives Java's \s the same meaning
        pattern = r"(?U)^\s+|\s+$"
    else:
        chars = re.escape(p.characters)
        pattern = f"^[{chars}]+|[{chars}]+$"
    return [
        f"{o} = {i}.withColumns({{c: F.regexp_replace(F.col(c), {lit(pattern)}, "
        f'"") for c in {lit(list(p.columns))}}})'
    ]


def _regex_replace(p: Any, i: str, o: str) -> list[str]:
    _check_regex(p.pattern)
    replacement = _java_replacement(p.replacement)
    return [
        f"{o} = {i}.withColumns({{c: F.regexp_replace(F.col(c), {lit(p.pattern)}, "
        f"{lit(replacement)}) for c in {lit(list(p.columns))}}})"
    ]


def _regex_extract(p: Any, i: str, o: str) -> list[str]:
    _check_regex(p.pattern)
    source, pattern = _c(p.column), lit(p.pattern)
    # pandas gives a missing value where the pattern does not match; Spark gives ""
    return [
        f"{o} = {i}.withColumn({lit(p.new_column)}, "
        f"F.when({source}.rlike({pattern}), F.regexp_extract({source}, {pattern}, 1)))"
    ]


def _filter_rows(p: Any, i: str, o: str) -> list[str]:
    return [f"{o} = {i}.filter({lit(_expression(p.expression))})"]


def _formula(p: Any, i: str, o: str) -> list[str]:
    return [f"{o} = {i}.withColumn({lit(p.new_column)}, F.expr({lit(_expression(p.expression))}))"]


def _sort_rows(p: Any, i: str, o: str) -> list[str]:
    order = "asc" if p.ascending else "desc"
    nulls = "nulls_last" if p.missing == "last" else "nulls_first"
    keys = ", ".join(f"F.{order}_{nulls}({lit(c)})" for c in p.columns)
    # pandas sorts stably: ties keep the order they came in
    return [
        f"{o} = ({i}.withColumn('__row', F.monotonically_increasing_id())",
        f"    .orderBy({keys}, F.asc('__row')).drop('__row'))",
    ]


def _cyclic_encode(p: Any, i: str, o: str) -> list[str]:
    if p.part is not None or p.period is None:
        raise InvalidArgumentError(
            "the PySpark export encodes a numeric column with an explicit period; "
            "datetime parts are not exported yet"
        )
    x = f"2 * math.pi * {_c(p.column)} / {lit(float(p.period))}"
    return [
        f"{o} = {i}.withColumns({{",
        f"    {lit(p.column + '_sin')}: F.sin({x}),",
        f"    {lit(p.column + '_cos')}: F.cos({x}),",
        "})",
    ]


TEMPLATES: dict[str, Template] = {
    "drop_columns": _drop_columns,
    "keep_columns": _keep_columns,
    "rename_columns": _rename_columns,
    "reorder_columns": _reorder_columns,
    "duplicate_column": _duplicate_column,
    "drop_missing": _drop_missing,
    "fill_missing": _fill_missing,
    "impute_mean": _impute_mean,
    "missing_indicator": _missing_indicator,
    "map_values": _map_values,
    "power_transform": _power_transform,
    "text_case": _text_case,
    "text_strip": _text_strip,
    "regex_replace": _regex_replace,
    "regex_extract": _regex_extract,
    "filter_rows": _filter_rows,
    "formula": _formula,
    "sort_rows": _sort_rows,
    "cyclic_encode": _cyclic_encode,
}


def step_code(transform: str, params: dict[str, Any], inp: str, out: str) -> list[str]:
    """The Spark code of one step (validated params), or InvalidArgumentError."""
    template = TEMPLATES.get(transform)
    if template is None:
        raise InvalidArgumentError("no PySpark template yet")
    parsed = get_transform(transform).parse(params)
    return template(parsed, inp, out)


def pyspark_blockers(document: FlowDocument) -> list[str]:
    """Why the flow cannot be exported to PySpark (empty: it can)."""
    problems = [
        f"source {s.id!r} is {s.kind} (the PySpark export reads csv, parquet and jsonl)"
        for s in document.sources
        if not isinstance(s, CsvSource | ParquetSource | JsonLinesSource)
    ]
    for source in document.sources:
        if isinstance(source, CsvSource | JsonLinesSource):
            unknown = sorted(set(source.options) - {"parse_dates"})
            if unknown:
                problems.append(
                    f"source {source.id!r} has reader options {', '.join(unknown)} that the "
                    "PySpark export does not translate"
                )
    for step in document.order():
        try:
            step_code(step.transform, step.params, "df", "df")
        except InvalidArgumentError as exc:
            problems.append(f"step {step.id!r} ({step.transform}): {exc.message}")
    return problems


def _read(source: Any, var: str, base_dir: Path | None) -> list[str]:
    path = str(resolve_path(source.path, base_dir)) if base_dir else str(source.path)
    if isinstance(source, ParquetSource):
        lines = [f"{var} = spark.read.parquet({lit(path)})"]
        if source.columns:
            lines.append(f"{var} = {var}.select({', '.join(lit(c) for c in source.columns)})")
        return lines
    if isinstance(source, CsvSource):
        # Numbers are inferred as pandas infers them; dates and times stay text (as
        # pandas reads them) unless parse_dates names them.
        lines = [
            f"{var} = (spark.read.options(header=True, inferSchema=True, sep={lit(source.sep)},",
            "    dateFormat=\"'never'\", timestampFormat=\"'never'\", "
            "timestampNTZFormat=\"'never'\")",
            f"    .csv({lit(path)}))",
        ]
    else:
        lines = [f"{var} = spark.read.json({lit(path)})"]
    dates = source.options.get("parse_dates") or []
    if dates:
        lines.append(
            f"{var} = {var}.withColumns("
            f"{{c: F.to_timestamp(F.col(c)) for c in {lit(list(dates))}}})"
        )
    return lines


def to_pyspark(
    document: FlowDocument,
    base_dir: Path | None,
    *,
    name: str = "flow",
    output_dir: str = "output",
    output_format: str = "parquet",
) -> str:
    """A PySpark script that reads the flow's sources, runs its steps and writes each
    output to ``output_dir/<output name>`` (Parquet or CSV folders)."""
    problems = pyspark_blockers(document)
    if problems:
        raise InvalidArgumentError(
            "This flow cannot be exported to PySpark: " + "; ".join(problems) + "."
        )
    if output_format not in ("parquet", "csv"):
        raise InvalidArgumentError("output_format is parquet or csv.")
    variables: dict[tuple[str, int], str] = {}
    body: list[str] = []
    for number, source in enumerate(document.sources):
        var = f"source_{number}"
        variables[(source.id, 0)] = var
        body += [f"# {source.title or 'Load ' + source.id} ({source.id})"]
        body += _read(source, var, base_dir)
        body.append("")
    for number, step in enumerate(document.order(), start=1):
        transform = get_transform(step.transform)
        inp = variables[document.resolve(step.inputs[0])]
        out = f"step_{number}"
        variables[(step.id, 0)] = out
        body.append(f"# {number}. {step.title or transform.title} ({step.id})")
        body += step_code(step.transform, step.params, inp, out)
        body.append("")
    for node, index in document.terminal_outputs():
        label = document.outputs_of(node)[index]
        target = f"{output_dir}/{label}"
        if output_format == "parquet":
            body.append(
                f"{variables[(node, index)]}.write.mode('overwrite').parquet({lit(target)})"
            )
        else:
            body.append(
                f"{variables[(node, index)]}.write.mode('overwrite')"
                f".option('header', True).csv({lit(target)})"
            )
    header = (
        f'"""Data preparation exported from {name} by jupyter-mlstudio, for Spark.\n\n'
        "Run it with spark-submit (or python with pyspark installed); it writes each\n"
        f'output of the flow under {output_dir}/.\n"""\n\n'
        "import math\n\n"
        "from pyspark.sql import SparkSession\n"
        "from pyspark.sql import functions as F\n\n"
        f"spark = SparkSession.builder.appName({lit(name)}).getOrCreate()\n"
        "# pandas divides by zero to inf/NaN; Spark's ANSI mode would raise instead\n"
        'spark.conf.set("spark.sql.ansi.enabled", "false")\n\n'
    )
    return header + "\n".join(body).rstrip() + "\n"
