"""Model Monitor drift, measured on this machine in one run.

Drift of 1,000,000 current rows x 30 features (20 numerical, 10 categorical) against a
100,000-row baseline, 8 of the features shifted:

- ours: ``suggest_baseline`` on the reference (once), then ``check`` on the current rows
  (every check, the drift tests and the UI histograms), and the JSON report's size
  (target ≤ 1 MB);
- Evidently's ``DataDriftPreset`` on the same frames, if ``evidently`` is importable
  (it is not a dependency of the project: run this file with a Python that has it,
  e.g. a separate venv with ``PYTHONPATH=<repo>``), with the verdict agreement per
  feature (target ≥ 95%) and the speed-up (target ≥ 5x). Both sides use the same tests
  at this size: normalized Wasserstein for numbers, Jensen-Shannon for categories,
  threshold 0.1.

    .venv/bin/python benchmarks/monitor.py [--rows 1000000] [--reference-rows 100000]

Against Evidently (0.7.23 needs pandas < 3; our code runs on both):

    python3 -m venv /tmp/evidently-bench-venv
    /tmp/evidently-bench-venv/bin/pip install evidently==0.7.23 "pandas<3" sqlalchemy fsspec pyarrow
    PYTHONPATH=. /tmp/evidently-bench-venv/bin/python benchmarks/monitor.py

One run on the shared 2-core machine (2026-12-04, load ~9): ours 11.5 s, Evidently
242 s (21x), the same verdict on 30 of 30 features, statistics within 0.0004, report
18 KB. With at most 1,000 reference rows the categorical tests differ on purpose:
Evidently's chi-square takes the reference's shares as exact (goodness of fit), ours
tests the 2xk contingency table, which allows for the small reference's own noise.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from jupyter_mlstudio.monitor import check, suggest_baseline

SPEEDUP_TARGET = 5.0
AGREEMENT_TARGET = 0.95
REPORT_LIMIT = 1_000_000
NUMERICAL = 20
CATEGORICAL = 10
SHIFTED = {"num0", "num1", "num2", "num3", "num4", "cat0", "cat1", "cat2"}


def make_frame(rows: int, seed: int, shifted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for i in range(NUMERICAL):
        shift = (0.3 + 0.1 * i) if shifted and f"num{i}" in SHIFTED else 0.0
        if i % 4 == 0:
            columns[f"num{i}"] = rng.integers(0, 100, rows) + int(shift * 30)
        elif i % 4 == 1:
            columns[f"num{i}"] = rng.gamma(2.0, 3.0, rows) + shift * 4
        else:
            columns[f"num{i}"] = rng.normal(i, 1.0 + i % 3, rows) + shift * (1.0 + i % 3)
    for i in range(CATEGORICAL):
        size = 5 + 5 * i
        names = np.array([f"c{i}_{j}" for j in range(size)], dtype=object)
        weights = np.linspace(1.0, 3.0, size)
        if shifted and f"cat{i}" in SHIFTED:
            weights = weights[::-1]
        columns[f"cat{i}"] = rng.choice(names, rows, p=weights / weights.sum())
    return pd.DataFrame(columns)


def run_evidently(
    reference: pd.DataFrame, current: pd.DataFrame
) -> tuple[float, dict[str, tuple[bool, float]]] | str:
    """Evidently's time and per-column (verdict, statistic), or why it was skipped."""
    try:
        import evidently
    except ImportError as exc:
        return f"evidently is not importable here ({exc}); it is not a project dependency"
    version = getattr(evidently, "__version__", "?")
    numerical = [c for c in reference.columns if c.startswith("num")]
    categorical = [c for c in reference.columns if c.startswith("cat")]
    started = time.perf_counter()
    try:  # 0.7+: Dataset + DataDefinition
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        elapsed = time.perf_counter() - started
        verdicts: dict[str, tuple[bool, float]] = {}
        for metric in snapshot.dict()["metrics"]:
            config = metric.get("config", {})
            column = config.get("column")
            if column in reference.columns and "threshold" in config:
                value = float(metric["value"])
                # a p-value drifts below its threshold, a distance at or above it
                if "p_value" in str(config.get("method", "")):
                    verdicts[column] = (value < config["threshold"], value)
                else:
                    verdicts[column] = (value >= config["threshold"], value)
        return elapsed, verdicts
    except ImportError:
        pass
    from evidently import ColumnMapping  # type: ignore[attr-defined]
    from evidently.metric_preset import DataDriftPreset as LegacyPreset
    from evidently.report import Report as LegacyReport

    report = LegacyReport(metrics=[LegacyPreset()])
    report.run(
        reference_data=reference,
        current_data=current,
        column_mapping=ColumnMapping(
            numerical_features=numerical, categorical_features=categorical
        ),
    )
    elapsed = time.perf_counter() - started
    for metric in report.as_dict()["metrics"]:
        by_column = metric.get("result", {}).get("drift_by_columns")
        if by_column:
            return elapsed, {
                c: (bool(r["drift_detected"]), float(r["drift_score"]))
                for c, r in by_column.items()
            }
    return f"evidently {version}: no per-column drift in its report"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    args = parser.parse_args()

    started = time.perf_counter()
    reference = make_frame(args.reference_rows, seed=1, shifted=False)
    current = make_frame(args.rows, seed=2, shifted=True)
    print(
        f"data: {len(reference):,} reference and {len(current):,} current rows x "
        f"{current.shape[1]} features ({NUMERICAL} numerical, {CATEGORICAL} categorical), "
        f"{len(SHIFTED)} shifted; made in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    baseline = suggest_baseline(reference)
    baseline_s = time.perf_counter() - started
    started = time.perf_counter()
    report = check(current, baseline)
    check_s = time.perf_counter() - started
    size = len(report.model_dump_json())
    ours = {f.name: f.drifted for f in report.features}
    # what Evidently reports: the p-value of a test, else the distance
    statistics = {
        f.name: f.p_value if f.p_value is not None else f.statistic for f in report.features
    }
    methods = sorted({f.method for f in report.features})
    print(f"ours: baseline of the reference {baseline_s:.2f} s")
    print(f"ours: check of the current rows {check_s:.2f} s ({', '.join(methods)})")
    print(f"ours: drifted {sorted(n for n, d in ours.items() if d)}; expected {sorted(SHIFTED)}")
    print(
        f"ours: report {size:,} bytes (limit {REPORT_LIMIT:,}: "
        f"{'ok' if size <= REPORT_LIMIT else 'OVER'})"
    )
    outcome = run_evidently(reference, current)
    if isinstance(outcome, str):
        print(f"evidently: skipped: {outcome}")
        return
    evidently_s, found = outcome
    theirs = {c: v[0] for c, v in found.items()}
    common = sorted(set(ours) & set(theirs))
    agree = sum(ours[c] == theirs[c] for c in common) / max(len(common), 1)
    gaps = [abs((statistics[c] or 0.0) - found[c][1]) for c in common]
    print(f"statistics: largest difference from Evidently's {max(gaps, default=0):.2g}")
    print(f"evidently: DataDriftPreset {evidently_s:.2f} s")
    print(
        f"speed-up: {evidently_s / check_s:.1f}x (target {SPEEDUP_TARGET:g}x); verdicts agree "
        f"on {agree:.0%} of {len(common)} features (target {AGREEMENT_TARGET:.0%})"
    )
    for column in common:
        if ours[column] != theirs[column]:
            print(f"  disagree: {column}: ours {ours[column]}, evidently {theirs[column]}")


if __name__ == "__main__":
    main()
