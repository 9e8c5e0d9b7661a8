"""Sources: every format, bounded samples, and files that are not what they claim."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.wrangler import (
    CsvSource,
    DuckDBSource,
    Flow,
    FlowDocument,
    JsonLinesSource,
    ParquetSource,
    SampleSpec,
    SqlSource,
)
from jupyter_mlstudio.wrangler.sources import read_sample

from .datasets import customers


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 15 MB: 800,000 rows of numbers and a 3-class label."""
    rng = np.random.default_rng(0)
    rows = 800_000
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=rows).round(6),
            "y": rng.integers(0, 1_000_000, rows),
            "label": rng.choice(np.array(["a", "b", "c"]), rows, p=[0.7, 0.2, 0.1]),
        }
    )
    path = tmp_path_factory.mktemp("big") / "big.csv"
    frame.to_csv(path, index=False)
    return path


def test_first_k_reads_only_the_start(big_csv: Path) -> None:
    size = big_csv.stat().st_size
    assert size > 10_000_000
    started = time.perf_counter()
    frame, info = read_sample(CsvSource(id="s", path=str(big_csv)), None, SampleSpec(size=1000))
    elapsed = time.perf_counter() - started
    assert len(frame) == 1000
    assert info.scanned_bytes is not None
    assert info.scanned_bytes < size / 20
    assert not info.complete
    assert elapsed < 1.0
    assert info.note == "first 1,000 rows of big.csv"


def test_random_sample_stops_at_the_scan_limit(big_csv: Path) -> None:
    spec = SampleSpec(method="random", size=2000, seed=1, max_scan_mb=4)
    frame, info = read_sample(CsvSource(id="s", path=str(big_csv)), None, spec)
    assert len(frame) == 2000
    assert info.scanned_bytes is not None
    assert 4 * 2**20 <= info.scanned_bytes < 8 * 2**20
    assert not info.complete
    assert "random sample of 2,000 rows from the first" in info.note
    assert frame.index.is_monotonic_increasing  # file order is kept
    assert frame.index.max() > 20_000  # rows come from the whole scanned range
    again, _ = read_sample(CsvSource(id="s", path=str(big_csv)), None, spec)
    pd.testing.assert_frame_equal(frame, again)  # the seed makes it reproducible


def test_stratified_sample_keeps_proportions(big_csv: Path) -> None:
    spec = SampleSpec(method="stratified", size=1000, stratify_by="label", max_scan_mb=3)
    frame, _ = read_sample(CsvSource(id="s", path=str(big_csv)), None, spec)
    shares = frame["label"].value_counts(normalize=True)
    assert abs(len(frame) - 1000) <= 3
    assert shares["a"] == pytest.approx(0.7, abs=0.02)
    assert shares["c"] == pytest.approx(0.1, abs=0.02)
    with pytest.raises(
        InvalidArgumentError, match=r"stratify_by column 'nope' not found in big.csv"
    ):
        read_sample(
            CsvSource(id="s", path=str(big_csv)),
            None,
            spec.model_copy(update={"stratify_by": "nope"}),
        )


def test_every_format_reads_the_same_frame(tmp_path: Path) -> None:
    frame = customers(80).drop(columns=["signup", "last_seen"])
    frame.to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    frame.to_parquet(tmp_path / "c.parquet")
    frame.to_json(tmp_path / "c.jsonl", orient="records", lines=True)
    with sqlite3.connect(tmp_path / "c.db") as con:
        frame.to_sql("customers", con, index=False)
    sources = [
        CsvSource(id="tsv", path="c.tsv", sep="\t"),
        ParquetSource(id="parquet", path="c.parquet"),
        JsonLinesSource(id="jsonl", path="c.jsonl"),
        SqlSource(id="sql", url=f"sqlite:///{tmp_path / 'c.db'}", query="SELECT * FROM customers"),
        DuckDBSource(id="duck", query="SELECT * FROM 'c.parquet' ORDER BY id"),
    ]
    for source in sources:
        flow = Flow(FlowDocument(sources=[source], sample=SampleSpec(size=30)), base_dir=tmp_path)
        flow.add_step("impute_mean", {"columns": ["age"]})
        full = flow.run()
        assert full.shape == (80, 8), source.kind
        assert full["age"].notna().all()
        assert full["id"].tolist() == frame["id"].tolist()
        assert flow.preview(rows=3).total_rows == 30, source.kind
        for method in ("random", "stratified"):
            flow.document.sample = SampleSpec(method=method, size=20, stratify_by="plan")
            assert 18 <= flow.preview().total_rows <= 22, (source.kind, method)
        namespace: dict[str, object] = {}
        exec(flow.to_code(absolute_paths=True), namespace)
        pd.testing.assert_frame_equal(namespace["df"], full)


def _flow_for(path: Path) -> Flow:
    return Flow.new(path.name, base_dir=path.parent)


def test_binary_bytes_in_a_csv_are_named(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    flow = _flow_for(path)
    message = "scores.csv is not a CSV file: it holds binary data"
    assert message in str(flow.status()[0].message)
    with pytest.raises(InvalidArgumentError, match=message):
        flow.run()


def test_a_csv_named_parquet_is_named(tmp_path: Path) -> None:
    path = tmp_path / "table.parquet"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidArgumentError) as info:
        _flow_for(path).run()
    assert info.value.message == (
        "table.parquet is not a Parquet file (it looks like text, starting with 'a,b\\\\n1,2\\\\n')"
    )


def test_a_parquet_named_csv_is_named(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    with pytest.raises(
        InvalidArgumentError, match=r"table.csv is a Parquet file, not CSV: name it .parquet"
    ):
        _flow_for(path).preview()


def test_other_encodings_and_bad_json_lines(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("city\nSão Paulo\n".encode("latin-1"))
    with pytest.raises(InvalidArgumentError, match=r"latin.csv is not utf-8 text at byte"):
        _flow_for(latin).run()
    ok = Flow(
        FlowDocument(
            sources=[CsvSource(id="s", path="latin.csv", options={"encoding": "latin-1"})]
        ),
        base_dir=tmp_path,
    )
    assert ok.run()["city"].tolist() == ["São Paulo"]
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text("a,b\n1,2\n")
    with pytest.raises(
        InvalidArgumentError, match=r"rows.jsonl is not JSON lines: it starts with 'a,b"
    ):
        _flow_for(jsonl).run()
    broken = tmp_path / "broken.csv"
    broken.write_text('a,b\n1,"unterminated\n')
    with pytest.raises(InvalidArgumentError, match=r"cannot read broken.csv as CSV: "):
        _flow_for(broken).run()


def test_missing_file_is_named(tmp_path: Path) -> None:
    flow = _flow_for(tmp_path / "gone.csv")
    with pytest.raises(
        InvalidArgumentError, match=r"source 'source': data file not found: .*gone.csv"
    ):
        flow.run()
