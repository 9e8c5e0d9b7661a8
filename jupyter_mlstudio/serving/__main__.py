"""``python -m jupyter_mlstudio.serving --config endpoint.json [--ready-file path]``."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InvalidArgumentError
from .config import EndpointConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jupyter_mlstudio.serving",
        description="Serve registered models as one HTTP endpoint (SageMaker container "
        "contract and Open Inference Protocol v2). Prints one JSON line once ready; "
        "SIGHUP re-reads the config and rolls the workers over to it.",
    )
    parser.add_argument("--config", required=True, help="the endpoint's JSON config file")
    parser.add_argument("--ready-file", help="also write the ready line to this file")
    parser.add_argument(
        "--runtime-dir",
        help="a folder for the process's own files (worker spec, shared metrics), emptied on "
        "exit; default: a new temporary folder",
    )
    args = parser.parse_args(argv)
    try:
        config = EndpointConfig.load(args.config)
    except InvalidArgumentError as exc:
        print(json.dumps({"ready": False, "error": exc.message}), flush=True)
        return 2
    from .supervisor import run

    return run(config, args.ready_file, args.runtime_dir, args.config)


if __name__ == "__main__":
    sys.exit(main())
