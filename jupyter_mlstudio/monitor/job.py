"""What a monitor's processing job runs: one request (JSON) in, the output folder out.

The job's code is ``job_entry/monitor_execution.py``, three lines that call :func:`main`
(a processing job runs a script file; the logic stays here, importable and typed). The
request names the mode and its inputs; the results go to the folder the job gives its
``result`` output (``MLSTUDIO_OUTPUT_RESULT``), which the job copies to the execution's
folder.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).parent / "job_entry" / "monitor_execution.py"
OUTPUT_NAME = "result"
OUTPUT_ENV = "MLSTUDIO_OUTPUT_RESULT"


def run(request: dict[str, Any], output: Path) -> str:
    """Run one request; returns its outcome (what the log says)."""
    from . import execution

    mode = request["mode"]
    if mode == "baseline":
        baseline = execution.run_baseline(request["data"], output)
        return f"baseline of {len(baseline.feature_names)} feature(s)"
    if mode == "table":
        # a table (e.g. a batch-transform output) checked as a whole, no window
        from ..data_files import read_table
        from .baseline import Baseline
        from .checks import check

        report = check(
            read_table(Path(request["data"])),
            Baseline.load(request["baseline"]),
            request.get("options") or None,
        )
        execution._write(output, execution.VIOLATIONS_FILE, report.constraint_violations())
        execution._write(output, execution.REPORT_FILE, report)
        return report.outcome
    start = datetime.fromisoformat(request["start"])
    end = datetime.fromisoformat(request["end"])
    if mode == "data-quality":
        report = execution.run_data_quality(
            request["capture"],
            request["baseline"],
            start,
            end,
            output,
            signature_inputs=request.get("signature_inputs"),
            options=request.get("options") or None,
        )
        return report.outcome
    if mode == "model-quality":
        from .quality import CBPE, CBPEReference, QualityConstraints

        constraints_file = request.get("quality_constraints")
        constraints = (
            QualityConstraints.model_validate_json(Path(constraints_file).read_text("utf-8"))
            if constraints_file
            else None
        )
        # the monitor's fitted CBPE travels inline (a few KB): estimates without labels
        cbpe_reference = request.get("cbpe")
        cbpe = (
            CBPE.from_model(CBPEReference.model_validate(cbpe_reference))
            if cbpe_reference
            else None
        )
        quality = execution.run_model_quality(
            request["capture"],
            request["ground_truth"],
            start,
            end,
            output,
            offset=timedelta(seconds=float(request.get("offset_seconds", 0))),
            problem_type=request.get("problem_type"),
            constraints=constraints,
            cbpe=cbpe,
        )
        return quality.outcome
    raise ValueError(f"unknown monitor job mode {mode!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="monitor_execution")
    parser.add_argument("--request", required=True, help="the request, as JSON")
    args = parser.parse_args(argv)
    request = json.loads(args.request)
    output = Path(os.environ.get(OUTPUT_ENV) or Path.cwd() / "output")
    outcome = run(request, output)
    print(f"monitor {request['mode']}: {outcome}", flush=True)
    return 0
