"""Warnings, duplicates and memory, and the assembly of the report: build, save, load."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from jupyter_mlstudio.errors import InvalidArgumentError

from ._common import (
    DEFAULT_SAMPLE_ROWS,
    HIGH_CARDINALITY,
    INFER_SAMPLE,
    LEAKAGE_POWER,
    MAX_MODEL_CATEGORIES,
    MISSING_WARN,
    OUTLIER_WARN,
    SKEW_WARN,
    TEXT_SAMPLE,
    _Col,
    _pct,
    _sample_positions,
    _timer,
)
from .anomalies import _anomalies
from .charts import report_html
from .columns import _analyze_column
from .models import (
    Anomalies,
    InsightsReport,
    InsightWarning,
    SamplingNote,
    Summary,
    warn_about,
)
from .power import _correlations
from .target import _analyze_target, _quick_model


def _column_warnings(cols: list[_Col], target: _Col | None) -> list[InsightWarning]:
    out: list[InsightWarning] = []
    for col in cols:
        st = col.stats
        is_target = col is target
        total = st.count + st.missing
        if st.inferred_type == "constant" and not is_target:
            what = "is empty (all values missing)" if st.count == 0 else "has a single value"
            warn_about(
                out,
                st.name,
                "warning",
                "constant",
                f"'{st.name}' {what}; it carries no information. Drop it.",
            )
        if total and st.missing / total >= MISSING_WARN and not is_target and st.count > 0:
            warn_about(
                out,
                st.name,
                "high" if st.missing / total >= 0.5 else "warning",
                "missing",
                (f"'{st.name}' is missing in {st.missing:,} rows ({st.missing_pct:.1f}%)."),
            )
        if st.invalid:
            examples = ", ".join(st.invalid_examples[:3])
            warn_about(
                out,
                st.name,
                "warning",
                "invalid",
                (
                    f"'{st.name}' has {st.invalid:,} invalid values ({st.invalid_reason}"
                    + (f", e.g. {examples}" if examples else "")
                    + ")."
                ),
            )
        if st.inferred_type == "identifier" and not is_target:
            warn_about(
                out,
                st.name,
                "warning",
                "high_cardinality",
                (
                    f"'{st.name}' looks like an identifier ({st.unique:,} unique values in "
                    f"{st.count:,} rows); it is excluded from the quick model."
                ),
            )
        elif st.inferred_type == "text" and not is_target:
            warn_about(
                out,
                st.name,
                "info",
                "high_cardinality",
                (
                    f"'{st.name}' is free text ({st.unique:,} unique values); it is "
                    "excluded from the quick model -- extract features from it first."
                ),
            )
        elif st.inferred_type == "categorical" and st.unique > HIGH_CARDINALITY:
            warn_about(
                out,
                st.name,
                "warning",
                "high_cardinality",
                (
                    f"'{st.name}' has {st.unique:,} categories; one-hot encoding would "
                    f"explode. The quick model uses the {MAX_MODEL_CATEGORIES} most frequent."
                ),
            )
        num = st.numeric
        if num is not None and st.inferred_type == "numeric" and not is_target:
            if num.skew is not None and abs(num.skew) >= SKEW_WARN:
                warn_about(
                    out,
                    st.name,
                    "info",
                    "skew",
                    (
                        f"'{st.name}' is highly skewed (skew {num.skew:.2f}); a log or "
                        "power transform may help linear models."
                    ),
                )
            skewed = num.skew is not None and abs(num.skew) >= SKEW_WARN
            if num.outliers.pct >= 100 * OUTLIER_WARN and not skewed:
                warn_about(
                    out,
                    st.name,
                    "info",
                    "outliers",
                    (
                        f"'{st.name}' has {num.outliers.count:,} robust outliers "
                        f"({num.outliers.pct:.2f}%, outside "
                        f"[{num.outliers.lower:.4g}, {num.outliers.upper:.4g}] by "
                        f"{num.outliers.method.upper()})."
                    ),
                )
    return out


# --------------------------------------------------------------------------- build


def _duplicates(df: pd.DataFrame, cols: list[_Col]) -> int:
    """Rows equal to an earlier row, by a 64-bit hash per row.

    Factorized columns hash their codes (equal values, equal codes), the others their
    values, and the column hashes are combined as pandas' ``hash_pandas_object`` does.
    """
    n, p = df.shape
    if p == 0 or n < 2:
        return 0
    combined = np.full(n, 0x345678, dtype=np.uint64)
    mult = np.uint64(1000003)
    for j, col in enumerate(cols):
        if col.factorized is not None:
            hashed = pd.util.hash_array(col.factorized.codes)
        else:
            hashed = pd.util.hash_pandas_object(df.iloc[:, j], index=False).to_numpy()
        combined = (combined ^ hashed.astype(np.uint64)) * mult
        mult = np.uint64((int(mult) + 82520 + 2 * (p - j)) % 2**64)
    return int(pd.Series(combined).duplicated().sum())


def _memory(df: pd.DataFrame, rng: np.random.Generator) -> tuple[int, bool]:
    if len(df) <= 200_000:
        return int(df.memory_usage(deep=True, index=True).sum()), False
    shallow = df.memory_usage(deep=False, index=True)
    total = float(shallow.sum())
    objects = [j for j in range(df.shape[1]) if pd.api.types.is_object_dtype(df.dtypes.iloc[j])]
    if not objects:
        return int(total), False
    pos = _sample_positions(len(df), 20_000, rng)
    part = df.iloc[pos, objects]
    deep = part.memory_usage(deep=True, index=False).sum()
    flat = part.memory_usage(deep=False, index=False).sum()
    total += float(deep - flat) * len(df) / pos.size
    return int(total), True


def build_report(
    df: pd.DataFrame,
    target: str | None = None,
    *,
    problem_type: Literal["auto", "classification", "regression"] = "auto",
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    random_state: int = 0,
) -> InsightsReport:
    """The Data Quality and Insights report of ``df`` (optionally against ``target``).

    Exact statistics use all rows; correlations, the quick model, prediction power and the
    anomaly scores use a random sample of at most ``sample_rows`` rows (seeded by
    ``random_state``) -- ``report.sampling`` says which section used how many rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgumentError("build_report needs a pandas DataFrame.")
    if problem_type not in ("auto", "classification", "regression"):
        raise InvalidArgumentError(
            f"problem_type must be 'auto', 'classification' or 'regression', not {problem_type!r}."
        )
    if sample_rows < 100:
        raise InvalidArgumentError("sample_rows must be at least 100.")
    names = [str(c) for c in df.columns]
    target_pos: int | None = None
    if target is not None:
        matches = [j for j, name in enumerate(names) if name == str(target)]
        if not matches:
            raise InvalidArgumentError(f"The target column {target!r} is not in the data.")
        if len(matches) > 1:
            raise InvalidArgumentError(f"The target column name {target!r} is not unique.")
        target_pos = matches[0]

    rng = np.random.default_rng(random_state)
    timings: dict[str, float] = {}
    sampling: list[SamplingNote] = []
    warnings: list[InsightWarning] = []
    n, p = df.shape
    total_start = time.perf_counter()

    with _timer(timings, "columns"):
        cols = [
            _analyze_column(j, names[j], df.iloc[:, j], np.random.default_rng(random_state + j))
            for j in range(p)
        ]
    sampled_text = any(c.stats.count > TEXT_SAMPLE and c.stats.text for c in cols)
    sampling.append(
        SamplingNote(
            section="columns",
            rows_used=n,
            total_rows=n,
            sampled=False,
            detail=(
                "exact on all rows: counts, missing, invalid, unique, top values, moments, "
                "quantiles, robust outliers and histograms. Types of object columns are "
                f"guessed from up to {INFER_SAMPLE:,} values, then verified on all rows"
                + (f"; text lengths use up to {TEXT_SAMPLE:,} values" if sampled_text else "")
                + "."
            ),
        )
    )
    with _timer(timings, "summary"):
        duplicates = _duplicates(df, cols)
        memory, estimated = _memory(df, rng)
    sampling.append(
        SamplingNote(
            section="summary",
            rows_used=n,
            total_rows=n,
            sampled=False,
            detail="exact on all rows; duplicate rows are found by 64-bit row hashes"
            + ("; memory of text columns estimated from 20,000 rows" if estimated else ""),
        )
    )
    missing_cells = sum(c.stats.missing for c in cols)
    type_counts: dict[str, int] = {}
    for c in cols:
        type_counts[c.kind] = type_counts.get(c.kind, 0) + 1
    summary = Summary(
        rows=n,
        columns=p,
        duplicate_rows=duplicates,
        duplicate_pct=_pct(duplicates, n),
        missing_cells=missing_cells,
        missing_cells_pct=_pct(missing_cells, n * p),
        memory_bytes=memory,
        memory_estimated=estimated,
        column_types=type_counts,
    )
    if duplicates:
        warnings.append(
            InsightWarning(
                severity="warning" if duplicates / n >= 0.01 else "info",
                kind="duplicates",
                message=f"{duplicates:,} rows ({summary.duplicate_pct:.2f}%) duplicate an "
                "earlier row.",
            )
        )
    target_col = cols[target_pos] if target_pos is not None else None
    warnings.extend(_column_warnings(cols, target_col))

    report = InsightsReport(
        target=None if target_col is None else target_col.name,
        sample_rows=sample_rows,
        random_state=random_state,
        summary=summary,
        columns=[c.stats for c in cols],
    )

    sample = _sample_positions(n, sample_rows, rng)
    with _single_thread():
        _sampled_sections(
            report, cols, df, target_col, sample, problem_type, rng, warnings, sampling, timings
        )
    order = {"high": 0, "warning": 1, "info": 2}
    report.warnings = sorted(warnings, key=lambda w: order[w.severity])
    report.sampling = sampling
    timings["total"] = round(time.perf_counter() - total_start, 4)
    report.timings = timings
    return report


@contextmanager
def _single_thread() -> Iterator[None]:
    """One BLAS/OpenMP thread for the model sections.

    On small and mid-size samples one thread is as fast, and on a loaded machine OpenMP's
    spinning threads made gradient boosting ~8x slower in our measurements.
    """
    # threadpoolctl limits only the libraries loaded so far: load scikit-learn's first
    import sklearn.ensemble
    import sklearn.tree  # noqa: F401
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1):
        yield


def _sampled_sections(
    report: InsightsReport,
    cols: list[_Col],
    df: pd.DataFrame,
    target_col: _Col | None,
    sample: NDArray[np.intp],
    problem_type: str,
    rng: np.random.Generator,
    warnings: list[InsightWarning],
    sampling: list[SamplingNote],
    timings: dict[str, float],
) -> None:
    n = len(df)
    sample_rows, random_state = report.sample_rows, report.random_state
    with _timer(timings, "correlations"):
        report.correlations = _correlations(cols, sample, target_col)
    if report.correlations is not None:
        sampling.append(_note("correlations", sample.size, n))
        for pair in report.correlations.high_pairs:
            warnings.append(
                InsightWarning(
                    severity="warning",
                    kind="high_correlation",
                    columns=[pair.a, pair.b],
                    message=(
                        f"'{pair.a}' and '{pair.b}' are highly correlated (r = {pair.r:.3f}); "
                        "one of them is probably redundant."
                    ),
                )
            )

    if target_col is not None:
        with _timer(timings, "target"):
            analysis, tgt = _analyze_target(
                target_col, df.iloc[:, target_col.pos], problem_type, warnings
            )
        report.target_analysis = analysis
        report.problem_type = tgt.problem
        sampling.append(
            SamplingNote(
                section="target",
                rows_used=analysis.rows,
                total_rows=n,
                sampled=False,
                detail="exact on all rows with a target value",
            )
        )
        with _timer(timings, "model"):
            model, power = _quick_model(
                cols, df, target_col, tgt, sample_rows, random_state, rng, sampling
            )
        report.model = model
        report.prediction_power = power
        if model.status == "skipped" and model.reason and "constant" not in model.reason:
            analysis.notes.append(f"quick model skipped: {model.reason}")
        if power is not None:
            for item in power.features:
                if item.power is not None and item.power >= LEAKAGE_POWER:
                    warnings.append(
                        InsightWarning(
                            severity="high",
                            kind="target_leakage",
                            columns=[item.feature, target_col.name],
                            message=(
                                f"'{item.feature}' alone predicts the target almost perfectly "
                                f"(prediction power {item.power:.3f}). This is likely target "
                                "leakage: check that it is known at prediction time."
                            ),
                        )
                    )

    with _timer(timings, "anomalies"):
        try:
            report.anomalies = _anomalies(cols, df, sample, target_col, random_state)
        except Exception as exc:  # a report section must not sink the report
            report.anomalies = Anomalies(status="failed", reason=f"{type(exc).__name__}: {exc}")
    if report.anomalies.status == "ok":
        sampling.append(_note("anomalies", sample.size, n))


def _note(section: str, used: int, total: int) -> SamplingNote:
    sampled = used < total
    detail = (
        f"random sample of {used:,} of {total:,} rows (seeded)"
        if sampled
        else f"all {total:,} rows"
    )
    return SamplingNote(
        section=section, rows_used=int(used), total_rows=int(total), sampled=sampled, detail=detail
    )


# --------------------------------------------------------------------------- artifacts


def save_report(
    report: InsightsReport,
    destination: str | PathLike[str],
    *,
    html: bool = True,
    storage_options: dict[str, Any] | None = None,
) -> list[str]:
    """Write ``insights.json`` (and ``insights.html``) into a folder path or fsspec URL.

    Returns the written paths/URLs. The JSON loads back with :func:`load_report`.
    """
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(destination), **(storage_options or {}))
    fs.makedirs(root, exist_ok=True)
    written: list[str] = []
    base = root.rstrip("/")
    json_path = f"{base}/insights.json"
    with fs.open(json_path, "w", encoding="utf-8") as fh:
        fh.write(report.model_dump_json(indent=1))
    written.append(json_path)
    if html:
        html_path = f"{base}/insights.html"
        document = report_html(report)
        with fs.open(html_path, "w", encoding="utf-8") as fh:
            fh.write(document)
        written.append(html_path)
    return written


def load_report(
    source: str | PathLike[str], *, storage_options: dict[str, Any] | None = None
) -> InsightsReport:
    """Read a report saved by :func:`save_report` (a folder or the ``insights.json`` itself)."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(str(source), **(storage_options or {}))
    if fs.isdir(path):
        path = f"{path.rstrip('/')}/insights.json"
    with fs.open(path, "r", encoding="utf-8") as fh:
        return InsightsReport.model_validate_json(fh.read())
