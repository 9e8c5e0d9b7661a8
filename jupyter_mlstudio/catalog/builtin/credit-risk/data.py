"""Data recipe of the credit-risk solution: loan applications with a default flag.

Generated offline with numpy (fixed seed) to the shape of a retail-lending table: who
applied (age, sex, family, employment, housing, region), what they asked for (amount,
term, purpose) and their bureau record (history length, open accounts, late payments,
utilisation, debt-to-income). Whether the loan defaulted comes from a logistic model of
the financial factors only — sex plays no part, age only through employment and
history — plus noise, so per-group metrics show what a model does to each group.
Realistic mess: ~4 % missing values in several columns, category spellings that differ
in case and spaces, a few extreme incomes and typos in amounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROWS = 4000
FILE = "credit.csv"


def make_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = np.clip(rng.gamma(3.2, 7.5, rows) + 18, 18, 85).round().astype(int)
    sex = rng.choice(["F", "M"], rows, p=[0.47, 0.53])
    marital = rng.choice(
        ["single", "married", "divorced", "widowed"], rows, p=[0.38, 0.47, 0.12, 0.03]
    )
    retired = (age >= 63) & (rng.random(rows) < 0.8)
    student = (age <= 24) & (rng.random(rows) < 0.35)
    employment = np.where(
        retired,
        "retired",
        np.where(
            student,
            "student",
            rng.choice(["salaried", "self-employed", "unemployed"], rows, p=[0.78, 0.15, 0.07]),
        ),
    )
    working = np.isin(employment, ["salaried", "self-employed"])
    employment_years = np.where(
        working, np.minimum(rng.exponential(6.0, rows), np.maximum(age - 18, 0)), 0.0
    ).round(1)
    base_income = {
        "salaried": 52000,
        "self-employed": 58000,
        "unemployed": 14000,
        "retired": 30000,
        "student": 11000,
    }
    income = np.array([base_income[e] for e in employment]) * rng.lognormal(0, 0.45, rows)
    income *= 1 + 0.012 * np.clip(employment_years, 0, 25)
    income = income.round(-2)
    home = rng.choice(["rent", "mortgage", "own"], rows, p=[0.42, 0.4, 0.18])
    region = rng.choice(
        ["north", "south", "east", "west", "capital"], rows, p=[0.2, 0.22, 0.18, 0.2, 0.2]
    )
    purpose = rng.choice(
        ["car", "home improvement", "debt consolidation", "education", "business", "other"],
        rows,
        p=[0.25, 0.18, 0.3, 0.07, 0.08, 0.12],
    )
    term = rng.choice([12, 24, 36, 48, 60], rows, p=[0.12, 0.25, 0.33, 0.15, 0.15])
    loan = (rng.lognormal(np.log(9000), 0.7, rows) * (1 + (purpose == "business"))).round(-1)
    history = np.maximum(0, (age - 18) * 12 * rng.beta(2.5, 1.5, rows)).round().astype(int)
    accounts = rng.poisson(3 + history / 120, rows)
    utilisation = np.clip(rng.beta(2, 3.5, rows) + 0.15 * (employment == "unemployed"), 0, 1)
    late = rng.poisson(0.25 + 1.4 * utilisation + 0.6 * (employment == "unemployed"), rows)
    monthly_debt = rng.gamma(2.0, 260, rows) + loan / term
    dti = np.clip(monthly_debt * 12 / np.maximum(income, 3000), 0, 3).round(3)
    savings = (income * rng.beta(1.2, 6, rows) * (1 + np.clip(age - 30, 0, 40) / 20)).round(-1)
    cosigner = rng.random(rows) < 0.08

    # the default risk: financial factors only (no sex; age only through the others)
    logit = (
        -1.75
        + 1.9 * (dti - 0.35)
        + 0.55 * late
        + 1.6 * (utilisation - 0.35)
        - 0.004 * (history - 120) / 1.2
        - 0.22 * np.log1p(savings / 1000)
        + 0.9 * (employment == "unemployed")
        + 0.35 * (employment == "student")
        + 0.25 * (employment == "self-employed")
        + 0.22 * (home == "rent")
        + 0.35 * (purpose == "business")
        - 0.15 * (purpose == "car")
        + 0.012 * (term - 36)
        - 0.6 * cosigner
        - 0.02 * np.clip(employment_years, 0, 20)
        + rng.normal(0, 0.6, rows)
    )
    default = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)

    frame = pd.DataFrame(
        {
            "applicant_id": [f"A{100000 + i}" for i in range(rows)],
            "application_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 540, rows), unit="D"),
            "age": age,
            "sex": sex,
            "marital_status": marital,
            "employment_type": employment,
            "employment_years": employment_years,
            "annual_income": income,
            "home_ownership": home,
            "region": region,
            "loan_purpose": purpose,
            "loan_amount": loan,
            "loan_term_months": term,
            "credit_history_months": history,
            "open_accounts": accounts,
            "late_payments_2y": late,
            "credit_utilization": utilisation.round(3),
            "debt_to_income": dti,
            "savings_balance": savings,
            "has_cosigner": np.where(cosigner, "yes", "no"),
            "default": default,
        }
    )
    frame["application_date"] = frame["application_date"].dt.strftime("%Y-%m-%d")
    # the mess real exports have
    for column, share in (
        ("employment_years", 0.05),
        ("annual_income", 0.04),
        ("credit_history_months", 0.03),
        ("savings_balance", 0.06),
        ("home_ownership", 0.02),
        ("marital_status", 0.03),
        ("credit_utilization", 0.02),
    ):
        frame.loc[rng.random(rows) < share, column] = np.nan
    for column in ("home_ownership", "loan_purpose", "employment_type"):
        messy = rng.random(rows) < 0.04
        frame.loc[messy, column] = (
            frame.loc[messy, column].astype("string").str.upper().str.pad(12, side="right")
        )
    extreme = rng.random(rows) < 0.004
    frame.loc[extreme, "annual_income"] = frame.loc[extreme, "annual_income"] * 40
    typo = rng.random(rows) < 0.003
    frame.loc[typo, "loan_amount"] = frame.loc[typo, "loan_amount"] * 100
    return frame


def generate(folder: Path, *, seed: int = 0, rows: int = ROWS, **parameters: Any) -> None:
    """Write ``folder/data/credit.csv`` (``rows`` applications, ``seed`` fixed)."""
    target = Path(folder) / "data"
    target.mkdir(parents=True, exist_ok=True)
    make_frame(int(rows), int(seed)).to_csv(target / FILE, index=False)


if __name__ == "__main__":
    generate(Path.cwd())
