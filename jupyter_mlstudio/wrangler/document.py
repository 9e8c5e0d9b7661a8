"""The ``.flow`` document: a versioned JSON description of sources and steps.

A step names its upstream nodes in ``inputs`` (``"node"`` for a node's only or first
output, ``"node:output"`` for another one, e.g. ``"split:test"``); those references are
the graph's edges, so the file cannot hold edges that disagree with the steps.
``FlowDocument.edges()`` lists them for a graph editor.

Loading refuses, with a message naming the problem: malformed JSON, a document written
by a newer version (``schema_version`` above ``SCHEMA_VERSION``), values of the wrong JSON
type (never coerced: ``"5"`` is not a size), unknown transforms, dangling references, wrong
input counts, cycles and (unless ``strict=False``, for drafts open in the editor) invalid
step parameters.

These models are also the document's JSON schema in the REST API's OpenAPI document (the
``flow`` of the ``/wrangler`` requests), so what the schema states is what loading checks;
a step's ``params`` are an open object there, each transform's own schema being served
with the transform catalog.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.config import JsonDict

from ..data_files import SINGLE_FILE_SUFFIXES, single_file_kind
from ..errors import InvalidArgumentError
from ..paths import PathStr
from .codegen import is_identifier
from .transforms import get_transform

SCHEMA_VERSION = 1
# schema_version → function upgrading a raw document of that version by one version
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
_NODE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
NO_SOURCE = "This flow has no source yet: add a data source first."
# Checked by ``validate_graph`` (with its own message); stated in the schema too.
_NODE_ID_SCHEMA: JsonDict = {"pattern": _NODE_ID.pattern}


def _required_in_schema(*names: str) -> Callable[[JsonDict], None]:
    """Schema-only: fields with a Python default that a JSON document must still hold (a
    source's ``kind`` selects its model; ``parse_document`` refuses a missing version)."""

    def extra(schema: JsonDict) -> None:
        required = schema.setdefault("required", [])
        assert isinstance(required, list)
        required[:0] = [n for n in names if n not in required]

    return extra


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Position(_Model):
    """Where a graph editor draws the node."""

    x: float
    y: float


class SampleSpec(_Model):
    """How interactive previews sample the source; exports and jobs read everything."""

    method: Literal["first", "random", "stratified"] = "first"
    size: int = Field(5000, ge=1, le=1_000_000, description="Rows in the sample.")
    seed: int = 0
    stratify_by: str | None = Field(None, description="Column whose classes stay in proportion.")
    max_scan_mb: float = Field(
        256, gt=0, description="Random and stratified samples read at most this much data."
    )

    @model_validator(mode="after")
    def _stratified_needs_column(self) -> SampleSpec:
        if self.method == "stratified" and not self.stratify_by:
            raise ValueError("a stratified sample needs stratify_by (a column name)")
        return self


class _SourceBase(_Model):
    model_config = ConfigDict(json_schema_extra=_required_in_schema("kind"))

    id: str = Field(json_schema_extra=_NODE_ID_SCHEMA)
    name: str = Field("df", description="Variable name of this source in exported code.")
    title: str | None = None
    position: Position | None = None


class CsvSource(_SourceBase):
    """A CSV or TSV file (``sep="\\t"``); ``options`` are passed to ``pd.read_csv``."""

    kind: Literal["csv"] = "csv"
    path: PathStr = Field(description="Relative to the .flow file, or absolute.")
    sep: str = ","
    options: dict[str, Any] = Field(default_factory=dict)


class ParquetSource(_SourceBase):
    kind: Literal["parquet"] = "parquet"
    path: PathStr
    columns: list[str] | None = None


class JsonLinesSource(_SourceBase):
    kind: Literal["jsonl"] = "jsonl"
    path: PathStr
    options: dict[str, Any] = Field(default_factory=dict)


class SqlSource(_SourceBase):
    """A query over any SQLAlchemy URL (``sqlite:///data.db``, ``postgresql://…``)."""

    kind: Literal["sql"] = "sql"
    url: PathStr
    query: str


class DuckDBSource(_SourceBase):
    """A DuckDB query, typically over files: ``SELECT * FROM 'data/*.parquet'``."""

    kind: Literal["duckdb"] = "duckdb"
    query: str


Source = Annotated[
    CsvSource | ParquetSource | JsonLinesSource | SqlSource | DuckDBSource,
    Field(discriminator="kind"),
]


class Step(_Model):
    id: str = Field(json_schema_extra=_NODE_ID_SCHEMA)
    transform: str = Field(description="A transform's name (the transform catalog lists them).")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="The transform's parameters, as its params_schema states; checked when "
        "the flow is exported or runs as a job (a preview reports the step's error instead).",
    )
    inputs: list[str] = Field(description="Upstream node references: 'node' or 'node:output'.")
    outputs: list[str] | None = Field(
        None,
        description="Names of this step's outputs (default: the transform's, e.g. train/test).",
    )
    title: str | None = None
    note: str | None = None
    position: Position | None = None

    def output_names(self) -> list[str]:
        return self.outputs or list(get_transform(self.transform).outputs)


class Edge(BaseModel):
    source: str
    source_output: str
    target: str
    target_port: int


class FlowDocument(_Model):
    model_config = ConfigDict(json_schema_extra=_required_in_schema("schema_version"))

    schema_version: int = Field(
        SCHEMA_VERSION,
        json_schema_extra={"minimum": 1, "maximum": SCHEMA_VERSION},
        description="Older versions are upgraded on load; a newer one is refused.",
    )
    # empty only while a new flow waits for its first source (running it says so)
    sources: list[Source] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    sample: SampleSpec = Field(default_factory=SampleSpec)
    metadata: dict[str, Any] = Field(default_factory=dict)

    def node_ids(self) -> list[str]:
        return [s.id for s in self.sources] + [s.id for s in self.steps]

    def first_source(self) -> Source:
        if not self.sources:
            raise InvalidArgumentError(NO_SOURCE)
        return self.sources[0]

    def last_node(self) -> str:
        """What a preview or a report shows by default: the last step, else the source."""
        return self.steps[-1].id if self.steps else self.first_source().id

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise InvalidArgumentError(f"no source {source_id!r} in this flow")

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise InvalidArgumentError(f"no step {step_id!r} in this flow")

    def outputs_of(self, node_id: str) -> list[str]:
        for source in self.sources:
            if source.id == node_id:
                return [source.name]
        return self.step(node_id).output_names()

    def resolve(self, ref: str) -> tuple[str, int]:
        """``"node"`` or ``"node:output"`` → (node id, output index)."""
        node, _, output = ref.partition(":")
        if node not in self.node_ids():
            raise InvalidArgumentError(f"reference {ref!r} names no source or step")
        if not output:
            return node, 0
        names = self.outputs_of(node)
        if output not in names:
            raise InvalidArgumentError(
                f"reference {ref!r}: {node!r} has no output {output!r} (it has {', '.join(names)})"
            )
        return node, names.index(output)

    def edges(self) -> list[Edge]:
        edges = []
        for step in self.steps:
            for port, ref in enumerate(step.inputs):
                node, index = self.resolve(ref)
                edges.append(
                    Edge(
                        source=node,
                        source_output=self.outputs_of(node)[index],
                        target=step.id,
                        target_port=port,
                    )
                )
        return edges

    def order(self) -> list[Step]:
        """Steps in an order where every step follows its inputs (file order when free)."""
        done = {s.id for s in self.sources}
        pending = list(self.steps)
        ordered: list[Step] = []
        while pending:
            ready = [s for s in pending if all(r.partition(":")[0] in done for r in s.inputs)]
            if not ready:
                cycle = ", ".join(s.id for s in pending)
                raise InvalidArgumentError(f"the steps form a cycle (involving {cycle})")
            ordered.append(ready[0])
            done.add(ready[0].id)
            pending.remove(ready[0])
        return ordered

    def terminal_outputs(self) -> list[tuple[str, int]]:
        """(node, output index) pairs no step consumes: what a run produces."""
        used = {self.resolve(r) for s in self.steps for r in s.inputs}
        nodes = [s.id for s in self.sources] + [s.id for s in self.order()]
        return [
            (node, i)
            for node in nodes
            for i in range(len(self.outputs_of(node)))
            if (node, i) not in used
        ]

    def validate_graph(self, *, strict: bool = True) -> None:
        """Raise ``InvalidArgumentError`` naming the first structural problem."""
        seen: set[str] = set()
        for node in self.node_ids():
            if not _NODE_ID.match(node):
                raise InvalidArgumentError(
                    f"node id {node!r} may only hold letters, digits, '_', '-' and '.'"
                )
            if node in seen:
                raise InvalidArgumentError(f"two nodes share the id {node!r}")
            seen.add(node)
        for source in self.sources:
            if not is_identifier(source.name):
                raise InvalidArgumentError(
                    f"source {source.id!r}: name {source.name!r} is not a Python identifier"
                )
        for step in self.steps:
            where = f"step {step.id!r}"
            transform = get_transform(step.transform)
            if len(step.inputs) != len(transform.ports):
                raise InvalidArgumentError(
                    f"{where} ({step.transform}) needs {len(transform.ports)} input(s),"
                    f" got {len(step.inputs)}"
                )
            if step.outputs is not None:
                if len(step.outputs) != len(transform.outputs):
                    raise InvalidArgumentError(
                        f"{where} ({step.transform}) has {len(transform.outputs)} output(s),"
                        f" got {len(step.outputs)} names"
                    )
                bad = [o for o in step.outputs if not is_identifier(o)]
                if bad:
                    raise InvalidArgumentError(
                        f"{where}: output name {bad[0]!r} is not a Python identifier"
                    )
            for ref in step.inputs:
                try:
                    self.resolve(ref)
                except InvalidArgumentError as exc:
                    raise InvalidArgumentError(f"{where}: {exc.message}") from None
            if strict:
                try:
                    transform.parse(step.params)
                except InvalidArgumentError as exc:
                    raise InvalidArgumentError(f"{where}: {exc.message}") from None
        self.order()


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        problems.append(f"{path or 'document'}: {err['msg']}")
    more = len(exc.errors()) - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def parse_document(
    raw: str | bytes | dict[str, Any], *, origin: str = "the flow", strict: bool = True
) -> FlowDocument:
    """Parse and validate a document; every failure is an ``InvalidArgumentError``."""
    if isinstance(raw, str | bytes):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidArgumentError(
                f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except UnicodeDecodeError:
            raise InvalidArgumentError(f"{origin} is not a text file") from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise InvalidArgumentError(f"{origin} must hold a JSON object, not {type(data).__name__}")
    version = data.get("schema_version")
    if version is None:
        raise InvalidArgumentError(f"{origin} has no schema_version: is it a .flow document?")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidArgumentError(f"{origin}: schema_version must be a positive integer")
    if version > SCHEMA_VERSION:
        raise InvalidArgumentError(
            f"{origin} was written with .flow schema_version {version}, newer than this"
            f" jupyter-mlstudio reads (up to {SCHEMA_VERSION}): upgrade jupyter-mlstudio to open it"
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    try:
        # strict: JSON types as the schema states them, so "5" is not a size nor true a seed
        document = FlowDocument.model_validate(data, strict=True)
    except ValidationError as exc:
        raise InvalidArgumentError(f"{origin} is not a valid flow: {_describe(exc)}") from None
    try:
        document.validate_graph(strict=strict)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"{origin}: {exc.message}") from None
    return document


def load_document(path: str | os.PathLike[str], *, strict: bool = True) -> FlowDocument:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidArgumentError(f"flow file not found: {path}") from None
    return parse_document(raw, origin=path.name, strict=strict)


def dump_document(document: FlowDocument) -> str:
    """Stable, diff-friendly JSON (two-space indent, no nulls, trailing newline)."""
    return document.model_dump_json(indent=2, exclude_none=True) + "\n"


def save_document(document: FlowDocument, path: str | os.PathLike[str]) -> None:
    """Write atomically, so a crash mid-save never leaves a truncated file behind."""
    path = Path(path)
    text = dump_document(document)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def source_for(path: str, *, source_id: str = "source", name: str = "df") -> Source:
    """A source inferred from a file extension, by the data-file rules of
    :mod:`jupyter_mlstudio.data_files` (with their single-file extras: ``.txt``, ``.json``
    and any compression pandas reads)."""
    kind = single_file_kind(path)
    if kind in ("CSV", "TSV"):
        sep = "\t" if kind == "TSV" else ","
        return CsvSource(id=source_id, name=name, path=path, sep=sep)
    if kind == "Parquet":
        return ParquetSource(id=source_id, name=name, path=path)
    if kind == "JSON lines":
        return JsonLinesSource(id=source_id, name=name, path=path)
    known = ", ".join(sorted(SINGLE_FILE_SUFFIXES))
    raise InvalidArgumentError(f"cannot tell the format of {path!r} from its extension ({known})")


def ids(items: Sequence[Source | Step]) -> list[str]:
    return [item.id for item in items]
