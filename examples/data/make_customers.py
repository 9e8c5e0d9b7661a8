"""Writes customers.csv: synthetic subscription customers for the example flows.

Mixed types on purpose: numbers with missing values and a skewed income, categories
with rare values, messy free text and two dates, and a churn label that depends on
them. Fixed seed, so the file is the same every time: python make_customers.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def make_customers(rows: int = 2000, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cities = np.array(["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Brest"])
    plans = np.array(["basic", "plus", "pro"])
    first = np.array(["Ana", "Ben", "Chloé", "Dev", "Eli", "Fay", "Gus", "Hana"])
    last = np.array(["Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau"])
    age = rng.normal(41, 13, rows).clip(16, 90).round()
    income = np.exp(rng.normal(10.4, 0.55, rows)).round(2)
    plan = plans[rng.choice(3, rows, p=[0.55, 0.3, 0.15])]
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1200, rows), unit="D")
    idle = rng.exponential(30 * 24, rows)
    last_seen = signup + pd.to_timedelta(rng.integers(0, 300 * 24, rows) + idle, unit="h")
    visits = rng.poisson(np.where(plan == "pro", 9, 4))
    tickets = rng.poisson(0.6, rows)
    risk = -1.2 + 0.004 * idle / 24 + 0.35 * tickets - 0.08 * visits - 0.5 * (plan == "pro")
    churned = (rng.random(rows) < 1 / (1 + np.exp(-risk))).astype(int)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(10_001, 10_001 + rows),
            "name": [f"  {last[i % 6]}, {first[i % 8]} " for i in rng.integers(0, 48, rows)],
            "age": age,
            "income": income,
            "city": cities[rng.choice(7, rows, p=[0.35, 0.2, 0.15, 0.12, 0.1, 0.05, 0.03])],
            "plan": plan,
            "signup_date": signup.strftime("%Y-%m-%d"),
            "last_seen": last_seen.strftime("%Y-%m-%d %H:%M"),
            "monthly_visits": visits,
            "support_tickets": tickets,
            "churned": churned,
        }
    )
    for column, share in (("age", 0.07), ("income", 0.1), ("city", 0.05), ("name", 0.02)):
        frame.loc[rng.random(rows) < share, column] = np.nan
    return frame


if __name__ == "__main__":
    make_customers().to_csv(Path(__file__).with_name("customers.csv"), index=False)
