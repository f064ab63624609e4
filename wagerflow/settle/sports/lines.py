"""The states of each sports line over time: its result and its active cancel windows.

Each input that changes a line's state (result, rollback, cancel window) appends the new state to
the line's history, numbered in the order of the results stream (``LineBook.timeline``), from
which ``evaluate`` times a bet's settlement. Rules:

- **Results**: ``LineSettled`` (event, ``line_id``): each outcome gives ``won``, the void factor
  ``v`` (refunded share of the stake, 0 when absent) and the dead-heat factor ``d`` (paid share
  of the winnings, 1 when absent). An undecided outcome (``won`` None, UOF ``result="-1"``,
  MONEY.md §3.2) stays open while the others settle; it never undoes a decision: an outcome a
  result leaves undecided keeps its mark from the result it replaces (only a rollback clears
  it). Betfair ``MarketSettled`` (``market_id`` as the line,
  ``event_id`` None = the line on every event): per runner status, with the market's terms and
  removals kept for the Betfair rules of singles (``wagerflow.settle.betfair_rules``); for a
  multiple's leg WINNER wins, REMOVED / REMOVED_VACANT is void, PLACED (not a win outside each
  way), LOSER and HIDDEN lose. A selection a result does not name has lost. The generic
  bridge's ``EventResult`` settles nothing here (it releases exposure in
  ``wagerflow.risk.sports``): the bridge settles each of its bets itself with ``BetSettled``,
  and two sources for one bet, on different partitions, would make the bet's versions depend
  on which arrives first.
- **Removals**: ``RunnerRemoved`` adds the removal to its (event, market) line: a leg on that
  runner is VOID from then on, whatever comes later (MONEY.md §2.1).
- **Certainty policy**: a line settles on its FIRST result, certainty 1 or 2
  (``MarketSettled`` counts as certainty 2). A later result of the line
  replaces the current one, except that a certainty-1 result never replaces a certainty-2 one
  (only a rollback clears it). A replacement that gives a bet the same state, outcome and payout
  (and flags) emits nothing (a certainty-2 confirmation or a resend); one that changes its
  outcome or payout emits a new version flagged CORRECTED.
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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from wagerflow.money import FACTOR_SCALE
from wagerflow.schemas.events import (
    CancelRolledBack,
    LineCancelled,
    LineSettled,
    MarketSettled,
    RunnerRemoved,
    SelectionResultCode,
)
from wagerflow.settle.betfair_rules import REMOVED, MarketTerms, Removal
from wagerflow.settle.payout import LOSE, VOID, WIN, LegResult
from wagerflow.settle.sports.model import LineKey

Window = tuple[int | None, int | None]


class Mark(NamedTuple):
    """A resolved leg: its result and the reason text."""

    result: LegResult
    reason: str | None


LOST = Mark(LOSE, None)
"""The mark of a selection a result does not name."""


class ExchangeResult(NamedTuple):
    """A closed Betfair market: each runner's status, the market's terms, its removals."""

    statuses: dict[str, SelectionResultCode]
    terms: MarketTerms
    removals: tuple[Removal, ...]


class LineResult(NamedTuple):
    certainty: int
    selections: dict[str, Mark | None]
    """None: undecided yet (its bets stay open)."""
    exchange: ExchangeResult | None = None


class LineState(NamedTuple):
    """A line after an input: its result, its active cancel windows (activation order) and
    its removed runners (Betfair)."""

    result: LineResult | None
    windows: tuple[tuple[Window, str], ...]
    removed: tuple[Removal, ...] = ()


EMPTY = LineState(None, ())

_MARKET_CODES: dict[SelectionResultCode, Mark] = {
    "WINNER": Mark(WIN, None),
    "PLACED": Mark(LOSE, None),
    "LOSER": Mark(LOSE, None),
    "HIDDEN": Mark(LOSE, None),
    "REMOVED": Mark(VOID, "removed"),
    "REMOVED_VACANT": Mark(VOID, "removed"),
}


def _exchange(event: MarketSettled) -> ExchangeResult:
    divisor = event.each_way_divisor if event.market_type == "EACH_WAY" else None
    terms = MarketTerms(
        number_of_winners=event.number_of_winners or 1,
        each_way_divisor=divisor,
        winners=len(event.winners),
    )
    removals = tuple(
        Removal(r.selection_id, r.adjustment_factor, r.removal_time_ms)
        for r in event.results
        if r.result in REMOVED and r.removal_time_ms is not None
    )
    return ExchangeResult({r.selection_id: r.result for r in event.results}, terms, removals)


class Entry(NamedTuple):
    seq: int  # position in the results stream (inputs that changed some line)
    at_ms: int  # the input's event time
    state: LineState


def _void_text(void_reason: int | None, default: str) -> str:
    return default if void_reason is None else f"void_reason:{void_reason}"


class LineBook:
    """The history of every line's states; plain picklable state. Each change method returns
    whether the line's state changed (then its bets must be re-evaluated)."""

    def __init__(self) -> None:
        self._history: dict[LineKey, list[Entry]] = {}
        self._seq = 0

    def settle(self, where: LineKey, event: LineSettled | MarketSettled) -> bool:
        """Make ``event`` the line's result, unless a result of higher certainty holds."""
        certainty = event.certainty if isinstance(event, LineSettled) else 2
        state = self.state(where)
        if state.result is not None and state.result.certainty > certainty:
            return False
        marks: dict[str, Mark | None] = {}
        exchange = None
        if isinstance(event, LineSettled):
            decided = state.result.selections if state.result is not None else {}
            for o in event.outcomes:
                if o.won is None:
                    marks[o.outcome_id] = decided.get(o.outcome_id)
                    continue
                result = LegResult(o.won, o.void_factor or 0, o.dead_heat_factor)
                reason = None
                if result.void_factor > 0:
                    reason = _void_text(event.void_reason, "void")
                elif o.won and o.dead_heat_factor is not None and o.dead_heat_factor < FACTOR_SCALE:
                    reason = "dead_heat"
                marks[o.outcome_id] = Mark(result, reason)
        else:
            marks.update({r.selection_id: _MARKET_CODES[r.result] for r in event.results})
            exchange = _exchange(event)
        settled = LineResult(certainty, marks, exchange)
        self._record(where, event.event_time_ms, state._replace(result=settled))
        return True

    def remove(self, where: LineKey, event: RunnerRemoved) -> bool:
        """Add a runner removal to the line (once per runner)."""
        state = self.state(where)
        if any(r.selection_id == event.selection_id for r in state.removed):
            return False
        removal = Removal(event.selection_id, event.adjustment_factor, event.removal_time_ms)
        self._record(where, event.event_time_ms, state._replace(removed=(*state.removed, removal)))
        return True

    def roll_back(self, where: LineKey, at_ms: int) -> bool:
        """Clear the line's result (a rollback of the settlement)."""
        state = self.state(where)
        if state.result is None:
            return False
        self._record(where, at_ms, state._replace(result=None))
        return True

    def toggle_window(self, where: LineKey, event: LineCancelled | CancelRolledBack) -> bool:
        """Activate a cancel window, or deactivate it (its rollback)."""
        window = (event.start_time_ms, event.end_time_ms)
        state = self.state(where)
        active = dict(state.windows)
        if isinstance(event, LineCancelled):
            if window in active:
                return False
            active[window] = _void_text(event.void_reason, "cancelled")
        elif active.pop(window, None) is None:
            return False
        self._record(where, event.event_time_ms, state._replace(windows=tuple(active.items())))
        return True

    def state(self, where: LineKey) -> LineState:
        history = self._history.get(where)
        return history[-1].state if history else EMPTY

    def timeline(self, lines: Iterable[LineKey]) -> list[tuple[Entry, LineKey]]:
        """Every state of the given lines with its line, in the order of the results stream."""
        return sorted(
            ((entry, k) for k in lines for entry in self._history.get(k, ())),
            key=lambda x: x[0].seq,
        )

    def _record(self, where: LineKey, at_ms: int, state: LineState) -> None:
        self._seq += 1
        self._history.setdefault(where, []).append(Entry(self._seq, at_ms, state))
