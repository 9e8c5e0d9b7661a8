"""Several processes writing to one SQLite file lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import text

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


METRIC_WRITER = textwrap.dedent(
    """
    import sys
    import jupyter_mlstudio as mls
    with mls.start_run("concurrent", name=sys.argv[1]) as run:
        for step in range(1000):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
            if step % 100 == 0:
                run.log_metric("lr", 0.1, step=step)
                run.flush()  # interleave synchronous writes with the other processes'
    """
)


def test_eight_processes_logging_metrics_lose_nothing(mlstudio_home: Path) -> None:
    """8 processes x 1,000 metrics into one SQLite store: all rows, no lock errors."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", METRIC_WRITER, f"p{i}"], stderr=subprocess.PIPE, text=True
        )
        for i in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "locked" not in err
    db = Database(f"sqlite:///{mlstudio_home / 'mlstudio.db'}")
    with db.session() as session:
        rows = session.execute(
            text(
                "SELECT r.name, COUNT(*) FROM metrics m JOIN runs r ON r.id = m.run_id "
                "WHERE m.key = 'loss' GROUP BY r.name"
            )
        ).all()
        statuses = session.execute(text("SELECT DISTINCT status FROM runs")).scalars().all()
    db.dispose()
    assert sorted(rows) == [(f"p{i}", 1000) for i in range(8)]
    assert statuses == ["FINISHED"]
