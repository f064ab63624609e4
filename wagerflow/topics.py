"""Every Kafka topic, in one table (DESIGN §3): its name, partitions, compaction, retention and
largest message. ``ensure_topics`` creates topics from it and ``wagerflow.ops.manifests``
renders the same table as Strimzi ``KafkaTopic`` resources.

A deployment may prefix all names (``WAGERFLOW_TOPIC_PREFIX``) so several environments can share
one cluster.
"""

from dataclasses import dataclass

from wagerflow.schemas.events import STREAMS

RAW_PREFIX = "raw."
DLQ = "dlq"
DLQ_MAX_MESSAGE_BYTES = 950_000
"""The largest DLQ message written with its original inside (below librdkafka's default
``message.max.bytes`` and the broker's default ``max.message.bytes``, both about 1 MB): a larger
original is kept by reference (``wagerflow.pipeline.outputs.dlq_record``)."""
EXPOSURE = "exposure"
"""Compacted: the latest exposure per line / event / player / round key."""
MARKET_CONTROL = "market.control"
LIMIT_BREACH = "limit.breach"
SETTLEMENTS = "settlements"
"""``round.settle`` messages: the bet settlement versions of one input and round."""
RISK_OUTPUTS = (EXPOSURE, MARKET_CONTROL, LIMIT_BREACH, SETTLEMENTS)
NORMALIZED = tuple(STREAMS)
"""norm.odds, norm.markets, norm.events, norm.rounds, norm.bets, norm.results, norm.wallet,
norm.limits, norm.health: the contract says which union each carries."""

DAY_MS = 24 * 3600 * 1000
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic as created: ``retention_ms`` -1 keeps every message (compacted topics keep the
    latest per key)."""

    name: str
    partitions: int
    compacted: bool = False
    retention_ms: int = 7 * DAY_MS
    max_message_bytes: int = MIB

    @property
    def config(self) -> dict[str, str]:
        """The topic-level Kafka configuration (``kafka-topics --config``, Strimzi ``config``)."""
        return {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(self.retention_ms),
            "max.message.bytes": str(self.max_message_bytes),
        }


_RETENTION_MS = {
    DLQ: 30 * DAY_MS,  # an operator looks at rejects days later
    SETTLEMENTS: 30 * DAY_MS,  # downstream wallets may replay a month of settlements
    EXPOSURE: -1,  # compacted: the latest exposure per key, forever
}
_MAX_MESSAGE_BYTES = {
    # a raw Betfair image of a busy market, and a DLQ entry carrying any raw message
    "raw": 8 * MIB,
    DLQ: 10 * MIB,
}


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names with the deployment's prefix applied."""

    prefix: str = ""

    def raw(self, provider: str) -> str:
        return f"{self.prefix}{RAW_PREFIX}{provider}"

    def name(self, topic: str) -> str:
        return f"{self.prefix}{topic}"

    @property
    def dlq(self) -> str:
        return self.name(DLQ)

    def all_outputs(self) -> list[str]:
        return [self.name(t) for t in (*NORMALIZED, *RISK_OUTPUTS)] + [self.dlq]

    @property
    def compacted(self) -> frozenset[str]:
        return frozenset({self.name(EXPOSURE)})

    def table(self, providers: tuple[str, ...], partitions: int) -> list[TopicSpec]:
        """Every topic of a deployment reading ``providers``: raw and output topics all get
        ``partitions`` (the unit of parallelism: at least the cluster's worker count)."""
        raw = [
            TopicSpec(self.raw(p), partitions, max_message_bytes=_MAX_MESSAGE_BYTES["raw"])
            for p in providers
        ]
        outputs = [
            TopicSpec(
                self.name(t),
                partitions,
                compacted=t == EXPOSURE,
                retention_ms=_RETENTION_MS.get(t, 7 * DAY_MS),
                max_message_bytes=_MAX_MESSAGE_BYTES.get(t, MIB),
            )
            for t in (*NORMALIZED, *RISK_OUTPUTS, DLQ)
        ]
        return raw + outputs
