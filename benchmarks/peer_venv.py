"""The virtual environments the peer benchmarks compare in, made on demand.

A peer benchmark (tracking.py, registry.py against MLflow; serving.py against
``mlflow models serve``) needs the peer library, which is not a dependency of the
package. ``ensure(name)`` returns the Python of ``/tmp/<name>-bench-venv`` and first
creates it (``python -m venv`` + a quiet ``pip install``) when it is missing or was made
with other pins. It holds exactly:

- the peer, pinned in ``PEERS`` below (``mlflow==3.17.2``);
- jupyter_mlstudio's own runtime dependencies (and numpy, scipy) at the versions
  installed in the Python that runs the benchmark (the project's ``.venv``) unless the
  peer needs another version (then ``PEERS`` pins it), so the tracking and registry
  benchmarks, which run both sides in one process, can import this checkout
  (``PYTHONPATH=<repo>``) with the same SQLAlchemy, pandas and scikit-learn as ``.venv``
  — and serving.py's MLflow side unpickles the very estimator ours serves.

The pins are written to ``bench-requirements.txt`` in the venv; a venv whose file differs
is brought up to date with the same ``pip install``. ``switch(name, ...)`` runs the
calling benchmark again under that Python (every benchmark keeps a flag to name another
Python, e.g. the current one). ``import_mlflow`` and ``print_table`` are what the
MLflow benchmarks share besides.

    .venv/bin/python benchmarks/peer_venv.py mlflow     # make it now; prints its python
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
import venv
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parent.parent
# The peer, and any package whose version must differ from the project's for it (these
# replace the project's pin): mlflow 3.17.2 wants pyarrow<26.
PEERS: dict[str, list[str]] = {"mlflow": ["mlflow==3.17.2", "pyarrow==25.0.1"]}
PROJECT = "jupyter_mlstudio"
# Not direct dependencies, but a pickled estimator must meet the same versions.
ALSO_AS_HERE = ("numpy", "scipy")
REQUIREMENTS_FILE = "bench-requirements.txt"
_REEXEC_ENV = "MLSTUDIO_BENCH_PEER_PYTHON"  # set in the re-executed benchmark


def venv_dir(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{name}-bench-venv"


def project_requirements() -> list[str]:
    """jupyter_mlstudio's runtime dependencies, pinned to the versions installed here."""
    try:
        declared = importlib.metadata.requires(PROJECT) or []
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            f"{PROJECT} is not installed in {sys.executable}: run the benchmark with the "
            "project's Python (.venv/bin/python, after `make install`)."
        ) from None
    names = list(ALSO_AS_HERE)
    for requirement in declared:
        if "extra ==" in requirement:
            continue
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert match is not None, requirement
        names.append(match.group(0))
    return sorted((f"{n}=={importlib.metadata.version(n)}" for n in names), key=str.lower)


def _name(pin: str) -> str:
    return re.split(r"[=<>!~\[; ]", pin, maxsplit=1)[0].lower().replace("_", "-")


def requirements(name: str) -> list[str]:
    if name not in PEERS:
        raise SystemExit(f"No peer venv named {name!r}; known: {', '.join(PEERS)}.")
    peer = PEERS[name]
    overridden = {_name(pin) for pin in peer}
    return [*peer, *(pin for pin in project_requirements() if _name(pin) not in overridden)]


def ensure(name: str) -> str:
    """The Python of ``/tmp/<name>-bench-venv``, created or updated to the pins first."""
    folder = venv_dir(name)
    python = folder / "bin" / "python"
    wanted = "\n".join(requirements(name)) + "\n"
    stamp = folder / REQUIREMENTS_FILE
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    if not python.exists():
        print(f"Creating {folder} (once; a few minutes) ...", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    else:
        print(f"Updating {folder} to the pinned packages ...", file=sys.stderr, flush=True)
    pending = folder / f"{REQUIREMENTS_FILE}.pending"
    pending.write_text(wanted)
    completed = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(pending),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"Installing the pinned packages into {folder} failed:\n"
            f"{(completed.stdout + completed.stderr)[-4000:]}"
        )
    pending.replace(stamp)  # only a complete install counts as made
    return str(python)


def switch(name: str, given: str | None, argv: Sequence[str]) -> str:
    """For a benchmark that runs the peer in its own process: return the Python it runs
    under once that is ``given`` (a flag) or else this peer's venv (made if missing);
    until then, run the benchmark again there with ``argv`` (this call does not return).
    To run in the current Python, pass its path as ``given``."""
    python = given or os.environ.get(_REEXEC_ENV) or ensure(name)
    if os.environ.get(_REEXEC_ENV) == python or Path(sys.executable) == Path(python):
        return python
    reexec(python, argv)


def add_python_option(parser: argparse.ArgumentParser, name: str = "mlflow") -> None:
    """``--<name>-python``: the Python ``switch`` runs the benchmark in."""
    parser.add_argument(
        f"--{name}-python",
        default=None,
        help=f"a Python with {name} and jupyter_mlstudio's dependencies to run in "
        f"(default: /tmp/{name}-bench-venv, made on first use; this Python's path: run here)",
    )


def import_mlflow() -> Any:
    """MLflow, quiet and with its telemetry off; exits 2 when this Python lacks it."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # a benchmark sends nothing out
    try:
        import mlflow
    except ImportError:
        print(
            f"This benchmark compares against MLflow, which {sys.executable} does not "
            "import.\nRun it without --mlflow-python (it makes /tmp/mlflow-bench-venv), or "
            "name a Python\nwith mlflow and jupyter_mlstudio's dependencies installed.",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    return mlflow


def benchmark_parser(doc: str | None) -> argparse.ArgumentParser:
    """Options of a benchmark: described by its docstring's first paragraph, with
    ``--quick`` (small sizes, for a smoke run)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    return parser


def start_mlflow_benchmark(
    parser: argparse.ArgumentParser, argv: list[str] | None
) -> tuple[argparse.Namespace, Any]:
    """Parse the benchmark's options (plus ``--mlflow-python``), run it again in the MLflow
    venv unless it runs there already, and import MLflow: (options, the mlflow module)."""
    add_python_option(parser)
    args = parser.parse_args(argv)
    switch("mlflow", args.mlflow_python, sys.argv[1:] if argv is None else argv)
    return args, import_mlflow()


def print_machine(*libraries: str) -> None:
    """The line that says where the figures come from: Python, platform, CPUs, versions."""
    print(
        f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
        + ", ".join(libraries)
    )


def print_table(header: Sequence[object], rows: Sequence[Sequence[object]]) -> None:
    """The comparison table the peer benchmarks print: the first column left-aligned,
    the others right-aligned, rules above and below the header and at the end."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths).rstrip()
    print(line)
    for r in [header, *rows]:
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if r is header:
            print(line)
    print(line)


def reexec(python: str, argv: Sequence[str]) -> NoReturn:
    """Run the calling script again under ``python`` with ``argv``, importing this
    checkout's jupyter_mlstudio (``PYTHONPATH``). Does not return."""
    env = dict(os.environ)
    env[_REEXEC_ENV] = python
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    script = str(Path(sys.argv[0]).resolve())
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, [python, script, *argv], env)


if __name__ == "__main__":
    for peer in sys.argv[1:] or list(PEERS):
        print(ensure(peer))
