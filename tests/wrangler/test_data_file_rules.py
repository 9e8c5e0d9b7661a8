"""The Data Wrangler and the jobs read data files by one set of rules (data_files.py):
every file a data folder may hold opens in the Wrangler as the same table the trainer
reads, and the Wrangler's extras are only the documented single-file ones."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pandas as pd
import pytest

from jupyter_mlstudio.data_files import (
    COMPRESSED,
    SINGLE_FILE_EXTRAS,
    SUPPORTED_SUFFIXES,
    read_table,
    table_suffix,
)
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler.document import CsvSource, source_for
from jupyter_mlstudio.wrangler.sources import read_full

FRAME = pd.DataFrame({"age": [30, 40, 50], "city": ["Oslo", "Lima", "Pune"]})


def _write(path: Path, kind: str) -> None:
    if kind == "Parquet":
        FRAME.to_parquet(path)
        return
    if kind == "JSON lines":
        text = FRAME.to_json(orient="records", lines=True)
    else:
        text = FRAME.to_csv(index=False, sep="\t" if kind == "TSV" else ",")
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")


CASES = [f"data{suffix}" for suffix in SUPPORTED_SUFFIXES] + [
    f"data{suffix}.gz" for suffix, kind in SUPPORTED_SUFFIXES.items() if kind != "Parquet"
]


@pytest.mark.parametrize("name", CASES)
def test_every_data_file_a_job_reads_opens_in_the_wrangler_as_the_same_table(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    suffix = table_suffix(path)
    assert suffix is not None
    _write(path, SUPPORTED_SUFFIXES[suffix])
    source = source_for(str(path))
    if isinstance(source, CsvSource):
        assert source.sep == ("\t" if SUPPORTED_SUFFIXES[suffix] == "TSV" else ",")
    pd.testing.assert_frame_equal(read_full(source, tmp_path), read_table(path))


@pytest.mark.parametrize("suffix", sorted(SINGLE_FILE_EXTRAS))
def test_the_wrangler_extras_are_single_files_only(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    _write(path, SINGLE_FILE_EXTRAS[suffix])
    pd.testing.assert_frame_equal(read_full(source_for(str(path)), tmp_path), FRAME)
    # a data folder keeps the strict rules: a stray notes.txt or meta.json is refused
    with pytest.raises(InvalidArgumentError, match="unsupported file type"):
        read_table(tmp_path)


def test_a_suffix_neither_reads_is_refused_by_both(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InvalidArgumentError, match="cannot tell the format"):
        source_for(str(path))
    with pytest.raises(InvalidArgumentError, match="unsupported file type"):
        read_table(path)


FRONTEND = Path(__file__).resolve().parents[2] / "src" / "wrangler" / "document.ts"


def _ts_table(text: str, name: str) -> dict[str, str]:
    body = re.search(rf"const {name}: [^=]+= {{(.*?)}};", text, re.S)
    assert body, f"{name} not found in {FRONTEND.name}"
    return dict(re.findall(r"'([^']+)': '([^']+)'", body.group(1)))


def test_the_editor_picks_a_files_source_kind_by_these_rules() -> None:
    """The flow editor chooses a new file source's kind in the browser; its tables are
    these rules, written in TypeScript, and the source kinds are the core's."""
    text = FRONTEND.read_text(encoding="utf-8")
    offered = _ts_table(text, "DATA_FILE_KINDS")
    extras = _ts_table(text, "SINGLE_FILE_EXTRAS")
    assert set(offered) == set(SUPPORTED_SUFFIXES)  # "Open in Data Wrangler" is offered on
    assert set(extras) == set(SINGLE_FILE_EXTRAS)
    for suffix, kind in {**offered, **extras}.items():
        assert source_for(f"data{suffix}").kind == kind, suffix
    compressed = re.search(r"const COMPRESSED: [^=]+= \[(.*?)\];", text, re.S)
    assert compressed and re.findall(r"'([^']+)'", compressed.group(1)) == list(COMPRESSED)
