"""The Redis sinks on a real redis-server: check-and-apply by version, the liability ranking,
and a server that lost its script cache."""

from __future__ import annotations

import json

import pytest
import redis

from wagerflow.connectors.redis_exposure import (
    _ExposurePartition,
    exposure_key,
    ranking_key,
)
from wagerflow.devenv.services import DevServices
from wagerflow.schemas.risk import LineExposure, SelectionExposure

pytestmark = [pytest.mark.redis]


def _line(version: int, worst: int, stake: int = 100) -> LineExposure:
    return LineExposure(
        tenant_id="t1",
        version=version,
        as_of_ms=version,
        event_id="e1",
        line_id="1",
        book="PRE_MATCH",
        currency="EUR",
        selections=[
            SelectionExposure(
                selection_id="a", bets=1, open_stake=stake, potential_return=worst, liability=worst
            )
        ]
        if stake
        else [],
        open_stake=stake,
        worst_case=worst,
    )


@pytest.fixture
def url(dev_services: DevServices) -> str:
    db = dev_services.redis_url.rsplit("/", 1)[0] + "/9"
    redis.Redis.from_url(db).flushdb()
    return db


def test_exposures_apply_by_version_and_rank_by_worst_case(url: str) -> None:
    client: redis.Redis[bytes] = redis.Redis.from_url(url)
    sink = _ExposurePartition(url, finished_ttl_s=60)
    sink.write_batch([_line(2, 500)])
    sink.write_batch([_line(1, 900)])  # older: changes nothing
    key = exposure_key(_line(2, 500))
    assert json.loads(client.hget(key, "state") or b"{}")["worst_case"] == 500
    assert client.zrange(ranking_key("t1"), 0, -1, withscores=True) == [(key.encode(), 500.0)]
    client.script_flush()  # a restarted server: the scripts are gone
    sink.write_batch([_line(3, 0, stake=0)])  # closed: leaves the ranking, expires
    assert client.zcard(ranking_key("t1")) == 0
    assert 0 < client.ttl(key) <= 60
    sink.write_batch([_line(2, 500)])  # a replay of an older version
    assert client.zcard(ranking_key("t1")) == 0
    sink.close()
