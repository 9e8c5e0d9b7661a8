"""XGBoost and LightGBM built-ins trained across a Dask cluster (``instance_count > 1``).

The data is read by the workers as partitions (``dask.dataframe`` on the channel's own
path or URL) and never gathered on one machine: the preprocessing (imputation, one-hot
encoding) is fitted on the first partition and applied partition by partition, the
booster trains through the library's Dask interface (``xgboost.dask``,
``lightgbm.DaskLGBM*``) on every worker, and what comes back is a booster — saved in
the same pipeline and model folder as a single-host built-in, so it registers, deploys
and is tuned the same way. The validation rows are scored on the workers; only labels,
predictions and probabilities come back for the single-host metric code.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError
from ..registry.format import MODEL_FILE
from .algorithms import get_algorithm, parse_hyperparameters
from .builtin import (
    Log,
    Progress,
    TrainingResult,
    _evaluate,
    _log_warnings,
    _preprocessor,
    _save,
    _select_features,
    check_excluded,
)

_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_partitioned(path: str, partitions: int) -> Any:
    """A ``dask.dataframe`` over a CSV/TSV/Parquet file or a folder of them, with at
    least ``partitions`` partitions (one per worker or more)."""
    import dask.dataframe as dd

    local = Path(path.removeprefix("file://"))
    files = sorted(f for f in local.rglob("*") if f.is_file()) if local.is_dir() else [local]
    files = [f for f in files if f.suffix.lower() in _SUFFIXES and not f.name.startswith(".")]
    if not files:
        raise InvalidArgumentError(f"no CSV, TSV or Parquet files in {path}")
    kinds = {_SUFFIXES[f.suffix.lower()] for f in files}
    if len(kinds) > 1:
        raise InvalidArgumentError(f"{path} mixes CSV and Parquet files")
    names = [str(f) for f in files]
    if kinds == {"parquet"}:
        frame = dd.read_parquet(names)
    else:
        sep = "\t" if files[0].suffix.lower() == ".tsv" else ","
        total = sum(f.stat().st_size for f in files)
        frame = dd.read_csv(names, sep=sep, blocksize=max(1 << 20, total // (2 * partitions) + 1))
    if frame.npartitions < partitions:
        frame = frame.repartition(npartitions=partitions)
    return frame


class _Scored:
    """Predictions made on the workers, in the shape the metric code asks a model for."""

    def __init__(self, scored: pd.DataFrame, classes: np.ndarray | None) -> None:
        self._scored = scored
        if classes is not None:
            self.classes_ = classes

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self._scored["predicted"].to_numpy())

    def predict_proba(self, X: Any) -> np.ndarray:
        columns = [c for c in self._scored.columns if c.startswith("p") and c[1:].isdigit()]
        return np.asarray(self._scored[columns].to_numpy())


def _dask_estimator(local: Any, client: Any) -> Any:
    """The Dask counterpart of a built-in booster, with the same parameters."""
    module = type(local).__module__.partition(".")[0]
    params = dict(local.get_params())
    if module == "xgboost":
        import xgboost.dask as dxgb

        cls = dxgb.DaskXGBClassifier if type(local).__name__ == "XGBClassifier" else None
        cls = cls or dxgb.DaskXGBRegressor
        params.pop("n_jobs", None)
        model = cls(**params)
        model.client = client
        return model
    import lightgbm

    cls = (
        lightgbm.DaskLGBMClassifier
        if type(local).__name__ == "LGBMClassifier"
        else lightgbm.DaskLGBMRegressor
    )
    params.pop("n_jobs", None)
    return cls(client=client, **params)


def _local_model(dask_model: Any, local: Any) -> Any:
    """The trained booster as the single-host estimator the model folder keeps."""
    if type(local).__module__.startswith("xgboost"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "booster.json"
            dask_model.save_model(path)
            fitted = type(local)(**local.get_params())
            fitted.load_model(path)
        return fitted
    return dask_model.to_local()


def train_boosting_distributed(
    algorithm: str,
    hyperparameters: Mapping[str, Any],
    channels: Mapping[str, str],
    target: str | None,
    model_dir: Path,
    *,
    client: Any,
    instance_count: int,
    validation_fraction: float = 0.2,
    random_state: int = 0,
    exclude_columns: Sequence[str] = (),
    progress: Progress | None = None,
    log: Log = print,
) -> TrainingResult:
    """Train the boosting built-in ``algorithm`` on the cluster behind ``client``."""
    from sklearn.pipeline import Pipeline

    from .boosting import best_round, feature_importance, round_history
    from .label_encoding import LabelEncodedClassifier

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    algo = get_algorithm(algorithm)
    if not algo.boosting:
        raise InvalidArgumentError(f"{algo.name} does not train distributed")
    params = parse_hyperparameters(algo, hyperparameters)
    if target is None:
        raise InvalidArgumentError(f"{algo.name} needs a target column")
    if "train" not in channels:
        raise InvalidArgumentError("channel 'train' is required")
    workers = len(client.scheduler_info()["workers"])
    log(f"distributed training on {workers} Dask worker(s) (instance_count={instance_count})")

    report(0.0, "reading data as partitions")
    train = read_partitioned(channels["train"], instance_count)
    if target not in train.columns:
        raise InvalidArgumentError(
            f"target column {target!r} is not in the training data; columns are: "
            f"{', '.join(map(str, train.columns))}"
        )
    check_excluded(exclude_columns, list(train.columns), target)
    train = train.dropna(subset=[target])
    if channels.get("validation"):
        validation = read_partitioned(channels["validation"], instance_count).dropna(
            subset=[target]
        )
    else:
        train, validation = train.random_split(
            [1 - validation_fraction, validation_fraction], random_state=random_state
        )
        log(f"no validation channel: {validation_fraction:.0%} of the rows split off at random")

    # read once: every later step works on the workers' copies
    train, validation = client.persist([train, validation])
    # features and preprocessing from the first partition; applied to every partition
    sample = train.get_partition(0).compute()
    log(f"preprocessing fitted on the first partition ({len(sample)} rows)")
    features = _select_features(sample.drop(columns=[target]), log, exclude_columns)
    columns = features.columns
    preprocess = _preprocessor(features, algo.scale_numeric, True).fit(sample[columns])
    names = [str(n) for n in preprocess.get_feature_names_out()]
    # float32: what the boosters keep in their matrices anyway; half the memory the
    # persisted partitions hold and the workers copy into the library
    meta = pd.DataFrame({n: pd.Series(dtype="float32") for n in names})

    def transform(part: pd.DataFrame) -> pd.DataFrame:
        values = np.asarray(preprocess.transform(part[columns]), dtype=np.float32)
        return pd.DataFrame(values, columns=names, index=part.index)

    classification = algo.task == "classification"
    classes: np.ndarray | None = None
    if classification:
        # each partition's distinct labels, merged here: ``unique()`` would shuffle the
        # column across the workers for what is a handful of values
        distinct = train[target].map_partitions(lambda part: part.drop_duplicates())
        classes = np.sort(distinct.compute().unique())
        if len(classes) < 2:
            raise InvalidArgumentError(f"target column {target!r} has a single class")
        log(f"{len(classes)} classes: {', '.join(map(str, classes[:10]))}")
    codes = {value: code for code, value in enumerate(classes)} if classes is not None else None

    def labels(frame: Any) -> Any:
        y = frame[target]
        if codes is None:
            return y.astype("float64")
        # numpy integers: LightGBM refuses Arrow-backed columns
        return y.map_partitions(
            lambda part: pd.Series(part.map(codes).to_numpy(dtype=np.int64), index=part.index),
            meta=(target, np.int64),
        )

    X_train, y_train = train.map_partitions(transform, meta=meta), labels(train)
    X_val, y_val = validation.map_partitions(transform, meta=meta), labels(validation)
    X_train, y_train, X_val, y_val = client.persist([X_train, y_train, X_val, y_val])

    local = algo.build(params)
    booster = local.estimator if isinstance(local, LabelEncodedClassifier) else local
    if classes is not None and len(classes) > 2 and type(booster).__module__.startswith("xgb"):
        if str(booster.get_params().get("objective", "")).startswith("binary:"):
            booster.set_params(objective="multi:softprob")
        if booster.get_params().get("eval_metric") in ("logloss", "error"):
            metric = booster.get_params()["eval_metric"]
            booster.set_params(eval_metric={"logloss": "mlogloss", "error": "merror"}[metric])
    model = _dask_estimator(booster, client)
    report(0.2, "fitting on the cluster")
    log(f"fitting {algo.name} across the cluster")
    eval_set = [(X_train, y_train), (X_val, y_val)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if type(booster).__module__.startswith("xgboost"):
                model.fit(X_train, y_train, eval_set=eval_set, verbose=False)
            else:
                if getattr(params, "early_stopping_rounds", None):
                    log("note: LightGBM on Dask has no early stopping; training every round")
                model.fit(
                    X_train, y_train, eval_set=eval_set, eval_names=["training", "validation"]
                )
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"{algo.name} could not be trained: {exc}") from exc
    _log_warnings(caught, log)
    history = round_history(model)
    rounds = max((len(v) for v in history.values()), default=0)
    for i in range(rounds):
        cells = [f"{k.replace(':', '-')}:{v[i]:.5f}" for k, v in history.items() if i < len(v)]
        log("\t".join([f"[{i}]", *cells]))
    best = best_round(model) if getattr(params, "early_stopping_rounds", None) else None
    if best is not None and best < rounds - 1:
        log(f"early stopping: the model keeps rounds 0..{best} of {rounds}")

    fitted = _local_model(model, booster)
    if classes is not None:
        estimator: Any = LabelEncodedClassifier(booster)
        estimator.classes_ = classes
        estimator.estimator_ = fitted
    else:
        estimator = fitted
    pipeline = Pipeline([("preprocess", preprocess), ("model", estimator)])
    importance = feature_importance(fitted, names)

    report(0.7, "evaluating")

    # score the validation rows where they are; only labels and predictions come back
    def score(part: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame({"y": part[target].to_numpy()})
        out["predicted"] = pipeline.predict(part[columns])
        if classes is not None:
            proba = pipeline.predict_proba(part[columns])
            for index in range(proba.shape[1]):
                out[f"p{index}"] = proba[:, index]
        return out

    scored = validation.map_partitions(score, meta=score(sample.head(2))).compute()
    metrics = _evaluate(
        algo,
        _Scored(scored, classes),
        None,
        scored["y"],
        random_state,
        log,
    )
    train_rows = int(X_train.map_partitions(len).compute().sum())
    metrics = {"train_rows": train_rows, "validation_rows": len(scored), **metrics}
    for name, value in metrics.items():
        log(f"{name} = {value:.6g}" if isinstance(value, float) else f"{name} = {value}")

    report(0.9, "saving")
    model_dir = Path(model_dir)
    metadata = _save(
        pipeline,
        model_dir,
        algo=algo,
        params=params.model_dump(mode="json", by_alias=True),
        target=target,
        X=sample[columns],
        y=sample[target],
        features=features,
        metrics=metrics,
        importance=importance,
    )
    log(f"saved the model to {model_dir / MODEL_FILE}")
    report(1.0, "done")
    return TrainingResult(
        metrics=metrics,
        model_dir=model_dir,
        metadata=metadata,
        dropped_columns=dict(features.dropped),
        history=history,
    )
