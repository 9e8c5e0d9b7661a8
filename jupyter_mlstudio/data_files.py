"""Which files hold tables and how a table is read: the one set of rules for the trainer
(:func:`read_table`), for the form's target-column picker and the check of a training
job's target before it is queued (:func:`read_columns`), and for the Data Wrangler's
choice of a source kind for a file (:func:`single_file_kind`), so they cannot disagree.

A data path is a CSV, TSV, Parquet or JSON-lines file (a trailing ``.gz`` is allowed on
the text formats), or a folder of such files: read in name order, sub-folders included,
skipping names that start with ``.`` or ``_`` (``.DS_Store``, ``_SUCCESS``); any other
file in the folder is an error. pandas and pyarrow are imported only to read.

The Wrangler opens one file the user names, read by pandas, so it accepts a little more
(:data:`SINGLE_FILE_EXTRAS`, :data:`COMPRESSED`): an extension of these rules, not a
second set.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import pandas as pd

#: File types a data channel may hold, by suffix (a trailing ``.gz`` is allowed on text).
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "CSV",
    ".tsv": "TSV",
    ".parquet": "Parquet",
    ".pq": "Parquet",
    ".jsonl": "JSON lines",
    ".ndjson": "JSON lines",
}
TABLE_SUFFIXES = tuple(SUPPORTED_SUFFIXES)
_SUPPORTED = ", ".join(SUPPORTED_SUFFIXES)

#: What a single file the user opens in the Data Wrangler may be, beyond a data folder's
#: suffixes: ``.txt`` is read as CSV and ``.json`` as JSON lines (pandas reads both so);
#: a folder keeps the strict list, so a stray ``notes.txt`` or ``meta.json`` in it is an
#: error rather than a table.
SINGLE_FILE_EXTRAS: dict[str, str] = {".txt": "CSV", ".json": "JSON lines"}
SINGLE_FILE_SUFFIXES: dict[str, str] = SUPPORTED_SUFFIXES | SINGLE_FILE_EXTRAS
#: Compressions pandas reads by suffix, allowed on a single file of any kind (a data
#: folder allows ``.gz`` on the text formats only).
COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst")


def table_suffix(path: Path) -> str | None:
    """The supported suffix of a data file (``.csv`` for ``a.csv.gz``), None if none."""
    name = path.name.lower()
    for suffix in SUPPORTED_SUFFIXES:
        if name.endswith(suffix) or (
            SUPPORTED_SUFFIXES[suffix] != "Parquet" and name.endswith(f"{suffix}.gz")
        ):
            return suffix
    return None


def single_file_kind(path: str | Path) -> str | None:
    """The kind of a single file by its name, compression suffixes ignored (``"TSV"`` for
    ``a.tsv.gz``, ``"JSON lines"`` for ``a.json``); None when its suffix is none of
    :data:`SINGLE_FILE_SUFFIXES`."""
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() not in COMPRESSED]
    return SINGLE_FILE_SUFFIXES.get(suffixes[-1] if suffixes else "")


def data_files(folder: Path) -> list[Path]:
    """The data files of a folder, in name order; refuses a file of another type."""
    files: list[Path] = []
    for candidate in sorted(folder.rglob("*")):
        relative = candidate.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in relative) or not candidate.is_file():
            continue
        if table_suffix(candidate) is None:
            raise InvalidArgumentError(
                f"unsupported file type: {candidate.relative_to(folder).as_posix()} in "
                f"{folder}; supported file types: {_SUPPORTED}"
            )
        files.append(candidate)
    return files


def _no_files(path: Path) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"folder {path} holds no data files; supported file types: {_SUPPORTED}"
    )


# -- the columns only (the form and the submit-time check) ---------------------------------
def first_table_file(path: Path) -> Path:
    """The file whose header tells the columns: the path itself, or a folder's first."""
    if path.is_dir():
        files = data_files(path)
        if not files:
            raise _no_files(path)
        return files[0]
    if not path.exists():
        raise InvalidArgumentError(f"{path} does not exist.")
    return path


def _open_text(file: Path) -> IO[str]:
    if file.name.lower().endswith(".gz"):
        return gzip.open(file, "rt", encoding="utf-8", newline="")
    return open(file, encoding="utf-8", newline="")


def read_columns(path: Path) -> list[str]:
    """Column names, read from the header or the file's schema only."""
    file = first_table_file(path)
    suffix = table_suffix(file)
    kind = SUPPORTED_SUFFIXES.get(suffix or "")
    try:
        if kind in ("CSV", "TSV"):
            with _open_text(file) as handle:
                header = next(csv.reader(handle, delimiter="\t" if kind == "TSV" else ","), None)
            if not header:
                raise InvalidArgumentError(f"{file.name} is empty: there is no header row.")
            return [name.strip() for name in header]
        if kind == "Parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(file).names)
        if kind == "JSON lines":
            with _open_text(file) as handle:
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


# -- the whole table (the trainer) ----------------------------------------------------------
def read_table(path: Path) -> pd.DataFrame:
    """A table from a CSV, TSV, Parquet or JSON-lines file, or a folder of such files.

    A folder's files are read in name order (sub-folders included) and concatenated.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InvalidArgumentError(f"data not found: {path} does not exist")
    if path.is_dir():
        files = data_files(path)
        if not files:
            raise _no_files(path)
        frames = [_read_file(f, f.relative_to(path).as_posix()) for f in files]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    else:
        frame = _read_file(path, path.name)
    frame.columns = [str(c) for c in frame.columns]
    if frame.shape[1] == 0:
        raise InvalidArgumentError(f"{path} holds an empty table (no columns)")
    if len(frame) == 0:
        raise InvalidArgumentError(f"{path} holds an empty table (no rows)")
    return frame


def _read_file(path: Path, name: str) -> pd.DataFrame:
    import pandas as pd

    suffix = table_suffix(path)
    if suffix is None:
        raise InvalidArgumentError(
            f"unsupported file type: {name}; supported file types: {_SUPPORTED}"
        )
    kind = SUPPORTED_SUFFIXES[suffix]
    if kind != "Parquet" and not path.name.lower().endswith(".gz"):
        with path.open("rb") as file:
            if b"\x00" in file.read(8192):
                raise InvalidArgumentError(
                    f"could not read {name} as {kind}: it holds binary data, not text"
                )
    try:
        if kind == "CSV":
            return pd.read_csv(path)
        if kind == "TSV":
            return pd.read_csv(path, sep="\t")
        if kind == "Parquet":
            return pd.read_parquet(path)
        return pd.read_json(path, lines=True)
    except ImportError as exc:  # pandas reads Parquet with an optional engine
        raise InvalidArgumentError(
            f"could not read {name} as {kind}: no Parquet engine is installed "
            "(install pyarrow or fastparquet)"
        ) from exc
    except pd.errors.EmptyDataError:
        raise InvalidArgumentError(f"could not read {name} as {kind}: the file is empty") from None
    except Exception as exc:  # any parser's failure on a bad file becomes a clear message
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise InvalidArgumentError(f"could not read {name} as {kind}: {reason}") from exc
