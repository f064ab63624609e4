"""Recent limit breaches, bet settlements and provider health in Redis, for the risk board.

Layout (one Cluster slot per tenant):

- ``wf:feed:{<tenant>}:breaches``, ``wf:feed:{<tenant>}:settlements``,
  ``wf:feed:{<tenant>}:health``: sorted sets whose members are the records' JSON, scored by
  their time (a breach's ``as_of_ms``, a bet version's ``settled_at_ms``, a health message's
  ``event_time_ms``), capped to the newest ``cap`` members (default 200);
- ``wf:health:{<tenant>}``: a hash from ``provider/producer`` to the latest ``ProviderHealth``
  JSON, and ``wf:health-version:{<tenant>}`` its event time (check-and-apply, like every Redis
  sink of the flow).

Idempotent: the flow encodes the same record to the same bytes, so a replayed member is the same
member (``ZADD`` changes nothing) and the cap trims the same oldest ones. Why sorted sets and not
streams: a stream would append a replayed record again.
"""

from __future__ import annotations

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from redis.client import Pipeline

from wagerflow.connectors.redis_scripts import Script, run_batch
from wagerflow.connectors.redis_store import connect
from wagerflow.schemas.events import EVENT_ENCODER, ProviderHealth
from wagerflow.schemas.risk import RISK_ENCODER, LimitBreach
from wagerflow.schemas.settlement import SETTLEMENT_ENCODER, BetSettlement

DEFAULT_CAP = 200
FeedRecord = LimitBreach | BetSettlement | ProviderHealth
FEEDS = ("breaches", "settlements", "health")
LATEST = """
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""


def feed_key(tenant_id: str, feed: str) -> str:
    return f"wf:feed:{{{tenant_id}}}:{feed}"


def health_key(tenant_id: str) -> str:
    return f"wf:health:{{{tenant_id}}}"


def health_versions_key(tenant_id: str) -> str:
    return f"wf:health-version:{{{tenant_id}}}"


def _entry(record: FeedRecord) -> tuple[str, int, bytes]:
    """The feed a record goes to, its score and its member."""
    if isinstance(record, LimitBreach):
        return "breaches", record.as_of_ms, RISK_ENCODER.encode(record)
    if isinstance(record, BetSettlement):
        return "settlements", record.settled_at_ms, SETTLEMENT_ENCODER.encode(record)
    return "health", record.event_time_ms, EVENT_ENCODER.encode(record)


class _FeedPartition(StatefulSinkPartition[FeedRecord, None]):
    def __init__(self, url: str, cap: int) -> None:
        self._client = connect(url)
        self._latest = Script(self._client, LATEST)
        self._cap = cap

    def write_batch(self, values: list[FeedRecord]) -> None:
        def fill(pipe: Pipeline[bytes]) -> None:
            touched: set[str] = set()
            for record in values:
                feed, score, member = _entry(record)
                key = feed_key(record.tenant_id, feed)
                pipe.zadd(key, {member: score})
                touched.add(key)
                if isinstance(record, ProviderHealth):
                    t = record.tenant_id
                    self._latest.queue(
                        pipe,
                        [health_key(t), health_versions_key(t)],
                        [f"{record.provider_id}/{record.producer}", score, member],
                    )
            for key in sorted(touched):
                pipe.zremrangebyrank(key, 0, -self._cap - 1)

        run_batch(self._client, [self._latest], fill)

    def snapshot(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()


class RedisFeedSink(FixedPartitionedSink[FeedRecord, None]):
    """Items are ``(routing_key, LimitBreach | BetSettlement | ProviderHealth)``."""

    def __init__(self, url: str, cap: int = DEFAULT_CAP) -> None:
        self._url = url
        self._cap = cap

    def list_parts(self) -> list[str]:
        return ["redis-feeds"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _FeedPartition:
        return _FeedPartition(self._url, self._cap)
