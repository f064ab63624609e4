"""Exposure for dashboards in Redis, written check-and-apply by version.

Layout:
- one hash per exposure key, ``wf:exposure:{<tenant>:<event or round>}:<rest of the key>``, with
  fields ``version`` and ``state`` (the record's JSON): lines, events, rounds and per-player
  positions (``…:player:<player>:<event>:<line>:<selection>:<currency>``); the braces hash-tag
  every key of one event or round to one Redis Cluster slot;
- one sorted set per tenant, ``wf:liability:{<tenant>}``, of line and round keys scored by their
  worst case: what a dashboard reads for "largest liabilities"; beside it the hash
  ``wf:liability-version:{<tenant>}`` holds the version each member was ranked at, so the
  ranking too is check-and-apply by version (a separate script: another Cluster slot), and both
  scripts go in one pipeline round trip per batch.

Retention: a line or round whose open stake drops to zero leaves the sorted set, and its hash
expires after ``finished_ttl_s`` (default 7 days); open ones never expire.
"""

from __future__ import annotations

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from redis.client import Pipeline

from wagerflow.connectors.redis_scripts import Script, latest_by_key, run_batch
from wagerflow.connectors.redis_store import CHECK_AND_APPLY, connect
from wagerflow.schemas.risk import (
    RISK_ENCODER,
    EventExposure,
    LineExposure,
    PlayerExposure,
    RoundExposure,
    record_key,
)

DEFAULT_FINISHED_TTL_S = 7 * 24 * 3600
Exposure = LineExposure | EventExposure | PlayerExposure | RoundExposure
RANK = """
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
"""
"""Rank (score = worst case) or unrank (empty score) a member, unless a newer version was."""


def exposure_key(record: Exposure) -> str:
    anchor = record.round_id if isinstance(record, RoundExposure) else record.event_id
    return f"wf:exposure:{{{record.tenant_id}:{anchor}}}:{record_key(record)}"


def ranking_key(tenant_id: str) -> str:
    return f"wf:liability:{{{tenant_id}}}"


def ranking_versions_key(tenant_id: str) -> str:
    return f"wf:liability-version:{{{tenant_id}}}"


class _ExposurePartition(StatefulSinkPartition[Exposure, None]):
    def __init__(self, url: str, finished_ttl_s: int) -> None:
        self._client = connect(url)
        self._apply = Script(self._client, CHECK_AND_APPLY)
        self._rank = Script(self._client, RANK)
        self._ttl = finished_ttl_s

    def write_batch(self, values: list[Exposure]) -> None:
        latest = latest_by_key(values, exposure_key)

        def fill(pipe: Pipeline[bytes]) -> None:
            for key, record in latest.items():
                ttl = self._ttl if record.open_stake == 0 else 0
                state = RISK_ENCODER.encode(record)
                self._apply.queue(pipe, [key], [record.version, state, ttl])
                if isinstance(record, EventExposure | PlayerExposure):
                    continue
                tenant = record.tenant_id
                score = "" if record.open_stake == 0 else record.worst_case
                keys = [ranking_key(tenant), ranking_versions_key(tenant)]
                self._rank.queue(pipe, keys, [key, record.version, score])

        run_batch(self._client, [self._apply, self._rank], fill)

    def snapshot(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()


class RedisExposureSink(FixedPartitionedSink[Exposure, None]):
    """Items are ``(routing_key, exposure record)``."""

    def __init__(self, url: str, finished_ttl_s: int = DEFAULT_FINISHED_TTL_S) -> None:
        self._url = url
        self._ttl = finished_ttl_s

    def list_parts(self) -> list[str]:
        return ["redis-exposure"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _ExposurePartition:
        return _ExposurePartition(self._url, self._ttl)
