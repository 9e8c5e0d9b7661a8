"""A flow on ``dask.dataframe``, for data larger than memory.

The generated pandas code of most row-wise transforms also runs, unchanged, on a dask
DataFrame — and gives the same result (``tests/wrangler/test_distributed.py`` checks
each transform in ``DASK_READY`` against the pandas engine on every test dataset). So a
flow whose steps are all in that set runs partition by partition on the Dask cluster,
reading its sources with dask and writing each output as a folder of part files. Steps
that need the whole column at once in pandas' exact form (medians and quantiles, one-hot
categories, splits, sampling, custom code) are refused up front with their names: run
such a flow with pandas.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from ..errors import InvalidArgumentError
from .document import CsvSource, FlowDocument, JsonLinesSource, ParquetSource
from .sources import resolve_path
from .transforms import get_transform

# verified to give the pandas engine's result on dask.dataframe (see the module docstring)
DASK_READY = frozenset(
    {
        "cast_type",
        "drop_columns",
        "duplicate_column",
        "keep_columns",
        "rename_columns",
        "reorder_columns",
        "drop_missing",
        "fill_missing",
        "impute_mean",
        "missing_indicator",
        "map_values",
        "power_transform",
        "regex_extract",
        "regex_replace",
        "text_case",
        "text_stats",
        "text_strip",
        "cyclic_encode",
        "datetime_parts",
        "time_difference",
        "filter_rows",
        "sort_rows",
        "formula",
    }
)


def dask_blockers(document: FlowDocument) -> list[str]:
    """Why the flow cannot run on dask.dataframe (empty: it can)."""
    problems = [
        f"source {s.id!r} is {s.kind} (dask reads csv, parquet and jsonl files)"
        for s in document.sources
        if not isinstance(s, CsvSource | ParquetSource | JsonLinesSource)
    ]
    problems += [
        f"step {step.id!r} ({step.transform}) needs pandas"
        for step in document.order()
        if step.transform not in DASK_READY
    ]
    return problems


@contextlib.contextmanager
def _pandas_dtypes() -> Iterator[None]:
    """Text stays ``object`` as in pandas (dask would make it ``string[pyarrow]``)."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        yield


def _read(source: Any, base_dir: Path, blocksize: str) -> Any:
    import dask.dataframe as dd

    path = str(resolve_path(source.path, base_dir))
    if isinstance(source, CsvSource):
        return dd.read_csv(path, sep=source.sep, blocksize=blocksize, **source.options)
    if isinstance(source, ParquetSource):
        return dd.read_parquet(path, columns=source.columns)
    return dd.read_json(path, lines=True, blocksize=blocksize, **source.options)


def run_on_dask(
    document: FlowDocument,
    base_dir: Path,
    output_dir: Path,
    *,
    output_format: Literal["parquet", "csv"] = "parquet",
    blocksize: str = "64MB",
) -> dict[str, Path]:
    """Run every output of the flow on the current Dask client (or dask's default
    scheduler) and write each to ``output_dir/<output name>/``; the folders written."""
    blockers = dask_blockers(document)
    if blockers:
        raise InvalidArgumentError(
            "This flow cannot run on dask.dataframe: " + "; ".join(blockers) + "."
        )
    with _pandas_dtypes():
        frames: dict[tuple[str, int], Any] = {
            (s.id, 0): _read(s, base_dir, blocksize) for s in document.sources
        }
        for step in document.order():
            transform = get_transform(step.transform)
            params = transform.params_model.model_validate(step.params)
            inputs = [frames[document.resolve(ref)] for ref in step.inputs]
            produced = transform.apply(inputs, params)
            for index, name in enumerate(step.output_names()):
                frames[(step.id, index)] = produced[name]
        written: dict[str, Path] = {}
        for node, index in document.terminal_outputs():
            name = document.outputs_of(node)[index]
            folder = output_dir / name
            frame = frames[(node, index)]
            if output_format == "parquet":
                frame.to_parquet(str(folder), write_index=False)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                frame.to_csv(str(folder / "part-*.csv"), index=False)
            written[name] = folder
    return written
