"""The body of a Feature Store ingestion job (``features.jobs.submit_ingest``): ingest a
data file into a feature group from inside a processing job, a line of progress per
batch in the job's log, the ingestion recorded with ``job:<id>`` (and the flow, for a
flow job) as its source.

Run by the job runner as ``python -u ingest_file.py --group REF --path FILE
[--batch-size N] [--flow FLOW] [--flow-output NAME]``; it lives in a folder of its own
so that its folder on ``sys.path`` shadows nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--group", required=True)
    parser.add_argument("--path", default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--flow", default=None, help="a Data Wrangler flow to run first")
    parser.add_argument("--flow-output", default=None)
    args = parser.parse_args(argv)

    from jupyter_mlstudio.errors import MLStudioError
    from jupyter_mlstudio.features.jobs import ingestion_source
    from jupyter_mlstudio.studio import default_studio

    job_id = os.environ.get("MLSTUDIO_JOB_ID")
    store = default_studio().features
    started = time.monotonic()

    def progress(written: int, total: int) -> None:
        print(f"ingest: {written}/{total} rows written ({time.monotonic() - started:.1f} s)")

    try:
        if args.flow:
            from jupyter_mlstudio.wrangler import Flow

            flow = Flow.load(Path(args.flow))
            print(f"running flow {Path(args.flow).name} on the full data")
            frame = flow.run(output=args.flow_output)
            print(f"flow result: {len(frame)} rows x {frame.shape[1]} columns")
            result = store.ingest(
                args.group,
                frame,
                batch_size=args.batch_size,
                source=ingestion_source(job_id=job_id, flow=args.flow),
                progress=progress,
            )
        else:
            if not args.path:
                raise SystemExit("--path or --flow is needed")
            print(f"reading {args.path}")
            result = store.ingest_file(
                args.group,
                args.path,
                batch_size=args.batch_size,
                source=ingestion_source(job_id=job_id, path=args.path),
                progress=progress,
            )
    except MLStudioError as exc:
        # the last error line of the log becomes the job's failure reason
        print(exc.message, file=sys.stderr)
        return 1
    print(
        f"ingested {result.rows_written} rows into {result.group} in {result.batches} "
        f"batch(es); {result.duplicates_dropped} repeated (id, event time) rows dropped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
