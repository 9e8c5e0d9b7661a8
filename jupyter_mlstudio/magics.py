"""IPython magics: ``%load_ext jupyter_mlstudio``, then ``%mls <command>``.

    %mls runs churn --filter "metrics.auc > 0.9" --order-by "metrics.auc DESC" --max 20
    %mls experiments
    %mls jobs
    %%mls job --name prep      (cell magic: the cell runs as a processing job)
    %mls tune random-forest-classifier --data train.csv --target y \
        --space n_estimators=10:200 max_depth=2:12 --objective validation:accuracy
    %mls help

``%mls runs`` returns a DataFrame (one row per run: name, status, start time, duration,
metrics, params), which the notebook shows as a table and ``df = %mls runs churn`` keeps.
Errors (an unknown experiment, a bad filter, a bad option) are one line, no traceback.
The magics are a thin front on the SDK; they hold no logic of their own.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any, NoReturn

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import sdk
from .errors import MLStudioError

DEFAULT_MAX_RUNS = 100
RUN_COLUMNS = ("name", "status", "start_time", "duration_s")

HELP = """\
%mls runs <experiment> [<experiment> ...] [--filter EXPR] [--order-by "KEY [ASC|DESC]"]
                                         [--max N] [--all]
    Runs of the experiment(s) as a table (a pandas DataFrame indexed by run id).
    --filter    the search grammar, e.g. "metrics.auc > 0.9 AND params.model = 'rf'"
    --order-by  e.g. "metrics.auc DESC"; repeat it to sort by several keys
    --max       at most N runs (default 100)
    --all       every column, tags included (default: name, status, start time,
                duration, metrics and params)
%mls experiments
    Every experiment, newest first.
%mls jobs [--kind training|processing] [--status STATUS] [--max N]
    Jobs, newest first.
%%mls job [--name NAME] [--experiment NAME] [--no-follow]
    Run the cell's code as a processing job (in the notebook's folder, in its own
    process) and stream its log into the cell output. Interrupting the cell stops
    the job; --no-follow returns at once.
%mls tune ALGORITHM_OR_SCRIPT --space NAME=RANGE [NAME=RANGE ...] --objective METRIC
          [--data PATH] [--target COLUMN] [--direction maximize|minimize]
          [--strategy bayesian|gp|random|grid|cma-es|hyperband] [--early-stopping auto]
          [--max-trials N] [--max-parallel N] [--max-runtime SECONDS]
          [--hyperparameters NAME=VALUE ...] [--experiment NAME] [--name NAME]
          [--warm-start TUNING_JOB] [--seed N] [--no-wait]
    Tune a built-in algorithm or a script: each trial is a training job. A RANGE is
    MIN:MAX (integers when both are, e.g. max_depth=2:12), MIN:MAX:log (or linear,
    reverse-log), or values a,b,c (e.g. criterion=gini,entropy). Shows the trials done
    with the best value until it ends (--no-wait returns at once) and returns the
    tuning job's handle (t = %mls tune ...; t.trials(), t.deploy_best("name")).
%mls pipeline run NAME_OR_FILE [--parameters NAME=VALUE ...] [--no-wait]
    Run a stored pipeline (by name) or a .pipeline file (stored first, as a new
    version when it changed). Shows the steps finished until it ends (--no-wait
    returns at once) and returns the execution's handle (e.steps(), e.retry()).
%mls pipeline list
    Stored pipelines, most recently changed first.
%mls wrangle DATAFRAME
    Save a DataFrame of this kernel as Parquet and open a new Data Wrangler flow on it.
%mls help
    This text.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as an IPython ``UsageError`` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}. Try %mls help.")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message or "invalid arguments. Try %mls help.")


def _parser() -> _Parser:
    parser = _Parser(prog="%mls", add_help=False)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    runs = commands.add_parser("runs", prog="%mls runs", add_help=False)
    runs.add_argument("experiment", nargs="+")
    runs.add_argument("--filter", default=None)
    runs.add_argument("--order-by", action="append", dest="order_by", default=None)
    runs.add_argument("--max", type=int, default=DEFAULT_MAX_RUNS, dest="max_results")
    runs.add_argument("--all", action="store_true", dest="all_columns")
    commands.add_parser("experiments", prog="%mls experiments", add_help=False)
    jobs = commands.add_parser("jobs", prog="%mls jobs", add_help=False)
    jobs.add_argument("--kind", choices=("training", "processing", "batch-transform"), default=None)
    jobs.add_argument("--status", default=None)
    jobs.add_argument("--max", type=int, default=DEFAULT_MAX_RUNS, dest="max_results")
    job = commands.add_parser("job", prog="%%mls job", add_help=False)
    job.add_argument("--name", default=None)
    job.add_argument("--experiment", default=None)
    job.add_argument("--no-follow", action="store_true", dest="no_follow")
    tune = commands.add_parser("tune", prog="%mls tune", add_help=False)
    tune.add_argument("algorithm")
    tune.add_argument("--space", nargs="+", default=None, metavar="NAME=RANGE")
    tune.add_argument("--objective", default=None)
    tune.add_argument("--direction", choices=("maximize", "minimize"), default=None)
    tune.add_argument("--data", default=None)
    tune.add_argument("--target", default=None)
    tune.add_argument("--strategy", default="bayesian")
    tune.add_argument("--early-stopping", dest="early_stopping", default="off")
    tune.add_argument("--max-trials", dest="max_trials", type=int, default=10)
    tune.add_argument("--max-parallel", dest="max_parallel", type=int, default=1)
    tune.add_argument("--max-runtime", dest="max_runtime", type=float, default=None)
    tune.add_argument("--hyperparameters", nargs="+", default=None, metavar="NAME=VALUE")
    tune.add_argument("--experiment", default=None)
    tune.add_argument("--name", default=None)
    tune.add_argument("--warm-start", dest="warm_start", action="append", default=[])
    tune.add_argument("--seed", type=int, default=None)
    tune.add_argument("--no-wait", action="store_true", dest="no_wait")
    pipeline = commands.add_parser("pipeline", prog="%mls pipeline", add_help=False)
    pipeline.add_argument("action", choices=("run", "list"))
    pipeline.add_argument("pipeline", nargs="?", default=None)
    pipeline.add_argument("--parameters", nargs="+", default=None, metavar="NAME=VALUE")
    pipeline.add_argument("--no-wait", action="store_true", dest="no_wait")
    wrangle = commands.add_parser("wrangle", prog="%mls wrangle", add_help=False)
    wrangle.add_argument("dataframe")
    commands.add_parser("help", prog="%mls help", add_help=False)
    return parser


@magics_class
class MLStudioMagics(Magics):
    @line_cell_magic
    def mls(self, line: str, cell: str | None = None) -> Any:
        """ML Studio from a notebook: ``%mls help`` lists the commands."""
        try:
            tokens = shlex.split(line)
        except ValueError as exc:  # unbalanced quotes
            raise UsageError(f"{exc}. Try %mls help.") from None
        if not tokens or "-h" in tokens or "--help" in tokens:
            print(HELP)
            return None
        args = _parser().parse_args(tokens)
        try:
            if args.command == "runs":
                return runs_table(
                    args.experiment, args.filter, args.order_by, args.max_results, args.all_columns
                )
            if args.command == "experiments":
                return experiments_table()
            if args.command == "jobs":
                return jobs_table(args.kind, args.status, args.max_results)
            if args.command == "tune":
                return tune_from_args(args)
            if args.command == "pipeline":
                return pipeline_from_args(args)
            if args.command == "wrangle":
                return self._wrangle(args.dataframe)
            if args.command == "job":
                if cell is None:
                    raise UsageError(
                        "%%mls job is a cell magic: put it on the first line of a cell."
                    )
                return run_cell_as_job(cell, args.name, args.experiment, follow=not args.no_follow)
        except MLStudioError as exc:
            raise UsageError(exc.message) from None
        except ImportError as exc:
            raise UsageError(f"{exc}") from None
        print(HELP)
        return None

    def _wrangle(self, name: str) -> None:
        from .wrangler.notebook import open_flow_bundle, wrangle_frame

        namespace = self.shell.user_ns if self.shell is not None else {}
        if name not in namespace:
            raise UsageError(f"There is no variable {name!r} in this kernel.")
        path = wrangle_frame(namespace[name], name)
        _display_bundle(open_flow_bundle(path))


def _display_bundle(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)  # type: ignore[no-untyped-call]


def runs_table(
    experiments: list[str],
    filter: str | None = None,
    order_by: list[str] | None = None,
    max_results: int = DEFAULT_MAX_RUNS,
    all_columns: bool = False,
) -> Any:
    """The runs as a DataFrame indexed by run id, or None (with a message) when there are none."""
    import pandas as pd

    if max_results < 1:
        raise UsageError("--max must be at least 1.")
    frame = sdk.search_runs(
        experiments, filter=filter, order_by=order_by, max_results=max_results + 1
    )
    if frame.empty:
        where = ", ".join(repr(e) for e in experiments)
        print(f"No runs in {where}{' match the filter' if filter else ''}.")
        return None
    if len(frame) > max_results:
        print(f"Showing the first {max_results} runs; use --max to see more.")
        frame = frame.iloc[:max_results]
    duration = pd.to_datetime(frame["end_time"], utc=True) - pd.to_datetime(
        frame["start_time"], utc=True
    )
    frame = frame.assign(duration_s=duration.dt.total_seconds().round(2))
    frame = frame.set_index("run_id")
    if all_columns:
        return frame
    metrics = sorted(c for c in frame.columns if c.startswith("metrics."))
    params = sorted(c for c in frame.columns if c.startswith("params."))
    return frame[[*RUN_COLUMNS, *metrics, *params]]


def jobs_table(kind: str | None, status: str | None, max_results: int) -> Any:
    import pandas as pd

    jobs = sdk.list_jobs(kind=kind, status=status, max_items=max_results)  # type: ignore[arg-type]
    if not jobs:
        print("No jobs yet: mls.train(...), mls.process(...) or %%mls job start one.")
        return None
    return pd.DataFrame.from_records(
        [
            {
                "name": j.name,
                "kind": j.kind,
                "status": j.status,
                "created_at": j.created_at,
                "duration_s": round(j.duration_seconds, 2) if j.duration_seconds else None,
                "failure_reason": j.failure_reason,
                "id": j.id,
            }
            for j in jobs
        ]
    ).set_index("name")


def _value(text: str) -> Any:
    """A command-line value as the number or boolean it spells, else the text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _pairs(items: list[str] | None, option: str, example: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{option}: {item!r} is not NAME=VALUE (e.g. {example}).")
        pairs[name] = value
    return pairs


def parse_range(name: str, text: str) -> Any:
    """``2:12`` → (2, 12); ``1e-4:0.1:log`` → (0.0001, 0.1, "log"); ``a,b`` → ["a", "b"]
    (the SDK's Python forms, which it validates)."""
    if "," in text:
        values = [_value(v) for v in text.split(",") if v]
        if not values:
            raise UsageError(f"--space {name}: give values, e.g. {name}=a,b.")
        return values
    parts = text.split(":")
    if len(parts) in (2, 3):
        low, high = _value(parts[0]), _value(parts[1])
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
            return (low, high) if len(parts) == 2 else (low, high, parts[2])
    raise UsageError(
        f"--space {name}={text}: give MIN:MAX (e.g. {name}=2:12), MIN:MAX:log, or values a,b,c."
    )


def pipeline_from_args(args: argparse.Namespace) -> Any:
    """``%mls pipeline run|list``: a stored pipeline by name, or a .pipeline file."""
    from .pipelines import Pipeline
    from .pipelines.handle import ExecutionHandle

    if args.action == "list":
        pipelines = sdk.list_pipelines()
        if not pipelines:
            print("No pipelines yet.")
        for p in pipelines:
            print(f"{p.name}  v{p.latest_version}  {p.updated_at:%Y-%m-%d %H:%M}")
        return None
    if not args.pipeline:
        raise UsageError("%mls pipeline run needs a pipeline name or a .pipeline file.")
    parameters: dict[str, str] = {}
    for item in args.parameters or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--parameters takes NAME=VALUE, not {item!r}.")
        parameters[name] = value  # typed by the pipeline's parameter declarations
    studio = sdk.studio()
    if args.pipeline.endswith(".pipeline"):
        handle = Pipeline.load(args.pipeline).run(parameters, studio=studio)
    else:
        handle = ExecutionHandle(studio, studio.pipelines.start(args.pipeline, parameters))
    if not args.no_wait:
        handle.wait(progress=True, check=False)
        for item in handle.steps():
            print(f"{item.name:<24} {item.status:<10} {item.error or ''}".rstrip())
    return handle


def tune_from_args(args: argparse.Namespace) -> Any:
    """``%mls tune``: ``mls.tune`` with the options parsed; waits with a progress bar
    unless --no-wait, and returns the tuning job's handle."""
    if not args.space:
        raise UsageError(
            "%mls tune needs --space NAME=RANGE ... (e.g. --space max_depth=2:12 "
            "criterion=gini,entropy). Try %mls help."
        )
    space = {
        name: parse_range(name, text)
        for name, text in _pairs(args.space, "--space", "max_depth=2:12").items()
    }
    fixed = {
        name: _value(text)
        for name, text in _pairs(
            args.hyperparameters, "--hyperparameters", "random_state=0"
        ).items()
    }
    if args.max_trials < 1 or args.max_parallel < 1:
        raise UsageError("--max-trials and --max-parallel must be at least 1.")
    handle = sdk.tune(
        args.algorithm,
        space=space,
        objective=args.objective,
        direction=args.direction,
        strategy=args.strategy,
        max_trials=args.max_trials,
        max_parallel=args.max_parallel,
        max_runtime=args.max_runtime,
        data=args.data,
        target=args.target,
        hyperparameters=fixed,
        experiment=args.experiment,
        name=args.name,
        early_stopping=args.early_stopping,
        warm_start=args.warm_start,
        random_seed=args.seed,
    )
    print(f"Tuning job {handle.name} started.")
    if args.no_wait:
        return handle
    try:
        job = handle.wait(progress=True, check=False)
    except KeyboardInterrupt:
        print(f"Stopping tuning job {handle.name} …")
        job = handle.stop(wait=True)
    best = "" if job.best_value is None else f"; best {handle.objective} = {job.best_value:.6g}"
    reason = f" — {job.failure_reason}" if job.failure_reason else ""
    print(f"Tuning job {job.name}: {job.status}{reason}{best}")
    return handle


def run_cell_as_job(code: str, name: str | None, experiment: str | None, follow: bool) -> Any:
    """Save the cell as a script under the studio home and run it as a processing job."""
    import hashlib
    import os

    # one folder per distinct cell, so the job's default name is just "cell-<time>"
    folder = sdk.studio().config.home / "cells" / hashlib.sha256(code.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "cell.py"
    script.write_text(code)
    handle = sdk.process(str(script), name=name, experiment=experiment, working_dir=os.getcwd())
    print(f"Job {handle.name} started.")
    if not follow:
        return handle
    try:
        handle.logs(follow=True)
    except KeyboardInterrupt:
        print(f"Stopping job {handle.name} …")
        handle.stop(wait=True)
    job = handle.refresh()
    print(
        f"Job {job.name}: {job.status}" + (f" — {job.failure_reason}" if job.failure_reason else "")
    )
    return None


def experiments_table() -> Any:
    import pandas as pd

    experiments = sdk.list_experiments()
    if not experiments:
        print("No experiments yet: mls.start_run('name') creates one.")
        return None
    return pd.DataFrame.from_records(
        [
            {
                "name": e.name,
                "id": e.id,
                "description": e.description,
                "created_at": e.created_at,
                "tags": dict(e.tags),
            }
            for e in experiments
        ]
    ).set_index("name")


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(MLStudioMagics)


def unload_ipython_extension(ipython: Any) -> None:
    ipython.magics_manager.magics["line"].pop("mls", None)
    ipython.magics_manager.magics["cell"].pop("mls", None)
