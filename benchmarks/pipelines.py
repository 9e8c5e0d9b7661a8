"""Pipelines (issue 21), measured on this machine in one run.

1. A 20-step DAG of equal Python steps, width 4 (5 levels, each step waiting for the whole
   level before it), ``max_parallel=4``: wall time vs its critical path (the sum over the
   levels of the longest job in the level). Target ≤ 1.15x; a sequential runner (SageMaker
   local mode, Elyra local) needs the sum of all 20.
2. Scheduling overhead per step: the step's time (engine start → end) minus its job's own
   time (job start → end). Target ≤ 0.2 s.
3. A cache hit: the same pipeline again, every step Cached; the execution's wall time per
   step. Target ≤ 50 ms.

    .venv/bin/python benchmarks/pipelines.py [--seconds 2.0]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.pipelines import Pipeline, PythonStep
from jupyter_mlstudio.studio import Studio

WIDTH, LEVELS = 4, 5
RATIO_TARGET = 1.15
OVERHEAD_TARGET_S = 0.2
CACHE_HIT_TARGET_MS = 50.0

FUNCTION = """
import time


def work(seconds: float, level: int, index: int) -> int:
    time.sleep(seconds)
    return level * 100 + index
"""


def build(folder: Path, seconds: float) -> Pipeline:
    code = folder / "work.py"
    code.write_text(FUNCTION)
    steps: list[PythonStep] = []
    previous: list[PythonStep] = []
    for level in range(LEVELS):
        current = [
            PythonStep(
                f"s{level}-{index}",
                str(code),
                "work",
                kwargs={"seconds": seconds, "level": level, "index": index},
                outputs={"value": int},
                depends_on=previous,
            )
            for index in range(WIDTH)
        ]
        steps += current
        previous = current
    return Pipeline("bench-dag", steps=steps, max_parallel=WIDTH)


def run(seconds: float = 2.0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        studio = Studio(StudioConfig.resolve(home=folder / "home", max_concurrent_jobs=WIDTH))
        try:
            pipeline = build(folder, seconds)
            # one warm-up job so the first level does not pay the launcher's start
            warm = Pipeline(
                "warm",
                steps=[
                    PythonStep(
                        "w",
                        str(folder / "work.py"),
                        "work",
                        kwargs={"seconds": 0, "level": 0, "index": 0},
                    )
                ],
            )
            warm.run(studio=studio, base_dir=folder).wait(timeout=120)

            started = time.monotonic()
            handle = pipeline.run(studio=studio, base_dir=folder)
            handle.wait(timeout=600)
            wall = time.monotonic() - started
            steps = handle.steps()
            jobs = {s.name: studio.jobs.get(s.job_id) for s in steps if s.job_id}
            job_time = {
                name: (job.ended_at - job.started_at).total_seconds()
                for name, job in jobs.items()
                if job.started_at and job.ended_at
            }
            critical = sum(
                max(job_time[f"s{level}-{i}"] for i in range(WIDTH)) for level in range(LEVELS)
            )
            sequential = sum(job_time.values())
            overheads = [
                (s.ended_at - s.started_at).total_seconds() - job_time[s.name]
                for s in steps
                if s.started_at and s.ended_at and s.name in job_time
            ]

            started = time.monotonic()
            cached = pipeline.run(studio=studio, base_dir=folder)
            cached.wait(timeout=120)
            cached_wall = time.monotonic() - started
            cached_steps = cached.steps()
            assert all(s.status == "Cached" for s in cached_steps), [s.status for s in cached_steps]
        finally:
            studio.close()

    ratio = wall / critical
    overhead = statistics.mean(overheads)
    hit_ms = cached_wall / len(cached_steps) * 1000
    print(f"20-step DAG, width {WIDTH}, steps of {seconds:.1f} s, max_parallel={WIDTH}")
    print(f"  wall {wall:.2f} s, critical path {critical:.2f} s, sequential sum {sequential:.2f} s")
    print(
        f"  wall / critical path = {ratio:.3f} (target <= {RATIO_TARGET}: "
        f"{ratio / RATIO_TARGET:.2f}x of target)"
    )
    print(
        f"  scheduling overhead per step: mean {overhead * 1000:.0f} ms, "
        f"max {max(overheads) * 1000:.0f} ms (target <= {OVERHEAD_TARGET_S * 1000:.0f} ms: "
        f"{overhead / OVERHEAD_TARGET_S:.2f}x of target)"
    )
    print(
        f"  all-cached execution: {cached_wall * 1000:.0f} ms, {hit_ms:.1f} ms per step "
        f"(target <= {CACHE_HIT_TARGET_MS:.0f} ms: {hit_ms / CACHE_HIT_TARGET_MS:.2f}x of target)"
    )
    return {
        "wall_s": wall,
        "critical_path_s": critical,
        "ratio": ratio,
        "overhead_s": overhead,
        "cache_hit_ms": hit_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="each step's own work")
    args = parser.parse_args()
    run(args.seconds)


if __name__ == "__main__":
    main()
