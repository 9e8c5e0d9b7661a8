"""Feature Store: jupyter-mlstudio against Feast on the same data, in one run.

Three feature groups of ``--rows`` records each (5 features: two fractional, one
integral, one string, one boolean; every id has many events at distinct times) and
``--entities`` entity rows (an id and a time) are generated once and given to both:

- **ingest**: ours ``fg.ingest(df)`` (offline Parquet and the online SQLite store);
  Feast: writing the group's Parquet file (its offline store is the file) and
  ``materialize`` into its SQLite online store. Target ≥ 3x.
- **point-in-time training set** of the entity rows joined with all three groups: ours
  ``mls.features.dataset``; Feast ``get_historical_features(...).to_df()`` with the
  file offline store. Target ≥ 5x, and identical values (compared cell by cell).
- **online**: ours ``get_record`` p99 in-process (target ≤ 2 ms) and over REST through a
  real Jupyter server (target ≤ 10 ms), a batch of 100 ids (target ≤ 5 ms); Feast's
  ``get_online_features`` for the same lookups. With ``--redis-url`` (default:
  ``$MLSTUDIO_TEST_REDIS_URL``, e.g. under scripts/with_redis.sh) the first group's
  online records are copied into a Redis online store and the same lookups are timed
  there too.

Feast is not a dependency of the project: its side runs in its own venv
(``/tmp/feast-bench-venv``, made on first use with ``pip install feast``), in a separate
process that reads the same Parquet files, so the two never share a Python.

    .venv/bin/python benchmarks/features.py [--rows 5000000] [--entities 1000000]
    .venv/bin/python benchmarks/features.py --quick          # small sizes, a smoke run
    .venv/bin/python benchmarks/features.py --skip-feast     # ours only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import venv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

GROUPS = ("customers", "orders", "sessions")
FEATURES = ("amount", "score", "count", "segment", "active")
TTL = timedelta(days=3650)
START = datetime(2026, 1, 1, tzinfo=UTC)
FEAST_VENV = Path(tempfile.gettempdir()) / "feast-bench-venv"
FEAST_PIN = "feast==0.67.0"
TARGET_DATASET = 5.0
TARGET_INGEST = 3.0
ONLINE_LOOKUPS = 1000


def columns(group: str) -> list[str]:
    return [f"{group}_{name}" for name in FEATURES]


def make_group(group: str, rows: int, ids: int, seed: int) -> pd.DataFrame:
    """``rows`` events of ``ids`` ids; event times are distinct within the group (one
    second apart in a shuffled order), so no tie-break rule can make the peers differ."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(rows)
    amount, score, count, segment, active = columns(group)
    return pd.DataFrame(
        {
            "id": rng.integers(0, ids, rows, dtype=np.int64),
            "event_timestamp": pd.to_datetime(START) + pd.to_timedelta(order, unit="s"),
            amount: rng.gamma(2.0, 50.0, rows),
            score: rng.normal(0.0, 1.0, rows),
            count: rng.integers(0, 1000, rows, dtype=np.int64),
            segment: np.asarray([f"s{i}" for i in range(50)])[rng.integers(0, 50, rows)],
            active: rng.random(rows) < 0.5,
        }
    )


def make_entities(entities: int, ids: int, rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "row": np.arange(entities, dtype=np.int64),
            "id": rng.integers(0, ids, entities, dtype=np.int64),
            # +0.5 s: never equal to an event time, so "at or before" cannot differ either
            "event_timestamp": pd.to_datetime(START)
            + pd.to_timedelta(rng.integers(0, rows, entities) + 0.5, unit="s"),
        }
    )


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000.0, q))


# -- ours ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rest_latencies(home: Path, ids: np.ndarray) -> dict[str, float]:
    """GET one record and POST a lookup of 100 ids through a real Jupyter server."""
    port = free_port()
    token = "bench"
    env = {**os.environ, "MLSTUDIO_HOME": str(home)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={home}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/mlstudio/api/v1/feature-groups/{GROUPS[0]}"
    headers = {"Authorization": f"token {token}"}

    def call(url: str, body: dict[str, Any] | None = None) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, headers=headers)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return bytes(response.read())

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                call(f"{base}/records/{int(ids[0])}")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(
                        "The Jupyter server for the REST figures did not start."
                    ) from None
                time.sleep(0.5)
        single: list[float] = []
        for record_id in ids[:ONLINE_LOOKUPS]:
            began = time.perf_counter()
            call(f"{base}/records/{int(record_id)}")
            single.append(time.perf_counter() - began)
        batch: list[float] = []
        for i in range(200):
            chunk = [str(int(x)) for x in ids[(i * 100) % len(ids) :][:100]]
            began = time.perf_counter()
            call(f"{base}/lookup", {"record_ids": chunk})
            batch.append(time.perf_counter() - began)
    finally:
        server.terminate()
        server.wait(30)
    return {
        "rest_get_p50_ms": percentile_ms(single, 50),
        "rest_get_p99_ms": percentile_ms(single, 99),
        "rest_batch100_p99_ms": percentile_ms(batch, 99),
    }


def run_ours(work: Path, ids: np.ndarray, rest: bool, redis_url: str = "") -> dict[str, Any]:
    import jupyter_mlstudio as mls

    home = work / "ours-home"
    mls.configure(home=home)
    figures: dict[str, Any] = {"ingest_s": {}}
    for group in GROUPS:
        frame = pd.read_parquet(work / f"{group}.parquet")
        fg = mls.features.create_group(
            group,
            frame.head(1000),
            record_identifier="id",
            event_time_feature="event_timestamp",
            ttl_seconds=int(TTL.total_seconds()),
        )
        began = time.perf_counter()
        fg.ingest(frame)
        figures["ingest_s"][group] = time.perf_counter() - began
        del frame
    entities = pd.read_parquet(work / "entities.parquet")
    began = time.perf_counter()
    result = mls.features.dataset(
        entities, [f"{group}:*" for group in GROUPS], event_time="event_timestamp"
    )
    figures["dataset_s"] = time.perf_counter() - began
    result.to_parquet(work / "ours-result.parquet")

    fg = mls.features.get_group(GROUPS[0])
    fg.get_record(int(ids[0]))  # warm
    single: list[float] = []
    for record_id in ids[:ONLINE_LOOKUPS]:
        began = time.perf_counter()
        fg.get_record(int(record_id))
        single.append(time.perf_counter() - began)
    batch: list[float] = []
    for i in range(200):
        chunk = [int(x) for x in ids[(i * 100) % len(ids) :][:100]]
        began = time.perf_counter()
        fg.get_records(chunk)
        batch.append(time.perf_counter() - began)
    figures.update(
        get_p50_ms=percentile_ms(single, 50),
        get_p99_ms=percentile_ms(single, 99),
        batch100_p99_ms=percentile_ms(batch, 99),
    )
    if rest:
        figures.update(rest_latencies(home, ids))
    if redis_url:
        figures.update(redis_latencies(home, ids, redis_url))
    return figures


def redis_latencies(home: Path, ids: np.ndarray, url: str) -> dict[str, float]:
    """The first group's online records copied into Redis, then the same lookups."""
    import sqlite3

    from jupyter_mlstudio.features.online import OnlineRecord
    from jupyter_mlstudio.features.online_redis import RedisOnlineStore
    from jupyter_mlstudio.features.service import FeatureStore
    from jupyter_mlstudio.features.store import SqlFeatureGroupStore
    from jupyter_mlstudio.store.db import Database

    catalog = Database(f"sqlite:///{home / 'mlstudio.db'}")
    redis_store = RedisOnlineStore.open(url, prefix=f"mlstudio-bench:{os.getpid()}")
    features = FeatureStore(
        SqlFeatureGroupStore(catalog), redis_store, artifact_uri=(home / "artifacts").as_uri()
    )
    group_id = features.get_group(GROUPS[0]).id
    source = sqlite3.connect(home / "feature-store" / "online.db")
    rows = source.execute(
        "SELECT record_id, event_time_us, payload, deleted FROM feature_online_records"
        " WHERE group_id = ?",
        (group_id,),
    )
    while chunk := rows.fetchmany(1000):
        redis_store.put(group_id, [OnlineRecord(r, int(t), p, bool(d)) for r, t, p, d in chunk])
    source.close()
    try:
        # warm, and the copy is real: every entity id has a record
        assert features.get_record(GROUPS[0], int(ids[0])) is not None
        single: list[float] = []
        for record_id in ids[:ONLINE_LOOKUPS]:
            began = time.perf_counter()
            features.get_record(GROUPS[0], int(record_id))
            single.append(time.perf_counter() - began)
        batch: list[float] = []
        for i in range(200):
            chunk_ids = [int(x) for x in ids[(i * 100) % len(ids) :][:100]]
            began = time.perf_counter()
            features.get_records(GROUPS[0], chunk_ids)
            batch.append(time.perf_counter() - began)
    finally:
        redis_store.drop_group(group_id)
        features.close()
        catalog.dispose()
    return {
        "redis_get_p50_ms": percentile_ms(single, 50),
        "redis_get_p99_ms": percentile_ms(single, 99),
        "redis_batch100_p99_ms": percentile_ms(batch, 99),
    }


# -- Feast, in its own venv ------------------------------------------------------------------


FEAST_SIDE = r"""
import json, sys, time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from feast import Entity, FeatureStore, FeatureView, Field, FileSource
from feast.types import Bool, Float64, Int64, String
from feast.value_type import ValueType

work, groups, features, ttl_days, lookups = (
    Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3].split(","), int(sys.argv[4]),
    int(sys.argv[5]),
)
repo = work / "feast-repo"
repo.mkdir(exist_ok=True)
(repo / "feature_store.yaml").write_text(
    "project: bench\n"
    f"registry: {repo / 'registry.db'}\n"
    "provider: local\n"
    f"online_store:\n  type: sqlite\n  path: {repo / 'online.db'}\n"
    "offline_store:\n  type: file\n"
    "entity_key_serialization_version: 3\n"
)
store = FeatureStore(repo_path=str(repo))
entity = Entity(name="id", join_keys=["id"], value_type=ValueType.INT64)
types = [Float64, Float64, Int64, String, Bool]
figures = {"write_parquet_s": {}, "materialize_s": {}}
views = []
for group in groups:
    frame = pd.read_parquet(work / f"{group}.parquet")
    began = time.perf_counter()
    path = repo / f"{group}.parquet"
    frame.to_parquet(path)
    figures["write_parquet_s"][group] = time.perf_counter() - began
    start, end = frame["event_timestamp"].min(), frame["event_timestamp"].max()
    del frame
    views.append(FeatureView(
        name=group, entities=[entity], ttl=timedelta(days=ttl_days),
        schema=[Field(name=f"{group}_{f}", dtype=t) for f, t in zip(features, types)],
        source=FileSource(path=str(path), timestamp_field="event_timestamp"),
        online=True,
    ))
store.apply([entity, *views])
for group in groups:
    began = time.perf_counter()
    store.materialize(start - timedelta(seconds=1), end + timedelta(seconds=1), [group])
    figures["materialize_s"][group] = time.perf_counter() - began
entities = pd.read_parquet(work / "entities.parquet")
began = time.perf_counter()
result = store.get_historical_features(
    entity_df=entities, features=[f"{g}:{g}_{f}" for g in groups for f in features]
).to_df()
figures["dataset_s"] = time.perf_counter() - began
result.to_parquet(work / "feast-result.parquet")
ids = entities["id"].to_numpy()
refs = [f"{groups[0]}:{groups[0]}_{f}" for f in features]
store.get_online_features(features=refs, entity_rows=[{"id": int(ids[0])}]).to_dict()
single = []
for record_id in ids[:lookups]:
    began = time.perf_counter()
    store.get_online_features(features=refs, entity_rows=[{"id": int(record_id)}]).to_dict()
    single.append(time.perf_counter() - began)
batch = []
for i in range(200):
    rows = [{"id": int(x)} for x in ids[(i * 100) % len(ids):][:100]]
    began = time.perf_counter()
    store.get_online_features(features=refs, entity_rows=rows).to_dict()
    batch.append(time.perf_counter() - began)
ms = lambda xs, q: float(np.percentile(np.asarray(xs) * 1000.0, q))
figures.update(get_p50_ms=ms(single, 50), get_p99_ms=ms(single, 99),
               batch100_p99_ms=ms(batch, 99))
import feast
figures["version"] = feast.__version__
print(json.dumps(figures))
"""


def feast_python() -> str:
    python = FEAST_VENV / "bin" / "python"
    probe = [str(python), "-c", "import feast"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return str(python)
    print(f"Creating {FEAST_VENV} with {FEAST_PIN} (once; a few minutes) ...", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(FEAST_VENV)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", FEAST_PIN],
        check=True,
    )
    return str(python)


def run_feast(work: Path) -> dict[str, Any]:
    script = work / "feast_side.py"
    script.write_text(FEAST_SIDE)
    completed = subprocess.run(
        [
            feast_python(),
            str(script),
            str(work),
            ",".join(GROUPS),
            ",".join(FEATURES),
            str(TTL.days),
            str(ONLINE_LOOKUPS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"Feast's side failed:\n{completed.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def compare(work: Path) -> tuple[int, int, int, int]:
    """(cells that differ, cells compared, entity rows Feast returned, entity rows ours
    returned), by entity row. Feast 0.67's file offline store leaves out entity rows that
    no record of some group matches (ours keeps them with null features, like a left
    join), so values are compared on the rows both return."""
    ours = pd.read_parquet(work / "ours-result.parquet").set_index("row").sort_index()
    theirs = pd.read_parquet(work / "feast-result.parquet").set_index("row").sort_index()
    returned = (len(theirs), len(ours))
    ours = ours.loc[theirs.index]
    differ = compared = 0
    for group in GROUPS:
        for column in columns(group):
            a, b = ours[column], theirs[column]
            both_null = a.isna().to_numpy() & b.isna().to_numpy()
            if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
                equal = np.isclose(
                    a.astype("float64").to_numpy(), b.astype("float64").to_numpy(), rtol=1e-12
                )
            else:
                equal = (a.astype("object") == b.astype("object")).to_numpy()
            differ += int((~(equal | both_null)).sum())
            compared += len(a)
    return differ, compared, *returned


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="records per group")
    parser.add_argument("--entities", type=int, default=1_000_000, help="entity rows")
    parser.add_argument("--ids", type=int, default=500_000, help="distinct record ids")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--skip-feast", action="store_true", help="measure ours only")
    parser.add_argument("--skip-rest", action="store_true", help="no Jupyter server figures")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("MLSTUDIO_TEST_REDIS_URL", ""),
        help="also time online lookups on a Redis online store at this URL",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.entities, args.ids = 50_000, 10_000, 5_000
    work = Path(tempfile.mkdtemp(prefix="mls-features-bench-"))
    try:
        began = time.perf_counter()
        for seed, group in enumerate(GROUPS):
            make_group(group, args.rows, args.ids, seed).to_parquet(work / f"{group}.parquet")
        entities = make_entities(args.entities, args.ids, args.rows, 99)
        entities.to_parquet(work / "entities.parquet")
        ids = entities["id"].to_numpy()
        print(
            f"{len(GROUPS)} groups x {args.rows:,} rows, {args.entities:,} entity rows, "
            f"{args.ids:,} ids; data made in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        ours = run_ours(work, ids, rest=not args.skip_rest, redis_url=args.redis_url)
        print("ours:", json.dumps(ours), flush=True)
        feast = None if args.skip_feast else run_feast(work)
        if feast is not None:
            print("feast:", json.dumps(feast), flush=True)
        report(ours, feast, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(ours: dict[str, Any], feast: dict[str, Any] | None, work: Path) -> None:
    ingest = sum(ours["ingest_s"].values())
    print()
    print(f"{'':32}{'ours':>12}{'Feast':>12}{'ratio':>9}  target")
    if feast is not None:
        theirs = sum(feast["write_parquet_s"].values()) + sum(feast["materialize_s"].values())
        print(
            f"{'ingest, 3 groups (s)':32}{ingest:12.1f}{theirs:12.1f}"
            f"{theirs / ingest:8.1f}x  >= {TARGET_INGEST:.0f}x"
        )
        print(
            f"{'PIT training set (s)':32}{ours['dataset_s']:12.1f}{feast['dataset_s']:12.1f}"
            f"{feast['dataset_s'] / ours['dataset_s']:8.1f}x  >= {TARGET_DATASET:.0f}x"
        )
        differ, compared, feast_rows, our_rows = compare(work)
        print(f"{'entity rows returned':32}{our_rows:>12,}{feast_rows:>12,}")
        print(f"{'cells that differ (rows of both)':32}{differ:>12,} of {compared:,}  target 0")
    else:
        print(f"{'ingest, 3 groups (s)':32}{ingest:12.1f}")
        print(f"{'PIT training set (s)':32}{ours['dataset_s']:12.1f}")
    for key, label, target in [
        ("get_p50_ms", "get_record p50 (ms)", ""),
        ("get_p99_ms", "get_record p99 (ms)", "<= 2 ms"),
        ("batch100_p99_ms", "batch of 100 ids p99 (ms)", "<= 5 ms"),
    ]:
        other = f"{feast[key]:12.2f}" if feast is not None else ""
        print(f"{label:32}{ours[key]:12.2f}{other}{'':9}  {target}")
    if "rest_get_p99_ms" in ours:
        print(f"{'REST get p50 (ms)':32}{ours['rest_get_p50_ms']:12.2f}")
        print(f"{'REST get p99 (ms)':32}{ours['rest_get_p99_ms']:12.2f}{'':21}  <= 10 ms")
        print(f"{'REST batch of 100 p99 (ms)':32}{ours['rest_batch100_p99_ms']:12.2f}")
    if "redis_get_p99_ms" in ours:
        print(f"{'Redis get_record p50 (ms)':32}{ours['redis_get_p50_ms']:12.2f}")
        print(f"{'Redis get_record p99 (ms)':32}{ours['redis_get_p99_ms']:12.2f}")
        print(f"{'Redis batch of 100 p99 (ms)':32}{ours['redis_batch100_p99_ms']:12.2f}")
    if feast is not None:
        print(f"Feast {feast.get('version')}, its file offline store and SQLite online store.")


if __name__ == "__main__":
    main()
