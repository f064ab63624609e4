"""Every Kafka topic name, in one place (DESIGN §3).

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
