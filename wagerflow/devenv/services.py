"""``wagerflow dev up|down|status``: the local services as one unit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wagerflow.config import DEV_ENV_FILE
from wagerflow.connectors.kafka_admin import admin
from wagerflow.connectors.redis_store import connect as redis_connect
from wagerflow.devenv import kafka, process, redis
from wagerflow.errors import ServiceUnavailable, WagerflowError


@dataclass(frozen=True, slots=True)
class DevServices:
    kafka_bootstrap: str
    redis_url: str


def _paths(home: Path) -> tuple[kafka.KafkaPaths, redis.RedisPaths]:
    return kafka.KafkaPaths(home / "dev" / "kafka"), redis.RedisPaths(home / "dev" / "redis")


def up(home: Path) -> DevServices:
    """Start Kafka and Redis (a running one is kept) and record their addresses."""
    kpaths, rpaths = _paths(home)
    bootstrap = kafka.start(kpaths)
    url = redis.start(rpaths)
    for attempt in range(60):
        try:
            admin(bootstrap, timeout_s=2.0)
            redis_connect(url).close()
            break
        except ServiceUnavailable:
            if attempt == 59:
                raise
    env_file = home / DEV_ENV_FILE
    env_file.write_text(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}\nREDIS_URL={url}\n")
    return DevServices(bootstrap, url)


def down(home: Path) -> list[str]:
    """Stop whatever is running; return the names of the services stopped."""
    kpaths, rpaths = _paths(home)
    stopped = [
        name for name, pid in (("kafka", kpaths.pid), ("redis", rpaths.pid)) if process.stop(pid)
    ]
    (home / DEV_ENV_FILE).unlink(missing_ok=True)
    return stopped


def status(home: Path) -> list[str]:
    """One line per service: name, state, address, pid, log."""
    kpaths, rpaths = _paths(home)
    lines = []
    kpid = process.running_pid(kpaths.pid)
    kport = kafka.configured_port(kpaths)
    lines.append(
        f"kafka  {'running' if kpid else 'stopped':8} 127.0.0.1:{kport or '-'}  "
        f"pid {kpid or '-'}  log {kpaths.log}"
    )
    rpid = process.running_pid(rpaths.pid)
    rport = rpaths.port_file.read_text().strip() if rpaths.port_file.exists() else "-"
    lines.append(
        f"redis  {'running' if rpid else 'stopped':8} redis://127.0.0.1:{rport}/0  "
        f"pid {rpid or '-'}  log {rpaths.log}"
    )
    return lines


def require_running(home: Path) -> DevServices:
    """The recorded addresses, or an error that says how to start the services."""
    env_file = home / DEV_ENV_FILE
    if not env_file.exists():
        msg = "local services are not running: start them with `wagerflow dev up`"
        raise WagerflowError(msg)
    pairs = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return DevServices(pairs["KAFKA_BOOTSTRAP_SERVERS"], pairs["REDIS_URL"])
