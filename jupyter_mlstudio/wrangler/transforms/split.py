"""Train/test splits (random, stratified, ordered) and class balancing by resampling."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field

from ..codegen import Names, col, lit
from .base import Params, Transform, column_param, of_kind, register

SPLIT_IMPORT = ("from sklearn.model_selection import train_test_split",)


class RandomSplitParams(Params):
    test_size: float = Field(0.2, gt=0, lt=1, description="Share of rows in the test set.")
    seed: int = 0


class _Split(Transform[Any]):
    group = "split"
    outputs = ("train", "test")
    imports = SPLIT_IMPORT

    def frame(self, p: Any, n: Names) -> str:
        """The frame to split (the input, or the input sorted)."""
        return n.inp

    def options(self, p: Any, n: Names) -> str:
        """``train_test_split``'s arguments after ``test_size``."""
        raise NotImplementedError

    def code(self, p: Any, n: Names) -> str:
        call = (
            f"train_test_split({self.frame(p, n)}, test_size={p.test_size!r}{self.options(p, n)})"
        )
        return f"{n.outputs['train']}, {n.outputs['test']} = {call}"


def _target(df: pd.DataFrame) -> str | None:
    for name in ("target", "churned", "species", "label"):
        if name in df.columns:
            return name
    few = [c for c in df.columns if c != "id" and 1 < df[c].nunique() <= 5]
    return str(few[-1]) if few else None


@register
class RandomSplit(_Split):
    name = "split_random"
    title = "Split: random"
    description = "Shuffle and split rows into train and test."
    params_model = RandomSplitParams

    def options(self, p: RandomSplitParams, n: Names) -> str:
        return f", random_state={p.seed}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return {"test_size": 0.25, "seed": 1}


class StratifiedSplitParams(Params):
    column: str = column_param(description="Class column whose proportions both sets keep.")
    test_size: float = Field(0.2, gt=0, lt=1)
    seed: int = 0


@register
class StratifiedSplit(_Split):
    name = "split_stratified"
    title = "Split: stratified"
    description = "Split so train and test keep the class proportions of a column."
    params_model = StratifiedSplitParams

    def options(self, p: StratifiedSplitParams, n: Names) -> str:
        return f", random_state={p.seed}, stratify={col(n.inp, p.column)}"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        target = _target(df)
        return {"column": target, "test_size": 0.3} if target else None


class OrderedSplitParams(Params):
    order_by: str | None = column_param(None, description="Sort by this column first (time).")
    test_size: float = Field(0.2, gt=0, lt=1)


@register
class OrderedSplit(_Split):
    name = "split_ordered"
    title = "Split: ordered"
    description = "The last rows (e.g. the most recent) become the test set; no shuffling."
    params_model = OrderedSplitParams

    def frame(self, p: OrderedSplitParams, n: Names) -> str:
        if p.order_by:
            return f'{n.inp}.sort_values({lit(p.order_by)}, kind="stable")'
        return n.inp

    def options(self, p: OrderedSplitParams, n: Names) -> str:
        return ", shuffle=False"

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        dates = of_kind(df, "datetime")
        return {"order_by": dates[0] if dates else None, "test_size": 0.2}


class BalanceParams(Params):
    column: str = column_param(description="The class column to balance.")
    seed: int = 0


class _Balance(Transform[BalanceParams]):
    """Resample each class to the size of the largest (with replacement) or the smallest."""

    group = "balance"
    params_model = BalanceParams
    size: str  # the class count every class is resampled to: "max" or "min"

    def code(self, p: BalanceParams, n: Names) -> str:
        size = f"{col(n.inp, p.column)}.value_counts().{self.size}()"
        replace = ", replace=True" if self.size == "max" else ""
        return (
            f"{n.out} = {n.inp}.groupby({lit(p.column)})"
            f".sample(n={size}{replace}, random_state={p.seed})"
        )

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        target = _target(df)
        return {"column": target, "seed": 2} if target else None


@register
class RandomOversample(_Balance):
    name = "random_oversample"
    size = "max"
    title = "Balance: random oversampling"
    description = (
        "Resample every class with replacement to the size of the largest class. Rows"
        " whose class is missing are left out."
    )


@register
class RandomUndersample(_Balance):
    name = "random_undersample"
    size = "min"
    title = "Balance: random undersampling"
    description = (
        "Keep as many rows of each class as the smallest class has. Rows whose class is"
        " missing are left out."
    )
