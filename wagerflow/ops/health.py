"""``/healthz``, ``/readyz`` and ``/metrics`` on one small HTTP server (its own thread, so it
answers while the dataflow is blocked).

- ``/healthz``: the process is alive (200 always).
- ``/readyz``: 200 when every service answered the last check and the dataflow closed an epoch
  within the last ``max_epochs`` epoch intervals; 503 with the reasons otherwise (also before
  the first epoch: topics, migrations and recovery are still being prepared).
- ``/metrics``: every wagerflow metric (Prometheus text format).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from wagerflow import metrics

log = logging.getLogger("wagerflow.health")

Check = Callable[[], None]
"""Raises when its service cannot be reached."""


class Health:
    """What the probes see. ``progressed`` is called at every epoch's snapshot (by the
    instrumented source and sinks); ``check_services`` by the checker thread."""

    def __init__(
        self,
        checks: dict[str, Check],
        epoch_s: float,
        max_epochs: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = checks
        self._budget_s = max_epochs * epoch_s
        self._clock = clock
        self._last_progress: float | None = None  # not ready before the first epoch closes
        self._down: dict[str, str] = {}
        self._ready = False

    def progressed(self) -> None:
        self._last_progress = self._clock()
        metrics.LAST_PROGRESS.set(time.time())

    def check_services(self) -> None:
        down: dict[str, str] = {}
        for name, check in self._checks.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 any failure means not reachable
                down[name] = type(exc).__name__
            metrics.SERVICE_UP.labels(name).set(0 if name in down else 1)
        for name in down.keys() - self._down.keys():
            log.error(f"{name} is not reachable", extra={"service": name, "event": "service_down"})
        for name in self._down.keys() - down.keys():
            log.info(f"{name} is reachable again", extra={"service": name, "event": "service_up"})
        self._down = down

    def readiness(self) -> list[str]:
        """Why the process is not ready (empty: ready)."""
        reasons = [f"{name} unreachable ({why})" for name, why in sorted(self._down.items())]
        if self._last_progress is None:
            reasons.append("no epoch closed yet (starting)")
        elif (idle := self._clock() - self._last_progress) > self._budget_s:
            reasons.append(f"no epoch closed for {idle:.1f}s (budget {self._budget_s:.1f}s)")
        ready = not reasons
        if ready != self._ready:
            log.warning(
                "ready" if ready else f"not ready: {'; '.join(reasons)}",
                extra={"event": "readiness", "ready": ready},
            )
            self._ready = ready
        metrics.READY.set(1 if ready else 0)
        return reasons


def _handler(health: Health) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 the stdlib's name
            if self.path == "/healthz":
                self._send(200, b"ok\n", "text/plain")
            elif self.path == "/readyz":
                reasons = health.readiness()
                body = ("ready\n" if not reasons else "\n".join(reasons) + "\n").encode()
                self._send(200 if not reasons else 503, body, "text/plain")
            elif self.path == "/metrics":
                self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found\n", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Probes every few seconds are not worth a log line."""

    return Handler


def serve(
    health: Health,
    port: int,
    *,
    host: str = "0.0.0.0",  # noqa: S104 probes and Prometheus reach the pod's address
    every_s: float = 1.0,
    on_tick: Callable[[], None] | None = None,
) -> ThreadingHTTPServer:
    """Serve the probes on ``host:port`` and check the services every ``every_s`` (then call
    ``on_tick``: the DLQ brake), both on daemon threads."""
    server = ThreadingHTTPServer((host, port), _handler(health))
    threading.Thread(target=server.serve_forever, name="wagerflow-health", daemon=True).start()

    def loop() -> None:
        while True:
            health.check_services()
            health.readiness()
            if on_tick is not None:
                on_tick()
            time.sleep(every_s)

    threading.Thread(target=loop, name="wagerflow-checks", daemon=True).start()
    return server
