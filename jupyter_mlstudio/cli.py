"""``jupyter mlstudio …``: administration commands.

jupyter mlstudio db upgrade   migrate the metadata database to this release's schema
jupyter mlstudio db current   print the database's schema revision and this release's
jupyter mlstudio openapi      print the REST API's OpenAPI document
jupyter mlstudio scheduler    run due monitors and pipeline schedules while JupyterLab is closed
jupyter mlstudio import-mlflow SOURCE
                              copy an mlruns folder or an MLflow database into the store
jupyter mlstudio mlflow-server [--port N] [--host H] [--token T | --no-auth]
                              serve MLflow's REST API on the store without JupyterLab
jupyter mlstudio catalog list [--task T]
jupyter mlstudio catalog launch NAME [--param K=V ...] [--folder F]
                              JumpStart: list the catalog, launch a solution
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys

from .config import StudioConfig
from .errors import MLStudioError
from .store.db import Database, head_revision, redact_uri


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter mlstudio",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="manage the metadata database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, help_text in (
        ("upgrade", "migrate to this release's schema"),
        ("current", "show the schema revision"),
    ):
        cmd = db_sub.add_parser(name, help=help_text)
        cmd.add_argument(
            "--store-uri",
            help="SQLAlchemy URL (default: MLSTUDIO_STORE_URI or "
            "sqlite:///$MLSTUDIO_HOME/mlstudio.db)",
        )
    sub.add_parser("openapi", help="print the OpenAPI document")
    gc = sub.add_parser("gc", help="empty the trash: delete trashed runs and their artifacts")
    gc.add_argument(
        "--older-than-days",
        type=float,
        default=0,
        help="only runs trashed at least this many days ago (default: all)",
    )
    gc.add_argument("--dry-run", action="store_true", help="list what would go; delete nothing")
    scheduler = sub.add_parser(
        "scheduler",
        help="run monitor and pipeline schedules and triggers (safe next to a Jupyter server: "
        "each execution runs once)",
    )
    scheduler.add_argument(
        "--interval", type=float, default=30.0, help="seconds between ticks (default: 30)"
    )
    scheduler.add_argument(
        "--staleness",
        type=float,
        default=3600.0,
        help="a missed execution at most this many seconds old runs once (default: 3600)",
    )
    scheduler.add_argument(
        "--once", action="store_true", help="one tick, then exit when what it started ended"
    )
    imp = sub.add_parser(
        "import-mlflow",
        help="copy experiments, runs, artifacts and registered models from MLflow "
        "(again: only what is new)",
    )
    imp.add_argument("source", help="an mlruns folder, or sqlite:///path/mlflow.db, postgresql://…")
    imp.add_argument("--no-progress", action="store_true", help="no progress bar")
    mlflow = sub.add_parser(
        "mlflow-server",
        help="serve MLflow's REST API (tracking, registry, artifacts) on this store, for "
        "processes that cannot reach JupyterLab",
    )
    mlflow.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    mlflow.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    mlflow.add_argument(
        "--token",
        default=None,
        help=f"the token clients send as MLFLOW_TRACKING_TOKEN (default: ${MLFLOW_TOKEN_ENV}, "
        "else a new random one, printed)",
    )
    mlflow.add_argument(
        "--no-auth",
        action="store_true",
        help="no token (only on a loopback address such as 127.0.0.1)",
    )
    from .catalog.cli import add_parser as add_catalog_parser

    add_catalog_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "openapi":
            from .api.openapi import render_openapi

            sys.stdout.write(render_openapi())
            return 0
        if args.command == "gc":
            return _gc(args.older_than_days, args.dry_run)
        if args.command == "scheduler":
            return _scheduler(args.interval, args.staleness, args.once)
        if args.command == "import-mlflow":
            return _import_mlflow(args.source, not args.no_progress)
        if args.command == "mlflow-server":
            return _mlflow_server(args.host, args.port, args.token, args.no_auth)
        if args.command == "catalog":
            from .catalog.cli import run as run_catalog

            return run_catalog(args)
        uri = StudioConfig.resolve(store_uri=args.store_uri).store_uri
        db = Database(uri, prepare_schema=False)
        try:
            if args.db_command == "current":
                print(f"store:    {redact_uri(uri)}")
                print(f"database: {db.current_revision() or '(empty)'}")
                print(f"code:     {head_revision()}")
            else:
                before, after = db.upgrade()
                if before == after:
                    print(f"{redact_uri(uri)} is up to date at {after}.")
                else:
                    print(f"Upgraded {redact_uri(uri)} from {before or '(empty)'} to {after}.")
        finally:
            db.dispose()
    except MLStudioError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


MLFLOW_TOKEN_ENV = "MLSTUDIO_MLFLOW_TOKEN"  # noqa: S105 - the variable's name, not a token


def _mlflow_server(host: str, port: int, token: str | None, no_auth: bool) -> int:
    """Run a Jupyter server with this extension as the MLflow server: the same handlers,
    store and auth as inside JupyterLab (``/mlstudio/mlflow``). Replaces this process."""
    from .server.handlers.mlflow_registry import NO_AUTH_ENV

    if no_auth and token:
        print("error: give --token or --no-auth, not both.", file=sys.stderr)
        return 2
    if no_auth and not _loopback(host):
        print(
            f"error: --no-auth serves anyone who can reach {host}; it is only allowed on a "
            "loopback address (127.0.0.1, ::1, localhost). Use a token instead.",
            file=sys.stderr,
        )
        return 2
    if not 0 < port < 65536:
        print(f"error: --port {port} is not a port number.", file=sys.stderr)
        return 2
    token = "" if no_auth else token or os.environ.get(MLFLOW_TOKEN_ENV) or secrets.token_hex(24)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/mlstudio/mlflow"
    print(f"MLflow API of jupyter-mlstudio on {url}", flush=True)
    print(f"  export MLFLOW_TRACKING_URI={url}", flush=True)
    if token:
        print(f"  export MLFLOW_TRACKING_TOKEN={token}", flush=True)
    else:
        print("  (no token: --no-auth)", flush=True)
    env = dict(os.environ)
    env.pop(MLFLOW_TOKEN_ENV, None)
    if no_auth:
        env[NO_AUTH_ENV] = "1"
    argv = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--ip={host}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if getattr(os, "geteuid", lambda: 1)() == 0:
        argv.append("--allow-root")
    os.execve(sys.executable, argv, env)  # noqa: S606 - our own server, argv as a list
    return 0  # not reached


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _gc(older_than_days: float, dry_run: bool) -> int:
    from .studio import Studio

    studio = Studio.open()
    try:
        report = studio.experiments.collect_garbage(older_than_days, dry_run)
    finally:
        studio.close()
    verb = "Would delete" if dry_run else "Deleted"
    print(f"{verb} {len(report.run_ids)} trashed run(s) and their artifacts.")
    for folder in report.artifact_folders:
        print(f"  {folder}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report.errors else 0


def _import_mlflow(source: str, progress: bool) -> int:
    from .mlflow_compat.importer import import_mlflow
    from .studio import Studio

    studio = Studio.open()
    try:
        summary = import_mlflow(studio, source, progress=progress)
    finally:
        studio.close()
    shown = redact_uri(source) if "://" in source else source
    print(f"Imported from {shown} into {studio.store_uri_redacted}:")
    for line in summary.lines():
        print(f"  {line}")
    if not summary.changed:
        print("  Nothing new: everything was imported before.")
    return 0


def _scheduler(interval: float, staleness: float, once: bool) -> int:
    """Tick until interrupted (Ctrl-C or SIGTERM): end executions whose job ended, start
    the due ones. Several schedulers (and servers) may run: the database claim makes each
    execution run once."""
    import signal
    import threading
    from datetime import timedelta

    from .monitor.entities import Execution
    from .studio import Studio

    if interval <= 0 or staleness < 0:
        print("error: --interval must be positive and --staleness not negative", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    studio = Studio.open()
    service = studio.monitor
    service.staleness = timedelta(seconds=staleness)
    from .pipelines.schedules import PipelineSchedules

    pipeline_schedules = PipelineSchedules(studio, staleness=timedelta(seconds=staleness))
    print(f"scheduler on {studio.store_uri_redacted}, every {interval:g} s", flush=True)
    try:
        while not stop.is_set():
            started: list[Execution] = []
            try:
                started = service.run_due()
                for execution in started:
                    monitor = service.get_monitor(execution.monitor_id)
                    print(
                        f"started {monitor.name} execution {execution.id} "
                        f"({execution.scheduled_time:%Y-%m-%d %H:%M} UTC): {execution.status}",
                        flush=True,
                    )
            except MLStudioError as exc:  # the store was unreachable: try at the next tick
                print(f"error: {exc.message}", file=sys.stderr, flush=True)
            except Exception as exc:  # one bad tick must not end the scheduler
                print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            pipelines_started = []
            try:  # pipeline schedules and triggers: engine threads in this process
                pipelines_started = pipeline_schedules.run_due()
                for run in pipelines_started:
                    print(f"started pipeline {run.pipeline_name} execution {run.id}", flush=True)
            except Exception as exc:
                print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            if once:
                # this process's executor holds the jobs it started: see them through
                for execution in started:
                    service.wait(execution.id)
                for run in pipelines_started:
                    studio.pipelines.wait(run.id)
                break
            stop.wait(interval)
    except KeyboardInterrupt:
        pass
    finally:
        studio.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
