"""``jupyter mlstudio catalog list|launch``: JumpStart from a terminal (the launch runs in
this process, its project folder under the working directory, and is waited for)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .manifest import TASKS


def add_parser(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="list JumpStart entries, launch a solution")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    listing = catalog_sub.add_parser("list", help="the catalog's entries")
    listing.add_argument("--task", choices=TASKS, help="only entries of this task")
    listing.add_argument("--kind", choices=("solution", "model"), help="solutions or models")
    listing.add_argument("--query", "-q", help="words the entry's text contains")
    launch = catalog_sub.add_parser(
        "launch", help="launch a solution into a new project folder and wait for it"
    )
    launch.add_argument("name", help="the entry's name (see: catalog list)")
    launch.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="K=V",
        help="a launch parameter (repeat for several)",
    )
    launch.add_argument("--folder", help="the project folder's name (default: the entry's)")
    launch.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from . import sdk

    if args.catalog_command == "list":
        listing = sdk._service().listing(task=args.task, kind=args.kind, query=args.query)
        width = max((len(e.name) for e in listing.entries), default=4)
        for entry in listing.entries:
            m = entry.manifest
            print(f"{m.name:<{width}}  {m.kind:<8}  {m.task:<20}  {m.title}  [{entry.source}]")
        for error in listing.errors:
            print(f"error: {error.source}: {error.message}", file=sys.stderr)
        return 0
    parameters = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            print(f"error: --param {item!r} must be K=V", file=sys.stderr)
            return 2
        parameters[key.strip()] = value
    handle = sdk.launch(args.name, parameters, args.folder)
    print(f"launching {args.name} into {handle.folder}", flush=True)
    launch = handle.wait(progress=not args.no_progress, check=False)
    if launch.status != "Completed":
        print(f"error: failed at step {launch.failed_step!r}: {launch.error}", file=sys.stderr)
        return 1
    print(f"Completed: {launch.folder}")
    for label, value in (
        ("notebook", launch.notebook),
        ("model", f"{launch.model_name} v{launch.model_version}" if launch.model_version else None),
        ("endpoint", launch.endpoint_name),
        ("monitor", launch.monitor_name),
    ):
        if value:
            print(f"  {label}: {value}")
    return 0
