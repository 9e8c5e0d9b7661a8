"""Data recipe of the fraud-detection solution: card transactions, ~2 % fraudulent.

Generated offline with numpy (fixed seed) to the shape of a card issuer's authorisation
log: when and where (hour, channel, merchant category, country, distance from home),
how much (amount and its ratio to the customer's usual spend), who (customer age,
account age) and the risk signals an issuer has at authorisation time (transactions in
the last 24 hours, a new device, failed logins, an IP risk score for online payments).
Fraud is rare and not cleanly separable: it leans to online and foreign payments, night
hours, unusual amounts, new devices and young accounts, and a share of frauds look
ordinary (stolen card details used like the owner would), so recall has a price in
precision. Realistic mess: missing values (distance, customer age, device flags), the IP
score missing by design for card-present payments, category spellings that differ in
case, and a few refunds with negative amounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROWS = 15000
FRAUD_SHARE = 0.02
FILE = "transactions.csv"

CATEGORIES = {
    # category: (share of legitimate, share of fraud, median amount)
    "grocery": (0.26, 0.05, 38.0),
    "restaurants": (0.16, 0.04, 32.0),
    "fuel": (0.12, 0.05, 55.0),
    "online retail": (0.15, 0.24, 60.0),
    "electronics": (0.05, 0.22, 240.0),
    "travel": (0.05, 0.13, 420.0),
    "gaming": (0.04, 0.16, 25.0),
    "pharmacy": (0.08, 0.02, 22.0),
    "utilities": (0.09, 0.09, 90.0),
}
CHANNELS = ["chip", "contactless", "online", "swipe"]


def make_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fraud = rng.random(rows) < FRAUD_SHARE
    # a third of frauds imitate the owner: they get a legitimate profile below
    disguised = fraud & (rng.random(rows) < 0.3)
    risky = fraud & ~disguised
    n_risky = int(risky.sum())

    names = list(CATEGORIES)
    legit_p = np.array([v[0] for v in CATEGORIES.values()])
    fraud_p = np.array([v[1] for v in CATEGORIES.values()])
    category = rng.choice(names, rows, p=legit_p / legit_p.sum())
    category[risky] = rng.choice(names, n_risky, p=fraud_p / fraud_p.sum())
    median = np.array([CATEGORIES[c][2] for c in category])

    channel = rng.choice(CHANNELS, rows, p=[0.38, 0.32, 0.22, 0.08])
    online_first = np.isin(category, ["online retail", "gaming"])
    channel[online_first & (rng.random(rows) < 0.85)] = "online"
    channel[risky] = rng.choice(CHANNELS, n_risky, p=[0.08, 0.07, 0.72, 0.13])
    card_present = channel != "online"

    hour = rng.choice(24, rows, p=_daily_profile())
    hour[risky] = rng.choice(24, n_risky, p=_night_profile())
    customer_age = np.clip(rng.normal(44, 15, rows), 18, 92).round()
    account_age_days = rng.gamma(2.0, 700, rows).round()
    account_age_days[risky] = rng.gamma(1.2, 250, n_risky).round()
    usual_spend = median * rng.lognormal(0, 0.35, rows)
    amount = usual_spend * rng.lognormal(0, 0.6, rows)
    amount[risky] *= rng.lognormal(1.1, 0.8, n_risky)
    amount = amount.round(2)
    amount_vs_usual = (amount / usual_spend).round(3)
    foreign = rng.random(rows) < 0.04
    foreign[risky] = rng.random(n_risky) < 0.45
    distance = np.where(foreign, rng.gamma(2, 1500, rows), rng.gamma(1.3, 9, rows)).round(1)
    distance[risky & ~foreign] = rng.gamma(1.5, 140, int((risky & ~foreign).sum())).round(1)
    distance[~card_present] = np.nan  # no terminal location for online payments
    txn_24h = rng.poisson(2.2, rows)
    txn_24h[risky] = rng.poisson(6.0, n_risky)
    new_device = (~card_present) & (rng.random(rows) < 0.07)
    new_device[risky & ~card_present] = rng.random(int((risky & ~card_present).sum())) < 0.6
    failed_logins = rng.poisson(np.where(new_device, 0.6, 0.08))
    failed_logins[risky] += rng.poisson(0.9, n_risky)
    ip_risk = np.clip(rng.beta(1.5, 9, rows) + 0.35 * risky * rng.random(rows), 0, 1).round(3)
    ip_risk = np.where(card_present, np.nan, ip_risk)

    start = pd.Timestamp("2025-03-01")
    days = rng.integers(0, 90, rows)
    timestamp = (
        start
        + pd.to_timedelta(days, unit="D")
        + pd.to_timedelta(hour, unit="h")
        + pd.to_timedelta(rng.integers(0, 3600, rows), unit="s")
    )
    frame = pd.DataFrame(
        {
            "transaction_id": [f"T{10_000_000 + i}" for i in range(rows)],
            "timestamp": timestamp.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": amount,
            "merchant_category": category,
            "channel": channel,
            "foreign": np.where(foreign, "yes", "no"),
            "distance_from_home_km": distance,
            "customer_age": customer_age,
            "account_age_days": account_age_days,
            "amount_vs_usual": amount_vs_usual,
            "transactions_24h": txn_24h,
            "new_device": np.where(new_device, "yes", "no"),
            "failed_logins_24h": failed_logins,
            "ip_risk_score": ip_risk,
            "is_fraud": fraud.astype(int),
        }
    ).sort_values("timestamp", ignore_index=True)
    # the mess real exports have
    for column, share in (
        ("distance_from_home_km", 0.03),
        ("customer_age", 0.03),
        ("new_device", 0.02),
        ("account_age_days", 0.01),
    ):
        frame.loc[rng.random(rows) < share, column] = np.nan
    messy = rng.random(rows) < 0.05
    frame.loc[messy, "merchant_category"] = frame.loc[messy, "merchant_category"].str.title()
    refunds = (rng.random(rows) < 0.006) & (frame["is_fraud"] == 0).to_numpy()
    frame.loc[refunds, "amount"] = -frame.loc[refunds, "amount"]
    return frame


def _daily_profile() -> np.ndarray:
    """Legitimate spending by hour: low at night, peaks at lunch and early evening."""
    hours = np.arange(24)
    weights = 0.15 + np.exp(-((hours - 12.5) ** 2) / 8) + 1.2 * np.exp(-((hours - 18.5) ** 2) / 6)
    weights[hours < 6] *= 0.25
    return weights / weights.sum()


def _night_profile() -> np.ndarray:
    hours = np.arange(24)
    weights = 0.5 + 1.5 * ((hours < 5) | (hours >= 23))
    return weights / weights.sum()


def generate(folder: Path, *, seed: int = 0, rows: int = ROWS, **parameters: Any) -> None:
    """Write ``folder/data/transactions.csv`` (``rows`` transactions, ``seed`` fixed)."""
    target = Path(folder) / "data"
    target.mkdir(parents=True, exist_ok=True)
    make_frame(int(rows), int(seed)).to_csv(target / FILE, index=False)


if __name__ == "__main__":
    generate(Path.cwd())
