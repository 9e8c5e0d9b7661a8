"""The acceptance scenario's data: a training distribution and a shifted one."""

from __future__ import annotations

import numpy as np
import pandas as pd

SHIFTED = ("income", "balance", "tenure")  # the three features whose mean moves
NEW_CATEGORY_FEATURE = "plan"


def traffic(
    rows: int, seed: int, *, shifted: bool = False, new_category: bool = False
) -> pd.DataFrame:
    """Eight mixed features; ``shifted`` moves the mean of the :data:`SHIFTED` ones by
    about one standard deviation, ``new_category`` adds a plan never seen in training."""
    rng = np.random.default_rng(seed)
    shift = 1.0 if shifted else 0.0
    plan = rng.choice(["basic", "plus", "premium"], rows, p=[0.5, 0.3, 0.2]).astype(object)
    if new_category:
        plan[rng.random(rows) < 0.25] = "enterprise"
    return pd.DataFrame(
        {
            "income": rng.normal(50_000 + 15_000 * shift, 15_000, rows),
            "balance": rng.gamma(2.0, 1_000.0, rows) + 1_400 * shift,
            "tenure": rng.integers(0, 60, rows) + int(17 * shift),
            "age": rng.integers(18, 80, rows),
            "score": rng.normal(0.0, 1.0, rows),
            "calls": rng.poisson(3, rows),
            "plan": plan,
            "region": rng.choice(["north", "south", "east", "west"], rows),
        }
    )
