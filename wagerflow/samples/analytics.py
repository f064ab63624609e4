"""A synthetic, deterministic day of records for the analytics tables (tests and the bench).

``scenario(seed, rounds)`` gives live-casino rounds (lifecycle, bets placed, accepted, rejected
or undecided, results, aborts, wallet debits, round exposures), slot spins, sports bets on market
lines (odds, status, exposures, suspensions, limit breaches), and the settlement of every bet in
versions: first settlements (some LATE, some VOID), corrections (version 2) and rollbacks
(version 3, OPEN), with round summaries, a few DLQ entries. Times spread over several hours, so
hourly views have several rows; the same seed always gives the same records.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from wagerflow.analytics.rows import AnalyticsRecord
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    BetDecided,
    BetOutcome,
    BetPlaced,
    BetSelection,
    BettingStopped,
    Category,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    OddsChanged,
    OutcomeOdds,
    Payout,
    RoundChanged,
    RoundResult,
    SourceRef,
    SpinRequested,
    SpinResult,
    WalletTransaction,
)
from wagerflow.schemas.risk import (
    LimitBreach,
    LineExposure,
    MarketSuspend,
    OutcomeLiability,
    PlayerExposure,
    RoundExposure,
    SelectionExposure,
)
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, SettlementFlag

START_MS = int(datetime(2026, 1, 10, 10, 0, tzinfo=UTC).timestamp() * 1000)
MINUTE = 60_000
DAY_MS = 24 * 60 * MINUTE
LIVE, SLOT, SPORT = "evolution", "pragmatic", "uof"


def _cat(category: Category) -> Category:
    return category


class _Clock:
    """Source offsets per provider, so every event names a distinct raw message."""

    def __init__(self) -> None:
        self.offsets: dict[str, int] = {}

    def source(self, provider: str) -> SourceRef:
        offset = self.offsets.get(provider, 0)
        self.offsets[provider] = offset + 1
        return SourceRef(topic=f"raw.{provider}", partition=0, offset=offset)


def _settle_versions(
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


def _summary(
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


def _live_round(
    rng: random.Random, clock: _Clock, tenant: str, i: int, t: int
) -> list[AnalyticsRecord]:
    p, cat = LIVE, _cat("live")
    round_id, table, game = f"r{i}", f"tbl{i % 3}", f"game{i % 2}"
    session = f"s{i % 5}"
    out: list[AnalyticsRecord] = []

    def env(kind: str, when: int, key: str) -> dict[str, Any]:
        return {
            "tenant_id": tenant,
            "provider_id": p,
            "category": cat,
            "event_time_ms": when,
            "received_time_ms": when + 40,
            "dedup_key": f"{p}:{kind}:{key}",
            "source": clock.source(p),
        }

    out.append(
        RoundChanged(
            **env("start", t, round_id),
            round_id=round_id,
            change="STARTED",
            table_id=table,
            game_id=game,
        )
    )
    out.append(
        RoundChanged(**env("open", t + 1000, round_id), round_id=round_id, change="BETTING_OPEN")
    )
    aborted = rng.random() < 0.12
    settled: list[BetSettlement] = []
    stakes = 0
    for k in range(rng.randint(1, 4)):
        bet_id = f"b{i}.{k}"
        player = f"player{rng.randint(0, 9)}"
        stake = rng.choice([100, 250, 500, 1000])
        placed = t + 2000 + k * 300 + rng.randint(0, 200)
        out.append(
            BetPlaced(
                **env("bet", placed, bet_id),
                bet_id=bet_id,
                idempotency_key=f"idem-{bet_id}",
                selections=[BetSelection(market_id="straight", selection_id=str(k))],
                stake=stake,
                currency="EUR",
                player_id=player,
                session_id=session,
                round_id=round_id,
            )
        )
        out.append(
            WalletTransaction(
                **env("debit", placed + 5, bet_id),
                transaction_id=f"tx-{bet_id}",
                kind="BET",
                direction="DEBIT",
                amount=stake,
                currency="EUR",
                round_id=round_id,
                player_id=player,
                session_id=session,
                game_id=game,
                table_id=table,
            )
        )
        decision = rng.random()
        if decision < 0.1:
            out.append(
                BetDecided(
                    **env("rejected", placed + 150, bet_id),
                    bet_id=bet_id,
                    decision="REJECTED",
                    reason="limit",
                )
            )
            continue
        if decision < 0.8:
            out.append(
                BetDecided(
                    **env("accepted", placed + rng.randint(50, 400), bet_id),
                    bet_id=bet_id,
                    decision="ACCEPTED",
                )
            )
        stakes += stake
        first = t + 31_000 + rng.randint(0, 40) * MINUTE
        settled += _settle_versions(
            rng, tenant, p, cat, bet_id, round_id, player, stake, first, aborted
        )
    out.append(
        RoundExposure(
            tenant_id=tenant,
            version=1,
            as_of_ms=t + 5000,
            provider_id=p,
            round_id=round_id,
            table_id=table,
            game_id=game,
            game_kind="roulette",
            currency="EUR",
            status="OPEN",
            open_stake=stakes,
            outcomes=[OutcomeLiability(outcome="RED", liability=stakes)],
            worst_case=stakes,
        )
    )
    out.append(
        RoundChanged(
            **env("close", t + 15_000, round_id), round_id=round_id, change="BETTING_CLOSED"
        )
    )
    if aborted:
        out.append(
            RoundChanged(
                **env("abort", t + 16_000, round_id),
                round_id=round_id,
                change="ABORTED",
                reason="dealer",
            )
        )
    else:
        out.append(
            RoundResult(
                **env("result", t + 30_000, round_id),
                round_id=round_id,
                outcome=f"RED {rng.randint(1, 36)}",
                payouts=[
                    Payout(amount=s.payout, currency="EUR") for s in settled if s.version == 1
                ],
                table_id=table,
            )
        )
    out.extend(settled)
    if settled:
        out.append(_summary(tenant, p, cat, round_id, settled))
    return out


def _spin(rng: random.Random, clock: _Clock, tenant: str, i: int, t: int) -> list[AnalyticsRecord]:
    p, cat = SLOT, _cat("slot")
    spin, session, game = f"spin{i}", f"ps{i % 4}", f"vs20slot{i % 2}"
    player = f"player{rng.randint(0, 9)}"
    stake = rng.choice([20, 50, 100])
    common: dict[str, Any] = {"tenant_id": tenant, "provider_id": p, "category": cat}
    out: list[AnalyticsRecord] = [
        SpinRequested(
            **common,
            event_time_ms=t,
            received_time_ms=t + 10,
            dedup_key=f"{p}:spin:{spin}",
            source=clock.source(p),
            session_id=session,
            spin_id=spin,
            bet_amount=stake,
            currency="EUR",
            game_id=game,
        ),
        SpinResult(
            **common,
            event_time_ms=t + 800,
            received_time_ms=t + 810,
            dedup_key=f"{p}:result:{spin}",
            source=clock.source(p),
            session_id=session,
            spin_id=spin,
            symbols=["A", "K", "Q"],
            payout=0,
            balance=None,
            currency="EUR",
            game_id=game,
        ),
    ]
    settled = _settle_versions(
        rng, tenant, p, cat, spin, spin, player, stake, t + 900 + rng.randint(0, 5) * MINUTE, False
    )
    out.extend(settled)
    out.append(_summary(tenant, p, cat, spin, settled))
    return out


def _sports(
    rng: random.Random, clock: _Clock, tenant: str, i: int, t: int
) -> list[AnalyticsRecord]:
    p, cat = SPORT, _cat("sport")
    event, market, line = f"sr:match:{i}", "18", "18:total=2.5"
    round_id = f"{event}/{line}"
    common: dict[str, Any] = {"tenant_id": tenant, "provider_id": p, "category": cat}

    def env(kind: str, when: int) -> dict[str, Any]:
        return {
            **common,
            "event_time_ms": when,
            "received_time_ms": when + 25,
            "dedup_key": f"{p}:{kind}:{event}:{when}",
            "source": clock.source(p),
        }

    out: list[AnalyticsRecord] = [
        EventChanged(**env("created", t), event_id=event, change="CREATED", name=f"Match {i}"),
        MarketStatusChanged(
            **env("status", t + 100),
            event_id=event,
            market_id=market,
            status="OPEN",
            in_play=False,
            previous_status=None,
        ),
        LineOddsChanged(
            **env("odds", t + 200),
            event_id=event,
            market_id=market,
            specifiers="total=2.5",
            line_id=line,
            status="OPEN",
            outcomes=[
                OutcomeOdds(outcome_id="12", odds=18_500, active=True),
                OutcomeOdds(outcome_id="13", odds=19_500, active=True),
            ],
        ),
        OddsChanged(
            **env("tick", t + 300),
            event_id=event,
            market_id=f"1.{i}",
            selection_id="47972",
            currency="GBP",
            best_back_odds=21_000,
            best_back_size=1000,
            best_lay_odds=22_000,
            best_lay_size=500,
            last_traded_odds=21_000,
        ),
    ]
    settled: list[BetSettlement] = []
    stake_total = 0
    for k in range(rng.randint(1, 3)):
        bet_id = f"sb{i}.{k}"
        player = f"player{rng.randint(0, 9)}"
        stake = rng.choice([500, 1000, 2000])
        stake_total += stake
        placed = t + 1000 + k * 1000
        out.append(
            BetPlaced(
                **env(f"bet{k}", placed),
                bet_id=bet_id,
                idempotency_key=f"idem-{bet_id}",
                selections=[
                    BetSelection(event_id=event, market_id=market, line_id=line, selection_id="12")
                ],
                stake=stake,
                currency="EUR",
                accepted_odds=18_500,
                potential_payout=stake * 185 // 100,
                player_id=player,
            )
        )
        out.append(
            PlayerExposure(
                tenant_id=tenant,
                version=k + 1,
                as_of_ms=placed,
                player_id=player,
                event_id=event,
                line_id=line,
                selection_id="12",
                currency="EUR",
                open_stake=stake,
                potential_return=stake * 185 // 100,
            )
        )
        if stake >= 2000:
            out.append(
                LimitBreach(
                    tenant_id=tenant,
                    version=1,
                    as_of_ms=placed,
                    breach_id=f"breach-{bet_id}",
                    bet_id=bet_id,
                    player_id=player,
                    profile="DEFAULT",
                    rule="MAX_STAKE",
                    scope=f"player:{player}",
                    limit=1500,
                    value=stake,
                    currency="EUR",
                )
            )
        settled += _settle_versions(
            rng, tenant, p, cat, bet_id, round_id, player, stake, t + 100 * MINUTE, False
        )
    out.append(
        LineExposure(
            tenant_id=tenant,
            version=1,
            as_of_ms=t + 5000,
            event_id=event,
            line_id=line,
            book="PRE_MATCH",
            currency="EUR",
            selections=[
                SelectionExposure(
                    selection_id="12",
                    bets=len(settled),
                    open_stake=stake_total,
                    potential_return=stake_total * 185 // 100,
                    liability=stake_total * 85 // 100,
                )
            ],
            open_stake=stake_total,
            worst_case=stake_total * 85 // 100,
        )
    )
    if rng.random() < 0.5:
        out.append(
            MarketSuspend(
                tenant_id=tenant,
                version=1,
                as_of_ms=t + 6000,
                command_id=f"suspend-{event}",
                event_id=event,
                line_id=line,
                rule="LIABILITY_MARKET",
                reason="liability over threshold",
                values={"liability": stake_total, "threshold": 1000},
            )
        )
        out.append(
            BettingStopped(
                **env("betstop", t + 6000), event_id=event, groups="all", status="SUSPENDED"
            )
        )
    out.extend(settled)
    out.append(_summary(tenant, p, cat, round_id, settled))
    return out


def scenario(
    seed: int = 0, rounds: int = 40, tenant: str = "t1", start_ms: int = START_MS
) -> list[AnalyticsRecord]:
    """The records of ``rounds`` live rounds, as many slot spins, a sports line for every
    fourth round, and a few DLQ entries, over about ``rounds * 7`` minutes plus settlement
    delays (see the module docstring)."""
    rng = random.Random(seed)  # noqa: S311 (a workload, not cryptography)
    clock = _Clock()
    out: list[AnalyticsRecord] = []
    for i in range(rounds):
        t = start_ms + i * 7 * MINUTE
        out += _live_round(rng, clock, tenant, i, t)
        out += _spin(rng, clock, tenant, i, t + 3 * MINUTE)
        if i % 4 == 0:
            out += _sports(rng, clock, tenant, i, t + MINUTE)
        if i % 10 == 0:
            out.append(
                DlqEntry(
                    reason=Reason.MALFORMED,
                    detail="not JSON",
                    provider_id=LIVE,
                    tenant_id=tenant,
                    source=clock.source(LIVE),
                    raw=f"{{garbage {i}".encode(),
                )
            )
    return out
