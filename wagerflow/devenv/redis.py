"""A real redis-server (Debian's package) on loopback, data under the dev directory."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from wagerflow.devenv import process
from wagerflow.errors import WagerflowError


@dataclass(frozen=True, slots=True)
class RedisPaths:
    root: Path

    @property
    def pid(self) -> Path:
        return self.root / "redis.pid"

    @property
    def log(self) -> Path:
        return self.root / "redis.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"


def binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        msg = (
            "redis-server is not installed: `apt-get install redis-server` (the Makefile's "
            "`setup` target does it), or set REDIS_URL to a running server"
        )
        raise WagerflowError(msg)
    return found


def start(paths: RedisPaths, timeout_s: float = 20.0) -> str:
    """Start the server (idempotent); return its URL."""
    if process.running_pid(paths.pid) is not None and paths.port_file.exists():
        return f"redis://127.0.0.1:{paths.port_file.read_text().strip()}/0"
    exe = binary()
    paths.root.mkdir(parents=True, exist_ok=True)
    port = process.free_port()
    paths.port_file.write_text(str(port))
    process.spawn(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(paths.root),
            "--logfile",
            str(paths.log),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--protected-mode",
            "yes",
        ],
        paths.root / "redis.stdout",
        paths.pid,
        paths.root,
    )
    if not process.wait_until(lambda: process.port_open(port), timeout_s, paths.pid):
        process.stop(paths.pid)
        msg = f"redis-server did not start within {timeout_s:.0f}s; see {paths.log}"
        raise WagerflowError(msg)
    return f"redis://127.0.0.1:{port}/0"
