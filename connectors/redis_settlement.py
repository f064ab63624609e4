"""Settlements in Redis: one record per bet and one summary per round, check-and-apply by
version.

Layout (hash-tagged by tenant and round, so a round's bets and summary share a Redis Cluster
slot):

- ``wf:bet:{<tenant>:<round>}:<provider>:<bet_id>``: fields ``version`` and ``state``, the
  ``BetSettlement`` JSON (stake, state, outcome, payout, version, reason, settled_at_ms, flags);
- ``wf:round:{<tenant>:<round>}:<provider>:<currency>``: ``version`` and ``state``, the
  ``RoundSummary`` JSON.

The script (``redis_store.CHECK_AND_APPLY``) writes a version only when it is not lower than the
stored one, so a replay writes the same bytes again and an older version changes nothing: one
clean run and a run replayed after a crash leave the same contents. Retention: a SETTLED bet and
a SETTLED or VOID round expire ``settled_ttl_s`` after their last write (default 90 days, beyond
the providers' usual dispute windows); open ones (a bet reopened by a rollback) never expire.
"""

from __future__ import annotations

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from redis.client import Pipeline

from wagerflow.connectors.redis_scripts import Script, latest_by_key, run_batch
from wagerflow.connectors.redis_store import CHECK_AND_APPLY, connect
from wagerflow.schemas.settlement import SETTLEMENT_ENCODER, BetSettlement, RoundSummary

DEFAULT_SETTLED_TTL_S = 90 * 24 * 3600
Record = BetSettlement | RoundSummary


def settlement_key(record: Record) -> str:
    slot = f"{{{record.tenant_id}:{record.round_id}}}"
    if isinstance(record, BetSettlement):
        return f"wf:bet:{slot}:{record.provider_id}:{record.bet_id}"
    return f"wf:round:{slot}:{record.provider_id}:{record.currency}"


def _finished(record: Record) -> bool:
    if isinstance(record, BetSettlement):
        return record.state == "SETTLED"
    return record.status != "OPEN"


class _SettlementPartition(StatefulSinkPartition[Record, None]):
    def __init__(self, url: str, settled_ttl_s: int) -> None:
        self._client = connect(url)
        self._apply = Script(self._client, CHECK_AND_APPLY)
        self._ttl = settled_ttl_s

    def write_batch(self, values: list[Record]) -> None:
        latest = latest_by_key(values, settlement_key)

        def fill(pipe: Pipeline[bytes]) -> None:
            for key, record in latest.items():
                ttl = self._ttl if _finished(record) else 0
                state = SETTLEMENT_ENCODER.encode(record)
                self._apply.queue(pipe, [key], [record.version, state, ttl])

        run_batch(self._client, [self._apply], fill)

    def snapshot(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()


class RedisSettlementSink(FixedPartitionedSink[Record, None]):
    """Items are ``(routing_key, BetSettlement | RoundSummary)``."""

    def __init__(self, url: str, settled_ttl_s: int = DEFAULT_SETTLED_TTL_S) -> None:
        self._url = url
        self._ttl = settled_ttl_s

    def list_parts(self) -> list[str]:
        return ["redis-settlement"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _SettlementPartition:
        return _SettlementPartition(self._url, self._ttl)
