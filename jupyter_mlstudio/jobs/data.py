"""Peeking at tabular data without reading it: the columns of a CSV, TSV, Parquet or
JSON-lines file (or the first such file of a folder), for the "target column" picker and
for checking a training job's target before it is queued."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..errors import InvalidArgumentError

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson")


def first_table_file(path: Path) -> Path:
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in TABLE_SUFFIXES
        )
        if not files:
            raise InvalidArgumentError(
                f"The folder {path.name} has no {', '.join(TABLE_SUFFIXES)} files."
            )
        return files[0]
    if not path.exists():
        raise InvalidArgumentError(f"{path} does not exist.")
    return path


def read_columns(path: Path) -> list[str]:
    """Column names, read from the header or the file's schema only."""
    file = first_table_file(path)
    suffix = file.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            with open(file, newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle, delimiter="\t" if suffix == ".tsv" else ","), None)
            if not header:
                raise InvalidArgumentError(f"{file.name} is empty: there is no header row.")
            return [name.strip() for name in header]
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return list(pq.read_schema(file).names)
        if suffix in (".jsonl", ".ndjson"):
            with open(file, encoding="utf-8") as handle:
                first = handle.readline()
            record = json.loads(first) if first.strip() else None
            if not isinstance(record, dict):
                raise InvalidArgumentError(f"{file.name}: the first line is not a JSON object.")
            return list(record)
    except InvalidArgumentError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, OSError, ValueError) as exc:
        raise InvalidArgumentError(f"Could not read the columns of {file.name}: {exc}") from None
    except Exception as exc:  # pyarrow raises its own error types for a broken file
        raise InvalidArgumentError(f"Could not read the columns of {file.name}: {exc}") from None
    raise InvalidArgumentError(
        f"{file.name}: unsupported file type; use one of {', '.join(TABLE_SUFFIXES)}."
    )
