"""Multi-host script mode and checkpoints with retries, on real processes: a script
that all-reduces over TCP between its hosts with the rendezvous variables, a host killed
mid-run, and a training script killed mid-run that resumes from its checkpoint."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from jupyter_mlstudio.jobs.specs import TrainingSpec
from jupyter_mlstudio.studio import Studio

Script = Callable[[str, str], Path]

ALL_REDUCE = """
import json, os, socket, time

rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
host = os.environ["SM_CURRENT_HOST"]
config = json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "resourceconfig.json")))
assert config["current_host"] == host and config["hosts"] == json.loads(os.environ["SM_HOSTS"])
shard = sorted(os.listdir(os.environ["SM_CHANNEL_PARTS"]))
everything = sorted(os.listdir(os.environ["SM_CHANNEL_LOOKUP"]))
value = sum(int(open(os.path.join(os.environ["SM_CHANNEL_PARTS"], f)).read()) for f in shard)
print(f"{host} rank={rank} shard={','.join(shard)} replicated={len(everything)}", flush=True)
address = (os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]))
if rank == 0:
    server = socket.create_server(address)
    peers = [server.accept()[0] for _ in range(world - 1)]
    total = value + sum(int(p.recv(64).decode()) for p in peers)
    for p in peers:
        p.sendall(str(total).encode())
else:
    for _ in range(200):  # the leader may not listen yet
        try:
            peer = socket.create_connection(address)
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    peer.sendall(str(value).encode())
    total = int(peer.recv(64).decode())
print(f"allreduce total={total} on {host}", flush=True)
print(f"reduced={total}", flush=True)
if rank == 0:
    open(os.path.join(os.environ["SM_MODEL_DIR"], "total.json"), "w").write(json.dumps(total))
"""


def test_three_hosts_all_reduce_over_tcp(studio: Studio, script: Script, tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    for number in range(6):  # 1 + 2 + ... + 6 = 21, dealt out two files per host
        (parts / f"part-{number}.txt").write_text(str(number + 1))
    lookup = tmp_path / "lookup"
    lookup.mkdir()
    for name in ("a", "b", "c"):
        (lookup / name).write_text(name)
    job = studio.jobs.submit(
        TrainingSpec(
            entry_point=str(script("allreduce.py", ALL_REDUCE)),
            instance_count=3,
            channels={"parts": str(parts), "lookup": str(lookup)},
            channel_distribution={"parts": "ShardedByS3Key"},
            metric_definitions=[{"name": "reduced", "regex": r"reduced=(\d+)"}],
        )
    )
    done = studio.jobs.wait(job.id, timeout=120)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    for host in ("algo-1", "algo-2", "algo-3"):
        assert f"[{host}] allreduce total=21 on {host}" in log
        assert done.outputs[f"host:{host}"] == "completed"
    # each host saw its own two files of the sharded channel, all of the replicated one
    shards = [line.split("shard=")[1].split()[0] for line in log.splitlines() if "shard=" in line]
    assert len(shards) == 3 and all(len(s.split(",")) == 2 for s in shards)
    assert len({f for s in shards for f in s.split(",")}) == 6
    assert log.count("replicated=3") == 3
    # the leader's model is the job's; its lines (only) are the run's metrics
    assert (
        json.loads(Path(done.outputs["model"].removeprefix("file://"), "total.json").read_text())
        == 21
    )
    assert done.run_id is not None
    history = studio.stores.runs.get_metric_history(done.run_id, "reduced")
    assert [m.value for m in history] == [21]
    # each host's own log is kept with the job
    own = Path(done.artifact_uri.removeprefix("file://")) / "hosts" / "algo-2" / "log.txt"
    assert "allreduce total=21 on algo-2" in own.read_text()


def _processes_running(code: Path) -> dict[int, str]:
    """pid → SM_CURRENT_HOST of the processes running ``code``."""
    found: dict[int, str] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if not any(str(code).encode() == a for a in args):
                continue
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        host = next((e[16:].decode() for e in environ if e.startswith(b"SM_CURRENT_HOST=")), "")
        found[int(proc.name)] = host
    return found


def test_killing_one_host_fails_the_job_and_stops_the_others(
    studio: Studio, script: Script
) -> None:
    code = script(
        "forever.py",
        """
        import os, time
        print("up on", os.environ["SM_CURRENT_HOST"], flush=True)
        time.sleep(600)
        """,
    )
    job = studio.jobs.submit(TrainingSpec(entry_point=str(code), instance_count=3))
    deadline = time.monotonic() + 60
    while len(_processes_running(code)) < 3 or studio.jobs.read_log(job.id).text.count("up on") < 3:
        assert time.monotonic() < deadline, studio.jobs.read_log(job.id).text
        time.sleep(0.1)
    victim = next(pid for pid, host in _processes_running(code).items() if host == "algo-2")
    os.kill(victim, signal.SIGKILL)
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Failed"
    assert done.failure_reason and "Host algo-2 killed by SIGKILL" in done.failure_reason
    assert done.outputs["host:algo-2"] == "killed by SIGKILL"
    assert done.outputs["host:algo-1"] == done.outputs["host:algo-3"] == "killed by SIGTERM"
    deadline = time.monotonic() + 10
    while _processes_running(code):  # no orphans
        assert time.monotonic() < deadline, _processes_running(code)
        time.sleep(0.1)


CHECKPOINTED = """
import os, time
folder = os.environ["MLSTUDIO_CHECKPOINT_DIR"]
saved = os.path.join(folder, "step.txt")
start = int(open(saved).read()) + 1 if os.path.exists(saved) else 0
if start:
    print(f"resumed from step {start - 1} (attempt {os.environ['MLSTUDIO_ATTEMPT']})", flush=True)
for step in range(start, 30):
    print(f"step {step}", flush=True)
    with open(saved + ".tmp", "w") as out:
        out.write(str(step))
    os.replace(saved + ".tmp", saved)
    time.sleep(0.4)
open(os.path.join(os.environ["SM_MODEL_DIR"], "done.txt"), "w").write("30 steps")
print("finished", flush=True)
"""


def test_a_killed_job_is_retried_and_resumes_from_its_checkpoint(
    studio: Studio, script: Script, tmp_path: Path
) -> None:
    code = script("checkpointed.py", CHECKPOINTED)
    store = tmp_path / "checkpoint-store"
    job = studio.jobs.submit(
        TrainingSpec(entry_point=str(code), max_retry_attempts=2, checkpoint_uri=str(store))
    )
    deadline = time.monotonic() + 60
    while "step 6" not in studio.jobs.read_log(job.id).text:
        assert time.monotonic() < deadline, studio.jobs.read_log(job.id).text
        time.sleep(0.1)
    time.sleep(2.5)  # a sync round has copied a checkpoint to the store
    (victim,) = _processes_running(code)
    os.kill(victim, signal.SIGKILL)
    done = studio.jobs.wait(job.id, timeout=90)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    assert "attempt 1 failed: The training script was killed by SIGKILL" in log
    assert "attempt 2 of 3: 1 checkpoint file(s) restored from" in log
    resumed = int(log.split("resumed from step ")[1].split()[0])
    assert resumed >= 6, log  # not from the start
    assert "step 0" not in log.split("resumed from step")[1]
    assert (store / "step.txt").read_text() == "29"
    assert done.outputs["checkpoints"] == str(store)


def test_script_mode_options_are_refused_for_built_ins() -> None:
    with pytest.raises(ValidationError, match="max_retry_attempts: script mode"):
        TrainingSpec(
            algorithm="linear-regression", channels={"train": "/x.csv"}, max_retry_attempts=1
        )
    with pytest.raises(ValidationError, match="channel_distribution names channels the job lacks"):
        TrainingSpec(entry_point="/t.py", channel_distribution={"train": "ShardedByS3Key"})
    with pytest.raises(ValidationError, match="folder under /opt/ml/"):
        TrainingSpec(entry_point="/t.py", checkpoint_local_path="/tmp/x")


def test_the_sdk_takes_sagemakers_names(script: Script, tmp_path: Path) -> None:
    import jupyter_mlstudio as mls

    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "a.txt").write_text("1")
    code = script("hosts.py", "import os\nprint('host', os.environ['SM_CURRENT_HOST'])\n")
    job = mls.train(
        str(code),
        channels={"parts": str(tmp_path / "parts")},
        instance_count=2,
        distribution={"parts": "ShardedByS3Key"},
        max_retry_attempts=1,
        wait=True,
    )
    assert job.status == "Completed"
    spec = job.job.spec
    assert spec["instance_count"] == 2 and spec["max_retry_attempts"] == 1
    assert spec["channel_distribution"] == {"parts": "ShardedByS3Key"}
    assert "[algo-2] host algo-2" in job.logs()
