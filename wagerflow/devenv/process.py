"""Starting, finding and stopping a background server process by its pid file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def running_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive, else None."""
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def spawn(argv: list[str], log_file: Path, pid_file: Path, cwd: Path) -> int:
    """Start ``argv`` as a daemon (its own session, not our child), output to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    launched = subprocess.run(
        [
            "sh",
            "-c",
            'log="$1"; shift; "$@" >>"$log" 2>&1 </dev/null & echo $!',
            "sh",
            str(log_file),
            *argv,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=True,
    )
    pid = int(launched.stdout.strip())
    pid_file.write_text(str(pid))
    return pid


def wait_until(check: Callable[[], bool], timeout_s: float, pid_file: Path) -> bool:
    """Poll ``check`` until it is true, the process died, or the timeout passed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        if running_pid(pid_file) is None:
            return False
        time.sleep(0.25)
    return False


def stop(pid_file: Path, timeout_s: float = 20.0) -> bool:
    """Stop the process of ``pid_file`` (TERM, then KILL); True if one was running."""
    pid = running_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and running_pid(pid_file) is not None:
        time.sleep(0.2)
    if running_pid(pid_file) is not None:
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
    pid_file.unlink(missing_ok=True)
    return True
