"""What the synthetic analytics records (``analytics``, ``analytics_sports``) share: distinct
source offsets, a bet's settlement versions (first settlement, correction, rollback) and the
summary of a round's settlements."""

from __future__ import annotations

import random
from typing import Any

from wagerflow.schemas.events import BetOutcome, Category, SourceRef
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, SettlementFlag

MINUTE = 60_000


def as_category(category: Category) -> Category:
    return category


class SourceClock:
    """Source offsets per provider, so every event names a distinct raw message."""

    def __init__(self) -> None:
        self.offsets: dict[str, int] = {}

    def source(self, provider: str) -> SourceRef:
        offset = self.offsets.get(provider, 0)
        self.offsets[provider] = offset + 1
        return SourceRef(topic=f"raw.{provider}", partition=0, offset=offset)


def settlement_versions(
    rng: random.Random,
    tenant: str,
    provider: str,
    category: Category,
    bet_id: str,
    round_id: str,
    player: str | None,
    stake: int,
    first_ms: int,
    void: bool,
) -> list[BetSettlement]:
    """Version 1 (VOID when ``void``), sometimes a correction, sometimes then a rollback."""
    choices: list[BetOutcome] = ["WIN", "LOSE", "LOSE", "PUSH", "VOID"]
    outcome: BetOutcome = "VOID" if void else rng.choice(choices)
    payout = {"WIN": stake * rng.choice([2, 3, 36]), "LOSE": 0}.get(outcome, stake)
    flags: list[SettlementFlag] = ["LATE"] if rng.random() < 0.15 else []
    common: dict[str, Any] = {
        "tenant_id": tenant,
        "provider_id": provider,
        "category": category,
        "bet_id": bet_id,
        "round_id": round_id,
        "player_id": player,
        "currency": "EUR",
        "stake": stake,
    }
    versions = [
        BetSettlement(
            **common,
            settlement_id=f"{tenant}:{provider}:{bet_id}:1",
            state="SETTLED",
            outcome=outcome,
            payout=payout,
            version=1,
            settled_at_ms=first_ms,
            flags=flags,
        )
    ]
    if not void and rng.random() < 0.25:
        new_outcome: BetOutcome = "WIN" if outcome != "WIN" else "LOSE"
        new_payout = stake * 2 if new_outcome == "WIN" else 0
        prev = versions[-1]
        versions.append(
            BetSettlement(
                **common,
                settlement_id=f"{tenant}:{provider}:{bet_id}:2",
                state="SETTLED",
                outcome=new_outcome,
                payout=new_payout,
                version=2,
                settled_at_ms=first_ms + rng.randint(5, 90) * MINUTE,
                flags=["CORRECTED"],
                previous_state=prev.state,
                previous_outcome=prev.outcome,
                previous_payout=prev.payout,
            )
        )
        if rng.random() < 0.4:
            prev = versions[-1]
            versions.append(
                BetSettlement(
                    **common,
                    settlement_id=f"{tenant}:{provider}:{bet_id}:3",
                    state="OPEN",
                    outcome=None,
                    payout=0,
                    version=3,
                    settled_at_ms=prev.settled_at_ms + rng.randint(1, 30) * MINUTE,
                    reason="rollback",
                    previous_state=prev.state,
                    previous_outcome=prev.outcome,
                    previous_payout=prev.payout,
                )
            )
    return versions


def round_summary(
    tenant: str, provider: str, category: Category, round_id: str, settled: list[BetSettlement]
) -> RoundSummary:
    current: dict[str, BetSettlement] = {}
    for s in settled:
        if s.bet_id not in current or s.version > current[s.bet_id].version:
            current[s.bet_id] = s
    done = [s for s in current.values() if s.state == "SETTLED"]
    return RoundSummary(
        tenant_id=tenant,
        provider_id=provider,
        category=category,
        round_id=round_id,
        currency="EUR",
        status="SETTLED" if done else "OPEN",
        bets=len(done),
        stake=sum(s.stake for s in done),
        payout=sum(s.payout for s in done),
        version=1,
        updated_at_ms=max(s.settled_at_ms for s in settled),
    )
