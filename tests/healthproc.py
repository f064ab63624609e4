"""A ``wagerflow run`` kept running with its health server, for tests that read ``/metrics``
and ``/readyz`` while the flow works (``tests.flowproc`` runs flows to the end)."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.flowproc import WAGERFLOW, Deployment
from wagerflow.devenv import process

Samples = dict[str, list[tuple[dict[str, str], float]]]
"""Sample name (``..._total``, ``..._bucket``) -> every (labels, value) on one scrape."""


@dataclass(frozen=True)
class Running:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except urllib.error.URLError as err:  # not serving (yet, or any more)
            return 0, str(err.reason)

    def scrape(self) -> Samples:
        status, text = self.get("/metrics")
        assert status == 200, text
        out: Samples = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
        return out

    def total(self, name: str, **labels: str) -> float:
        rows = self.scrape().get(name, [])
        return sum(v for lab, v in rows if all(lab.get(k) == x for k, x in labels.items()))

    def wait_until(self, what: str, ok: Callable[[], bool], timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not ok():
            assert self.proc.poll() is None, f"the flow exited: {self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, (
                f"timed out waiting for {what}: {self.log.read_text()[-3000:]}"
            )
            time.sleep(0.25)


@contextmanager
def running(dep: Deployment, *args: str) -> Iterator[Running]:
    """``wagerflow run --health-port P ARGS`` until the block ends (then SIGINT). Its output
    goes to a file: a pipe nobody reads would fill up and stall the flow."""
    port = process.free_port()
    log = dep.home / f"run-{port}.log"
    dep.home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen([*WAGERFLOW, "run", "--health-port", str(port), *args],
                                env=dep.env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    flow = Running(proc, port, log)
    try:
        flow.wait_until("/healthz", lambda: process.port_open(port), timeout=60)
        yield flow
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
