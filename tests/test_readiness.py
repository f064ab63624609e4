"""``/readyz`` on the real broker: not ready within 3 epochs of Redis going away, ready again
once it returns (a redis-server of this test's own, killed and restarted on the same port)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.flowproc import Deployment
from tests.healthproc import running
from tests.test_redis_outage import _Server, server
from wagerflow.devenv.services import DevServices

__all__ = ["server"]  # the fixture, shared with test_redis_outage
pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]
EPOCH_S = 0.5


def test_readyz_follows_redis_away_and_back(
    tmp_path: Path, server: _Server, dev_services: DevServices
) -> None:
    dep = Deployment(
        tmp_path, dev_services.kafka_bootstrap, server.url, f"h{uuid.uuid4().hex[:8]}."
    )
    with running(dep, "--epoch-seconds", str(EPOCH_S), "--ready-epochs", "3") as flow:
        flow.wait_until("ready", lambda: flow.get("/readyz")[0] == 200)
        server.kill()
        killed = time.monotonic()
        flow.wait_until("not ready", lambda: flow.get("/readyz")[0] == 503, timeout=10)
        assert time.monotonic() - killed <= 3 * EPOCH_S
        status, body = flow.get("/readyz")
        assert status == 503 and "redis unreachable" in body, body
        assert flow.total("wagerflow_service_up", service="redis") == 0
        assert flow.total("wagerflow_ready") == 0

        server.start()
        flow.wait_until("ready again", lambda: flow.get("/readyz")[0] == 200, timeout=30)
        assert flow.total("wagerflow_service_up", service="redis") == 1
        assert flow.get("/healthz")[0] == 200
