"""Model registry: jupyter-mlstudio against MLflow's model registry on SQLite.

Both sides run in this one process, on the same machine, each on a fresh SQLite file in
a temporary folder (artifacts in that folder too), with the same models:

- setup: one experiment and ``--runs`` runs, each logging a param, a metric and a small
  fitted scikit-learn model (``LogisticRegression`` on iris, a different ``C`` per run).
  Ours is ``run.log_model(estimator, X=X)`` (skops + metadata.json under ``model/``);
  MLflow's is ``mlflow.sklearn.log_model(estimator, name="model", input_example=...)``
  (skops too, MLflow's default outside Databricks) with ``pip_requirements`` given, so
  that MLflow does not infer them: its inference runs a subprocess per model (about 5 s
  each here); ``--mlflow-infer-requirements`` keeps MLflow's default. Timed and shown,
  without a target;
- register a version: ``mls.register(run_id, "bench-model")`` (copies and hashes the
  run's model folder, allocates the next version number) against
  ``mlflow.register_model(f"runs:/{run_id}/model", "bench-model")``, what MLflow users
  call; once per run, median and p90 over the ``--runs`` registrations;
- resolve an alias: ``mls.set_alias(...)`` once, then ``mls.get_model_version(name,
  alias="champion")`` against ``MlflowClient.set_registered_model_alias`` and
  ``MlflowClient.get_model_version_by_alias``; median of ``--resolves`` calls;
- load the champion model: ``mls.load_model(name, alias="champion")`` against
  ``mlflow.sklearn.load_model("models:/bench-model@champion")``; median of ``--loads``
  calls, shown without a target. Both loaded models predict the same (checked).

The two sides take turns (run after run, call after call) so that both see the same
machine load; the exit status is 1 when a target is missed (ours no slower than MLflow
on registering and resolving). MLflow's telemetry is switched off
(``MLFLOW_DISABLE_TELEMETRY``) unless the environment already sets it.

MLflow is only needed here, not by the package. Both sides run in one process, so it
needs a Python with MLflow *and* jupyter_mlstudio's dependencies: by default the
benchmark makes ``/tmp/mlflow-bench-venv`` on first use (``benchmarks/peer_venv.py``:
the pinned MLflow, and the project's dependencies at ``.venv``'s versions; a few
minutes, once) and runs itself again there with this checkout on ``PYTHONPATH``.
``--mlflow-python PATH`` names another such Python (its own path: run in this one).

    .venv/bin/python benchmarks/registry.py            # the acceptance sizes (a minute)
    .venv/bin/python benchmarks/registry.py --mlflow-infer-requirements  # (minutes)
    .venv/bin/python benchmarks/registry.py --quick    # a smoke run (seconds)
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import peer_venv  # benchmarks/, beside this script
import sklearn
import sqlalchemy

import jupyter_mlstudio as mls

MODEL = "bench-model"
WARM_UP_MODEL = "bench-warm-up"
ALIAS = "champion"
EXPERIMENT = "registry-bench"


def models(count: int) -> tuple[Any, list[tuple[float, Any, float]]]:
    """The iris features (a DataFrame) and ``count`` fitted models: (C, model, accuracy)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    fitted = []
    for i in range(count):
        c = 0.05 * (i + 1)
        model = LogisticRegression(C=c, max_iter=500).fit(X, y)
        fitted.append((c, model, float(model.score(X, y))))
    return X, fitted


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else 0.0


class Ours:
    name = "mlstudio"

    def __init__(self, home: Path) -> None:
        self.studio = mls.configure(home=home)

    def log_run(self, i: int, c: float, model: Any, accuracy: float, X: Any) -> str:
        with mls.start_run(EXPERIMENT, name=f"run-{i}") as run:
            run.log_param("C", c)
            run.log_metric("accuracy", accuracy)
            run.log_model(model, X=X)
        return run.id

    def register(self, run_id: str, name: str) -> int:
        return mls.register(run_id, name).version

    def set_alias(self, version: int) -> None:
        mls.set_alias(MODEL, ALIAS, version)

    def resolve(self) -> int:
        return mls.get_model_version(MODEL, alias=ALIAS).version

    def load(self) -> Any:
        return mls.load_model(MODEL, alias=ALIAS)

    def close(self) -> None:
        self.studio.close()


class Theirs:
    name = "MLflow"

    def __init__(self, mlflow: Any, folder: Path, infer_requirements: bool = False) -> None:
        import skops
        from mlflow.tracking import MlflowClient
        from mlflow.utils.logging_utils import disable_logging

        self.mlflow, self.disable_logging = mlflow, disable_logging
        self.pip_requirements = (
            None
            if infer_requirements
            else [f"scikit-learn=={sklearn.__version__}", f"skops=={skops.__version__}"]
        )
        uri = f"sqlite:///{folder / 'mlflow.db'}"
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        self.experiment_id = str(
            self.client.create_experiment(
                EXPERIMENT, artifact_location=(folder / "mlflow-artifacts").as_uri()
            )
        )

    def log_run(self, i: int, c: float, model: Any, accuracy: float, X: Any) -> str:
        mlflow = self.mlflow
        with mlflow.start_run(experiment_id=self.experiment_id, run_name=f"run-{i}") as run:
            mlflow.log_param("C", c)
            mlflow.log_metric("accuracy", accuracy)
            mlflow.sklearn.log_model(
                model,
                name="model",
                input_example=X.head(5),
                pip_requirements=self.pip_requirements,
            )
        return str(run.info.run_id)

    def register(self, run_id: str, name: str) -> int:
        # register_model prints "Created version ..." on stderr every call; log_model turns
        # MLflow's event stream back on, so switch it off here (an attribute set)
        self.disable_logging()
        return int(self.mlflow.register_model(f"runs:/{run_id}/model", name).version)

    def set_alias(self, version: int) -> None:
        self.client.set_registered_model_alias(MODEL, ALIAS, str(version))

    def resolve(self) -> int:
        return int(self.client.get_model_version_by_alias(MODEL, ALIAS).version)

    def load(self) -> Any:
        return self.mlflow.sklearn.load_model(f"models:/{MODEL}@{ALIAS}")


def measure(sides: list[Any], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every measurement, the two sides taking turns so both see the same machine load."""
    out: dict[str, dict[str, Any]] = {side.name: {} for side in sides}
    times: dict[str, list[float]] = {side.name: [] for side in sides}
    run_ids: dict[str, list[str]] = {side.name: [] for side in sides}
    X, fitted = models(args.runs)
    for i, (c, model, accuracy) in enumerate(fitted):
        for side in sides:
            seconds, run_id = timed(partial(side.log_run, i, c, model, accuracy, X))
            times[side.name].append(seconds)
            run_ids[side.name].append(run_id)
    for side in sides:
        out[side.name]["log_run_s"] = statistics.median(times[side.name])
    print(f"{args.runs} runs with a model logged per side", flush=True)

    for side in sides:  # warm-up: first-call imports and caches, on another model
        side.register(run_ids[side.name][0], WARM_UP_MODEL)
    times = {side.name: [] for side in sides}
    for i in range(args.runs):
        for side in sides:
            seconds, version = timed(partial(side.register, run_ids[side.name][i], MODEL))
            times[side.name].append(seconds)
            if version != i + 1:
                raise AssertionError(f"{side.name} registered version {version}, not {i + 1}")
    for side in sides:
        out[side.name]["register_s"] = statistics.median(times[side.name])
        out[side.name]["register_p90_s"] = p90(times[side.name])
    print(f"{args.runs} versions registered per side", flush=True)

    champion = (args.runs + 1) // 2
    for side in sides:
        side.set_alias(champion)
        for _ in range(5):  # warm-up
            side.resolve()
    times = {side.name: [] for side in sides}
    for _ in range(args.resolves):
        for side in sides:
            seconds, version = timed(side.resolve)
            times[side.name].append(seconds)
            if version != champion:
                raise AssertionError(f"{side.name} resolved {ALIAS} to {version}, not {champion}")
    for side in sides:
        out[side.name]["resolve_s"] = statistics.median(times[side.name])
        out[side.name]["resolve_p90_s"] = p90(times[side.name])
    print(f"{args.resolves} alias resolutions per side", flush=True)

    loaded: dict[str, Any] = {side.name: side.load() for side in sides}  # also a warm-up
    times = {side.name: [] for side in sides}
    for _ in range(args.loads):
        for side in sides:
            seconds, loaded[side.name] = timed(side.load)
            times[side.name].append(seconds)
    predictions = [tuple(loaded[side.name].predict(X)) for side in sides]
    expected = tuple(fitted[champion - 1][1].predict(X))
    if any(p != expected for p in predictions):
        print("WARNING: the loaded champion models do not predict like the registered one.")
    for side in sides:
        out[side.name]["load_s"] = statistics.median(times[side.name])
    print(f"{args.loads} champion loads per side", flush=True)
    return out


# -- report ------------------------------------------------------------------------------
def report(ours: dict[str, Any], theirs: dict[str, Any], args: argparse.Namespace) -> bool:
    rows: list[tuple[str, str, str, str, str, str]] = []
    ok = True

    graded = not args.quick  # the targets are for the full sizes

    def add(name: str, key: str, target: float | None) -> None:
        nonlocal ok
        a, b = ours[key], theirs[key]
        ratio = b / a
        passed = None if target is None else ratio >= target
        label = "" if target is None else f">= {target:g}x"
        if not graded and label:
            label, passed = f"({label})", None
        ok = ok and passed is not False
        verdict = "" if passed is None else ("pass" if passed else "FAIL")
        rows.append(
            (name, f"{a * 1000:,.2f}", f"{b * 1000:,.2f}", f"{ratio:,.1f}x", label, verdict)
        )

    add(f"register a version, median of {args.runs}", "register_s", 1.0)
    add(f"register a version, p90 of {args.runs}", "register_p90_s", None)
    add(f"resolve an alias, median of {args.resolves}", "resolve_s", 1.0)
    add(f"resolve an alias, p90 of {args.resolves}", "resolve_p90_s", None)
    add(f"load the champion model, median of {args.loads}", "load_s", None)
    setup = "MLflow inferring pip requirements" if args.mlflow_infer_requirements else ""
    add(f"setup: a run with a logged model, median of {args.runs}", "log_run_s", None)

    header = ("operation", "mlstudio (ms)", "MLflow (ms)", "ratio", "target", "")
    peer_venv.print_table(header, rows)
    print("ratio = MLflow's time / mlstudio's time: > 1 means mlstudio is faster.")
    print(
        f"setup: {setup or 'MLflow given pip_requirements (no inference subprocess)'}; "
        "ours records library versions in metadata.json."
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = peer_venv.benchmark_parser(__doc__)
    parser.add_argument("--runs", type=int, default=50, help="runs, hence versions, per side")
    parser.add_argument("--resolves", type=int, default=500, help="alias resolutions per side")
    parser.add_argument("--loads", type=int, default=20, help="champion loads per side")
    parser.add_argument(
        "--mlflow-infer-requirements",
        action="store_true",
        help="let MLflow infer each model's pip requirements (its default; ~5 s per model)",
    )
    args, mlflow = peer_venv.start_mlflow_benchmark(parser, argv)
    if args.quick:
        args.runs, args.resolves, args.loads = 6, 50, 3
    import skops

    peer_venv.print_machine(
        f"mlflow {mlflow.__version__}",
        f"scikit-learn {sklearn.__version__}",
        f"skops {skops.__version__}",
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
    )
    with tempfile.TemporaryDirectory(prefix="mlstudio-bench-") as tmp:
        ours, theirs = (
            Ours(Path(tmp) / "mlstudio"),
            Theirs(mlflow, Path(tmp), args.mlflow_infer_requirements),
        )
        try:
            results = measure([ours, theirs], args)
        finally:
            ours.close()
    ok = report(results[Ours.name], results[Theirs.name], args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
