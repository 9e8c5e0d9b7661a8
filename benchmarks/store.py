"""Experiment store throughput on the embedded SQLite default.

Baseline: the same inserts and reads with the standard library's sqlite3 module (one
transaction per insert, WAL mode), i.e. what the ORM, validation and locking cost us.

    python benchmarks/store.py [--count 2000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.store.db import Database


def bench_ours(path: Path, count: int) -> dict[str, float]:
    db = Database(f"sqlite:///{path}")
    store = SqlExperimentStore(db)
    t0 = time.perf_counter()
    for i in range(count):
        store.create_experiment(f"exp-{i}", tags={"i": str(i)})
    t1 = time.perf_counter()
    token, seen = None, 0
    while True:
        page = store.list_experiments(max_items=100, next_token=token)
        seen += len(page.items)
        if (token := page.next_token) is None:
            break
    t2 = time.perf_counter()
    for i in range(0, count, max(1, count // 200)):
        store.get_experiment_by_name(f"exp-{i}")
    t3 = time.perf_counter()
    db.dispose()
    assert seen == count
    lookups = len(range(0, count, max(1, count // 200)))
    return {
        "create/s": count / (t1 - t0),
        "list rows/s": count / (t2 - t1),
        "get by name/s": lookups / (t3 - t2),
    }


def bench_sqlite3(path: Path, count: int) -> dict[str, float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE e (id TEXT PRIMARY KEY, name TEXT UNIQUE, description TEXT, "
        "created_at TEXT, updated_at TEXT)"
    )
    conn.execute("CREATE INDEX e_created ON e(created_at)")
    conn.execute("CREATE TABLE t (eid TEXT, k TEXT, v TEXT, PRIMARY KEY (eid, k))")
    t0 = time.perf_counter()
    for i in range(count):
        eid = uuid.uuid4().hex
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT id FROM e WHERE name = ?", (f"exp-{i}",)).fetchone()
        conn.execute("INSERT INTO e VALUES (?, ?, '', ?, ?)", (eid, f"exp-{i}", now, now))
        conn.execute("INSERT INTO t VALUES (?, 'i', ?)", (eid, str(i)))
        conn.execute("COMMIT")
    t1 = time.perf_counter()
    seen = 0
    for offset in range(0, count, 100):
        rows = conn.execute(
            "SELECT * FROM e ORDER BY created_at DESC, id DESC LIMIT 101 OFFSET ?", (offset,)
        ).fetchall()
        ids = [r[0] for r in rows[:100]]
        conn.execute(f"SELECT * FROM t WHERE eid IN ({','.join('?' * len(ids))})", ids).fetchall()
        seen += len(ids)
    t2 = time.perf_counter()
    for i in range(0, count, max(1, count // 200)):
        conn.execute("SELECT * FROM e WHERE name = ?", (f"exp-{i}",)).fetchone()
    t3 = time.perf_counter()
    conn.close()
    lookups = len(range(0, count, max(1, count // 200)))
    return {
        "create/s": count / (t1 - t0),
        "list rows/s": seen / (t2 - t1),
        "get by name/s": lookups / (t3 - t2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours = bench_ours(Path(tmp) / "ours.db", args.count)
        base = bench_sqlite3(Path(tmp) / "base.db", args.count)
    print(f"{'operation':<16}{'ours':>12}{'sqlite3':>12}{'ours/sqlite3':>14}")
    for key in ours:
        print(f"{key:<16}{ours[key]:>12.0f}{base[key]:>12.0f}{ours[key] / base[key]:>14.2f}")


if __name__ == "__main__":
    main()
