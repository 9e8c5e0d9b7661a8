"""Data Wrangler overheads, measured on this machine in one run.

1. Flow vs hand-written pandas: a 6-step flow (drop, impute median, one-hot, scale 3
   columns, filter, split) on 1,000,000 rows costs ≤ 1.15x the same statements written
   by hand (median of repeats; both on the same in-memory frame, so parsing the CSV is
   not counted — that is the stricter comparison).
2. First preview of a 1 GB CSV: a new Flow on the file, ``preview()`` of its first step,
   ≤ 2 s (the sample is the first rows, so the file's size should not matter).
3. The Data Quality and Insights report on 1,000,000 rows, if
   ``jupyter_mlstudio.wrangler.insights.build_report`` exists (timed, no target here).

Generated data is cached (``--cache-dir``); the 1 GB file is written once.

    .venv/bin/python benchmarks/wrangler.py [--rows 1000000] [--repeats 9] [--skip-1gb]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from jupyter_mlstudio.wrangler import Flow

RATIO_TARGET = 1.15
PREVIEW_TARGET_S = 2.0
REPORT_TARGET_S = 10.0
GIGABYTE = 1024**3


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "age": rng.normal(40, 12, rows).round(1),
            "income": rng.lognormal(10, 0.5, rows).round(2),
            "score": rng.normal(0, 1, rows),
            "visits": rng.poisson(4, rows).astype("float64"),
            "city": rng.choice(np.array(["paris", "lyon", "lille", "nantes", "brest"]), rows),
            "plan": rng.choice(np.array(["basic", "plus", "pro"]), rows),
            "label": rng.integers(0, 2, rows),
        }
    )
    for column in ("age", "income"):
        frame.loc[rng.random(rows) < 0.05, column] = np.nan
    return frame


def cached_csv(folder: Path, rows: int) -> Path:
    path = folder / f"wrangler_{rows}.csv"
    if not path.exists():
        make_frame(rows).to_csv(path, index=False)
    return path


def cached_gigabyte_csv(folder: Path) -> Path:
    path = folder / "wrangler_1gb.csv"
    if path.exists() and path.stat().st_size >= GIGABYTE:
        return path
    partial = path.with_suffix(".partial")
    with partial.open("w") as handle:
        seed = 0
        while handle.tell() < GIGABYTE:
            make_frame(1_000_000, seed).to_csv(handle, index=False, header=seed == 0)
            seed += 1
    partial.replace(path)
    return path


def flow_for(csv: Path) -> Flow:
    flow = Flow.new(csv)
    flow.add_step("drop_columns", {"columns": ["id"]})
    flow.add_step("impute_median", {"columns": ["age", "income"]})
    flow.add_step("one_hot_encode", {"columns": ["city"]})
    flow.add_step("standard_scale", {"columns": ["age", "income", "score"]})
    flow.add_step("filter_rows", {"expression": "visits > 1"})
    flow.add_step("split_random", {"test_size": 0.2, "seed": 0})
    return flow


def by_hand(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = df.drop(columns=["id"])
    columns = ["age", "income"]
    df[columns] = df[columns].fillna(df[columns].median())
    df = pd.get_dummies(df, columns=["city"], dtype=int)
    columns = ["age", "income", "score"]
    df[columns] = (df[columns] - df[columns].mean()) / df[columns].std(ddof=0)
    df = df.query("visits > 1")
    train, test = train_test_split(df, test_size=0.2, random_state=0)
    return train, test


def median_time(work: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "mlstudio-bench"
    )
    parser.add_argument("--skip-1gb", action="store_true", help="skip the 1 GB preview benchmark")
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)

    csv = cached_csv(args.cache_dir, args.rows)
    data = pd.read_csv(csv)
    flow = flow_for(csv)
    outputs = flow.run_all(data=data)
    train, test = by_hand(data)
    pd.testing.assert_frame_equal(outputs["train"], train)
    pd.testing.assert_frame_equal(outputs["test"], test)
    # interleaved, so load from other processes hits both sides alike
    hand_times, engine_times = [], []
    for _ in range(args.repeats):
        hand_times.append(median_time(lambda: by_hand(data), 1))
        engine_times.append(median_time(lambda: flow.run_all(data=data), 1))
    hand, engine = statistics.median(hand_times), statistics.median(engine_times)
    ratio = engine / hand
    verdict = "OK" if ratio <= RATIO_TARGET else "OVER TARGET"
    print(f"6-step flow on {args.rows:,} rows: pandas by hand {hand:.3f} s, flow {engine:.3f} s")
    print(f"  ratio {ratio:.3f} (target <= {RATIO_TARGET}) {verdict}")
    with_read = median_time(lambda: flow.run_all(), max(1, args.repeats // 2))
    print(f"  flow including reading the CSV: {with_read:.3f} s")

    if not args.skip_1gb:
        big = cached_gigabyte_csv(args.cache_dir)
        started = time.perf_counter()
        preview = flow_for(big).preview("drop_columns_1", rows=100)
        elapsed = time.perf_counter() - started
        verdict = "OK" if elapsed <= PREVIEW_TARGET_S else "OVER TARGET"
        size = big.stat().st_size / GIGABYTE
        print(f"first preview of a {size:.2f} GB CSV ({preview.total_rows:,}-row sample):")
        print(f"  {elapsed:.3f} s (target <= {PREVIEW_TARGET_S} s) {verdict}")

    try:
        from jupyter_mlstudio.wrangler.insights import build_report  # type: ignore[attr-defined]
    except ImportError:
        print("insights report: skipped (jupyter_mlstudio.wrangler.insights.build_report missing)")
    else:
        started = time.perf_counter()
        report = build_report(data, target="label")
        elapsed = time.perf_counter() - started
        verdict = "OK" if elapsed <= REPORT_TARGET_S else "OVER TARGET"
        print(f"insights report on {len(data):,} rows (target 'label'):")
        print(f"  {elapsed:.3f} s (target <= {REPORT_TARGET_S} s) {verdict}")
        for note in report.sampling:
            print(f"  {note.section}: {note.rows_used:,} of {note.total_rows:,} rows")


if __name__ == "__main__":
    main()
