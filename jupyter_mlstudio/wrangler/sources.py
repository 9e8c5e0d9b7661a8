"""Reading sources: the full data (through the exact code an export writes) or a bounded
sample for interactive work.

Samples never read more than they need: first-K stops after K rows (``nrows`` for CSV,
the first record batches for Parquet), and random or stratified samples keep a
bottom-k reservoir over chunks and stop after ``max_scan_mb`` of input, saying so in
``SampleInfo.note``. Files are sniffed before pandas sees them, so a file that is not
what its extension says fails with a message naming the file.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data_files import COMPRESSED
from ..errors import InvalidArgumentError
from ..paths import confine, expand_user
from .codegen import kwargs, lit
from .document import (
    CsvSource,
    DuckDBSource,
    FlowDocument,
    JsonLinesSource,
    ParquetSource,
    SampleSpec,
    Source,
    SqlSource,
)
from .transforms.base import run_code

CHUNK_ROWS = 50_000
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class SampleInfo:
    """What a sample is made of, for the UI to show next to the preview."""

    method: str
    rows: int
    scanned_rows: int
    scanned_bytes: int | None
    complete: bool  # the whole source was read
    note: str


def resolve_path(path: str, base_dir: Path | None) -> Path:
    p = expand_user(path)
    return p if p.is_absolute() or base_dir is None else base_dir / p


def _sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite://`` URL (relative to the process's folder, as
    SQLite opens it), else None."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # not a URL: reading it fails with its own message
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return expand_user(parsed.database).absolute()


def confine_sources(document: FlowDocument, base_dir: Path | None, roots: Sequence[Path]) -> None:
    """Refuse (``InvalidArgumentError``) a file or SQLite source outside ``roots``.

    The REST API reads data only under the server's root (and the folders an
    administrator allowed); the SDK in a kernel reads what its user can. DuckDB queries
    are not checked: DuckDB's own confinement (allowed_directories) refuses the relative
    file names the .flow's folder resolves.
    """
    for source in document.sources:
        label = f"source {source.id!r}"
        if isinstance(source, CsvSource | ParquetSource | JsonLinesSource):
            confine(resolve_path(source.path, base_dir), roots, label=label)
        elif isinstance(source, SqlSource):
            database = _sqlite_file(source.url)
            if database is not None:
                confine(database, roots, label=label)


# -- sniffing ----------------------------------------------------------------------


def _preview(head: bytes) -> str:
    text = head[:40].decode("utf-8", errors="replace").replace("\n", "\\n")
    return text if text.isprintable() else repr(head[:16])


def check_file(source: Source, path: Path) -> None:
    """Fail early, naming the file, when it is missing or not the format it claims."""
    if not path.is_file():
        raise InvalidArgumentError(f"source {source.id!r}: data file not found: {path}")
    if path.suffix.lower() in COMPRESSED:
        return
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
        if isinstance(source, ParquetSource):
            handle.seek(max(path.stat().st_size - 4, 0))
            tail = handle.read(4)
    name = path.name
    if isinstance(source, ParquetSource):
        if head[:4] != b"PAR1" or tail != b"PAR1":
            looks = "it looks like text" if b"\x00" not in head else "it is binary"
            raise InvalidArgumentError(
                f"{name} is not a Parquet file ({looks}, starting with {_preview(head)!r})"
            )
        return
    label = "CSV" if isinstance(source, CsvSource) else "JSON lines"
    if head.startswith(b"PAR1"):
        raise InvalidArgumentError(f"{name} is a Parquet file, not {label}: name it .parquet")
    encoding = "utf-8"
    if isinstance(source, CsvSource | JsonLinesSource):
        encoding = str(source.options.get("encoding", "utf-8"))
    if b"\x00" in head and not encoding.lower().startswith("utf-16"):
        raise InvalidArgumentError(
            f"{name} is not a {label} file: it holds binary data (starting with {_preview(head)!r})"
        )
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise InvalidArgumentError(
            f"{name} is not {encoding} text at byte {exc.start}: give the right encoding in"
            " the source options, or check that it is really a {label} file"
        ) from None
    except LookupError:
        raise InvalidArgumentError(f"{name}: unknown encoding {encoding!r}") from None
    if isinstance(source, JsonLinesSource):
        first = head.lstrip()[:1]
        if first and first not in (b"{", b"["):
            raise InvalidArgumentError(
                f"{name} is not JSON lines: it starts with {_preview(head.lstrip())!r}"
            )


def _wrap(source: Source, path: Path | None, exc: Exception) -> InvalidArgumentError:
    what = path.name if path is not None else f"source {source.id!r}"
    kind = {"csv": "CSV", "parquet": "Parquet", "jsonl": "JSON lines"}.get(source.kind, source.kind)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InvalidArgumentError(f"cannot read {what} as {kind}: {message}")


# -- code --------------------------------------------------------------------------


def source_code(source: Source, var: str, base_dir: Path | None, absolute: bool) -> str:
    """The pandas line that loads the whole source into ``var``."""
    if isinstance(source, CsvSource | ParquetSource | JsonLinesSource):
        path = str(resolve_path(source.path, base_dir)) if absolute else source.path
        if isinstance(source, CsvSource):
            sep = None if source.sep == "," else source.sep
            args = kwargs(sep=sep, **source.options)
            return f"{var} = pd.read_csv({lit(path)}{', ' + args if args else ''})"
        if isinstance(source, ParquetSource):
            args = kwargs(columns=source.columns)
            return f"{var} = pd.read_parquet({lit(path)}{', ' + args if args else ''})"
        args = kwargs(lines=True, **source.options)
        return f"{var} = pd.read_json({lit(path)}, {args})"
    if isinstance(source, SqlSource):
        engine = f"sqlalchemy.create_engine({lit(source.url)})"
        return f"{var} = pd.read_sql_query({lit(source.query)}, {engine})"
    line = f"{var} = duckdb.sql({lit(source.query)}).df()"
    if absolute and base_dir is not None:
        # file names in the query are relative to the .flow file's folder
        search = lit(f"SET file_search_path = '{base_dir}'")
        return f"duckdb.sql({search})\n{line}"
    return line


def source_imports(source: Source) -> tuple[str, ...]:
    if isinstance(source, SqlSource):
        return ("import sqlalchemy",)
    if isinstance(source, DuckDBSource):
        return ("import duckdb",)
    return ()


def fingerprint(source: Source, base_dir: Path | None) -> str:
    """Identity of a source for the cache: its spec plus the file's size and mtime.

    Never a hash of the data: the point is to be free on a 1 GB file.
    """
    parts: list[Any] = [source.model_dump(exclude={"position", "title"}), str(base_dir)]
    path_attr = getattr(source, "path", None)
    if path_attr is not None:
        path = resolve_path(path_attr, base_dir)
        try:
            stat = path.stat()
            parts.append([stat.st_size, stat.st_mtime_ns])
        except OSError:
            parts.append(None)
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# -- reading -----------------------------------------------------------------------


def _duckdb_connection(base_dir: Path | None) -> Any:
    import duckdb

    con = duckdb.connect()
    if base_dir is not None:
        con.execute("SET file_search_path = ?", [str(base_dir)])
    return con


def read_full(source: Source, base_dir: Path | None) -> pd.DataFrame:
    """The whole source, read by the very statement ``to_code()`` writes."""
    path = _checked_path(source, base_dir)
    if isinstance(source, DuckDBSource) and base_dir is not None:
        # relative file names in the query resolve against the .flow file's folder
        try:
            frame: pd.DataFrame = _duckdb_connection(base_dir).sql(source.query).df()
        except Exception as exc:
            raise _wrap(source, None, exc) from None
        return frame
    code = source_code(source, "df", base_dir, absolute=True)
    try:
        return run_code(code, {}, ["df"], source_imports(source))["df"]
    except InvalidArgumentError:
        raise
    except Exception as exc:
        raise _wrap(source, path, exc) from None


def _checked_path(source: Source, base_dir: Path | None) -> Path | None:
    path_attr = getattr(source, "path", None)
    if path_attr is None:
        return None
    path = resolve_path(path_attr, base_dir)
    check_file(source, path)
    return path


def _chunks(
    source: Source, path: Path | None, base_dir: Path | None
) -> Iterator[tuple[pd.DataFrame, int | None]]:
    """Successive frames of the source and, for files, how many bytes were consumed."""
    if isinstance(source, CsvSource | JsonLinesSource) and path is not None:
        compressed = path.suffix.lower() in COMPRESSED
        with open(path, "rb") if not compressed else open(os.devnull, "rb") as handle:
            target: Any = path if compressed else handle
            if isinstance(source, CsvSource):
                reader: Any = pd.read_csv(
                    target, sep=source.sep, chunksize=CHUNK_ROWS, **source.options
                )
            else:
                reader = pd.read_json(target, lines=True, chunksize=CHUNK_ROWS, **source.options)
            with reader:
                for chunk in reader:
                    yield chunk, None if compressed else handle.tell()
    elif isinstance(source, ParquetSource) and path is not None:
        import pyarrow.parquet as pq

        done = 0
        for batch in pq.ParquetFile(path).iter_batches(
            batch_size=CHUNK_ROWS, columns=source.columns
        ):
            done += batch.nbytes
            yield batch.to_pandas(), done
    elif isinstance(source, SqlSource):
        import sqlalchemy

        engine = sqlalchemy.create_engine(source.url)
        try:
            for chunk in pd.read_sql_query(source.query, engine, chunksize=CHUNK_ROWS):
                yield chunk, None
        finally:
            engine.dispose()
    elif isinstance(source, DuckDBSource):
        reader = _duckdb_connection(base_dir).sql(source.query).to_arrow_reader(CHUNK_ROWS)
        for batch in reader:
            yield batch.to_pandas(), None


def _first(
    source: Source, path: Path | None, base_dir: Path | None, size: int
) -> tuple[pd.DataFrame, int | None]:
    if isinstance(source, CsvSource) and path is not None and path.suffix.lower() not in COMPRESSED:
        with open(path, "rb") as handle:
            frame = pd.read_csv(handle, sep=source.sep, nrows=size, **source.options)
            return frame, handle.tell()
    if isinstance(source, SqlSource):
        import sqlalchemy

        engine = sqlalchemy.create_engine(source.url)
        try:
            query = source.query.rstrip().rstrip(";")
            limited = f"SELECT * FROM ({query}) AS q LIMIT {size}"  # noqa: S608 - the user's own query
            return pd.read_sql_query(limited, engine), None
        finally:
            engine.dispose()
    if isinstance(source, DuckDBSource):
        return _duckdb_connection(base_dir).sql(source.query).limit(size).df(), None
    parts: list[pd.DataFrame] = []
    have, consumed = 0, None
    for chunk, position in _chunks(source, path, base_dir):
        consumed = position
        parts.append(chunk.iloc[: size - have])
        have += len(parts[-1])
        if have >= size:
            break
    return _concat(parts, source), consumed


def _concat(parts: list[pd.DataFrame], source: Source) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return frame.reset_index(drop=True)


def read_sample(
    source: Source, base_dir: Path | None, spec: SampleSpec
) -> tuple[pd.DataFrame, SampleInfo]:
    """A bounded sample of the source for previews."""
    path = _checked_path(source, base_dir)
    label = path.name if path is not None else f"source {source.id!r}"
    try:
        if spec.method == "first":
            frame, consumed = _first(source, path, base_dir, spec.size)
            complete = len(frame) < spec.size
            note = f"first {len(frame):,} rows of {label}" + (" (all of it)" if complete else "")
            return frame, SampleInfo("first", len(frame), len(frame), consumed, complete, note)
        return _reservoir(source, path, base_dir, spec, label)
    except InvalidArgumentError:
        raise
    except Exception as exc:
        raise _wrap(source, path, exc) from None


def _reservoir(
    source: Source, path: Path | None, base_dir: Path | None, spec: SampleSpec, label: str
) -> tuple[pd.DataFrame, SampleInfo]:
    """Bottom-k sampling over chunks: each row draws a random key, the k smallest stay.

    Stratified samples keep the k smallest keys per class and, at the end, take from each
    class its proportional share of the sample, so memory stays bounded by k per class.
    """
    rng = np.random.default_rng(spec.seed)
    limit = int(spec.max_scan_mb * 1024 * 1024)
    max_rows = int(spec.max_scan_mb * 10_000)  # sources without a byte count
    kept: pd.DataFrame | None = None
    keys = np.empty(0)
    counts: pd.Series = pd.Series(dtype="int64")
    scanned, consumed, complete, position = 0, None, True, 0
    column = spec.stratify_by
    for chunk, consumed in _chunks(source, path, base_dir):
        chunk.index = pd.RangeIndex(position, position + len(chunk))
        position += len(chunk)
        scanned += len(chunk)
        chunk_keys = rng.random(len(chunk))
        if column is not None:
            if column not in chunk.columns:
                raise InvalidArgumentError(
                    f"sample: stratify_by column {column!r} not found in {label}"
                )
            counts = counts.add(chunk[column].value_counts(dropna=False), fill_value=0)
        frame = chunk if kept is None else pd.concat([kept, chunk])
        keys = np.concatenate([keys, chunk_keys])
        if column is None:
            order = np.argsort(keys, kind="stable")[: spec.size]
        else:
            ranks = (
                pd.Series(keys).groupby(frame[column].to_numpy(), dropna=False).rank(method="first")
            )
            order = np.flatnonzero(ranks.to_numpy() <= spec.size)
        kept, keys = frame.iloc[order], keys[order]
        if (consumed is not None and consumed >= limit) or (
            consumed is None and scanned >= max_rows
        ):
            complete = False
            break
    if kept is None:
        return pd.DataFrame(), SampleInfo(spec.method, 0, 0, consumed, True, f"{label} is empty")
    if column is not None:
        total = float(counts.sum())
        share = {k: max(1, round(spec.size * float(v) / total)) for k, v in counts.items()}
        ranks = pd.Series(keys).groupby(kept[column].to_numpy(), dropna=False).rank(method="first")
        quota = kept[column].map(share).fillna(share.get(np.nan, 1) if np.nan in share else 1)
        kept = kept[ranks.to_numpy() <= quota.to_numpy()]
    kept = kept.sort_index()
    scope = "all" if complete else f"the first {scanned:,} rows"
    if not complete and consumed is not None:
        scope += f" ({consumed / 1024 / 1024:.0f} MB)"
    note = f"{spec.method} sample of {len(kept):,} rows from {scope} of {label}"
    return kept, SampleInfo(spec.method, len(kept), scanned, consumed, complete, note)
