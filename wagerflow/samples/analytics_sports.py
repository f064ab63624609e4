"""Synthetic sports records for ``analytics.scenario``: a market line's odds, status,
suspensions, exposures, limit breaches, bets and their settlements."""

from __future__ import annotations

import random
from typing import Any

from wagerflow.analytics.rows import AnalyticsRecord
from wagerflow.samples.analytics_common import (
    MINUTE,
    SourceClock,
    as_category,
    round_summary,
    settlement_versions,
)
from wagerflow.schemas.events import (
    BetPlaced,
    BetSelection,
    BettingStopped,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    OddsChanged,
    OutcomeOdds,
)
from wagerflow.schemas.risk import (
    LimitBreach,
    LineExposure,
    MarketSuspend,
    PlayerExposure,
    SelectionExposure,
)
from wagerflow.schemas.settlement import BetSettlement

SPORT = "uof"


def sports_records(
    rng: random.Random, clock: SourceClock, tenant: str, i: int, t: int
) -> list[AnalyticsRecord]:
    p, cat = SPORT, as_category("sport")
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
        settled += settlement_versions(
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
    out.append(round_summary(tenant, p, cat, round_id, settled))
    return out
