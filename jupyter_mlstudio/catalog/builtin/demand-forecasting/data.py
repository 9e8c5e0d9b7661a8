"""Data recipe of the demand-forecasting solution: daily unit sales per store and item.

Generated offline with numpy (fixed seed) to the shape of a retailer's sales history:
3 stores x 4 items over 21 months. Sales follow each series' level with a slow trend,
a weekly pattern (weekends busier), a yearly season that differs by item (ice cream in
summer, soup in winter), price changes (demand falls when the price rises), promotions
(+30-60 %) and public holidays (some items up, stores quieter), with count noise.
Realistic gaps: each store is closed on Christmas Day and New Year's Day (no rows), ~2 %
of days are missing from the export at random, the promotion flag is missing on ~2 % of
rows and the price on ~1 %, and on a few days an item sold out early (a fraction of
the day's demand was sold).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FILE = "sales.csv"
START, END = "2024-01-01", "2025-09-30"
STORES = {"north": 1.0, "centre": 1.45, "harbour": 0.75}
ITEMS = {
    # item: (base units per day, base price, yearly amplitude, peak day of year, holiday lift)
    "bread": (60.0, 2.4, 0.05, 350, 1.25),
    "ice-cream": (28.0, 4.5, 0.55, 200, 1.10),
    "soup": (22.0, 3.2, 0.40, 20, 1.05),
    "coffee": (35.0, 7.9, 0.08, 330, 1.15),
}
HOLIDAYS = [
    "2024-01-01",
    "2024-03-29",
    "2024-04-01",
    "2024-05-01",
    "2024-05-09",
    "2024-05-20",
    "2024-12-25",
    "2024-12-26",
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-01",
    "2025-05-29",
    "2025-06-09",
    "2025-08-15",
]


def make_frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, END, freq="D")
    t = np.arange(len(dates))
    doy = dates.dayofyear.to_numpy()
    dow = dates.dayofweek.to_numpy()
    weekly = np.array([0.88, 0.85, 0.9, 0.95, 1.08, 1.28, 1.06])[dow]
    holiday = dates.isin(pd.to_datetime(HOLIDAYS))
    frames = []
    for store, size in STORES.items():
        for item, (base, price0, amplitude, peak, holiday_lift) in ITEMS.items():
            trend = 1 + rng.normal(0.12, 0.05) * t / 365
            season = 1 + amplitude * np.cos(2 * np.pi * (doy - peak) / 365.25)
            # price: a few list-price changes, noise of a few cents
            changes = (rng.random(len(t)) < 1 / 120) * rng.choice([-1, 1], len(t))
            level = np.clip(np.cumsum(changes), -3, 3)
            price = price0 * (1 + 0.04 * level) + rng.normal(0, 0.03, len(t))
            elasticity = (price / price0) ** -1.4
            promo = np.zeros(len(t), dtype=bool)
            for s in rng.choice(len(t) - 7, size=len(t) // 45, replace=False):
                promo[s : s + rng.integers(3, 8)] = True
            lift = np.where(promo, rng.uniform(1.3, 1.6), 1.0)
            holidays = np.where(holiday, holiday_lift * 0.8, 1.0)
            mean = base * size * trend * weekly * season * elasticity * lift * holidays
            units = rng.negative_binomial(50, 50 / (50 + mean))
            # sold out in the afternoon: a share of the day's demand
            stockout = rng.random(len(t)) < 0.006
            units[stockout] = (units[stockout] * rng.uniform(0.3, 0.6, stockout.sum())).astype(int)
            frames.append(
                pd.DataFrame(
                    {
                        "date": dates.strftime("%Y-%m-%d"),
                        "store": store,
                        "item": item,
                        "price": price.round(2),
                        "on_promotion": promo.astype(float),
                        "is_holiday": holiday.astype(int),
                        "units_sold": units,
                    }
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    closed = frame["date"].str.endswith(("-12-25", "-01-01"))
    missing_day = rng.random(len(frame)) < 0.02
    frame = frame[~closed & ~missing_day].reset_index(drop=True)
    frame.loc[rng.random(len(frame)) < 0.02, "on_promotion"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.01, "price"] = np.nan
    return frame.sort_values(["date", "store", "item"], ignore_index=True)


def generate(folder: Path, *, seed: int = 0, **parameters: Any) -> None:
    """Write ``folder/data/sales.csv`` (``seed`` fixed)."""
    target = Path(folder) / "data"
    target.mkdir(parents=True, exist_ok=True)
    make_frame(int(seed)).to_csv(target / FILE, index=False)


if __name__ == "__main__":
    generate(Path.cwd())
