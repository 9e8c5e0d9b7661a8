"""JumpStart (issue 22): launch → InService endpoint for every built-in solution, median
of N runs, on this machine. Target ≤ 60 s per solution (SageMaker JumpStart's
CloudFormation launches take many minutes).

Each run launches into a fresh home and root (a new store: no cached step from an
earlier run) and measures from the launch call to the solution's endpoint answering
``InService``, and to the launch's Completed (with its monitor). The endpoint is deleted
after each run.

    .venv/bin/python benchmarks/catalog.py [--runs 3] [--only customer-churn ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_mlstudio.catalog.entries import Catalog
from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import MLStudioError
from jupyter_mlstudio.studio import Studio

TARGET_S = 60.0


def one_run(name: str) -> tuple[float | None, float, str]:
    """Seconds to the endpoint InService (None: no endpoint), to the launch's end, and
    the launch's status."""
    with tempfile.TemporaryDirectory(prefix="mlstudio-bench-catalog-") as tmp:
        home, root = Path(tmp) / "home", Path(tmp) / "root"
        root.mkdir()
        studio = Studio(StudioConfig.resolve(home=home))
        service = studio.catalog
        try:
            endpoint = service.get(name).manifest.endpoint_name
            start = time.perf_counter()
            launch = service.launch(name, root=root)
            in_service: float | None = None
            while True:
                record = service.get_launch(launch.id)
                if in_service is None and endpoint:
                    with contextlib.suppress(MLStudioError):
                        if studio.endpoints.get(endpoint).status.value == "InService":
                            in_service = time.perf_counter() - start
                if not record.is_active:
                    break
                time.sleep(0.2)
            ended = time.perf_counter() - start
            if record.status != "Completed":
                print(f"  {name}: {record.status} at {record.failed_step}: {record.error}")
            return in_service, ended, record.status
        finally:
            with contextlib.suppress(MLStudioError):
                studio.endpoints.stop_all()
            studio.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="solution names (default: every built-in)")
    args = parser.parse_args()
    listing = Catalog(cache_dir=Path(tempfile.gettempdir())).load()
    names = [e.name for e in listing.entries if e.kind == "solution" and e.source == "built-in"]
    if args.only:
        names = [n for n in names if n in args.only]
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'solution':<24} {'to InService (median)':>22} {'to Completed':>13}  runs  vs 60 s")
    for name in names:
        results = [one_run(name) for _ in range(args.runs)]
        served = [r[0] for r in results if r[0] is not None]
        ended = [r[1] for r in results]
        median = statistics.median(served) if served else None
        shown = f"{median:.1f} s" if median is not None else "no endpoint"
        ratio = f"{median / TARGET_S:.2f}x" if median is not None else "-"
        runs = ", ".join(f"{r[0]:.1f}" if r[0] is not None else r[2] for r in results)
        print(
            f"{name:<24} {shown:>22} {statistics.median(ended):>11.1f} s  [{runs}]  {ratio}",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
