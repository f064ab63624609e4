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
from wagerflow.samples.analytics_common import (
    MINUTE,
    SourceClock,
    as_category,
    round_summary,
    settlement_versions,
)
from wagerflow.samples.analytics_sports import sports_records
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSelection,
    Payout,
    RoundChanged,
    RoundResult,
    SpinRequested,
    SpinResult,
    WalletTransaction,
)
from wagerflow.schemas.risk import (
    OutcomeLiability,
    RoundExposure,
)
from wagerflow.schemas.settlement import BetSettlement

START_MS = int(datetime(2026, 1, 10, 10, 0, tzinfo=UTC).timestamp() * 1000)
DAY_MS = 24 * 60 * MINUTE
LIVE, SLOT = "evolution", "pragmatic"


def _live_round(
    rng: random.Random, clock: SourceClock, tenant: str, i: int, t: int
) -> list[AnalyticsRecord]:
    p, cat = LIVE, as_category("live")
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
        settled += settlement_versions(
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
        out.append(round_summary(tenant, p, cat, round_id, settled))
    return out


def _spin(
    rng: random.Random, clock: SourceClock, tenant: str, i: int, t: int
) -> list[AnalyticsRecord]:
    p, cat = SLOT, as_category("slot")
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
    settled = settlement_versions(
        rng, tenant, p, cat, spin, spin, player, stake, t + 900 + rng.randint(0, 5) * MINUTE, False
    )
    out.extend(settled)
    out.append(round_summary(tenant, p, cat, spin, settled))
    return out


def scenario(
    seed: int = 0, rounds: int = 40, tenant: str = "t1", start_ms: int = START_MS
) -> list[AnalyticsRecord]:
    """The records of ``rounds`` live rounds, as many slot spins, a sports line for every
    fourth round, and a few DLQ entries, over about ``rounds * 7`` minutes plus settlement
    delays (see the module docstring)."""
    rng = random.Random(seed)  # noqa: S311 (a workload, not cryptography)
    clock = SourceClock()
    out: list[AnalyticsRecord] = []
    for i in range(rounds):
        t = start_ms + i * 7 * MINUTE
        out += _live_round(rng, clock, tenant, i, t)
        out += _spin(rng, clock, tenant, i, t + 3 * MINUTE)
        if i % 4 == 0:
            out += sports_records(rng, clock, tenant, i, t + MINUTE)
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
