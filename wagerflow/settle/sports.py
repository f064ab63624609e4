"""Sports settlement: bets and line results -> exact payouts, one ``BetSettlement`` per version.

``SportsSettlement.apply`` takes one normalized event and returns the new version of every bet
that event changed: none when nothing changed (a repeated input changes nothing). The state is
plain picklable Python (the flow snapshots it), event time only, never the clock, and every
amount is an exact integer. The payout arithmetic is ``wagerflow.settle.payout``.

Rules:

- **Sports bet**: a ``BetPlaced`` of category ``sport``, with the conventions of
  ``wagerflow.bet_rules``: each selection with an ``event_id`` is a *leg* on (event, line,
  selection), the line being ``line_id`` or else ``market_id``; a bet without legs is ignored
  without a trace; a repeated ``bet_id`` (per tenant) is a duplicate and ignored. One leg is a
  *single*, several a *multiple*. The bet's *round* is ``{event_id}/{line}`` of its first leg.
- **Odds of a single**: ``accepted_odds``; else ``potential_payout / stake`` exactly (so a win
  pays exactly the potential payout); else (or with a zero stake) 1. **Potential return of a
  multiple**: ``R = floor(S x O)`` (``wagerflow.bet_rules.bet_return``, MONEY.md §1.1).
- **Leg results are states of a line** (not one-off events): a bet placed after its line has a
  result, or inside an active cancel window, settles on arrival; a leg's state is, in order:
  1. VOID when an active cancel window of its (event, line) covers the bet's placement time
     (with the reason of the earliest activated such window);
  2. else the line's current result for its selection, from (event, line) or else from an
     event-less ``MarketSettled`` of that line;
  3. else open. A bet settles when every leg is resolved (1 or 2).
- **Results**: ``LineSettled`` (event, ``line_id``): each outcome gives ``won``, the void factor
  ``v`` (refunded share of the stake, 0 when absent) and the dead-heat factor ``d`` (paid share
  of the winnings, 1 when absent). Betfair ``MarketSettled`` (``market_id`` as the line,
  ``event_id`` None = the line on every event): WINNER and PLACED WIN, LOSER LOSE, REMOVED VOID
  (refund). A selection a result does not name has lost. The generic bridge's ``EventResult``
  settles nothing here (it releases exposure in ``wagerflow.risk.sports``): the bridge settles
  each of its bets itself with ``BetSettled``, and two sources for one bet, on different
  partitions, would make the bet's versions depend on which arrives first.
- **Certainty policy**: a line settles on its FIRST result, certainty 1 or 2
  (``MarketSettled`` counts as certainty 2). A later result of the line
  replaces the current one, except that a certainty-1 result never replaces a certainty-2 one
  (only a rollback clears it). A replacement that gives a bet the same state, outcome and payout
  (and flags) emits nothing (a certainty-2 confirmation or a resend); one that changes its
  outcome or payout emits a new version flagged CORRECTED.
- **Singles**, stake ``S`` at odds ``O``, with ``w = (1 - v) * d`` when won and 0 when lost;
  payout ``floor(S * (v + w * O))``, floored ONCE to the minor unit (house side); a plain win is
  ``money.returns_at_odds(S, accepted_odds)``. Outcome: ``v = 1`` (full refund) VOID (also from
  a result: UOF sends void factor 1 for a refund, so PUSH is left to multiples), ``0 < v < 1``
  HALF_WIN or HALF_LOSE (whatever ``v``), else WIN (``d`` included) or LOSE; a won dead heat
  with ``d = 0`` counts as lost. ``reason``: ``void_reason:<n>`` (or ``void``, ``removed``,
  ``cancelled``) for a (partly) void leg, ``dead_heat`` for a won dead heat, else None.
- **Multiples**: every leg void -> VOID, the stake back (no odds needed); any leg lost in full
  -> LOSE, 0; every leg won in full -> WIN, the potential return ``R``; otherwise
  ``floor(R * product of leg factors)``, floored once: a leg factor is ``v / O_leg + w`` (void
  ``1/O_leg``, half win ``(1 + O_leg) / (2 O_leg)``, half loss ``1 / (2 O_leg)``, dead heat
  ``d``, won 1), ``O_leg`` being the leg selection's *market odds at acceptance* (below). A leg
  that needs ``O_leg`` (``v > 0``) without one counts as won in full (factor 1: the house may
  overpay, hence the flag) and the version is flagged LEG_ODDS_UNKNOWN. Outcome: WIN above the
  stake, PUSH at it, HALF_LOSE below it, LOSE at 0; ``reason`` None.
- **Market odds at acceptance**: ``LineOddsChanged`` (event, ``line_id``, ``outcome_id`` as the
  selection) and ``OddsChanged`` (``best_back_odds``; ``market_id`` as the line, ``event_id``
  None matching every event) add samples ``(event time, odds)`` to a history per (tenant, event,
  line, selection), holding the newest ``ODDS_HISTORY`` (64) event times; a sample at an event
  time already held replaces it; odds None (no price) is a sample too, meaning unknown. When a
  bet is placed (its ``BetPlaced`` is applied), each leg takes the odds of the latest sample
  whose event time is <= the placement time (the event-specific history wins a tie with the
  event-less one); samples that arrive after the bet do not change it (odds lead the bets).
- **ODDS_MISMATCH** (singles): when the single's odds ``O`` exceed those market odds by more
  than the tolerance, ``O > market * (1 + odds_tolerance_bp / 10_000)`` exactly (at the
  tolerance is no mismatch), every settled version is flagged; it is still paid at ``O``.
- **Cancels**: ``LineCancelled`` activates its window ``[start_time_ms, end_time_ms]`` (a
  missing bound is open) on (event, ``line_id``); the legs of bets placed inside it (the
  ``BetPlaced`` event time) are VOID whatever the line's result (reason ``void_reason:<n>`` or
  ``cancelled``), so a cancel after the settlement is a new version. ``CancelRolledBack`` with
  the same window deactivates it (another window rolls nothing back): the bet returns to what
  the line's result says, or OPEN.
- **Rollbacks**: ``SettlementRolledBack`` (event, ``line_id``) clears the line's result (an
  event-less ``MarketSettled`` is never rolled back: no rollback names it). A bet whose last
  version was SETTLED and that is no longer resolved gets an OPEN version (outcome None, payout
  0, reason ``rollback_settlement`` or ``rollback_cancel``); a later result settles it again. A
  multiple reopens when any of its legs does.
- **Bet lifecycle**: ``BetDecided`` REJECTED drops the bet for good: it never settles, and if it
  was already settled nothing more is emitted (no reversing version; the wallet side handles a
  rejected bet). ``BetDecided`` ACCEPTED changes nothing. ``BetSettled`` (the provider's own
  settlement) gives a version with its outcome and payout (the bet's currency and stake), flag
  PROVIDER_SETTLED, reason ``provider``, and makes the bet final: line results no longer change
  it; a later ``BetSettled`` with other figures does (flagged CORRECTED too). Decisions and
  settlements of a bet not (yet) placed are ignored: without its stake and player there is
  nothing to publish.
- **Versions**: a version is emitted when a bet's state, outcome, payout or flags (other than
  CORRECTED) differ from its last emitted version, and never for a bet still open that never
  settled. So a confirmation or a resend emits nothing, while a void leg whose odds are unknown
  emits a LEG_ODDS_UNKNOWN version even when the payout did not move, and a provider settlement
  always gives a version. ``version`` 1, 2, ... per bet; ``previous_*`` repeat the bet's
  previous version (None / 0 for version 1). CORRECTED marks a SETTLED version replacing a
  SETTLED one with another outcome or payout (not one after an OPEN version). Flags come in the
  order PROVIDER_SETTLED, CORRECTED, ODDS_MISMATCH, LEG_ODDS_UNKNOWN.
- **settled_at_ms** does not depend on arrival order. Each input that changes a line's state
  (result, rollback, cancel window) is kept in the line's history, in the order of the results
  stream. A settled version's time is the event time of the earliest input, over the histories
  of the bet's lines, from which on the bet has continuously had its current outcome, payout
  and flags (what decides whether a version is emitted): a confirmation keeps the time of what
  it confirms, a bet freed by a cancel rollback takes the rollback's time, a rollback breaks the
  run. That run is the same whether the bet arrived before or after those inputs. An OPEN
  version takes the rollback's event time and a provider settlement its own.
- **Repeats**: an input already applied to a line (same type, ``dedup_key`` and event time; a
  ``BetSettled`` per bet) is ignored, so replaying a whole history emits nothing even across
  rollbacks; a re-settlement after a rollback is a new message (its own event time).
- **Memory**: a line's history grows with its inputs (a handful per line); the risk shard keeps
  one book per risk entity (a sport event) and drops it whole when the event falls silent
  (``wagerflow.risk.engine``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from wagerflow.bet_rules import bet_return, inside, sport_legs
from wagerflow.money import FACTOR_SCALE, ODDS_SCALE
from wagerflow.schemas.events import (
    BetDecided,
    BetOutcome,
    BetPlaced,
    BetSettled,
    CancelRolledBack,
    LineCancelled,
    LineOddsChanged,
    LineSettled,
    MarketSettled,
    NormalizedEvent,
    OddsChanged,
    SelectionResultCode,
    SettlementRolledBack,
)
from wagerflow.schemas.settlement import BetSettlement, SettlementFlag, SettlementState
from wagerflow.settle.payout import (
    LOSE,
    VOID,
    WIN,
    LegResult,
    above_tolerance,
    bet_odds,
    multiple_settlement,
    single_outcome,
    single_payout,
)

ODDS_HISTORY = 64
"""Odds samples kept per (tenant, event, line, selection): the newest event times."""

BetKey = tuple[str, str]  # tenant, bet_id
LineKey = tuple[str, str | None, str]  # tenant, event_id (None: the line on every event), line
OddsKey = tuple[str, str | None, str, str]  # tenant, event_id (None: every event), line, selection
Window = tuple[int | None, int | None]
Applied = tuple[str, str, int]  # input type, dedup key, event time

_FLAG_ORDER: tuple[SettlementFlag, ...] = (
    "PROVIDER_SETTLED",
    "CORRECTED",
    "ODDS_MISMATCH",
    "LEG_ODDS_UNKNOWN",
)


@dataclass(frozen=True)
class SportsSettleConfig:
    odds_tolerance_bp: int = 500
    """ODDS_MISMATCH when accepted odds exceed the market's by more than this (basis points)."""


class _Leg(NamedTuple):
    event_id: str
    line: str
    selection_id: str
    market_odds: int | None  # at acceptance, x ODDS_SCALE


class _Bet(NamedTuple):
    provider_id: str
    player_id: str | None
    currency: str
    stake: int
    odds: Fraction  # a single's odds
    potential_return: int
    placed_ms: int
    legs: tuple[_Leg, ...]
    odds_mismatch: bool


class _Mark(NamedTuple):
    """A resolved leg: its result and the reason text."""

    result: LegResult
    reason: str | None


_LOST = _Mark(LOSE, None)  # a selection a result does not name


class _LineResult(NamedTuple):
    certainty: int
    selections: dict[str, _Mark]


class _LineState(NamedTuple):
    """A line after an input: its result and its active cancel windows (activation order)."""

    result: _LineResult | None
    windows: tuple[tuple[Window, str], ...]


_EMPTY = _LineState(None, ())

_MARKET_CODES: dict[SelectionResultCode, _Mark] = {
    "WINNER": _Mark(WIN, None),
    "PLACED": _Mark(WIN, None),
    "LOSER": _Mark(LOSE, None),
    "REMOVED": _Mark(VOID, "removed"),
}


class _Entry(NamedTuple):
    seq: int  # position in the results stream (inputs that changed some line)
    at_ms: int  # the input's event time
    state: _LineState


class _Out(NamedTuple):
    """A bet's last emitted version."""

    version: int
    state: SettlementState
    outcome: BetOutcome | None
    payout: int
    flags: tuple[SettlementFlag, ...]  # without CORRECTED
    settled_at_ms: int


class _Target(NamedTuple):
    outcome: BetOutcome
    payout: int
    reason: str | None
    flags: tuple[SettlementFlag, ...]
    settled_at_ms: int


def _void_text(void_reason: int | None, default: str) -> str:
    return default if void_reason is None else f"void_reason:{void_reason}"


class SportsSettlement:
    """Settled sports bets; plain picklable state (snapshotted with its shard)."""

    def __init__(self, config: SportsSettleConfig | None = None) -> None:
        self.config = config or SportsSettleConfig()
        self._bets: dict[BetKey, _Bet] = {}
        self._final: set[BetKey] = set()  # provider-settled
        self._rejected: dict[BetKey, int] = {}  # -> placement time
        self._out: dict[BetKey, _Out] = {}
        self._on_line: dict[LineKey, dict[BetKey, None]] = {}  # unsettled-for-good bets by leg
        self._events_of_line: dict[tuple[str, str], dict[str, None]] = {}
        self._history: dict[LineKey, list[_Entry]] = {}  # the states of each line
        self._seq = 0
        self._applied: dict[tuple[str | None, ...], set[Applied]] = {}  # per line or bet
        self._odds: dict[OddsKey, list[tuple[int, int | None]]] = {}  # sorted by event time

    # --- inputs -------------------------------------------------------------------------------

    def apply(self, event: NormalizedEvent) -> list[BetSettlement]:
        """Apply one event; the new versions of the bets it changed, in (tenant, bet) order."""
        if isinstance(event, LineOddsChanged):
            for o in event.outcomes:
                self._sample(
                    (event.tenant_id, event.event_id, event.line_id, o.outcome_id),
                    event.event_time_ms,
                    o.odds,
                )
            return []
        if isinstance(event, OddsChanged):
            self._sample(
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
            return self._result(event)
        if isinstance(event, SettlementRolledBack):
            where: LineKey = (event.tenant_id, event.event_id, event.line_id)
            if not self._first_time(where, event):
                return []
            state = self._state(where)
            if state.result is None:
                return []
            self._record(where, event.event_time_ms, state._replace(result=None))
            return self._recompute(self._bets_on(where), event.event_time_ms, "rollback_settlement")
        if isinstance(event, LineCancelled | CancelRolledBack):
            return self._window(event)
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
            _Leg(
                leg.event_id,
                leg.line,
                leg.selection_id,
                self._market_odds(
                    (event.tenant_id, leg.event_id, leg.line, leg.selection_id),
                    event.event_time_ms,
                ),
            )
            for leg in sport_legs(event)
        ]
        if not legs:
            return []
        odds = bet_odds(event.stake, event.accepted_odds, event.potential_payout)
        (first, *more) = legs
        mismatch = (
            not more
            and first.market_odds is not None
            and above_tolerance(odds, first.market_odds, self.config.odds_tolerance_bp)
        )
        self._bets[key] = _Bet(
            provider_id=event.provider_id,
            player_id=event.player_id,
            currency=event.currency,
            stake=event.stake,
            odds=odds,
            potential_return=bet_return(event),
            placed_ms=event.event_time_ms,
            legs=tuple(legs),
            odds_mismatch=mismatch,
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
        self._out.pop(key, None)
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
        target = _Target(
            outcome=event.outcome,
            payout=event.payout,
            reason="provider",
            flags=("PROVIDER_SETTLED",),
            settled_at_ms=event.event_time_ms,
        )
        record = self._version(key, bet, target, event.event_time_ms, "")
        return [] if record is None else [record]

    def _result(self, event: LineSettled | MarketSettled) -> list[BetSettlement]:
        line = event.line_id if isinstance(event, LineSettled) else event.market_id
        where: LineKey = (event.tenant_id, event.event_id, line)
        if not self._first_time(where, event):
            return []
        at = event.event_time_ms
        certainty = event.certainty if isinstance(event, LineSettled) else 2
        state = self._state(where)
        if state.result is not None and state.result.certainty > certainty:
            return []
        marks: dict[str, _Mark] = {}
        if isinstance(event, LineSettled):
            for o in event.outcomes:
                result = LegResult(o.won, o.void_factor or 0, o.dead_heat_factor)
                reason = None
                if result.void_factor > 0:
                    reason = _void_text(event.void_reason, "void")
                elif o.won and o.dead_heat_factor is not None and o.dead_heat_factor < FACTOR_SCALE:
                    reason = "dead_heat"
                marks[o.outcome_id] = _Mark(result, reason)
        else:
            marks.update({r.selection_id: _MARKET_CODES[r.result] for r in event.results})
        self._record(where, at, state._replace(result=_LineResult(certainty, marks)))
        return self._recompute(self._bets_on(where), at, "open")

    def _window(self, event: LineCancelled | CancelRolledBack) -> list[BetSettlement]:
        where: LineKey = (event.tenant_id, event.event_id, event.line_id)
        if not self._first_time(where, event):
            return []
        window = (event.start_time_ms, event.end_time_ms)
        state = self._state(where)
        active = dict(state.windows)
        if isinstance(event, LineCancelled):
            if window in active:
                return []
            active[window] = _void_text(event.void_reason, "cancelled")
        elif active.pop(window, None) is None:
            return []
        self._record(where, event.event_time_ms, state._replace(windows=tuple(active.items())))
        return self._recompute(self._bets_on(where), event.event_time_ms, "rollback_cancel")

    def _state(self, where: LineKey) -> _LineState:
        history = self._history.get(where)
        return history[-1].state if history else _EMPTY

    def _record(self, where: LineKey, at_ms: int, state: _LineState) -> None:
        self._seq += 1
        self._history.setdefault(where, []).append(_Entry(self._seq, at_ms, state))

    # --- odds ---------------------------------------------------------------------------------

    def _sample(self, key: OddsKey, at_ms: int, odds: int | None) -> None:
        history = self._odds.setdefault(key, [])
        i = bisect_left(history, at_ms, key=lambda s: s[0])
        if i < len(history) and history[i][0] == at_ms:
            history[i] = (at_ms, odds)
        else:
            history.insert(i, (at_ms, odds))
            if len(history) > ODDS_HISTORY:
                del history[0]

    def _market_odds(self, key: OddsKey, at_ms: int) -> int | None:
        """The odds of the latest sample at or before ``at_ms`` (event-specific on a tie)."""
        best: tuple[int, int, int | None] | None = None
        tenant, event_id, line, selection = key
        for rank, k in ((1, key), (0, (tenant, None, line, selection))):
            history = self._odds.get(k, [])
            i = bisect_right(history, at_ms, key=lambda s: s[0])
            if i and (best is None or (history[i - 1][0], rank) > best[:2]):
                best = (history[i - 1][0], rank, history[i - 1][1])
            if event_id is None:
                break
        return None if best is None else best[2]

    # --- settling -----------------------------------------------------------------------------

    def _bets_on(self, where: LineKey) -> list[BetKey]:
        tenant, event_id, line = where
        if event_id is not None:
            return list(self._on_line.get(where, ()))
        events = self._events_of_line.get((tenant, line), ())
        return [key for e in events for key in self._on_line.get((tenant, e, line), ())]

    def _evaluate(self, key: BetKey, bet: _Bet) -> _Target | None:
        """The settlement the bet's lines give now (None while a leg is open), timed at the
        earliest input of the current unbroken run of the same outcome and payout."""
        tenant = key[0]
        where: dict[LineKey, None] = {}
        for leg in bet.legs:
            where[tenant, leg.event_id, leg.line] = where[tenant, None, leg.line] = None
        timeline = sorted(
            ((entry, k) for k in where for entry in self._history.get(k, ())),
            key=lambda x: x[0].seq,
        )
        states: dict[LineKey, _LineState] = {}
        runs: list[tuple[int, _Target | None]] = []  # after each input: its time, the settlement
        for entry, k in timeline:
            states[k] = entry.state
            runs.append((entry.at_ms, self._settle(tenant, bet, states)))
        at_ms, now = runs[-1] if runs else (0, None)
        if now is None:
            return None
        for earlier, target in reversed(runs):
            if target is None or (target.outcome, target.payout, target.flags) != (
                now.outcome,
                now.payout,
                now.flags,
            ):
                break
            at_ms = earlier
        return now._replace(settled_at_ms=at_ms)

    def _settle(self, tenant: str, bet: _Bet, states: dict[LineKey, _LineState]) -> _Target | None:
        """The settlement the given line states give the bet (its time left 0)."""
        marks = []
        for leg in bet.legs:
            own = states.get((tenant, leg.event_id, leg.line), _EMPTY)
            anywhere = states.get((tenant, None, leg.line), _EMPTY)
            mark = self._mark(bet, leg, own, anywhere)
            if mark is None:
                return None
            marks.append(mark)
        if len(marks) == 1:
            (mark,) = marks
            flags: tuple[SettlementFlag, ...] = ("ODDS_MISMATCH",) if bet.odds_mismatch else ()
            return _Target(
                outcome=single_outcome(mark.result),
                payout=single_payout(bet.stake, bet.odds, mark.result),
                reason=mark.reason,
                flags=flags,
                settled_at_ms=0,
            )
        legs = [
            (m.result, None if leg.market_odds is None else Fraction(leg.market_odds, ODDS_SCALE))
            for m, leg in zip(marks, bet.legs, strict=True)
        ]
        multiple = multiple_settlement(bet.stake, bet.potential_return, legs)
        return _Target(
            outcome=multiple.outcome,
            payout=multiple.payout,
            reason=None,
            flags=("LEG_ODDS_UNKNOWN",) if multiple.odds_unknown else (),
            settled_at_ms=0,
        )

    @staticmethod
    def _mark(bet: _Bet, leg: _Leg, own: _LineState, anywhere: _LineState) -> _Mark | None:
        """A leg's mark in the given states of its line (own event, event-less); None: open."""
        for window, reason in own.windows:
            if inside(bet.placed_ms, window):
                return _Mark(VOID, reason)
        result = own.result or anywhere.result
        if result is None:
            return None
        return result.selections.get(leg.selection_id, _LOST)

    def _recompute(
        self, keys: Iterable[BetKey], at_ms: int, open_reason: str
    ) -> list[BetSettlement]:
        out = []
        for key in sorted(set(keys)):
            bet = self._bets[key]
            record = self._version(key, bet, self._evaluate(key, bet), at_ms, open_reason)
            if record is not None:
                out.append(record)
        return out

    def _version(
        self, key: BetKey, bet: _Bet, target: _Target | None, at_ms: int, open_reason: str
    ) -> BetSettlement | None:
        """The next version of the bet when ``target`` (None: open) differs from its last in
        state, outcome, payout or flags."""
        last = self._out.get(key)
        state: SettlementState = "SETTLED"
        outcome: BetOutcome | None
        reason: str | None
        flags: tuple[SettlementFlag, ...] = ()
        if target is None:
            if last is None or last.state == "OPEN":
                return None
            state, outcome, payout, reason, settled_at = "OPEN", None, 0, open_reason, at_ms
        else:
            outcome, payout, reason = target.outcome, target.payout, target.reason
            flags, settled_at = target.flags, target.settled_at_ms
            if last is not None and (last.state, last.outcome, last.payout, last.flags) == (
                state,
                outcome,
                payout,
                flags,
            ):
                return None
        corrected: tuple[SettlementFlag, ...] = ()
        if (
            last is not None
            and last.state == state == "SETTLED"
            and (last.outcome, last.payout) != (outcome, payout)
        ):
            corrected = ("CORRECTED",)
        version = 1 if last is None else last.version + 1
        self._out[key] = _Out(version, state, outcome, payout, flags, settled_at)
        first = bet.legs[0]
        tenant, bet_id = key
        return BetSettlement(
            tenant_id=tenant,
            provider_id=bet.provider_id,
            category="sport",
            settlement_id=f"{tenant}:{bet.provider_id}:{bet_id}:{version}",
            bet_id=bet_id,
            round_id=f"{first.event_id}/{first.line}",
            player_id=bet.player_id,
            currency=bet.currency,
            stake=bet.stake,
            state=state,
            outcome=outcome,
            payout=payout,
            version=version,
            settled_at_ms=settled_at,
            reason=reason,
            flags=[f for f in _FLAG_ORDER if f in (*flags, *corrected)],
            previous_state=None if last is None else last.state,
            previous_outcome=None if last is None else last.outcome,
            previous_payout=0 if last is None else last.payout,
        )
