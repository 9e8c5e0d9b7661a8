"""Batch transform: score a registered model over CSV or Parquet files.

The SageMaker Batch Transform equivalent. Submitting checks what can be checked up
front (the model version exists, every input file has the columns of the model's
signature and the columns to join). The job then reads each input file in chunks of
``chunk_rows`` (never a whole file at once), scores them and streams one predictions
file per input file (``part-00000.parquet`` …) into the output folder. On the Dask
executor the same scoring runs by partition on the cluster (``map_partitions``), one
output file per partition.

A chunk that cannot be scored — a text value in a numeric column, a row the CSV parser
rejects — fails the job with the file and the rows named.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fsspec

from ..errors import InvalidArgumentError, NotFoundError
from .contract import is_remote
from .specs import BatchTransformSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..registry.entities import ModelVersion
    from ..registry.service import Registry

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
PART_FILE = re.compile(r"^part-\d{5}\.(parquet|csv)$")
MAX_CHECKED_FILES = 200  # headers read at submit; the job checks every file anyway
PROGRESS_EVERY = 0.5  # seconds between progress writes

Log = Callable[[str], None]
Progress = Callable[[float | None, str], None]


class BadChunk(Exception):
    """Rows that cannot be scored; the message names the file and the rows."""


@dataclass(frozen=True)
class InputFile:
    path: str  # local path or fsspec URL
    format: str  # "csv" or "parquet"
    name: str  # for messages

    def open(self) -> Any:
        return fsspec.open(self.path, "rb")


@dataclass(frozen=True)
class Plan:
    """What is read from each chunk and what is written for it."""

    features: tuple[str, ...] | None  # None: every column, in order (an unnamed signature)
    numeric: tuple[tuple[str, str], ...]  # features that must be numbers, with their dtype
    joined: tuple[str, ...] | None  # None: every input column
    prediction_column: str
    probabilities: bool

    def columns_to_read(self) -> list[str] | None:
        if self.features is None or self.joined is None:
            return None
        return list(dict.fromkeys([*self.joined, *self.features]))


# -- inputs -------------------------------------------------------------------------------
def format_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def list_input_files(source: str, input_format: str | None = None) -> list[InputFile]:
    """The files to score, in name order: ``source`` itself or the CSV/Parquet files of
    the folder ``source`` (not its subfolders; hidden and ``_`` files are skipped)."""
    fs, root = fsspec.core.url_to_fs(source)
    remote = is_remote(source)

    def address(path: str) -> str:
        return str(fs.unstrip_protocol(path)) if remote else path

    if fs.isdir(root):
        files = []
        for entry in sorted(fs.ls(root, detail=False)):
            name = str(entry).rstrip("/").rsplit("/", 1)[-1]
            kind = format_of(name)
            if name.startswith((".", "_")) or kind is None:
                continue
            if input_format is not None and kind != input_format:
                continue
            if fs.isfile(entry):
                files.append(InputFile(address(str(entry)), kind, name))
        if not files:
            wanted = input_format or "CSV or Parquet"
            raise InvalidArgumentError(f"input: the folder {source} has no {wanted} files.")
        return files
    if not fs.exists(root):
        raise InvalidArgumentError(f"input: {source} does not exist.")
    name = str(root).rstrip("/").rsplit("/", 1)[-1]
    kind = input_format or format_of(name)
    if kind is None:
        raise InvalidArgumentError(
            f"input: cannot tell the format of {name} from its extension; "
            "give input_format='csv' or 'parquet'."
        )
    return [InputFile(address(str(root)), kind, name)]


def read_header(file: InputFile) -> list[str]:
    """The column names of a file, from its header row or Parquet schema only."""
    try:
        with file.open() as handle:
            if file.format == "csv":
                text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
                header = next(csv.reader(text), None)
                if not header:
                    raise InvalidArgumentError(f"input: {file.name} is empty (no header row).")
                return list(header)
            import pyarrow.parquet as pq

            return [n for n in pq.read_schema(handle).names if not n.startswith("__index_level_")]
    except InvalidArgumentError:
        raise
    except Exception as exc:  # csv, unicode and pyarrow errors alike
        raise InvalidArgumentError(
            f"input: could not read the columns of {file.name}: {exc}"
        ) from None


def count_rows(file: InputFile) -> int | None:
    """Rows of a file, for progress: Parquet metadata; newlines of a local CSV."""
    try:
        if file.format == "parquet":
            import pyarrow.parquet as pq

            with file.open() as handle:
                return int(pq.ParquetFile(handle).metadata.num_rows)
        if is_remote(file.path):
            return None
        lines = 0
        last = b"\n"
        with open(file.path, "rb") as handle:
            while block := handle.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
        return max(0, lines + (last != b"\n") - 1)
    except Exception:  # only progress depends on it
        return None


# -- the model's columns ----------------------------------------------------------------
def _numeric_dtype(dtype: str) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype, pandas_dtype

    try:
        resolved = pandas_dtype(dtype)
    except (TypeError, ValueError):
        return False
    return bool(is_numeric_dtype(resolved)) and not is_bool_dtype(resolved)


def signature_columns(signature: dict[str, Any]) -> tuple[list[str] | None, dict[str, str]]:
    """The named input columns of a signature (None when it has none, or only the
    ``x0, x1 …`` names of an array) and their dtypes."""
    inputs = [c for c in signature.get("inputs") or [] if isinstance(c, dict) and "name" in c]
    names = [str(c["name"]) for c in inputs]
    dtypes = {str(c["name"]): str(c.get("dtype", "")) for c in inputs}
    if not names or names == [f"x{i}" for i in range(len(names))]:
        return None, dtypes
    return names, dtypes


def make_plan(spec: BatchTransformSpec, signature: dict[str, Any], model: Any = None) -> Plan:
    names, dtypes = signature_columns(signature)
    fitted_names = getattr(model, "feature_names_in_", None)
    if fitted_names is not None:  # what the estimator itself checks
        names = [str(n) for n in fitted_names]
    joined = spec.join_input_columns
    return Plan(
        features=tuple(names) if names is not None else None,
        numeric=tuple((n, dtypes[n]) for n in names or () if _numeric_dtype(dtypes.get(n, ""))),
        joined=None if joined == "all" else tuple(joined or ()),
        prediction_column=spec.prediction_column,
        probabilities=spec.probabilities,
    )


def _shown(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns[:20]) + (" …" if len(columns) > 20 else "")


def check_columns(file: InputFile, header: list[str], plan: Plan, label: str) -> None:
    """Refuse a file that lacks a column the model or the join needs."""
    present = set(header)
    if plan.features is not None:
        missing = [c for c in plan.features if c not in present]
        if missing:
            more = f" (and {len(missing) - 1} more: {_shown(missing[1:])})" if missing[1:] else ""
            raise InvalidArgumentError(
                f"input: {file.name} has no column {missing[0]!r}, which {label} needs{more}; "
                f"its columns are {_shown(header)}."
            )
    if plan.joined is not None:
        missing = [c for c in plan.joined if c not in present]
        if missing:
            raise InvalidArgumentError(
                f"join_input_columns: {file.name} has no column {missing[0]!r}; "
                f"its columns are {_shown(header)}."
            )
    elif plan.prediction_column in present:
        raise InvalidArgumentError(
            f"prediction_column: {file.name} already has a column {plan.prediction_column!r} "
            "and join_input_columns='all' keeps it; choose another prediction_column."
        )


def resolve_version(registry: Registry, spec: BatchTransformSpec) -> ModelVersion:
    try:
        return registry.get_version(spec.model, spec.version, spec.alias)
    except NotFoundError as exc:
        raise InvalidArgumentError(f"model: {exc.message}") from None


def check_batch_transform(registry: Registry, spec: BatchTransformSpec) -> None:
    """Everything a batch transform needs, checked before it is queued."""
    found = resolve_version(registry, spec)
    label = f"model {found.name} version {found.version}"
    if found.flavor != "sklearn":
        raise InvalidArgumentError(f"model: {label} is a {found.flavor!r} model; only sklearn.")
    files = list_input_files(spec.input, spec.input_format)
    if not is_remote(spec.output):
        out = Path(spec.output)
        if out.exists() and not out.is_dir():
            raise InvalidArgumentError(f"output: {spec.output} is a file; give a folder.")
        if not is_remote(spec.input) and out.resolve() == Path(spec.input).resolve():
            raise InvalidArgumentError("output: give a folder other than the input.")
    plan = make_plan(spec, found.signature)
    for file in files[:MAX_CHECKED_FILES]:
        check_columns(file, read_header(file), plan, label)


# -- scoring ----------------------------------------------------------------------------
def prepare_features(frame: pd.DataFrame, plan: Plan, where: str) -> pd.DataFrame:
    """The model's input from a chunk; a non-number in a numeric column is a BadChunk."""
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    features = frame[list(plan.features)] if plan.features is not None else frame
    converted: dict[str, pd.Series] = {}
    for column, dtype in plan.numeric:
        values = features[column]
        if is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype):
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        if bool(bad.any()):
            row = bad.idxmax()
            raise BadChunk(
                f"{where}: column {column!r} should hold numbers ({dtype}) but row {row} "
                f"has {values[row]!r}."
            )
        converted[column] = numbers
    if converted:
        features = features.assign(**converted)
    return features


def score_frame(model: Any, frame: pd.DataFrame, plan: Plan, where: str) -> pd.DataFrame:
    """Predictions for a chunk, with the joined input columns before them."""
    import numpy as np
    import pandas as pd

    features = prepare_features(frame, plan, where)
    try:
        predicted = np.asarray(model.predict(features))
        probabilities = np.asarray(model.predict_proba(features)) if plan.probabilities else None
    except Exception as exc:
        raise BadChunk(
            f"{where}: the model could not score these rows: {type(exc).__name__}: {exc}"
        ) from None
    out: dict[str, Any] = {}
    if predicted.ndim == 2 and predicted.shape[1] > 1:
        for i in range(predicted.shape[1]):
            out[f"{plan.prediction_column}_{i}"] = predicted[:, i]
    else:
        out[plan.prediction_column] = predicted.reshape(len(frame))
    if probabilities is not None:
        classes = list(getattr(model, "classes_", range(probabilities.shape[1])))
        for i, label in enumerate(classes):
            out[f"probability_{label}"] = probabilities[:, i]
    scored = pd.DataFrame(out, index=frame.index)
    joined = frame if plan.joined is None else frame[list(plan.joined)]
    if len(joined.columns):
        scored = pd.concat([joined, scored], axis=1)
    return scored.reset_index(drop=True)


def score_partition(frame: pd.DataFrame, model: Any, plan: Plan) -> pd.DataFrame:
    """``map_partitions`` body on a Dask worker."""
    return score_frame(model, frame, plan, "a partition")


def iter_chunks(
    file: InputFile, chunk_rows: int, columns: list[str] | None
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(first row, frame)`` for each chunk of a file; rows count from 0 after the
    header. A row the reader rejects is a BadChunk."""
    import pandas as pd

    with file.open() as handle:
        start = 0
        if file.format == "csv":
            reader = pd.read_csv(handle, chunksize=chunk_rows, usecols=columns)
            chunks: Iterator[pd.DataFrame] = iter(reader)
        else:
            import pyarrow.parquet as pq

            batches = pq.ParquetFile(handle).iter_batches(batch_size=chunk_rows, columns=columns)
            chunks = (batch.to_pandas() for batch in batches)
        while True:
            try:
                frame = next(chunks)
            except StopIteration:
                return
            except Exception as exc:
                raise BadChunk(
                    f"{file.name}, rows from {start}: could not read them: {exc}"
                ) from None
            frame.index = pd.RangeIndex(start, start + len(frame))
            if columns is not None:
                frame = frame[columns]
            else:
                frame = frame[[c for c in frame.columns if not str(c).startswith("__index_")]]
            yield start, frame
            start += len(frame)


class PartWriter:
    """One output file, written chunk by chunk."""

    def __init__(self, fs: Any, path: str, output_format: str, name: str) -> None:
        self._fs = fs
        self.path = path
        self.format = output_format
        self.name = name
        self._handle: Any = None
        self._writer: Any = None
        self._schema: Any = None
        self.rows = 0

    def write(self, frame: pd.DataFrame, where: str) -> None:
        if self.format == "csv":
            if self._handle is None:
                self._handle = self._fs.open(self.path, "w", encoding="utf-8", newline="")
            frame.to_csv(self._handle, header=self.rows == 0, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._writer is None:
                self._schema = table.schema
                self._handle = self._fs.open(self.path, "wb")
                self._writer = pq.ParquetWriter(self._handle, self._schema)
            elif not table.schema.equals(self._schema, check_metadata=False):
                try:
                    table = table.cast(self._schema)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
                    raise BadChunk(
                        f"{where}: the column types differ from the file's earlier rows and "
                        f"cannot be converted ({exc}); give the column one type throughout, "
                        "or use output_format='csv'."
                    ) from None
            self._writer.write_table(table)
        self.rows += len(frame)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()


def prepare_output(output: str) -> tuple[Any, str]:
    """The output folder, created, without the part files of an earlier run."""
    fs, root = fsspec.core.url_to_fs(output)
    fs.makedirs(root, exist_ok=True)
    for entry in fs.ls(root, detail=False):
        if PART_FILE.match(str(entry).rstrip("/").rsplit("/", 1)[-1]):
            fs.rm(entry)
    return fs, str(root)


@dataclass
class Summary:
    rows: int
    files: int
    parts: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def transform_local(
    model: Any,
    plan: Plan,
    files: list[InputFile],
    spec: BatchTransformSpec,
    *,
    label: str,
    log: Log,
    progress: Progress,
    rows_metric: Callable[[int, int], None],
) -> Summary:
    """Score every file in chunks in this process; one output file per input file."""
    began = time.monotonic()
    totals = [count_rows(f) for f in files]
    total = sum(t for t in totals if t is not None) if None not in totals else None
    fs, root = prepare_output(spec.output)
    done = step = 0
    last_progress = 0.0
    for index, file in enumerate(files):
        header = read_header(file)
        try:
            check_columns(file, header, plan, label)
        except InvalidArgumentError as exc:
            raise BadChunk(exc.message) from None
        columns = plan.columns_to_read()
        part = f"part-{index:05d}.{spec.output_format}"
        writer = PartWriter(fs, f"{root}/{part}", spec.output_format, part)
        log(f"scoring {file.name} → {part}")
        try:
            for start, frame in iter_chunks(file, spec.chunk_rows, columns):
                where = f"{file.name}, rows {start}-{start + len(frame) - 1}"
                writer.write(score_frame(model, frame, plan, where), where)
                done += len(frame)
                rows_metric(done, step)
                step += 1
                now = time.monotonic()
                if now - last_progress >= PROGRESS_EVERY:
                    last_progress = now
                    fraction = min(1.0, done / total) if total else index / len(files)
                    progress(fraction, f"{done:,} rows scored ({file.name})")
        finally:
            writer.close()
        log(f"{file.name}: {writer.rows:,} rows scored")
    return Summary(done, len(files), len(files), time.monotonic() - began)


def _csv_blocksize(file: InputFile, chunk_rows: int) -> int | str:
    """Bytes per Dask partition so that one holds about ``chunk_rows`` rows."""
    rows = count_rows(file)
    if not rows or is_remote(file.path):
        return "64MB"
    size = Path(file.path).stat().st_size
    return max(1 << 16, math.ceil(size / max(1, math.ceil(rows / chunk_rows))))


def diagnose(files: list[InputFile], plan: Plan, chunk_rows: int, label: str) -> None:
    """Find the first unreadable or mistyped chunk (after a failure on the cluster)."""
    for file in files:
        try:
            check_columns(file, read_header(file), plan, label)
        except InvalidArgumentError as exc:
            raise BadChunk(exc.message) from None
        for start, frame in iter_chunks(file, chunk_rows, plan.columns_to_read()):
            prepare_features(frame, plan, f"{file.name}, rows {start}-{start + len(frame) - 1}")


def transform_dask(
    model: Any,
    plan: Plan,
    files: list[InputFile],
    spec: BatchTransformSpec,
    *,
    address: str,
    label: str,
    log: Log,
    progress: Progress,
) -> Summary:
    """Score by partition on the cluster at ``address``: one output file per partition."""
    import dask.dataframe
    import distributed
    import pyarrow.parquet as pq
    from dask.delayed import delayed

    dd: Any = dask.dataframe  # partly annotated: used as untyped
    client_class: Any = distributed.Client

    began = time.monotonic()
    for file in files:
        try:
            check_columns(file, read_header(file), plan, label)
        except InvalidArgumentError as exc:
            raise BadChunk(exc.message) from None
    fs, root = prepare_output(spec.output)
    columns = plan.columns_to_read()
    floats = {c: "float64" for c, dtype in plan.numeric if dtype.startswith("float")}
    with client_class(address, timeout="10s") as client:
        log(f"scoring on the Dask cluster at {address} ({len(client.nthreads())} workers)")
        parts = []
        for file in files:
            if file.format == "csv":
                part = dd.read_csv(
                    file.path,
                    blocksize=_csv_blocksize(file, spec.chunk_rows),
                    usecols=columns,
                    dtype=floats or None,
                )
            else:
                part = dd.read_parquet(file.path, columns=columns)
            parts.append(part[columns] if columns is not None else part)
        frame = parts[0] if len(parts) == 1 else dd.concat(parts)
        progress(None, f"scoring {frame.npartitions} partitions on the Dask cluster")
        try:
            sample = frame.head(5, npartitions=1)
            meta = score_frame(model, sample, plan, "the first rows").iloc[:0]
            scored = frame.map_partitions(
                score_partition, delayed(model, pure=True), plan, meta=meta
            )
            if spec.output_format == "parquet":
                scored.to_parquet(
                    spec.output,
                    name_function=lambda i: f"part-{i:05d}.parquet",
                    write_index=False,
                    write_metadata_file=False,
                )
            else:
                scored.to_csv(
                    f"{spec.output.rstrip('/')}/part-*.csv",
                    name_function=lambda i: f"{i:05d}",
                    index=False,
                )
        except BadChunk:
            diagnose(files, plan, spec.chunk_rows, label)
            raise
        except Exception as exc:
            diagnose(files, plan, spec.chunk_rows, label)  # names the file and rows
            raise BadChunk(
                f"Scoring on the Dask cluster failed: {type(exc).__name__}: {exc}"
            ) from None
    written = sorted(
        str(e)
        for e in fs.ls(root, detail=False)
        if PART_FILE.match(str(e).rstrip("/").rsplit("/", 1)[-1])
    )
    rows = 0
    for path in written:
        with fs.open(path, "rb") as handle:
            if spec.output_format == "parquet":
                rows += int(pq.ParquetFile(handle).metadata.num_rows)
            else:
                rows += max(0, sum(1 for _ in handle) - 1)
    return Summary(rows, len(files), len(written), time.monotonic() - began)
