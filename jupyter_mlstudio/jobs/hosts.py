"""Multi-host script mode: ``instance_count=N`` runs N processes of a training script,
``algo-1`` … ``algo-N``, each with SageMaker's view of the cluster.

Every host gets the container contract of a SageMaker training host — ``SM_HOSTS``,
``SM_CURRENT_HOST``, ``resourceconfig.json``, its own model and output folders — plus
the rendezvous variables of torch.distributed and Horovod-style launchers
(``MASTER_ADDR``, ``MASTER_PORT``, ``WORLD_SIZE``, ``RANK``). ``algo-1`` is the leader:
its model folder is the job's model and its lines feed the metric definitions; every
host's output is in the job's log prefixed with its name, and in
``hosts/<host>/log.txt``. Channels are ``FullyReplicated`` (every host sees all files)
or ``ShardedByS3Key`` (the files are dealt out across the hosts).

The hosts are processes on the machine that runs the job, in the job's process group:
Stop reaches them all, and when one host fails the others are stopped and the job fails
naming it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .contract import Workspace

FULLY_REPLICATED = "FullyReplicated"
SHARDED_BY_KEY = "ShardedByS3Key"
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Host:
    name: str
    rank: int
    ws: Workspace
    env: dict[str, str]

    log_file: Path  # this host's own output (the job's log has every host's)


@dataclass(frozen=True)
class HostFailure:
    host: str
    code: int
    last_line: str | None


def host_names(count: int) -> list[str]:
    return [f"algo-{i}" for i in range(1, count + 1)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _shard(channel_dir: Path, target: Path, index: int, count: int) -> None:
    """Link every ``count``-th file of the channel (from ``index``) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    source = channel_dir.resolve()
    for path in _files(source)[index::count]:
        link = target / path.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(path)


def plan_hosts(
    ws: Workspace,
    leader_env: Mapping[str, str],
    count: int,
    channels: Mapping[str, str],
) -> list[Host]:
    """The hosts of a job whose leader's contract (``ws``, ``leader_env``) is laid out;
    ``channels`` maps each channel to its distribution type."""
    names = host_names(count)
    port = str(_free_port())
    hosts: list[Host] = []
    for rank, name in enumerate(names):
        host_ws = ws if rank == 0 else Workspace(ws.root / "hosts" / name)
        for folder in (host_ws.config_dir, host_ws.model_dir, host_ws.output_data_dir):
            folder.mkdir(parents=True, exist_ok=True)
        env = dict(leader_env)
        resource = {"current_host": name, "hosts": names, "network_interface_name": "lo"}
        channel_dirs: dict[str, str] = {}
        for channel, distribution in channels.items():
            data = ws.data_dir / channel
            if distribution == SHARDED_BY_KEY and data.is_dir():
                shard = ws.root / "shards" / name / channel
                _shard(data, shard, rank, count)
                channel_dirs[channel] = str(shard)
            else:
                channel_dirs[channel] = str(data)
            env[f"SM_CHANNEL_{channel.upper().replace('-', '_')}"] = channel_dirs[channel]
        input_config = {
            channel: {"TrainingInputMode": "File", "S3DistributionType": distribution}
            for channel, distribution in channels.items()
        }
        if rank:  # the leader's config files are the job's; the others get their own
            for config in ("hyperparameters.json",):
                (host_ws.config_dir / config).write_text((ws.config_dir / config).read_text())
        (host_ws.config_dir / "resourceconfig.json").write_text(json.dumps(resource, indent=2))
        (host_ws.config_dir / "inputdataconfig.json").write_text(json.dumps(input_config, indent=2))
        training_env = json.loads(leader_env.get("SM_TRAINING_ENV", "{}"))
        training_env.update(
            current_host=name,
            hosts=names,
            model_dir=str(host_ws.model_dir),
            output_data_dir=str(host_ws.output_data_dir),
            channel_input_dirs=channel_dirs,
        )
        env.update(
            {
                "SM_CURRENT_HOST": name,
                "SM_HOSTS": json.dumps(names),
                "SM_RESOURCE_CONFIG": json.dumps(resource),
                "SM_INPUT_DATA_CONFIG": json.dumps(input_config),
                "SM_TRAINING_ENV": json.dumps(training_env),
                "SM_MODEL_DIR": str(host_ws.model_dir),
                "SM_OUTPUT_DIR": str(host_ws.output_dir),
                "SM_OUTPUT_DATA_DIR": str(host_ws.output_data_dir),
                "SM_INPUT_CONFIG_DIR": str(host_ws.config_dir),
                # rendezvous: torch.distributed's env:// and launchers that read these
                "MASTER_ADDR": "127.0.0.1",
                "MASTER_PORT": port,
                "WORLD_SIZE": str(count),
                "RANK": str(rank),
                "NODE_RANK": str(rank),
                "LOCAL_RANK": "0",
                "LOCAL_WORLD_SIZE": "1",
            }
        )
        own_log = ws.root / "hosts" / name / "log.txt"
        own_log.parent.mkdir(parents=True, exist_ok=True)
        hosts.append(Host(name=name, rank=rank, ws=host_ws, env=env, log_file=own_log))
    return hosts


def run_hosts(
    hosts: list[Host],
    command: list[str],
    *,
    cwd: Path,
    emit: Callable[[Host, str], None],
    on_exit: Callable[[Host, int], None] = lambda host, code: None,
) -> HostFailure | None:
    """Run ``command`` once per host and wait for all; the first host to fail stops the
    others and is returned. ``emit`` gets every output line (one at a time)."""
    lock = threading.Lock()
    tails: dict[str, str | None] = {h.name: None for h in hosts}
    children: list[tuple[Host, subprocess.Popen[bytes]]] = []
    readers: list[threading.Thread] = []

    def read(host: Host, child: subprocess.Popen[bytes]) -> None:
        assert child.stdout is not None
        with open(host.log_file, "a", encoding="utf-8") as own_log:
            for raw in iter(child.stdout.readline, b""):
                text = raw.decode("utf-8", errors="replace").rstrip("\n")
                own_log.write(text + "\n")
                own_log.flush()
                if text.strip():
                    tails[host.name] = text.strip()
                with lock:
                    emit(host, text)

    try:
        for host in hosts:
            child = subprocess.Popen(  # noqa: S603 - running the user's job is the point
                command,
                cwd=cwd,
                env=host.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            children.append((host, child))
            reader = threading.Thread(target=read, args=(host, child), daemon=True)
            reader.start()
            readers.append(reader)
        running = {host.name: (host, child) for host, child in children}
        while running:
            for name, (host, child) in list(running.items()):
                code = child.poll()
                if code is None:
                    continue
                del running[name]
                on_exit(host, code)
                if code != 0:
                    _stop([c for _, c in running.values()])
                    for other, stopped in running.values():
                        on_exit(other, stopped.wait())
                    for reader in readers:
                        reader.join(timeout=2)
                    return HostFailure(host.name, code, tails[host.name])
            time.sleep(0.05)
        for reader in readers:
            reader.join(timeout=2)
        return None
    finally:
        _stop([child for _, child in children if child.poll() is None])


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM, then SIGKILL after a grace period."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def describe_exit(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


__all__ = [
    "FULLY_REPLICATED",
    "SHARDED_BY_KEY",
    "Host",
    "HostFailure",
    "describe_exit",
    "host_names",
    "plan_hosts",
    "run_hosts",
]
