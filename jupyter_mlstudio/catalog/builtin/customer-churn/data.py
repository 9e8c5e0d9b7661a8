"""Data recipe: 5,000 telecom customers, generated offline with a fixed seed.

``generate(folder)`` writes ``data/churn.csv``: 18 columns (ids, dates, demographics,
plan, usage, billing, support contacts and the ``churned`` label), about 4% missing
values in four columns, inconsistent spelling of regions, a few extreme charges, and a
churn rate near 25% driven by contract, tenure, support calls, late payments and
satisfaction, with noise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def generate(folder: Path, *, seed: int = 0, rows: int = 5000, **parameters: Any) -> None:
    rng = np.random.default_rng(seed)
    n = int(rows)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], n, p=[0.55, 0.25, 0.20])
    plan = rng.choice(["basic", "standard", "premium"], n, p=[0.45, 0.35, 0.20])
    tenure = np.clip(rng.gamma(2.0, 14.0, n) + (contract != "month-to-month") * 12, 1, 72)
    tenure = tenure.round().astype(int)
    base_fee = pd.Series(plan).map({"basic": 25.0, "standard": 55.0, "premium": 90.0}).to_numpy()
    monthly = (base_fee + rng.normal(0, 8, n)).clip(10, None).round(2)
    # a few billing errors: extreme charges the prep flow clips
    monthly[rng.choice(n, 15, replace=False)] *= 8
    total = (monthly * tenure * rng.uniform(0.9, 1.05, n)).round(2)
    support_calls = rng.poisson(1.2 + (plan == "basic") * 0.6, n)
    late_payments = rng.poisson(0.4, n)
    satisfaction = np.clip(np.round(rng.normal(3.6, 1.0, n) - support_calls * 0.25), 1, 5)
    age = rng.integers(18, 85, n).astype(float)
    usage = rng.gamma(3.0, 4.0 + (plan == "premium") * 6.0, n).round(1)
    products = rng.integers(1, 5, n)
    payment = rng.choice(["card", "bank-transfer", "electronic-check", "mailed-check"], n)
    region_clean = rng.choice(["North", "South", "East", "West"], n, p=[0.3, 0.3, 0.2, 0.2])
    # the spelling varies as it does in exports from several systems
    noisy = rng.random(n)
    region = np.where(
        noisy < 0.08, np.char.lower(region_clean.astype(str)), region_clean.astype(object)
    )
    region = np.where((noisy > 0.08) & (noisy < 0.12), [f" {r} " for r in region], region)

    logit = (
        -1.3
        + 1.4 * (contract == "month-to-month")
        - 0.9 * (contract == "two-year")
        - 0.035 * tenure
        + 0.45 * support_calls
        + 0.5 * late_payments
        - 0.55 * (satisfaction - 3)
        + 0.012 * (monthly.clip(None, 150) - 50)
        + 0.35 * (payment == "electronic-check")
        - 0.15 * products
        + rng.normal(0, 0.6, n)
    )
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    signup = pd.Timestamp("2025-01-01") - pd.to_timedelta(tenure * 30, unit="D")
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{100000 + i}" for i in range(n)],
            "signup_date": signup.strftime("%Y-%m-%d"),
            "gender": rng.choice(["female", "male"], n),
            "age": age,
            "region": region,
            "plan": plan,
            "contract": contract,
            "payment_method": payment,
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "num_products": products,
            "data_usage_gb": usage,
            "support_calls": support_calls,
            "late_payments": late_payments,
            "satisfaction_score": satisfaction,
            "paperless_billing": rng.choice(["yes", "no"], n, p=[0.6, 0.4]),
            "churned": churned,
        }
    )
    for column in ("age", "data_usage_gb", "satisfaction_score", "payment_method"):
        frame.loc[rng.random(n) < 0.04, column] = np.nan
    out = Path(folder) / "data"
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "churn.csv", index=False)
