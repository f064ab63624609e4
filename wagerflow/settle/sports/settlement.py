"""Sports settlement: bets and line results -> exact payouts, one ``BetSettlement`` per version.

``SportsSettlement.apply`` takes one normalized event and returns the new version of every bet
that event changed: none when nothing changed (a repeated input changes nothing). The state is
plain picklable Python (the flow snapshots it), event time only, never the clock, and every
amount is an exact integer. The payout arithmetic is ``wagerflow.settle.payout``.

The rules are split with the code that applies them: the bets (below, ``settlement``), the
states of a line (results, certainty, cancels, rollbacks: ``lines``), market odds at acceptance
(``odds``), the payout and time of a settlement (``evaluate``) and when it is a new version
(``versions``). Rules of the bets:

- **Sports bet**: a ``BetPlaced`` of category ``sport``, with the conventions of
  ``wagerflow.bet_rules``: each selection with an ``event_id`` is a *leg* on (event, line,
  selection), the line being ``line_id`` or else ``market_id``; a bet without legs is ignored
  without a trace; a repeated ``bet_id`` (per tenant) is a duplicate and ignored. One leg is a
  *single*, several a *multiple*. The bet's *round* is ``{event_id}/{line}`` of its first leg.
- **Odds** ``O`` (``wagerflow.bet_rules.bet_odds``, one return figure with the exposure books,
  MONEY.md §1.1): a single's accepted odds (the bet's, else its leg's own); a multiple's product
  of its legs' own odds, else its ``accepted_odds``; without any odds ``potential_payout /
  stake`` exactly; else 1. A plain win returns ``R = floor(S x O)``.
- **Runner removals** (Betfair ``RunnerRemoved``) are states of the market's line too: a bet on
  the removed runner settles VOID at once, and the removal reduces the odds of the others
  when the market closes (``evaluate``, MONEY.md §2).
- **Leg results are states of a line** (not one-off events): a bet placed after its line has a
  result, or inside an active cancel window, settles on arrival; a leg's state is, in order:
  1. VOID when an active cancel window of its (event, line) covers the bet's placement time
     (with the reason of the earliest activated such window);
  2. else the line's current result for its selection, from (event, line) or else from an
     event-less ``MarketSettled`` of that line;
  3. else open. A bet settles when every leg is resolved (1 or 2).
- **Bet lifecycle**: ``BetDecided`` REJECTED drops the bet for good: it never settles, and if it
  was already settled nothing more is emitted (no reversing version; the wallet side handles a
  rejected bet). ``BetDecided`` ACCEPTED changes nothing. ``BetSettled`` (the provider's own
  settlement) gives a version with its outcome and payout (the bet's currency and stake), flag
  PROVIDER_SETTLED, reason ``provider``, and makes the bet final: line results no longer change
  it; a later ``BetSettled`` with other figures does (flagged CORRECTED too). Decisions and
  settlements of a bet not (yet) placed are ignored: without its stake and player there is
  nothing to publish.
- **Repeats**: an input already applied to a line (same type, ``dedup_key`` and event time; a
  ``BetSettled`` per bet) is ignored, so replaying a whole history emits nothing even across
  rollbacks; a re-settlement after a rollback is a new message (its own event time).
- **Memory**: a line's history grows with its inputs (a handful per line); the risk shard keeps
  one book per risk entity (a sport event) and drops it whole when the event falls silent
  (``wagerflow.risk.engine``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wagerflow.bet_rules import bet_odds, payout_mismatch, sport_legs
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSettled,
    CancelRolledBack,
    LineCancelled,
    LineOddsChanged,
    LineSettled,
    MarketSettled,
    NormalizedEvent,
    OddsChanged,
    RunnerRemoved,
    SettlementRolledBack,
)
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.payout import above_tolerance
from wagerflow.settle.sports.evaluate import evaluate
from wagerflow.settle.sports.lines import LineBook
from wagerflow.settle.sports.model import Bet, BetKey, Leg, LineKey, Target
from wagerflow.settle.sports.odds import OddsBook
from wagerflow.settle.sports.versions import VersionBook

Applied = tuple[str, str, int]  # input type, dedup key, event time


@dataclass(frozen=True)
class SportsSettleConfig:
    odds_tolerance_bp: int = 500
    """ODDS_MISMATCH when accepted odds exceed the market's by more than this (basis points)."""


class SportsSettlement:
    """Settled sports bets; plain picklable state (snapshotted with its shard)."""

    def __init__(self, config: SportsSettleConfig | None = None) -> None:
        self.config = config or SportsSettleConfig()
        self._bets: dict[BetKey, Bet] = {}
        self._final: set[BetKey] = set()  # provider-settled
        self._rejected: dict[BetKey, int] = {}  # -> placement time
        self._versions = VersionBook()
        self._on_line: dict[LineKey, dict[BetKey, None]] = {}  # unsettled-for-good bets by leg
        self._events_of_line: dict[tuple[str, str], dict[str, None]] = {}
        self._lines = LineBook()
        self._applied: dict[tuple[str | None, ...], set[Applied]] = {}  # per line or bet
        self._odds = OddsBook()

    # --- inputs -------------------------------------------------------------------------------

    def apply(self, event: NormalizedEvent) -> list[BetSettlement]:
        """Apply one event; the new versions of the bets it changed, in (tenant, bet) order."""
        if isinstance(event, LineOddsChanged):
            for o in event.outcomes:
                self._odds.sample(
                    (event.tenant_id, event.event_id, event.line_id, o.outcome_id),
                    event.event_time_ms,
                    o.odds,
                )
            return []
        if isinstance(event, OddsChanged):
            self._odds.sample(
                (event.tenant_id, event.event_id, event.market_id, event.selection_id),
                event.event_time_ms,
                event.best_back_odds,
            )
            return []
        if isinstance(event, BetPlaced):
            return self._place(event)
        if isinstance(event, BetDecided):
            if event.decision == "REJECTED":
                self._reject((event.tenant_id, event.bet_id))
            return []
        if isinstance(event, BetSettled):
            return self._provider_settled(event)
        if isinstance(event, LineSettled | MarketSettled):
            line = event.line_id if isinstance(event, LineSettled) else event.market_id
            where: LineKey = (event.tenant_id, event.event_id, line)
            if not self._first_time(where, event) or not self._lines.settle(where, event):
                return []
            return self._recompute(self._bets_on(where), event.event_time_ms, "open")
        if isinstance(event, RunnerRemoved):
            where = (event.tenant_id, event.event_id, event.market_id)
            if not self._first_time(where, event) or not self._lines.remove(where, event):
                return []
            return self._recompute(self._bets_on(where), event.event_time_ms, "open")
        if isinstance(event, SettlementRolledBack):
            where = (event.tenant_id, event.event_id, event.line_id)
            if not self._first_time(where, event):
                return []
            if not self._lines.roll_back(where, event.event_time_ms):
                return []
            return self._recompute(self._bets_on(where), event.event_time_ms, "rollback_settlement")
        if isinstance(event, LineCancelled | CancelRolledBack):
            where = (event.tenant_id, event.event_id, event.line_id)
            if not self._first_time(where, event) or not self._lines.toggle_window(where, event):
                return []
            return self._recompute(self._bets_on(where), event.event_time_ms, "rollback_cancel")
        return []

    def _first_time(self, scope: tuple[str | None, ...], event: NormalizedEvent) -> bool:
        """Record an input of a line or a bet; False when it was already applied."""
        applied = self._applied.setdefault(scope, set())
        ident = (type(event).__name__, event.dedup_key, event.event_time_ms)
        if ident in applied:
            return False
        applied.add(ident)
        return True

    def _place(self, event: BetPlaced) -> list[BetSettlement]:
        key = (event.tenant_id, event.bet_id)
        if event.category != "sport" or key in self._bets or key in self._rejected:
            return []
        legs = [
            Leg(
                leg.event_id,
                leg.line,
                leg.selection_id,
                self._odds.at(
                    (event.tenant_id, leg.event_id, leg.line, leg.selection_id),
                    event.event_time_ms,
                ),
                leg.odds,
            )
            for leg in sport_legs(event)
        ]
        if not legs:
            return []
        odds = bet_odds(event, sport_legs(event))
        (first, *more) = legs
        mismatch = (
            not more
            and first.market_odds is not None
            and above_tolerance(odds, first.market_odds, self.config.odds_tolerance_bp)
        )
        self._bets[key] = Bet(
            provider_id=event.provider_id,
            player_id=event.player_id,
            currency=event.currency,
            stake=event.stake,
            odds=odds,
            placed_ms=event.event_time_ms,
            legs=tuple(legs),
            odds_mismatch=mismatch,
            payout_mismatch=payout_mismatch(event),
        )
        for leg in legs:
            self._on_line.setdefault((key[0], leg.event_id, leg.line), {})[key] = None
            self._events_of_line.setdefault((key[0], leg.line), {})[leg.event_id] = None
        return self._recompute([key], event.event_time_ms, "open")

    def _unindex(self, key: BetKey) -> None:
        bet = self._bets[key]
        for leg in bet.legs:
            where = (key[0], leg.event_id, leg.line)
            bets = self._on_line.get(where)
            if bets is None:
                continue
            bets.pop(key, None)
            if not bets:
                del self._on_line[where]
                events = self._events_of_line.get((key[0], leg.line), {})
                events.pop(leg.event_id, None)
                if not events:
                    self._events_of_line.pop((key[0], leg.line), None)

    def _drop(self, key: BetKey) -> None:
        if key not in self._final:
            self._unindex(key)
        del self._bets[key]
        self._final.discard(key)
        self._versions.forget(key)
        self._applied.pop(key, None)

    def _reject(self, key: BetKey) -> None:
        bet = self._bets.get(key)
        if bet is None:
            return
        self._drop(key)
        self._rejected[key] = bet.placed_ms

    def _provider_settled(self, event: BetSettled) -> list[BetSettlement]:
        key = (event.tenant_id, event.bet_id)
        bet = self._bets.get(key)
        if bet is None or not self._first_time(key, event):
            return []
        if key not in self._final:
            self._unindex(key)
            self._final.add(key)
        target = Target(
            outcome=event.outcome,
            payout=event.payout,
            reason="provider",
            flags=("PROVIDER_SETTLED",),
            settled_at_ms=event.event_time_ms,
        )
        record = self._versions.version(key, bet, target, event.event_time_ms, "")
        return [] if record is None else [record]

    # --- settling -----------------------------------------------------------------------------

    def _bets_on(self, where: LineKey) -> list[BetKey]:
        tenant, event_id, line = where
        if event_id is not None:
            return list(self._on_line.get(where, ()))
        events = self._events_of_line.get((tenant, line), ())
        return [key for e in events for key in self._on_line.get((tenant, e, line), ())]

    def _recompute(
        self, keys: Iterable[BetKey], at_ms: int, open_reason: str
    ) -> list[BetSettlement]:
        out = []
        for key in sorted(set(keys)):
            bet = self._bets[key]
            target = evaluate(key[0], bet, self._lines)
            record = self._versions.version(key, bet, target, at_ms, open_reason)
            if record is not None:
                out.append(record)
        return out
