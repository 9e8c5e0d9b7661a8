"""A fitted scikit-learn Pipeline equivalent to a flow of fittable steps.

Each step becomes a ColumnTransformer that applies the step's estimator to its columns
and passes the rest through; a last ColumnTransformer selects the flow's output columns
in the flow's order (which also drops the ``<col>_nan`` column OneHotEncoder adds for
missing values, matching ``get_dummies``). Everything is plain scikit-learn, so
``skops`` can save and load it without trusting any custom type.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..errors import InvalidArgumentError
from .document import FlowDocument


def unsupported_steps(doc: FlowDocument) -> list[str]:
    """The steps (``"id (transform)"``) that keep the flow from being a fitted Pipeline:
    no scikit-learn equivalent, or not a single chain from the one source."""
    from .transforms import get_transform

    unsupported: list[str] = []
    previous = doc.sources[0].id if len(doc.sources) == 1 else None
    for step in doc.order():
        transform = get_transform(step.transform)
        params = transform.parse(step.params)
        columns = [c for _, c, _ in transform.column_refs(params)]
        estimator = transform.sklearn(params, columns)
        if estimator is None or step.inputs != [previous] or len(transform.outputs) != 1:
            unsupported.append(f"{step.id} ({step.transform})")
            continue
        previous = step.id
    return unsupported


def build_pipeline(doc: FlowDocument, fit_data: pd.DataFrame, output_columns: list[str]) -> Any:
    """An unfitted-then-fitted Pipeline for a single-source chain of fittable steps."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    from .transforms import get_transform

    if len(doc.sources) != 1:
        raise InvalidArgumentError("to_sklearn() needs a flow with exactly one source")
    if not doc.steps:
        raise InvalidArgumentError("to_sklearn() needs at least one step")
    unsupported = unsupported_steps(doc)
    if unsupported:
        raise InvalidArgumentError(
            "to_sklearn() needs a chain of fittable steps (impute, encode, scale, drop);"
            f" these are not: {', '.join(unsupported)}"
        )
    stages: list[tuple[str, Any]] = []
    for step in doc.order():
        transform = get_transform(step.transform)
        params = transform.parse(step.params)
        columns = [c for _, c, _ in transform.column_refs(params)]
        estimator = transform.sklearn(params, columns)
        _keep_empty(estimator)
        stage = ColumnTransformer(
            [(step.id, estimator, columns)],
            remainder="passthrough",
            verbose_feature_names_out=False,
        )
        stages.append((step.id, stage))
    select = ColumnTransformer(
        [("output", "passthrough", output_columns)],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    pipeline = Pipeline([*stages, ("select", select)])
    pipeline.set_output(transform="pandas")
    return pipeline.fit(fit_data)


def _keep_empty(estimator: Any) -> None:
    # an imputer drops all-missing columns by default; the flow keeps them
    if hasattr(estimator, "keep_empty_features"):
        estimator.set_params(keep_empty_features=True)


def save_pipeline(pipeline: Any, path: str | os.PathLike[str]) -> None:
    import skops.io as sio

    sio.dump(pipeline, os.fspath(path))
