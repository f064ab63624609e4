"""A Redis sink survives Redis going away: it waits, retries with backoff, loses nothing, says so
once on the way down and once on the way back, and resumes by itself."""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import _unavailable
from wagerflow.connectors.redis_scripts import REDIS_OUTAGE
from wagerflow.connectors.redis_store import RedisStateSink, market_key
from wagerflow.devenv import process
from wagerflow.devenv import redis as dev_redis
from wagerflow.schemas.state import STATE_DECODER, MarketState

pytestmark = pytest.mark.redis


class _Server:
    """One redis-server on a fixed port that a test can kill and start again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = process.free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [dev_redis.binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.root), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not process.port_open(self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[_Server]:
    try:
        dev_redis.binary()
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        _unavailable(f"redis-server is not installed: {exc}")
    srv = _Server(tmp_path)
    srv.start()
    yield srv
    if srv.proc is not None and srv.proc.poll() is None:
        srv.kill()


def _state(market: str, version: int) -> MarketState:
    return MarketState(
        tenant_id="t1",
        provider_id="betfair",
        market_id=market,
        event_id=None,
        status="OPEN",
        in_play=False,
        currency="GBP",
        version=version,
        winners=[],
        selections=[],
    )


def test_a_batch_written_while_redis_is_away_lands_once_it_returns(
    server: _Server, caplog: pytest.LogCaptureFixture
) -> None:
    part = RedisStateSink(server.url).build_part("test", "redis-state", None)
    part.write_batch([_state("1.1", 1)])
    server.kill()
    caplog.set_level(logging.WARNING, logger="wagerflow.connectors.redis_scripts")
    done = threading.Event()

    def write() -> None:
        part.write_batch([_state("1.1", 2), _state("1.2", 1)])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(1.5)
    assert not done.is_set(), "the sink must wait while Redis is away"
    assert REDIS_OUTAGE.is_set()
    server.start()
    writer.join(timeout=15)
    assert done.is_set()
    assert not REDIS_OUTAGE.is_set()
    client = redis.Redis.from_url(server.url)
    stored = {
        m: STATE_DECODER.decode(client.hget(market_key("t1", "betfair", m), "state") or b"")
        for m in ("1.1", "1.2")
    }
    assert stored["1.1"].version == 2
    assert stored["1.2"].version == 1
    lines = [r.getMessage() for r in caplog.records]
    assert len([m for m in lines if "unreachable" in m]) == 1
    assert len([m for m in lines if "reachable again" in m]) == 1
    part.close()
