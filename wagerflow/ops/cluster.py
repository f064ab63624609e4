"""One Bytewax cluster of N processes: on one machine (``wagerflow run --processes N`` spawns
them) or across pods (each pod is one process: its id from the StatefulSet ordinal, the
addresses from the headless Service's stable DNS names).

Bytewax connects the processes itself (timely's ``-i/-a`` addressing): process ``i`` listens on
``addresses[i]`` and every process must be given the same list.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wagerflow.errors import ConfigError

CLUSTER_PORT = 2101
"""Where each pod's process listens for its peers (the headless Service's ``cluster`` port)."""
_ORDINAL = re.compile(r"-(\d+)$")


@dataclass(frozen=True, slots=True)
class Cluster:
    process_id: int
    addresses: list[str]

    @property
    def size(self) -> int:
        return len(self.addresses)


def from_pod(env: Mapping[str, str]) -> Cluster | None:
    """The cluster a StatefulSet pod belongs to, from ``POD_NAME`` (``<set>-<ordinal>``),
    ``WAGERFLOW_REPLICAS`` and ``WAGERFLOW_CLUSTER_SERVICE`` (the headless Service); None
    outside a pod."""
    pod = env.get("POD_NAME")
    service = env.get("WAGERFLOW_CLUSTER_SERVICE")
    if not pod or not service:
        return None
    match = _ORDINAL.search(pod)
    if match is None:
        msg = f"POD_NAME {pod!r} does not end in a StatefulSet ordinal (-0, -1, ...)"
        raise ConfigError(msg)
    try:
        replicas = int(env.get("WAGERFLOW_REPLICAS", "1"))
    except ValueError as exc:
        msg = f"WAGERFLOW_REPLICAS must be a whole number; got {env.get('WAGERFLOW_REPLICAS')!r}"
        raise ConfigError(msg) from exc
    ordinal = int(match.group(1))
    if not 0 <= ordinal < replicas:
        msg = f"pod ordinal {ordinal} is outside WAGERFLOW_REPLICAS={replicas}"
        raise ConfigError(msg)
    stateful_set = pod[: match.start()]
    port = int(env.get("WAGERFLOW_CLUSTER_PORT", str(CLUSTER_PORT)))
    return Cluster(ordinal, [f"{stateful_set}-{i}.{service}:{port}" for i in range(replicas)])


def parse(process_id: int | None, addresses: str | None) -> Cluster | None:
    """``--process-id`` and ``--addresses "h:p;h:p"`` (both or neither)."""
    if process_id is None and addresses is None:
        return None
    if process_id is None or addresses is None:
        raise ConfigError("--process-id and --addresses go together")
    hosts = [a.strip() for a in addresses.split(";") if a.strip()]
    if not 0 <= process_id < len(hosts):
        msg = f"--process-id {process_id} is outside the {len(hosts)} --addresses"
        raise ConfigError(msg)
    return Cluster(process_id, hosts)


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def spawn_local(count: int, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``wagerflow run ARGV`` as ``count`` processes of one cluster on this machine and
    wait for all; the first failing exit status (or 0). SIGINT/SIGTERM are passed on."""
    addresses = ";".join(f"127.0.0.1:{p}" for p in free_ports(count))
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wagerflow.cli",
                "run",
                *argv,
                "--process-id",
                str(i),
                "--addresses",
                addresses,
            ],
            env=dict(env),
        )
        for i in range(count)
    ]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    codes = [child.wait() for child in children]
    return next((c for c in codes if c != 0), 0)
