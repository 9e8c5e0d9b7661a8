"""Several processes writing to one SQLite file lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.store.db import Database

WRITER = textwrap.dedent(
    """
    import sys
    from jupyter_mlstudio.store.db import Database
    from jupyter_mlstudio.experiments.store import SqlExperimentStore
    uri, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = SqlExperimentStore(Database(uri))
    for i in range(count):
        store.create_experiment(f"{prefix}-{i}", tags={"writer": prefix})
        store.list_experiments(max_items=5)  # interleave reads with the writes
    """
)


def test_two_processes_creating_experiments_lose_nothing(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"  # not created yet: both race to create it
    count = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, uri, prefix, str(count)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    db = Database(uri)
    store = SqlExperimentStore(db)
    names = set()
    token = None
    while True:
        page = store.list_experiments(max_items=1000, next_token=token)
        names.update(e.name for e in page.items)
        token = page.next_token
        if token is None:
            break
    assert names == {f"{p}-{i}" for p in ("a", "b") for i in range(count)}
    db.dispose()
