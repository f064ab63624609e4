"""Where risk records go: their topic, message key and Redis key."""

from __future__ import annotations

from wagerflow.schemas.records import OutRecord
from wagerflow.schemas.risk import (
    RISK_ENCODER,
    LimitBreach,
    MarketResume,
    MarketSuspend,
    RecoveryRequested,
    RiskRecord,
    RoundLiability,
    TableResume,
    TableSuspend,
    record_key,
)
from wagerflow.schemas.settlement import SETTLEMENT_ENCODER, BetSettlement, RoundSummary, Settlement
from wagerflow.topics import EXPOSURE, LIMIT_BREACH, MARKET_CONTROL, SETTLEMENTS, Topics

_CONTROL = (
    MarketSuspend,
    MarketResume,
    RecoveryRequested,
    RoundLiability,
    TableSuspend,
    TableResume,
)


def risk_record(record: RiskRecord | Settlement | BetSettlement, topics: Topics) -> OutRecord:
    if isinstance(record, Settlement):
        key = f"{record.tenant_id}:{record.provider_id}:{record.round_id}"
        return OutRecord(topics.name(SETTLEMENTS), key.encode(), SETTLEMENT_ENCODER.encode(record))
    if isinstance(record, BetSettlement):
        key = f"{record.tenant_id}:{record.provider_id}:{record.bet_id}"
        return OutRecord(topics.name(SETTLEMENTS), key.encode(), SETTLEMENT_ENCODER.encode(record))
    if isinstance(record, _CONTROL):
        topic = MARKET_CONTROL
    elif isinstance(record, LimitBreach):
        topic = LIMIT_BREACH
    else:
        topic = EXPOSURE
    return OutRecord(topics.name(topic), record_key(record).encode(), RISK_ENCODER.encode(record))


def topic_record(
    record: RiskRecord | BetSettlement | RoundSummary | Settlement, topics: Topics
) -> OutRecord | None:
    """A risk output as its topic message: bet settlement versions (keyed by bet) and
    ``round.settle`` messages (keyed by round) share the settlements topic; None for round
    summaries, which go to Redis only."""
    if isinstance(record, RoundSummary):
        return None
    return risk_record(record, topics)
