"""Helpers for tests that run the risk board as a real process."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

TOKEN = "board-test-token-0001"


def wait_up(url: str, proc: subprocess.Popen[str], timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            msg = f"the board exited with {proc.returncode}: {err}"
            raise AssertionError(msg)
        try:
            urllib.request.urlopen(url + "healthz", timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    msg = f"the board at {url} did not come up within {timeout_s}s"
    raise AssertionError(msg)


@dataclass
class Http:
    """A tiny HTTP client with its own cookie jar; returns (status, body) without raising."""

    base: str
    jar: CookieJar = field(default_factory=CookieJar)

    def _open(self, req: urllib.request.Request) -> tuple[int, str]:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        try:
            with opener.open(req, timeout=10) as res:
                return res.status, res.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        return self._open(
            urllib.request.Request(self.base + path, data=body, headers=headers, method="POST")
        )

    def login(self, trader: str, token: str) -> tuple[int, str]:
        body = f"trader={trader}&token={token}".encode()
        return self.post("/login", body, {"Content-Type": "application/x-www-form-urlencoded"})

    def control(self, command: dict[str, Any], csrf: str | None) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        return self.post("/api/control", json.dumps(command).encode(), headers)

    def csrf(self) -> str:
        _, page = self.get("/")
        marker = '<meta name="csrf" content="'
        assert marker in page, "not logged in"
        return page.split(marker, 1)[1].split('"', 1)[0]


def stop(proc: subprocess.Popen[str], timeout_s: float = 30) -> None:
    """Stop the board as Ctrl-C would, and release its pipes."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout_s)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
