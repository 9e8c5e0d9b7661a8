"""The job launcher's warm-up: what forked jobs would each pay again is paid once."""

from __future__ import annotations

import json
import subprocess
import sys

# Runs the launcher's warm-up in a fresh interpreter (as the launcher process does) and
# reports which lazily loaded modules a job needs are then already imported.
PROBE = """
import json, sys
from jupyter_mlstudio.jobs.launcher import _warm_up
_warm_up()
print(json.dumps({name: name in sys.modules for name in sys.argv[1:]}))
"""


def test_warm_up_imports_what_a_job_would_load_lazily() -> None:
    # alembic: a job opens the studio, whose schema check imports it (0.25 s a job);
    # sklearn.metrics/model_selection: a built-in training scores and splits with them
    # xgboost, distributed: the boosting built-ins and their Dask interface (about 1.6 s)
    wanted = ["alembic", "sklearn.metrics", "sklearn.model_selection", "skops.io"]
    wanted += ["xgboost", "distributed", "jupyter_mlstudio.jobs.distributed_boosting"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *wanted],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == dict.fromkeys(wanted, True), done.stderr
