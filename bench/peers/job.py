"""The exposure + settlement job with no engine: what every contender of ``bench.e2e`` runs.

``Job`` is the work of ``wagerflow run`` written as plain calls to the same pure functions: decode a
raw batch (``decode_batch``), apply each shard's normalize rules (``NormalizeShardState``), send
each normalized event to its risk shards (``risk_keys``) and apply the exposure, limit, suspend and
settlement rules there (``RiskShardState.apply``). Its output is what the flow writes: topic records
(normalized events, DLQ entries, exposures, market control, limit breaches, ``round.settle``
messages), Betfair market states, exposures and settlements for Redis, and the pseudonymized
analytics rows for ClickHouse (``norm_events`` and the analytics tables, as
``wagerflow.analytics.rows`` maps them). It leaves out the flow's Prometheus counters.

``Writers`` writes the Redis and ClickHouse parts with the flow's own sink partitions (the same
Lua check-and-apply scripts, the same ClickHouse batching and dedup tokens); ``snapshot()``
flushes them, as the end of a Bytewax epoch does. State lives in this process's memory only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import analytics_rows
from wagerflow.commands import analytics
from wagerflow.commands.run import normalize_context, prepare_clickhouse
from wagerflow.config import Settings
from wagerflow.connectors.redis_exposure import RedisExposureSink
from wagerflow.connectors.redis_settlement import RedisSettlementSink
from wagerflow.connectors.redis_store import RedisStateSink
from wagerflow.flows.risk import END_OF_INPUT_MS, RISK_SHARDS
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import ShardInput, decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.pipeline.outputs import dlq_record, event_record
from wagerflow.risk.engine import RiskShardState
from wagerflow.risk.entity import RiskOutput
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.outputs import topic_record
from wagerflow.risk.routing import invalid_limits_update, risk_keys
from wagerflow.risk.suspend import SuspendConfig
from wagerflow.schemas.dlq import DlqEntry
from wagerflow.schemas.records import OutRecord, RawBatch
from wagerflow.schemas.risk import EventExposure, LineExposure, RoundExposure
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, Settlement
from wagerflow.schemas.state import MarketState
from wagerflow.topics import Topics

_EXPOSURES = (LineExposure, EventExposure, RoundExposure)
_SETTLEMENTS = (BetSettlement, RoundSummary)


@dataclass(slots=True)
class Out:
    """What one call produced, by destination."""

    records: list[OutRecord] = field(default_factory=list)
    states: list[MarketState] = field(default_factory=list)
    exposures: list[LineExposure | EventExposure | RoundExposure] = field(default_factory=list)
    settlements: list[BetSettlement | RoundSummary] = field(default_factory=list)
    rows: list[tuple[str, Any]] = field(default_factory=list)
    """``(table, row)`` for the analytics sink."""

    def clear(self) -> None:
        self.records.clear()
        self.states.clear()
        self.exposures.clear()
        self.settlements.clear()
        self.rows.clear()


class Job:
    """Normalize + risk for one process: every normalize shard and risk shard in dicts."""

    def __init__(
        self,
        ctx: NormalizeContext,
        topics: Topics,
        pseudo: Pseudonymizer,
        risk_shards: int = RISK_SHARDS,
    ) -> None:
        self.ctx = ctx
        self.topics = topics
        self.pseudo = pseudo
        self.risk_shards = risk_shards
        self.shards: dict[str, NormalizeShardState] = {}
        self.risk: dict[str, RiskShardState] = {}
        self._limits = LimitBook()
        self._suspend = SuspendConfig()

    def _risk_shard(self, key: str) -> RiskShardState:
        shard = self.risk.get(key)
        if shard is None:
            # the flow builds each risk shard from the same context objects
            shard = self.risk[key] = RiskShardState(self._limits, self._suspend, self.risk_shards)
        return shard

    def process(self, batch: RawBatch, out: Out) -> None:
        """One raw batch (one partition's messages, in order) through normalize and risk."""
        work, dlq, _ = decode_batch(batch, self.ctx)
        for entry in dlq:
            self._dlq(entry, out)
        grouped: dict[str, list[ShardInput]] = {}
        for key, w in work:
            grouped.setdefault(key, []).append(w)
        for key, works in grouped.items():
            shard = self.shards.get(key)
            if shard is None:
                shard = self.shards[key] = NormalizeShardState(self.ctx)
            for item in shard.apply(works):
                if isinstance(item, AcceptedEvent):
                    self._emitted(item, out)
                elif isinstance(item, MarketState):
                    out.states.append(item)
                else:
                    self._dlq(item, out)

    def _dlq(self, entry: DlqEntry, out: Out) -> None:
        out.records.append(dlq_record(entry, self.topics))
        out.rows.extend(analytics_rows(entry, self.pseudo))

    def _emitted(self, item: AcceptedEvent, out: Out) -> None:
        event = item.event
        out.records.append(event_record(item.entity, event, self.topics))
        out.rows.extend(analytics_rows(event, self.pseudo, entity=item.entity))
        refused = invalid_limits_update(event)
        if refused is not None:
            self._dlq(refused, out)
            return
        for key in risk_keys(event, self.risk_shards):
            self._risk_out(self._risk_shard(key).apply(event, event.received_time_ms, key), out)

    def _risk_out(self, records: list[RiskOutput], out: Out) -> None:
        for record in records:
            rec = topic_record(record, self.topics)
            if rec is not None:
                out.records.append(rec)
            if isinstance(record, _EXPOSURES):
                out.exposures.append(record)
            elif isinstance(record, _SETTLEMENTS):
                out.settlements.append(record)
            if not isinstance(record, Settlement):  # its bet versions have rows of their own
                out.rows.extend(analytics_rows(record, self.pseudo))

    def on_time(self, now_ms: int, out: Out) -> None:
        """Fire the timers due at ``now_ms`` (a live run's wall clock, as the flow's
        notifications do)."""
        for shard in self.risk.values():
            deadline = shard.next_deadline()
            if deadline is not None and deadline <= now_ms:
                self._risk_out(shard.on_time(now_ms), out)

    def finish(self, out: Out) -> None:
        """The end of the input: every pending timer fires (the flow's ``on_eof``)."""
        for shard in self.risk.values():
            self._risk_out(shard.on_time(END_OF_INPUT_MS), out)


def job_for(settings: Settings) -> Job:
    """The job as ``wagerflow run`` configures it from ``settings``."""
    return Job(normalize_context(settings), settings.topics, analytics.pseudonymizer(settings))


class Writers:
    """The flow's Redis and ClickHouse sink partitions (as ``wagerflow run`` configures them
    from ``settings``), driven by hand; with ``enabled=False`` they drop everything (the
    ``--sinks kafka`` variant of the benchmark)."""

    def __init__(self, settings: Settings, *, enabled: bool = True) -> None:
        self._parts: tuple[Any, ...] = ()
        self.enabled = enabled
        if not enabled:
            return
        prepare_clickhouse(settings)
        url = settings.redis_url
        self.states = RedisStateSink(url).build_part("bench", "redis-state", None)
        self.exposures = RedisExposureSink(url).build_part("bench", "redis-exposure", None)
        self.settlements = RedisSettlementSink(url).build_part("bench", "redis-settlement", None)
        self.rows = analytics.analytics_sink(settings).build_part(
            "bench", "clickhouse-analytics", None
        )
        self._parts = (self.states, self.exposures, self.settlements, self.rows)

    def write(self, out: Out) -> None:
        if not self.enabled:
            return
        if out.states:
            self.states.write_batch(out.states)
        if out.exposures:
            self.exposures.write_batch(out.exposures)
        if out.settlements:
            self.settlements.write_batch(out.settlements)
        if out.rows:
            self.rows.write_batch(out.rows)

    def snapshot(self) -> None:
        for part in self._parts:
            part.snapshot()

    def close(self) -> None:
        for part in self._parts:
            part.close()
