"""Latest market state in Redis, written check-and-apply by version.

Layout: one hash per market, ``wf:market:{<tenant>:<provider>:<market>}`` with fields
``version`` (provider publish time, ms) and ``state`` (the ``MarketState`` JSON). The braces are a
Redis Cluster hash tag, so each key's slot is fixed by the market. Retention: a CLOSED market's
key expires ``closed_ttl_s`` after its last write (default 7 days); open markets never expire.

The Lua script applies a write only when its version is not lower than the stored one, so a
replay, a duplicate or an out-of-order older state never changes what is stored.
"""

from __future__ import annotations

import redis
from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from redis.client import Pipeline

from wagerflow.connectors.redis_scripts import Script, latest_by_key, run_batch
from wagerflow.errors import ServiceUnavailable
from wagerflow.schemas.state import STATE_ENCODER, MarketState

_HINT = "start a local server with `wagerflow dev up`, or set REDIS_URL"
DEFAULT_CLOSED_TTL_S = 7 * 24 * 3600

CHECK_AND_APPLY = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'state', ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
end
return 1
"""


def market_key(tenant_id: str, provider_id: str, market_id: str) -> str:
    return f"wf:market:{{{tenant_id}:{provider_id}:{market_id}}}"


def connect(url: str) -> redis.Redis[bytes]:
    """A client for a server known to answer; ``ServiceUnavailable`` otherwise."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        raise ServiceUnavailable("Redis", url, _HINT) from exc
    return client


class _StatePartition(StatefulSinkPartition[MarketState, None]):
    def __init__(self, url: str, closed_ttl_s: int) -> None:
        self._client = connect(url)
        self._apply = Script(self._client, CHECK_AND_APPLY)
        self._closed_ttl_s = closed_ttl_s

    def write_batch(self, values: list[MarketState]) -> None:
        latest = latest_by_key(
            values, lambda state: market_key(state.tenant_id, state.provider_id, state.market_id)
        )

        def fill(pipe: Pipeline[bytes]) -> None:
            for key, state in latest.items():
                ttl = self._closed_ttl_s if state.status == "CLOSED" else 0
                self._apply.queue(pipe, [key], [state.version, STATE_ENCODER.encode(state), ttl])

        run_batch(self._client, [self._apply], fill)

    def snapshot(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()


class RedisStateSink(FixedPartitionedSink[MarketState, None]):
    """Items are ``(routing_key, MarketState)``."""

    def __init__(self, url: str, closed_ttl_s: int = DEFAULT_CLOSED_TTL_S) -> None:
        self._url = url
        self._closed_ttl_s = closed_ttl_s

    def list_parts(self) -> list[str]:
        return ["redis"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _StatePartition:
        return _StatePartition(self._url, self._closed_ttl_s)
