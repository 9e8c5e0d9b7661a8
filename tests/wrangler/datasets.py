"""Test datasets: scikit-learn's bundled ones plus synthetic mixed data with missing
values, rare categories, free text and dates (fixed seeds, small enough to be fast)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_iris, load_wine


def customers(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cities = np.array(["Paris", "Lyon", "Nantes", "Lille", "Brest", "Metz"])
    first = np.array(["Ana", "Ben", "Chloé", "Dev", "Eli", "Fay"])
    last = np.array(["Martin", "Bernard", "Dubois", "Durand", "Leroy"])
    signup = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), unit="D")
    last_seen = signup + pd.to_timedelta(rng.integers(0, 400 * 24, rows), unit="h")
    df = pd.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "age": rng.normal(41, 12, rows).round(0),
            "income": np.exp(rng.normal(10.3, 0.6, rows)).round(2),
            "visits": rng.poisson(4, rows),
            "city": cities[rng.choice(6, rows, p=[0.4, 0.25, 0.2, 0.1, 0.04, 0.01])],
            "plan": rng.choice(["basic", "plus", "pro"], rows),
            "name": [f" {last[i % 5]}, {first[i % 6]}. " for i in rng.integers(0, 30, rows)],
            "signup": signup.strftime("%Y-%m-%d"),
            "last_seen": last_seen.strftime("%Y-%m-%d %H:%M:%S"),
            "churned": rng.choice([0, 1], rows, p=[0.75, 0.25]),
        }
    )
    for column, share in (("age", 0.1), ("income", 0.05), ("city", 0.08), ("name", 0.03)):
        df.loc[rng.random(rows) < share, column] = np.nan
    return df


def _bundle(loader: Any, text_target: bool) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    df = bunch.frame.copy()
    df.columns = [str(c).replace(" (cm)", "").replace(" ", "_") for c in df.columns]
    if text_target:
        df["target"] = np.asarray(bunch.target_names)[df["target"]]
    df.insert(0, "id", np.arange(len(df)))
    return df


# name → (frame, read_csv options for the source)
def datasets() -> dict[str, tuple[pd.DataFrame, dict[str, Any]]]:
    return {
        "breast_cancer": (_bundle(load_breast_cancer, False), {}),
        "iris": (_bundle(load_iris, True), {}),
        "wine": (_bundle(load_wine, False), {}),
        "customers": (customers(), {"parse_dates": ["signup", "last_seen"]}),
        "customers_raw": (customers(120, seed=3), {}),
    }


def write_datasets(folder: Path) -> dict[str, tuple[Path, Path, dict[str, Any]]]:
    """Each dataset as a CSV plus a 'right' CSV (id + one column) for joins."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (frame, options) in datasets().items():
        main = folder / f"{name}.csv"
        frame.to_csv(main, index=False)
        right = folder / f"{name}_right.csv"
        other = frame.iloc[::3][["id", frame.columns[2]]].rename(
            columns={frame.columns[2]: "extra"}
        )
        other.to_csv(right, index=False)
        written[name] = (main, right, options)
    return written
