"""A process whose studio was closed while a run was still open exits promptly, and the
run ends as it would have (FINISHED, or FAILED after an uncaught exception) with every
value logged, also those logged through the handle after the close."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

import jupyter_mlstudio as mls

TIMEOUT = 60  # the hang was for ever; a healthy exit takes about two seconds

SCRIPT = textwrap.dedent(
    """
    import sys
    import jupyter_mlstudio as mls
    mls.configure()
    run = mls.start_run("exit-hang")
    for step in range(100):
        run.log_metric("before", float(step), step=step)
    if sys.argv[1] == "configure":
        mls.configure()  # re-running a notebook's first cell
    else:
        mls.studio().close()
    run.log_metric("after", 1.0)  # the handle outlives its studio
    print(run.id, flush=True)
    if sys.argv[2] == "crash":
        raise RuntimeError("boom")
    """
)


@pytest.mark.parametrize("close", ["configure", "close"])
@pytest.mark.parametrize(
    ("ending", "code", "status"), [("exit", 0, "FINISHED"), ("crash", 1, "FAILED")]
)
def test_open_run_of_a_closed_studio_ends_at_exit(
    close: str, ending: str, code: int, status: str
) -> None:
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, close, ending],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,  # a hang fails here (and the child is killed)
    )
    assert out.returncode == code, out.stderr
    assert time.monotonic() - start < TIMEOUT
    run = mls.get_run(out.stdout.strip())
    assert run.status == status
    assert run.end_time is not None
    assert run.metrics == {"before": 99.0, "after": 1.0}
    history = mls.studio().experiments.get_metric_history(run.id, "before")
    assert [m.step for m in history] == list(range(100))
