"""One risk entity: the books and rules of a sport event, a live round, an exchange market or a
provider, applied in order to each event that concerns it.

For each event: the settlement books pay what it settles; the sports and round books update the
exposures it changes; a bet is checked against its limits with the exposures it produced; the
suspend rules see the event and the new exposures. ``now_ms`` is the event's received time (or,
on a timer, the wall clock or the end of the input): no rule reads a clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from wagerflow.risk.limits import LimitBook
from wagerflow.risk.rounds import RoundBook
from wagerflow.risk.routing import LINE_RESULTS, PROVIDER_ENTITY
from wagerflow.risk.sports import SportsBook
from wagerflow.risk.suspend import (
    SuspendConfig,
    SuspendRules,
    TableRules,
    Thresholds,
)
from wagerflow.schemas.events import (
    BetPlaced,
    NormalizedEvent,
)
from wagerflow.schemas.risk import EventExposure, LineExposure, RiskRecord
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, Settlement
from wagerflow.settle.casino.settlement import CasinoSettlement
from wagerflow.settle.publish import RoundTotals, settlement_messages
from wagerflow.settle.sports.settlement import SportsSettlement

RiskOutput = RiskRecord | BetSettlement | RoundSummary | Settlement
"""What a risk entity emits: exposures, commands and breaches; bet settlements, round summaries
and the ``round.settle`` messages."""


class EntityRisk:
    """The books and rules of one risk entity (``risk_entity``): a sport event with its lines
    and bets, a live round, an exchange market, or a provider's health. A settlement releases
    exposure in the exposure books and pays in the settlement books, from the same input."""

    def __init__(self, suspend: SuspendConfig, key: str = "") -> None:
        self.key = key
        self.sports = SportsBook(key.removeprefix("event:") if key.startswith("event:") else None)
        self.rounds = RoundBook()
        self.suspend = SuspendRules(suspend)
        self.tables = TableRules(suspend)
        self.sports_settlement = SportsSettlement()
        self.casino_settlement = CasinoSettlement()
        self.round_totals = RoundTotals()
        self.bets: dict[tuple[str, str], int] = {}  # (tenant, bet_id) at home -> event time
        self.foreign_bets: dict[tuple[str, str], None] = {}  # multiples at home elsewhere
        self.provider = ""
        self.last_seen_ms = 0

    def holds_open_bets(self) -> bool:
        """Whether a bet still counts here: such an entity is never forgotten (MONEY.md §5)."""
        return self.sports.has_open_bets() or len(self.rounds) > 0

    def apply(
        self,
        event: NormalizedEvent,
        now_ms: int,
        limits: LimitBook,
        home: bool = True,
        thresholds: Thresholds | None = None,
    ) -> list[RiskOutput]:
        """Apply one event. ``home`` False: the event concerns this entity only through a
        multiple it holds (a leg's line result on another event, the multiple's placement or
        decision when its home is elsewhere): the exposure book sees it, and the settlement sees
        line results (it settles the multiples at home here); limits and the suspend rules see
        only the exposures it changes. At a provider's entity, ``home`` False is a copy of the
        provider's live traffic (its tables' health)."""
        if not home and self.key.startswith(PROVIDER_ENTITY):
            self.provider, self.last_seen_ms = event.provider_id, event.received_time_ms
            return list(self.tables.live_traffic(event, now_ms))
        if not home:
            if isinstance(event, BetPlaced):
                self.foreign_bets[event.tenant_id, event.bet_id] = None
            foreign: list[RiskOutput] = []
            if isinstance(event, LINE_RESULTS):
                settled = self.sports_settlement.apply(event)
                foreign.extend(settled)
                foreign.extend(self.round_totals.apply(settled))
                foreign.extend(settlement_messages(settled))
            exposures = self.sports.apply(event)
            foreign.extend(exposures)
            for record in exposures:
                if isinstance(record, LineExposure | EventExposure):
                    foreign.extend(self.suspend.apply(record, now_ms, thresholds))
            return foreign
        self.provider, self.last_seen_ms = event.provider_id, event.received_time_ms
        if isinstance(event, BetPlaced):
            self.bets.setdefault((event.tenant_id, event.bet_id), event.event_time_ms)
        out: list[RiskOutput] = []
        settled = self.sports_settlement.apply(event) + self.casino_settlement.apply(event)
        if settled:
            out.extend(settled)
            out.extend(self.round_totals.apply(settled))
            out.extend(settlement_messages(settled))
        exposures = self.sports.apply(event)
        out.extend(exposures)
        rounds = self.rounds.apply(event)
        out.extend(rounds)
        if isinstance(event, BetPlaced) and event.round_id is not None and rounds:
            table = event.table_id or self.tables.round_table(event.tenant_id, event.round_id)
            out.extend(limits.check(event, [], table))
        elif isinstance(event, BetPlaced) and exposures:
            relevant: Sequence[LineExposure | EventExposure] = [
                e for e in exposures if isinstance(e, LineExposure | EventExposure)
            ]
            out.extend(limits.check(event, relevant))
        limits_of_shard = thresholds or Thresholds(self.suspend.config)
        out.extend(self.suspend.apply(event, now_ms, limits_of_shard))
        out.extend(self.tables.apply(event, now_ms, limits_of_shard))
        for record in exposures:
            if isinstance(record, LineExposure | EventExposure):
                out.extend(self.suspend.apply(record, now_ms, limits_of_shard))
        for x in rounds:
            out.extend(self.tables.apply(x, now_ms, limits_of_shard))
        return out

    def on_time(self, now_ms: int) -> list[RiskOutput]:
        return [*self.suspend.on_time(now_ms), *self.tables.on_time(now_ms)]

    def next_deadline(self) -> int | None:
        deadlines = (self.suspend.next_deadline(), self.tables.next_deadline())
        return min((d for d in deadlines if d is not None), default=None)
