"""Exposure for dashboards in Redis, written check-and-apply by version.

Layout:
- one hash per exposure key, ``wf:exposure:{<tenant>:<event or round>}:<rest of the key>``, with
  fields ``version`` and ``state`` (the record's JSON); the braces hash-tag every key of one event
  or round to one Redis Cluster slot;
- one sorted set per tenant, ``wf:liability:{<tenant>}``, of line and round keys scored by their
  worst case: what a dashboard reads for "largest liabilities".

Retention: a line or round whose open stake drops to zero leaves the sorted set, and its hash
expires after ``finished_ttl_s`` (default 7 days); open ones never expire.
"""

from __future__ import annotations

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition

from connectors.redis_store import CHECK_AND_APPLY, connect
from schemas.risk import RISK_ENCODER, EventExposure, LineExposure, RoundExposure
from wagerflow.risk.outputs import record_key

DEFAULT_FINISHED_TTL_S = 7 * 24 * 3600
Exposure = LineExposure | EventExposure | RoundExposure


def exposure_key(record: Exposure) -> str:
    anchor = record.round_id if isinstance(record, RoundExposure) else record.event_id
    return f"wf:exposure:{{{record.tenant_id}:{anchor}}}:{record_key(record)}"


def ranking_key(tenant_id: str) -> str:
    return f"wf:liability:{{{tenant_id}}}"


class _ExposurePartition(StatefulSinkPartition[Exposure, None]):
    def __init__(self, url: str, finished_ttl_s: int) -> None:
        self._client = connect(url)
        self._apply = self._client.register_script(CHECK_AND_APPLY)
        self._ttl = finished_ttl_s

    def write_batch(self, values: list[Exposure]) -> None:
        latest: dict[str, Exposure] = {}
        for record in values:
            key = exposure_key(record)
            held = latest.get(key)
            if held is None or record.version >= held.version:
                latest[key] = record
        pipe = self._client.pipeline(transaction=False)
        for key, record in latest.items():
            ttl = self._ttl if record.open_stake == 0 else 0
            self._apply(
                keys=[key], args=[record.version, RISK_ENCODER.encode(record), ttl], client=pipe
            )
        applied = pipe.execute()
        ranking = self._client.pipeline(transaction=False)
        for (key, record), done in zip(latest.items(), applied, strict=True):
            if not done or isinstance(record, EventExposure):
                continue
            if record.open_stake == 0:
                ranking.zrem(ranking_key(record.tenant_id), key)
            else:
                ranking.zadd(ranking_key(record.tenant_id), {key: record.worst_case})
        ranking.execute()

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
