"""The data recipe: a retailer's customer table (RFM-like features), generated with a
fixed seed so every launch sees the same data; nothing is downloaded.

Four kinds of customers hide in it — loyal high spenders, regular shoppers, bargain
hunters who buy often in small baskets and return a lot, and lapsed customers — each a
cloud of correlated features, plus noise: 3% of the values missing, a few extreme
spenders (data-entry slips), regions typed in mixed case and with stray spaces.

Writes ``folder/data/customers.csv`` (4,000 rows):

customer_id, region, recency_days, frequency, monetary, avg_basket, tenure_months,
online_share, return_rate, discount_share
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROWS = 4000
# name: (share, recency days, orders a year, avg basket, tenure months, online share,
#        return rate, discount share) — means; spreads below
SEGMENTS = {
    "loyal-high-spenders": (0.18, 12, 32, 95.0, 60, 0.55, 0.04, 0.10),
    "regulars": (0.37, 30, 12, 48.0, 30, 0.45, 0.06, 0.15),
    "bargain-hunters": (0.25, 20, 24, 18.0, 22, 0.80, 0.22, 0.70),
    "lapsed": (0.20, 260, 3, 62.0, 56, 0.12, 0.10, 0.38),
}
REGIONS = ["North", "South", "East", "West", "Central"]


def generate(folder: Path, *, seed: int = 0, rows: int = ROWS, **_: Any) -> None:
    rng = np.random.default_rng(seed)
    names = list(SEGMENTS)
    shares = np.array([SEGMENTS[n][0] for n in names])
    segment = rng.choice(len(names), size=rows, p=shares / shares.sum())
    means = np.array([SEGMENTS[n][1:] for n in names])[segment]
    recency = np.clip(means[:, 0] * rng.lognormal(0, 0.3, rows), 0, 730).round()
    frequency = np.clip(rng.normal(means[:, 1], means[:, 1] * 0.22), 1, None).round()
    basket = np.clip(rng.normal(means[:, 2], means[:, 2] * 0.18), 3, None).round(2)
    tenure = np.clip(rng.normal(means[:, 3], 8), 1, 180).round()
    online = np.clip(rng.normal(means[:, 4], 0.08), 0, 1).round(3)
    returns = np.clip(rng.normal(means[:, 5], 0.03), 0, 1).round(3)
    discount = np.clip(rng.normal(means[:, 6], 0.08), 0, 1).round(3)
    monetary = (frequency * basket * rng.normal(1.0, 0.06, rows)).round(2)
    region = rng.choice(REGIONS, size=rows)
    table = pd.DataFrame(
        {
            "customer_id": [f"C{100000 + i}" for i in range(rows)],
            "region": region,
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
            "avg_basket": basket,
            "tenure_months": tenure,
            "online_share": online,
            "return_rate": returns,
            "discount_share": discount,
        }
    )
    # noise: mixed-case regions with stray spaces, a few data-entry slips, missing values
    messy = rng.random(rows) < 0.1
    table.loc[messy, "region"] = [f" {r.lower()} " for r in table.loc[messy, "region"]]
    slips = rng.choice(rows, size=max(1, rows // 400), replace=False)
    table.loc[slips, "monetary"] = table.loc[slips, "monetary"] * 40
    for column in (
        "recency_days",
        "frequency",
        "avg_basket",
        "tenure_months",
        "online_share",
        "return_rate",
        "discount_share",
        "region",
    ):
        table.loc[rng.random(rows) < 0.03, column] = np.nan
    out = Path(folder) / "data"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "customers.csv", index=False)
