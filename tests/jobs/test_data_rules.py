"""The target picker (read_columns) and the trainer (read_table) read a data path by the
same rules: the same files of a folder, the same suffixes, the same refusals."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from jupyter_mlstudio.data_files import read_columns, read_table
from jupyter_mlstudio.errors import InvalidArgumentError


def test_picker_and_trainer_see_the_same_files_of_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "train"
    (folder / "part").mkdir(parents=True)
    # a Spark-like output: a marker, a hidden file, gzipped parts in a sub-folder
    (folder / "_SUCCESS").write_text("")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    with gzip.open(folder / "part" / "0.csv.gz", "wt") as handle:
        handle.write("age,churned\n30,1\n40,0\n")
    with gzip.open(folder / "part" / "1.csv.gz", "wt") as handle:
        handle.write("age,churned\n50,1\n")
    assert read_columns(folder) == ["age", "churned"]
    assert list(read_table(folder).columns) == ["age", "churned"]
    assert len(read_table(folder)) == 3


@pytest.mark.parametrize("name", ["data.ndjson", "data.jsonl", "data.jsonl.gz"])
def test_json_lines_suffixes_are_read_by_both(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    text = '{"x": 1, "y": 2}\n{"x": 3, "y": 4}\n'
    if name.endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    assert read_columns(path) == ["x", "y"]
    assert list(read_table(path).columns) == ["x", "y"]


def test_a_folder_with_another_file_type_is_refused_by_both(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.csv").write_text("x,y\n1,2\n")
    (folder / "readme.md").write_text("notes")
    for read in (read_columns, read_table):
        with pytest.raises(InvalidArgumentError, match=r"unsupported file type: readme\.md in "):
            read(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    for read in (read_columns, read_table):
        with pytest.raises(InvalidArgumentError, match="holds no data files"):
            read(empty)
