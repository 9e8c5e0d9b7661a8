"""The demand-forecasting pipeline's Python step (it runs as a job; see pipeline.py).

``backtest`` is a rolling-origin evaluation: the last ``folds x horizon_days`` days are
cut into ``folds`` windows; for each, a model with the train step's algorithm and
hyperparameters learns from every day *before* the window and forecasts the window's
days (one day ahead: each day's lags are the actual sales known the evening before).
MAPE and RMSE per fold — and a seasonal-naive baseline's (the same weekday last week) —
are run metrics and a Markdown report; the pipeline deploys only when the mean MAPE is
low enough.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls

TARGET = "units_sold"
DATE = "date"
CATEGORICAL = ("store", "item")


def local_folder(uri: str) -> Path:
    """A local copy of a step output (a path, ``file://`` or any fsspec URL)."""
    if "://" not in uri.removeprefix("file://"):
        return Path(uri.removeprefix("file://"))
    import fsspec

    fs, root = fsspec.core.url_to_fs(uri)
    target = Path(tempfile.mkdtemp(prefix="demand-")) / Path(root).name
    fs.get(root.rstrip("/") + "/", str(target), recursive=True)
    return target


def read_table(uri: str) -> Any:
    import pandas as pd

    path = local_folder(uri)
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def mape(actual: Any, forecast: Any) -> float:
    """Mean absolute percentage error over the days that sold something."""
    import numpy as np

    sold = actual > 0
    return float(np.mean(np.abs(forecast[sold] - actual[sold]) / actual[sold]))


def rmse(actual: Any, forecast: Any) -> float:
    import numpy as np

    return float(np.sqrt(np.mean((forecast - actual) ** 2)))


def booster(hyperparameters: dict[str, Any]) -> Any:
    """The train step's XGBoost regressor with the same hyperparameters."""
    from xgboost import XGBRegressor

    h = dict(hyperparameters)
    return XGBRegressor(
        n_estimators=int(h.get("num_round", 100)),
        learning_rate=float(h.get("eta", 0.3)),
        max_depth=int(h.get("max_depth", 6)),
        subsample=float(h.get("subsample", 1.0)),
        colsample_bytree=float(h.get("colsample_bytree", 1.0)),
        min_child_weight=float(h.get("min_child_weight", 1.0)),
        random_state=int(h.get("seed", 0)),
        tree_method="hist",
        enable_categorical=True,
        n_jobs=1,
    )


def features(frame: Any) -> Any:
    X = frame.drop(columns=[TARGET, DATE])
    for column in CATEGORICAL:
        X[column] = X[column].astype("category")
    return X


def backtest(
    data: str,
    hyperparameters: dict[str, Any],
    folds: int = 3,
    horizon_days: int = 28,
    experiment: str | None = None,
) -> dict[str, Any]:
    """Rolling-origin backtest of the prepared table ``data`` (a Parquet file or
    folder). Returns ``mape`` and ``rmse`` (means over the folds, Floats) and ``report``
    (Json: each fold's window, rows, MAPE, RMSE and the seasonal-naive baseline's)."""
    import pandas as pd

    frame = read_table(data)
    frame[DATE] = pd.to_datetime(frame[DATE])
    last = frame[DATE].max()
    results = []
    for k in range(folds):
        start = last - pd.Timedelta(days=horizon_days * (folds - k) - 1)
        end = start + pd.Timedelta(days=horizon_days)
        train = frame[frame[DATE] < start]
        window = frame[(frame[DATE] >= start) & (frame[DATE] < end)]
        model = booster(hyperparameters).fit(features(train), train[TARGET])
        forecast = model.predict(features(window)).clip(min=0)
        actual = window[TARGET].to_numpy(dtype=float)
        naive = window["lag_7"].fillna(window["mean_7d"]).to_numpy(dtype=float)
        results.append(
            {
                "fold": k + 1,
                "train_until": (start - pd.Timedelta(days=1)).date().isoformat(),
                "window": f"{start.date().isoformat()} .. {(end - pd.Timedelta(days=1)).date()}",
                "train_rows": len(train),
                "rows": len(window),
                "mape": mape(actual, forecast),
                "rmse": rmse(actual, forecast),
                "naive_mape": mape(actual, naive),
                "naive_rmse": rmse(actual, naive),
            }
        )
    mean = {
        key: float(sum(r[key] for r in results) / len(results))
        for key in ("mape", "rmse", "naive_mape", "naive_rmse")
    }
    report = {"folds": results, "mean": mean, "horizon_days": horizon_days}
    with mls.start_run(experiment, name="backtest") as run:
        run.log_params({"folds": folds, "horizon_days": horizon_days, **hyperparameters})
        for r in results:
            k = r["fold"]
            run.log_metrics({f"fold{k}:mape": r["mape"], f"fold{k}:rmse": r["rmse"]})
            # the same figures as series over the folds (a chart in the run view)
            run.log_metrics({"backtest:mape": r["mape"], "backtest:rmse": r["rmse"]}, step=k)
        run.log_metrics({f"mean:{key}": value for key, value in mean.items()})
        run.log_dict(report, "backtest.json")
        run.log_text(report_markdown(report), "backtest.md")
    print(report_markdown(report))
    return {"mape": mean["mape"], "rmse": mean["rmse"], "report": report}


def report_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Rolling-origin backtest: {len(report['folds'])} folds of "
        f"{report['horizon_days']} days, one-day-ahead forecasts.",
        "",
        "| Fold | Trained until | Forecast window | Rows | MAPE | RMSE | Naive MAPE | Naive RMSE |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["folds"]:
        lines.append(
            f"| {r['fold']} | {r['train_until']} | {r['window']} | {r['rows']} | "
            f"{100 * r['mape']:.1f} % | {r['rmse']:.2f} | {100 * r['naive_mape']:.1f} % | "
            f"{r['naive_rmse']:.2f} |"
        )
    m = report["mean"]
    lines.append(
        f"| mean | | | | {100 * m['mape']:.1f} % | {m['rmse']:.2f} | "
        f"{100 * m['naive_mape']:.1f} % | {m['naive_rmse']:.2f} |"
    )
    return "\n".join(lines)
